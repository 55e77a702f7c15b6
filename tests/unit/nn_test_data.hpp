// Small synthetic classification data shared by the model and training-loop tests.
#pragma once

#include <nabla/nabla.hpp>
#include <optional>
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

/// A classifier for blobs() with every kind of training-time state (Dropout's random draws,
/// BatchNormalization's moving statistics, Adam's moments, an accuracy metric), compiled to run
/// eagerly or traced and, when given, on `device`; the weights come from seed 21.
inline nabla::nn::Sequential stateful_mlp(bool eager,
                                          std::optional<nabla::Device> device = std::nullopt) {
  using namespace nabla;
  random::seed(21);
  auto model =
      nn::Sequential({nn::Input({8}), nn::Dense(32, {.activation = "relu"}), nn::Dropout(0.3),
                      nn::BatchNormalization(), nn::Dense(3, {.activation = "softmax"})});
  model.compile({.optimizer = optim::Adam({.learning_rate = 1e-2}),
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"},
                 .run_eagerly = eager,
                 .device = device});
  return model;
}

}  // namespace nn_test
