// Small synthetic classification data shared by the model and training-loop tests.
#pragma once

#include <nabla/nabla.hpp>
#include <utility>

namespace nn_test {

/// Three Gaussian blobs in 8 dimensions (linearly separable), labels 0..2 (int64); `seed`
/// reseeds the global generator so a test gets the same data on every run.
inline std::pair<nabla::Tensor, nabla::Tensor> blobs(int64_t n, uint64_t seed) {
  using namespace nabla;
  random::seed(seed);
  Tensor y = random::randint(0, 3, {n});
  Tensor centers =
      tensor<float>({{2, 0, 0, 0, 1, 0, 0, 0}, {0, 2, 0, 0, 0, 1, 0, 0}, {0, 0, 2, 0, 0, 0, 1, 0}});
  Tensor x = take(centers, y, 0) + random::normal({n, 8}, 0.0, 0.5);
  return {x, y};
}

}  // namespace nn_test
