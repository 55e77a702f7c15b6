// For the kill-during-save test (tests/unit/test_training_resume.cpp): saves a model over and
// over to one file, every weight holding the save's number (1, 2, ...), until killed. Prints
// "ready" once the first save is complete. A .npy path saves a 32 MB tensor instead: writing
// then takes most of each iteration, so most kills land in the middle of a write.
//   nabla_save_loop PATH     (.keras, .h5, .weights.h5 or .npy)
#include <iostream>
#include <nabla/nabla.hpp>
#include <string>

int main(int argc, char** argv) {
  using namespace nabla;
  if (argc != 2) {
    std::cerr << "usage: nabla_save_loop PATH\n";
    return 2;
  }
  const std::string path = argv[1];
  if (path.ends_with(".npy")) {
    for (int64_t i = 1;; ++i) {
      save_npy(path, full({8 << 20}, static_cast<double>(i), float32));
      if (i == 1) std::cout << "ready" << std::endl;
    }
  }
  nn::Model model = nn::Sequential({nn::Input({256}), nn::Dense(512), nn::Dense(256)});
  for (int64_t i = 1;; ++i) {
    std::vector<Tensor> values;
    for (const Tensor& w : model.get_weights())
      values.push_back(full_like(w, static_cast<double>(i)));
    model.set_weights(values);
    if (path.ends_with(".weights.h5")) {
      model.save_weights(path);
    } else {
      model.save(path);
    }
    if (i == 1) std::cout << "ready" << std::endl;
  }
}
