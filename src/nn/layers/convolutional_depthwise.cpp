// DepthwiseConv2D and SeparableConv2D. A depthwise kernel [kh, kw, C, multiplier] is the grouped
// convolution kernel [kh, kw, 1, C * multiplier] with groups = C (a reshape, no copy): output
// channel c * multiplier + m reads input channel c, Keras's and TensorFlow's order.
#include "nabla/nn/layer_registry.hpp"
#include "nabla/nn/layers/convolutional.hpp"
#include "nabla/ops/convolution.hpp"
#include "nabla/ops/view.hpp"
#include "nn/config_util.hpp"
#include "nn/layers/convolutional_util.hpp"

namespace nabla::nn {
namespace {

constexpr std::initializer_list<const char*> kDepthwiseNulls = {
    "activity_regularizer", "depthwise_constraint", "bias_constraint"};
constexpr std::initializer_list<const char*> kSeparableNulls = {
    "activity_regularizer", "depthwise_constraint", "pointwise_constraint", "bias_constraint"};

/// x convolved with each channel's own filters (depthwise_kernel [kh, kw, C, multiplier]).
Tensor depthwise(const Tensor& x, const Tensor& depthwise_kernel, const Tensor* bias,
                 const ConvOptions& options) {
  const Shape& k = depthwise_kernel.shape();
  const Tensor w = reshape(depthwise_kernel, {k[0], k[1], 1, k[2] * k[3]});
  ConvOptions grouped = options;
  grouped.groups = k[2];
  return bias != nullptr ? conv(x, w, *bias, grouped) : conv(x, w, grouped);
}

/// The config keys DepthwiseConv2D and SeparableConv2D share (Keras writes the same ones).
template <class Options>
void write_depthwise_config(nlohmann::json& config, const Options& o,
                            const std::vector<int64_t>& kernel_size,
                            const std::vector<int64_t>& strides,
                            const std::vector<int64_t>& dilation_rate) {
  config["depth_multiplier"] = o.depth_multiplier;
  config["kernel_size"] = kernel_size;
  config["strides"] = strides;
  config["padding"] = o.padding;
  config["data_format"] = o.data_format;
  config["dilation_rate"] = dilation_rate;
  config["activation"] = o.activation.name();
  config["use_bias"] = o.use_bias;
  config["depthwise_initializer"] = initializers::serialize(o.depthwise_initializer);
  config["bias_initializer"] = initializers::serialize(o.bias_initializer);
  config["depthwise_regularizer"] = regularizers::serialize(o.depthwise_regularizer);
  config["bias_regularizer"] = regularizers::serialize(o.bias_regularizer);
}

/// Reads the shared keys into o; returns the kernel size (required).
template <class Options>
PerDim read_depthwise_config(const nlohmann::json& config, Options& o, std::string_view who) {
  o.strides = detail::per_dim_from_config(config, "strides", 1, who);
  o.padding = detail::string_from_config(config, "padding", "valid", who);
  o.depth_multiplier = detail::config_get<int64_t>(config, "depth_multiplier", 1, who);
  o.data_format = detail::string_from_config(config, "data_format", "channels_last", who);
  o.dilation_rate = detail::per_dim_from_config(config, "dilation_rate", 1, who);
  o.activation = detail::activation_from_config(config, who);
  o.use_bias = detail::config_get(config, "use_bias", true, who);
  detail::read_initializer(config, "depthwise_initializer", o.depthwise_initializer);
  detail::read_initializer(config, "bias_initializer", o.bias_initializer);
  detail::read_regularizer(config, "depthwise_regularizer", o.depthwise_regularizer);
  detail::read_regularizer(config, "bias_regularizer", o.bias_regularizer);
  PerDim kernel_size = detail::per_dim_from_config(config, "kernel_size", PerDim{}, who);
  NABLA_CHECK(!kernel_size.empty(), ValueError, who, ": the config has no 'kernel_size'");
  return kernel_size;
}

/// Checks shared by both layers' constructors; returns the expanded kernel size.
std::vector<int64_t> check_depthwise_arguments(const PerDim& kernel_size, std::string& padding,
                                               std::string& data_format, int64_t multiplier,
                                               std::string_view who) {
  NABLA_CHECK(multiplier > 0, ValueError, who, ": depth_multiplier must be positive, got ",
              multiplier);
  padding = detail::standardize_padding(padding, false, who);
  data_format = detail::standardize_data_format(data_format, who);
  return detail::expand_per_dim(kernel_size, 2, who, "kernel_size");
}

void check_channels(const Tensor& x, const Tensor& depthwise_kernel, const std::string& data_format,
                    const std::string& who) {
  const int64_t channels = detail::input_channels(x.shape(), 2, data_format, who);
  NABLA_CHECK(channels == depthwise_kernel.size(2), ShapeError, who, ": expected inputs with ",
              depthwise_kernel.size(2), " channels, got shape ", x.shape());
}

}  // namespace

DepthwiseConv2D::DepthwiseConv2D(PerDim kernel_size, DepthwiseConv2DOptions options)
    : ClonableLayer<DepthwiseConv2D>("depthwise_conv2d"), options_(std::move(options)) {
  constexpr std::string_view who = "DepthwiseConv2D";
  kernel_size_ = check_depthwise_arguments(kernel_size, options_.padding, options_.data_format,
                                           options_.depth_multiplier, who);
  strides_ = detail::expand_per_dim(options_.strides, 2, who, "strides");
  dilation_rate_ = detail::expand_per_dim(options_.dilation_rate, 2, who, "dilation_rate");
  detail::check_strides_with_dilation(strides_, dilation_rate_, who);
}

void DepthwiseConv2D::build(const Shape& input_shape) {
  const std::string who = name() + " (DepthwiseConv2D)";
  const int64_t channels = detail::input_channels(input_shape, 2, options_.data_format, who);
  depthwise_kernel = add_weight(
      "depthwise_kernel", {kernel_size_[0], kernel_size_[1], channels, options_.depth_multiplier},
      options_.depthwise_initializer, true, options_.depthwise_regularizer);
  if (options_.use_bias) {
    bias = add_weight("bias", {channels * options_.depth_multiplier}, options_.bias_initializer,
                      true, options_.bias_regularizer);
  }
}

Tensor DepthwiseConv2D::call(const Tensor& x, bool) {
  check_channels(x, depthwise_kernel, options_.data_format, name() + " (DepthwiseConv2D)");
  const ConvOptions o{.strides = strides_,
                      .padding = options_.padding,
                      .dilation = dilation_rate_,
                      .data_format = options_.data_format,
                      .activation = detail::fused_activation(options_.activation)};
  const Tensor y = depthwise(x, depthwise_kernel, bias.defined() ? &bias : nullptr, o);
  return detail::apply_unfused_activation(options_.activation, y);
}

nlohmann::json DepthwiseConv2D::get_config() const {
  nlohmann::json config = Layer::get_config();
  write_depthwise_config(config, options_, kernel_size_, strides_, dilation_rate_);
  detail::write_unsupported_nulls(config, kDepthwiseNulls);
  return config;
}

DepthwiseConv2D DepthwiseConv2D::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "DepthwiseConv2D.from_config";
  detail::check_config_object(config, who);
  detail::check_unsupported_null(config, kDepthwiseNulls, who);
  DepthwiseConv2DOptions o;
  const PerDim kernel_size = read_depthwise_config(config, o, who);
  DepthwiseConv2D layer(kernel_size, std::move(o));
  apply_base_config(layer, config);
  return layer;
}

