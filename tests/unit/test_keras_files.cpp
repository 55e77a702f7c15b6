// Real Keras model files ($NABLA_DATA/keras-models, written by Keras 2.1.6 to 3.13, not by us):
// each must load through nn::load_model and reproduce its expected.npy, computed independently
// by a float64 NumPy forward pass; the MNIST and Fashion-MNIST classifiers must also score their
// listed accuracy on the full test set. Skipped (saying why) without NABLA_DATA.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <nabla/nabla.hpp>
#include <optional>

namespace nabla {
namespace {

namespace fs = std::filesystem;

std::optional<fs::path> keras_models_dir() {
  const char* data = std::getenv("NABLA_DATA");
  if (data == nullptr || *data == '\0') return std::nullopt;
  const fs::path dir = fs::path(data) / "keras-models";
  if (!fs::is_directory(dir)) return std::nullopt;
  return dir;
}

fs::path model_file(const fs::path& folder) {
  return fs::exists(folder / "model.keras") ? folder / "model.keras" : folder / "model.h5";
}

/// The model's inputs from input.npy: several inputs are stacked on axis 0.
nn::Tensors model_inputs(const nn::Model& model, const Tensor& stacked) {
  const size_t count = model.inputs().size();
  if (count <= 1) return stacked;
  std::vector<Tensor> xs;
  for (size_t i = 0; i < count; ++i) xs.push_back(stacked[static_cast<int64_t>(i)].contiguous());
  return xs;
}

struct Classifier {
  std::string folder;
  std::string dataset;
  double accuracy = 0;  // on the full test set (the folder's README)
  friend void PrintTo(const Classifier& c, std::ostream* os) { *os << c.folder; }
};

std::string test_name(const std::string& folder) {
  std::string name = folder;
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
}

class KerasFiles : public ::testing::TestWithParam<std::string> {};

TEST_P(KerasFiles, LoadAndReproduceExpectedOutputs) {
  const auto dir = keras_models_dir();
  if (!dir) GTEST_SKIP() << "no keras-models under $NABLA_DATA (set it to the shared data folder)";
  const fs::path folder = *dir / GetParam();
  nn::Model model = nn::load_model(model_file(folder));
  // .keras archives carry a compile_config: they come back compiled (Keras's load_model).
  if (model_file(folder).extension() == ".keras") {
    EXPECT_NE(model.optimizer(), nullptr);
  }
  const Tensor input = load_npy(folder / "input.npy");
  const Tensor expected = load_npy(folder / "expected.npy");
  const Tensor got = model.predict(model_inputs(model, input), {.batch_size = 64, .verbose = 0});
  ASSERT_EQ(got.shape(), expected.shape());
  const auto g = got.to_vector<float>();
  const auto e = expected.to_vector<float>();
  size_t bad = 0;
  double worst = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    const double err = std::abs(double(g[i]) - e[i]);
    worst = std::max(worst, err / (1e-6 + 1e-4 * std::abs(e[i])));
    bad += err > 1e-6 + 1e-4 * std::abs(e[i]);
  }
  EXPECT_EQ(bad, 0u) << "worst error / tolerance: " << worst;
}

class KerasClassifiers : public ::testing::TestWithParam<Classifier> {};

TEST_P(KerasClassifiers, FullTestSetAccuracy) {
  const Classifier& c = GetParam();
  const auto dir = keras_models_dir();
  if (!dir) GTEST_SKIP() << "no keras-models under $NABLA_DATA (set it to the shared data folder)";
  const fs::path data = dir->parent_path() / c.dataset;
  if (!fs::is_directory(data)) GTEST_SKIP() << "no " << c.dataset << " under $NABLA_DATA";
  const auto [train, test] = datasets::load_idx_folder(data);
  nn::Model model = nn::load_model(model_file(*dir / c.folder));
  // The shape each model takes: the input.npy rows' shape.
  const Shape sample = load_npy(*dir / c.folder / "input.npy").shape();
  std::vector<int64_t> dims{test.x.shape()[0]};
  for (int64_t d = 1; d < sample.rank(); ++d) dims.push_back(sample[d]);
  const Tensor x = (test.x.astype(float32) / 255.0).reshape(Shape(dims));
  const Tensor predicted = argmax(model.predict(x, {.batch_size = 256, .verbose = 0}), -1);
  const double accuracy = mean((predicted == test.y.astype(int64)).astype(float64)).item<double>();
  // float32 against the float64 reference may flip a few borderline images.
  EXPECT_NEAR(accuracy, c.accuracy, 5e-4) << c.folder;
  std::cout << c.folder << ": test accuracy " << accuracy << " (reference " << c.accuracy << ")\n";
}

INSTANTIATE_TEST_SUITE_P(SharedFiles, KerasFiles,
                         ::testing::Values("mnist-mlp-sannmyatmin", "mnist-cnn-kimthangg",
                                           "mnist-cnn-gnudisme", "mnist-resnet-ibukye",
                                           "mnist-lstm-leejeehyeon", "fashion-cnn-bn-evanchien",
                                           "cnn1d-4head-sandeepan", "imdb-bigru-anushree",
                                           "seq-gru-khushbakht", "seq-bilstm-khushbakht"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return test_name(param_info.param);
                         });

INSTANTIATE_TEST_SUITE_P(SharedFiles, KerasClassifiers,
                         ::testing::Values(Classifier{"mnist-mlp-sannmyatmin", "mnist", 0.9797},
                                           Classifier{"mnist-cnn-kimthangg", "mnist", 0.9909},
                                           Classifier{"mnist-cnn-gnudisme", "mnist", 0.9936},
                                           Classifier{"mnist-resnet-ibukye", "mnist", 0.9588},
                                           Classifier{"mnist-lstm-leejeehyeon", "mnist", 0.9702},
                                           Classifier{"fashion-cnn-bn-evanchien", "fashion-mnist",
                                                      0.9108}),
                         [](const ::testing::TestParamInfo<Classifier>& param_info) {
                           return test_name(param_info.param.folder);
                         });

}  // namespace
}  // namespace nabla
