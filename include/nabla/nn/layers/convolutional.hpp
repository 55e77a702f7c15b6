// Convolution layers: Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D
// (Keras's names, options, defaults, weight names and layouts, so Keras weights map one to one).
// Channels-last inputs [batch, *spatial, channels] by default; data_format "channels_first" takes
// [batch, channels, *spatial].
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nabla/nn/layers/core.hpp"

namespace nabla::nn {

/// Keras's int-or-tuple arguments (kernel_size, strides, dilation_rate): one value for every
/// spatial dim (`3`) or one per dim (`{3, 5}`). Empty (`{}`) means none where that is allowed
/// (Conv2DTranspose's output_padding).
class PerDim {
 public:
  PerDim() = default;
  PerDim(int64_t value) : values_{value} {}                            // NOLINT: implicit
  PerDim(std::initializer_list<int64_t> values) : values_(values) {}   // NOLINT
  PerDim(std::vector<int64_t> values) : values_(std::move(values)) {}  // NOLINT
  [[nodiscard]] const std::vector<int64_t>& values() const { return values_; }
  [[nodiscard]] bool empty() const { return values_.empty(); }

 private:
  std::vector<int64_t> values_;
};

/// Conv1D's and Conv2D's keyword arguments, in Keras's order.
struct ConvLayerOptions {
  PerDim strides = 1;
  std::string padding = "valid";  // "valid", "same"; Conv1D also "causal"
  std::string data_format = "channels_last";
  PerDim dilation_rate = 1;
  int64_t groups = 1;
  ActivationArg activation = {};
  bool use_bias = true;
  initializers::InitializerRef kernel_initializer = "glorot_uniform";
  initializers::InitializerRef bias_initializer = "zeros";
  regularizers::RegularizerRef kernel_regularizer = {};
  regularizers::RegularizerRef bias_regularizer = {};
};
using Conv1DOptions = ConvLayerOptions;
using Conv2DOptions = ConvLayerOptions;

namespace detail {

/// Conv1D and Conv2D (Keras's BaseConv): kernel [*kernel_size, channels / groups, filters].
class BaseConv : public Layer {
 public:
  BaseConv(int64_t rank, std::string base_name, int64_t filters, PerDim kernel_size,
           ConvLayerOptions options);
  void build(const Shape& input_shape) override;
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] nlohmann::json get_config() const override;
  Tensor kernel, bias;

 protected:
  /// The constructor's arguments from a Keras config.
  struct Arguments {
    int64_t filters;
    PerDim kernel_size;
    ConvLayerOptions options;
  };
  [[nodiscard]] static Arguments arguments_from_config(const nlohmann::json& config,
                                                       std::string_view who);

 private:
  int64_t rank_, filters_;
  std::vector<int64_t> kernel_size_, strides_, dilation_rate_;
  ConvLayerOptions options_;
};

}  // namespace detail

/// x: [batch, steps, channels] -> [batch, new_steps, filters]; kernel [kernel_size, channels /
/// groups, filters]. padding "causal" pads (kernel_size - 1) * dilation_rate steps on the left.
class Conv1D : public ClonableLayer<Conv1D, detail::BaseConv> {
 public:
  Conv1D(int64_t filters, PerDim kernel_size, Conv1DOptions options = {});
  [[nodiscard]] std::string class_name() const override { return "Conv1D"; }
  [[nodiscard]] static Conv1D from_config(const nlohmann::json& config);
};

/// x: [batch, h, w, channels] -> [batch, new_h, new_w, filters]; kernel [kh, kw, channels /
/// groups, filters].
class Conv2D : public ClonableLayer<Conv2D, detail::BaseConv> {
 public:
  Conv2D(int64_t filters, PerDim kernel_size, Conv2DOptions options = {});
  [[nodiscard]] std::string class_name() const override { return "Conv2D"; }
  [[nodiscard]] static Conv2D from_config(const nlohmann::json& config);
};

