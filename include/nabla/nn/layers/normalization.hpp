// Normalization layers: BatchNormalization and LayerNormalization (Keras 3's names, options,
// defaults, weights and configs).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nabla/nn/layer.hpp"

namespace nabla::nn {

/// Keras's `axis`: one axis (`-1`) or a list of axes (`{1, 2}`). Negative axes count from the
/// end of the input's shape (batch dimension included). Remembers which form it was given in, so
/// that get_config() writes it back the same way.
class AxisArg {
 public:
  AxisArg(int64_t axis) : axes_{axis}, is_list_(false) {}     // NOLINT: implicit by design
  AxisArg(int axis) : AxisArg(static_cast<int64_t>(axis)) {}  // NOLINT
  AxisArg(std::initializer_list<int64_t> axes) : axes_(axes), is_list_(true) {}   // NOLINT
  AxisArg(std::vector<int64_t> axes) : axes_(std::move(axes)), is_list_(true) {}  // NOLINT
  [[nodiscard]] const std::vector<int64_t>& axes() const { return axes_; }
  [[nodiscard]] bool is_list() const { return is_list_; }
  /// An integer, or a list when given as one.
  [[nodiscard]] nlohmann::json to_json() const;

 private:
  std::vector<int64_t> axes_;
  bool is_list_;
};

struct BatchNormalizationOptions {
  /// The feature axis (or axes) that keeps its own statistics; every other axis is reduced.
  AxisArg axis = -1;
  double momentum = 0.99;
  double epsilon = 1e-3;
  bool center = true;  // learn beta (an offset)
  bool scale = true;   // learn gamma (a factor)
  initializers::InitializerRef beta_initializer = "zeros";
  initializers::InitializerRef gamma_initializer = "ones";
  initializers::InitializerRef moving_mean_initializer = "zeros";
  initializers::InitializerRef moving_variance_initializer = "ones";
  regularizers::RegularizerRef beta_regularizer = {};
  regularizers::RegularizerRef gamma_regularizer = {};
};

/// x: [batch, ..., features] -> same shape: gamma * (x - mean) / sqrt(variance + epsilon) + beta
/// per feature. In training (a call with training=true on a trainable layer) mean and variance
/// are the batch's (biased variance over every axis but `axis`), and the moving statistics are
/// updated in place: moving = moving * momentum + batch * (1 - momentum). In inference, and
/// always when the layer is not trainable (Keras 3: trainable=false freezes BN into inference
/// mode), the moving statistics are used. Weights, in Keras's order: gamma, beta (trainable;
/// absent when scale/center is off), moving_mean, moving_variance (non-trainable), each of the
/// feature axes' shape.
class BatchNormalization : public ClonableLayer<BatchNormalization> {
 public:
  explicit BatchNormalization(BatchNormalizationOptions options = {});
  void build(const Shape& input_shape) override;
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "BatchNormalization"; }
  [[nodiscard]] bool supports_masking() const override { return true; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static BatchNormalization from_config(const nlohmann::json& config);
  Tensor gamma, beta, moving_mean, moving_variance;

 private:
  BatchNormalizationOptions options_;
  int64_t input_rank_ = 0;  // the rank build() saw (Keras's InputSpec ndim)
};

struct LayerNormalizationOptions {
  /// The axis (or axes) normalised together within each sample; gamma and beta span them.
  AxisArg axis = -1;
  double epsilon = 1e-3;
  bool center = true;
  bool scale = true;
  initializers::InitializerRef beta_initializer = "zeros";
  initializers::InitializerRef gamma_initializer = "ones";
  regularizers::RegularizerRef beta_regularizer = {};
  regularizers::RegularizerRef gamma_regularizer = {};
};

/// x -> same shape: (x - mean) / sqrt(variance + epsilon) * gamma + beta, with mean and (biased)
/// variance over `axis` for each sample; identical in training and inference. Weights gamma and
/// beta (trainable) have the shape of the normalised axes, in the order `axis` lists them.
class LayerNormalization : public ClonableLayer<LayerNormalization> {
 public:
  explicit LayerNormalization(LayerNormalizationOptions options = {});
  void build(const Shape& input_shape) override;
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "LayerNormalization"; }
  [[nodiscard]] bool supports_masking() const override { return true; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static LayerNormalization from_config(const nlohmann::json& config);
  Tensor gamma, beta;

 private:
  LayerNormalizationOptions options_;
  int64_t input_rank_ = 0;
};

}  // namespace nabla::nn
