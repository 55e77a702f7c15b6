// Core layers: Dense, Activation, Dropout, Flatten (Keras's names, options and defaults).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "nabla/nn/layer.hpp"

namespace nabla::nn {

/// An activation given by Keras name ("relu", "softmax", ...; "" or "linear" for none) or as a
/// callable Tensor(const Tensor&).
class ActivationArg {
 public:
  ActivationArg() = default;
  ActivationArg(const char* name);         // NOLINT: implicit by design
  ActivationArg(const std::string& name);  // NOLINT
  template <class F>
  requires std::is_invocable_r_v<Tensor, F, const Tensor&> &&
      (!std::is_convertible_v<F, std::string>)ActivationArg(F fn)  // NOLINT
      : name_("custom"), fn_(std::move(fn)) {}
  [[nodiscard]] Tensor operator()(const Tensor& x) const { return fn_ ? fn_(x) : x; }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  std::string name_ = "linear";
  std::function<Tensor(const Tensor&)> fn_;
};

struct DenseOptions {
  ActivationArg activation = {};
  bool use_bias = true;
  initializers::InitializerRef kernel_initializer = "glorot_uniform";
  initializers::InitializerRef bias_initializer = "zeros";
  regularizers::RegularizerRef kernel_regularizer = {};
  regularizers::RegularizerRef bias_regularizer = {};
};

/// x: [..., in] -> activation(x @ kernel + bias): [..., units]; kernel [in, units].
class Dense : public ClonableLayer<Dense> {
 public:
  explicit Dense(int64_t units, DenseOptions options = {});
  void build(const Shape& input_shape) override;
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "Dense"; }
  [[nodiscard]] bool supports_masking() const override { return true; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static Dense from_config(const nlohmann::json& config);
  Tensor kernel, bias;

 private:
  int64_t units_;
  DenseOptions options_;
};

/// activation(x), same shape.
class Activation : public ClonableLayer<Activation> {
 public:
  explicit Activation(ActivationArg activation);
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "Activation"; }
  [[nodiscard]] bool supports_masking() const override { return true; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static Activation from_config(const nlohmann::json& config);

 private:
  ActivationArg activation_;
};

struct DropoutOptions {
  /// The mask's shape, broadcast over the input (e.g. {-1, 1, -1} drops whole time steps);
  /// empty: the input's shape. -1 takes the input's extent, as Keras's None.
  std::vector<int64_t> noise_shape = {};
};
/// In training, zeroes each element with probability `rate` and scales the rest by 1/(1-rate);
/// the identity in inference.
class Dropout : public ClonableLayer<Dropout> {
 public:
  explicit Dropout(double rate, DropoutOptions options = {});
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "Dropout"; }
  [[nodiscard]] bool supports_masking() const override { return true; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static Dropout from_config(const nlohmann::json& config);

 private:
  double rate_;
  DropoutOptions options_;
};

/// [batch, ...] -> [batch, product of the rest].
class Flatten : public ClonableLayer<Flatten> {
 public:
  Flatten();
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "Flatten"; }
  [[nodiscard]] static Flatten from_config(const nlohmann::json& config);
};

}  // namespace nabla::nn