struct Conv2DTransposeOptions {
  PerDim strides = 1;
  std::string padding = "valid";  // "valid", "same"
  /// Extra rows/columns of output, each below its stride; empty: Keras's None.
  PerDim output_padding = {};
  std::string data_format = "channels_last";
  PerDim dilation_rate = 1;
  ActivationArg activation = {};
  bool use_bias = true;
  initializers::InitializerRef kernel_initializer = "glorot_uniform";
  initializers::InitializerRef bias_initializer = "zeros";
  regularizers::RegularizerRef kernel_regularizer = {};
  regularizers::RegularizerRef bias_regularizer = {};
};

/// The transposed convolution: x [batch, h, w, channels] -> [batch, new_h, new_w, filters] with
/// Keras's output size (nabla::conv_transpose); kernel [kh, kw, filters, channels].
class Conv2DTranspose : public ClonableLayer<Conv2DTranspose> {
 public:
  Conv2DTranspose(int64_t filters, PerDim kernel_size, Conv2DTransposeOptions options = {});
  void build(const Shape& input_shape) override;
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "Conv2DTranspose"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static Conv2DTranspose from_config(const nlohmann::json& config);
  Tensor kernel, bias;

 private:
  int64_t filters_;
  std::vector<int64_t> kernel_size_, strides_, dilation_rate_, output_padding_;
  Conv2DTransposeOptions options_;
};

struct DepthwiseConv2DOptions {
  PerDim strides = 1;
  std::string padding = "valid";
  int64_t depth_multiplier = 1;
  std::string data_format = "channels_last";
  PerDim dilation_rate = 1;
  ActivationArg activation = {};
  bool use_bias = true;
  initializers::InitializerRef depthwise_initializer = "glorot_uniform";
  initializers::InitializerRef bias_initializer = "zeros";
  regularizers::RegularizerRef depthwise_regularizer = {};
  regularizers::RegularizerRef bias_regularizer = {};
};

/// Each input channel convolved with its own depth_multiplier filters: x [batch, h, w, channels]
/// -> [batch, new_h, new_w, channels * depth_multiplier], output channel c * depth_multiplier + m
/// from channel c; depthwise_kernel [kh, kw, channels, depth_multiplier].
class DepthwiseConv2D : public ClonableLayer<DepthwiseConv2D> {
 public:
  explicit DepthwiseConv2D(PerDim kernel_size, DepthwiseConv2DOptions options = {});
  void build(const Shape& input_shape) override;
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "DepthwiseConv2D"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static DepthwiseConv2D from_config(const nlohmann::json& config);
  Tensor depthwise_kernel, bias;

 private:
  std::vector<int64_t> kernel_size_, strides_, dilation_rate_;
  DepthwiseConv2DOptions options_;
};

struct SeparableConv2DOptions {
  PerDim strides = 1;
  std::string padding = "valid";
  std::string data_format = "channels_last";
  PerDim dilation_rate = 1;
  int64_t depth_multiplier = 1;
  ActivationArg activation = {};
  bool use_bias = true;
  initializers::InitializerRef depthwise_initializer = "glorot_uniform";
  initializers::InitializerRef pointwise_initializer = "glorot_uniform";
  initializers::InitializerRef bias_initializer = "zeros";
  regularizers::RegularizerRef depthwise_regularizer = {};
  regularizers::RegularizerRef pointwise_regularizer = {};
  regularizers::RegularizerRef bias_regularizer = {};
};

/// A depthwise convolution (strides, padding, dilation) followed by a 1x1 convolution to
/// `filters` channels: depthwise_kernel [kh, kw, channels, depth_multiplier], pointwise_kernel
/// [1, 1, channels * depth_multiplier, filters], bias [filters].
class SeparableConv2D : public ClonableLayer<SeparableConv2D> {
 public:
  SeparableConv2D(int64_t filters, PerDim kernel_size, SeparableConv2DOptions options = {});
  void build(const Shape& input_shape) override;
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "SeparableConv2D"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static SeparableConv2D from_config(const nlohmann::json& config);
  Tensor depthwise_kernel, pointwise_kernel, bias;

 private:
  int64_t filters_;
  std::vector<int64_t> kernel_size_, strides_, dilation_rate_;
  SeparableConv2DOptions options_;
};

}  // namespace nabla::nn