SeparableConv2D::SeparableConv2D(int64_t filters, PerDim kernel_size,
                                 SeparableConv2DOptions options)
    : ClonableLayer<SeparableConv2D>("separable_conv2d"),
      filters_(filters),
      options_(std::move(options)) {
  constexpr std::string_view who = "SeparableConv2D";
  NABLA_CHECK(filters > 0, ValueError, who, ": filters must be positive, got ", filters);
  kernel_size_ = check_depthwise_arguments(kernel_size, options_.padding, options_.data_format,
                                           options_.depth_multiplier, who);
  strides_ = detail::expand_per_dim(options_.strides, 2, who, "strides");
  dilation_rate_ = detail::expand_per_dim(options_.dilation_rate, 2, who, "dilation_rate");
  detail::check_strides_with_dilation(strides_, dilation_rate_, who);
}

void SeparableConv2D::build(const Shape& input_shape) {
  const std::string who = name() + " (SeparableConv2D)";
  const int64_t channels = detail::input_channels(input_shape, 2, options_.data_format, who);
  const int64_t multiplier = options_.depth_multiplier;
  depthwise_kernel =
      add_weight("depthwise_kernel", {kernel_size_[0], kernel_size_[1], channels, multiplier},
                 options_.depthwise_initializer, true, options_.depthwise_regularizer);
  pointwise_kernel =
      add_weight("pointwise_kernel", {1, 1, channels * multiplier, filters_},
                 options_.pointwise_initializer, true, options_.pointwise_regularizer);
  if (options_.use_bias) {
    bias =
        add_weight("bias", {filters_}, options_.bias_initializer, true, options_.bias_regularizer);
  }
}

Tensor SeparableConv2D::call(const Tensor& x, bool) {
  check_channels(x, depthwise_kernel, options_.data_format, name() + " (SeparableConv2D)");
  const Tensor h = depthwise(x, depthwise_kernel, nullptr,
                             {.strides = strides_,
                              .padding = options_.padding,
                              .dilation = dilation_rate_,
                              .data_format = options_.data_format});
  const ConvOptions pointwise{.data_format = options_.data_format,
                              .activation = detail::fused_activation(options_.activation)};
  const Tensor y = bias.defined() ? conv(h, pointwise_kernel, bias, pointwise)
                                  : conv(h, pointwise_kernel, pointwise);
  return detail::apply_unfused_activation(options_.activation, y);
}

nlohmann::json SeparableConv2D::get_config() const {
  nlohmann::json config = Layer::get_config();
  write_depthwise_config(config, options_, kernel_size_, strides_, dilation_rate_);
  config["filters"] = filters_;
  config["pointwise_initializer"] = initializers::serialize(options_.pointwise_initializer);
  config["pointwise_regularizer"] = regularizers::serialize(options_.pointwise_regularizer);
  detail::write_unsupported_nulls(config, kSeparableNulls);
  return config;
}

SeparableConv2D SeparableConv2D::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "SeparableConv2D.from_config";
  detail::check_config_object(config, who);
  detail::check_unsupported_null(config, kSeparableNulls, who);
  SeparableConv2DOptions o;
  const PerDim kernel_size = read_depthwise_config(config, o, who);
  detail::read_initializer(config, "pointwise_initializer", o.pointwise_initializer);
  detail::read_regularizer(config, "pointwise_regularizer", o.pointwise_regularizer);
  SeparableConv2D layer(detail::config_require<int64_t>(config, "filters", who), kernel_size,
                        std::move(o));
  apply_base_config(layer, config);
  return layer;
}

}  // namespace nabla::nn
