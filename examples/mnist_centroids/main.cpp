// MNIST by nearest class centroid, written only with tensor ops: the flagship demo until the
// Keras-style CNN exists. Loads the IDX files, averages each digit's images (one_hot + matmul),
// classifies the test set by the closest centroid (|x|^2 - 2 x.c + |c|^2, argmin) and reports the
// accuracy and time as a final JSON line.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nabla/nabla.hpp>
#include <string>

namespace fs = std::filesystem;
using namespace nabla;

namespace {

struct Split {
  Tensor images;  // [n, 784] float32 in [0, 1]
  Tensor labels;  // [n] uint8
};

Split load_split(const fs::path& dir, const std::string& prefix) {
  Tensor images = load_idx(dir / (prefix + "-images-idx3-ubyte.gz"));
  Tensor labels = load_idx(dir / (prefix + "-labels-idx1-ubyte.gz"));
  return {images.reshape({images.shape()[0], -1}).astype(float32) / 255.0f, labels};
}

fs::path data_dir(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--data") return argv[i + 1];
  }
  const char* root = std::getenv("NABLA_DATA");
  return fs::path(root != nullptr ? root : "../shared/data") / "mnist";
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const fs::path dir = data_dir(argc, argv);
    const auto start = std::chrono::steady_clock::now();
    const Split train = load_split(dir, "train");
    const Split test = load_split(dir, "t10k");
    std::cout << "train " << train.images.shape() << ", test " << test.images.shape() << "\n";

    // centroids[c] = mean of the training images of digit c: one_hot^T @ X / counts
    Tensor indicator = one_hot(train.labels, 10);                    // [60000, 10]
    Tensor counts = sum(indicator, {0});                             // [10]
    Tensor centroids = matmul(transpose(indicator), train.images) /  // [10, 784]
                       unsqueeze(counts, 1);

    // squared distances [10000, 10]; |x|^2 is the same for every class, so it can be dropped
    Tensor scores = sum(square(centroids), {1}) - 2.0f * matmul(test.images, transpose(centroids));
    Tensor predicted = argmin(scores, 1);  // [10000] int64
    const double accuracy = mean(equal(predicted, test.labels)).item<double>();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    std::cout << "images per digit: " << counts.astype(int64) << "\n";
    std::cout << "nearest-centroid test accuracy: " << accuracy * 100 << "% ("
              << "the classic baseline is about 82%)\n";
    std::cout << "{\"example\": \"mnist_centroids\", \"test_accuracy\": " << accuracy
              << ", \"seconds\": " << seconds << ", \"threads\": " << num_threads() << "}\n";
    return 0;
  } catch (const Error& e) {
    std::cerr << "mnist_centroids: " << e.what() << "\n"
              << "Pass --data DIR (the folder with the MNIST .gz files) or set NABLA_DATA.\n";
    return 1;
  }
}
