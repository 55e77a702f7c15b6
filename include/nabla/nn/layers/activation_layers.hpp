// Activation layers with parameters (Keras's keras.layers.ReLU, LeakyReLU, ELU, Softmax): the
// same functions as nn::activations, with the options Keras's layer classes take, so configs
// that name these classes load.
//   Tensor h = nn::ReLU({.max_value = 6.0})(x);   // relu6
#pragma once

#include <optional>

#include "nabla/nn/layer.hpp"

namespace nabla::nn {

struct ReLUOptions {
  std::optional<double> max_value = std::nullopt;  // the output's upper bound (None: unbounded)
  double negative_slope = 0.0;                     // the slope below the threshold
  double threshold = 0.0;                          // values below it are "negative"
};

/// max_value where x >= max_value; x where threshold <= x < max_value; negative_slope *
/// (x - threshold) below the threshold (Keras's ReLU layer).
class ReLU : public ClonableLayer<ReLU> {
 public:
  explicit ReLU(ReLUOptions options = {});
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "ReLU"; }
  [[nodiscard]] bool supports_masking() const override { return true; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static ReLU from_config(const nlohmann::json& config);

 private:
  ReLUOptions options_;
};

/// x for x >= 0, negative_slope * x otherwise (Keras 3's default slope 0.3; Keras 2 called it
/// alpha, which from_config also reads).
class LeakyReLU : public ClonableLayer<LeakyReLU> {
 public:
  explicit LeakyReLU(double negative_slope = 0.3);
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "LeakyReLU"; }
  [[nodiscard]] bool supports_masking() const override { return true; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static LeakyReLU from_config(const nlohmann::json& config);

 private:
  double negative_slope_;
};

/// x for x > 0, alpha * (exp(x) - 1) otherwise.
class ELU : public ClonableLayer<ELU> {
 public:
  explicit ELU(double alpha = 1.0);
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "ELU"; }
  [[nodiscard]] bool supports_masking() const override { return true; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static ELU from_config(const nlohmann::json& config);

 private:
  double alpha_;
};

/// softmax over `axis` (the last by default).
class Softmax : public ClonableLayer<Softmax> {
 public:
  explicit Softmax(int64_t axis = -1);
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "Softmax"; }
  [[nodiscard]] bool supports_masking() const override { return true; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static Softmax from_config(const nlohmann::json& config);

 private:
  int64_t axis_;
};

}  // namespace nabla::nn
