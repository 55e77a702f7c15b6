// Conv1D, Conv2D (Keras's BaseConv) and Conv2DTranspose: weights in Keras's layouts, the math in
// nabla::conv and nabla::conv_transpose (bias fused into the convolution).
#include "nabla/nn/layers/convolutional.hpp"

#include "nabla/nn/layer_registry.hpp"
#include "nabla/ops/convolution.hpp"
#include "nn/config_util.hpp"
#include "nn/layers/convolutional_util.hpp"

namespace nabla::nn {
namespace {

std::string conv_class(int64_t rank) { return rank == 1 ? "Conv1D" : "Conv2D"; }

PerDim required_kernel_size(const nlohmann::json& config, std::string_view who) {
  const PerDim k = detail::per_dim_from_config(config, "kernel_size", PerDim{}, who);
  NABLA_CHECK(!k.empty(), ValueError, who, ": the config has no 'kernel_size'");
  return k;
}

nlohmann::json per_dim_json(const std::vector<int64_t>& v) {
  return v.empty() ? nlohmann::json(nullptr) : nlohmann::json(v);
}

}  // namespace

namespace detail {

BaseConv::BaseConv(int64_t rank, std::string base_name, int64_t filters, PerDim kernel_size,
                   ConvLayerOptions options)
    : Layer(std::move(base_name)), rank_(rank), filters_(filters), options_(std::move(options)) {
  const std::string who = conv_class(rank);
  NABLA_CHECK(filters > 0, ValueError, who, ": filters must be positive, got ", filters);
  kernel_size_ = expand_per_dim(kernel_size, rank, who, "kernel_size");
  strides_ = expand_per_dim(options_.strides, rank, who, "strides");
  dilation_rate_ = expand_per_dim(options_.dilation_rate, rank, who, "dilation_rate");
  options_.padding = standardize_padding(options_.padding, rank == 1, who);
  options_.data_format = standardize_data_format(options_.data_format, who);
  NABLA_CHECK(options_.groups >= 1 && filters % options_.groups == 0, ValueError, who,
              ": filters (", filters, ") must be divisible by groups (", options_.groups,
              "), a positive integer");
  check_strides_with_dilation(strides_, dilation_rate_, who);
}

void BaseConv::build(const Shape& input_shape) {
  const std::string who = name() + " (" + conv_class(rank_) + ")";
  const int64_t channels = input_channels(input_shape, rank_, options_.data_format, who);
  NABLA_CHECK(channels % options_.groups == 0, ValueError, who, ": the input's ", channels,
              " channels are not divisible by groups (", options_.groups, "); input ", input_shape);
  std::vector<int64_t> shape = kernel_size_;
  shape.push_back(channels / options_.groups);
  shape.push_back(filters_);
  kernel = add_weight("kernel", Shape(std::move(shape)), options_.kernel_initializer, true,
                      options_.kernel_regularizer);
  if (options_.use_bias) {
    bias =
        add_weight("bias", {filters_}, options_.bias_initializer, true, options_.bias_regularizer);
  }
}

Tensor BaseConv::call(const Tensor& x, bool) {
  const std::string who = name() + " (" + conv_class(rank_) + ")";
  const int64_t channels = input_channels(x.shape(), rank_, options_.data_format, who);
  NABLA_CHECK(channels == kernel.size(-2) * options_.groups, ShapeError, who,
              ": expected inputs with ", kernel.size(-2) * options_.groups, " channels, got shape ",
              x.shape());
  const ConvOptions o{.strides = strides_,
                      .padding = options_.padding,
                      .dilation = dilation_rate_,
                      .groups = options_.groups,
                      .data_format = options_.data_format,
                      .activation = detail::fused_activation(options_.activation)};
  const Tensor y = bias.defined() ? conv(x, kernel, bias, o) : conv(x, kernel, o);
  return detail::apply_unfused_activation(options_.activation, y);
}

nlohmann::json BaseConv::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["filters"] = filters_;
  config["kernel_size"] = kernel_size_;
  config["strides"] = strides_;
  config["padding"] = options_.padding;
  config["data_format"] = options_.data_format;
  config["dilation_rate"] = dilation_rate_;
  config["groups"] = options_.groups;
  config["activation"] = options_.activation.name();
  config["use_bias"] = options_.use_bias;
  config["kernel_initializer"] = initializers::serialize(options_.kernel_initializer);
  config["bias_initializer"] = initializers::serialize(options_.bias_initializer);
  config["kernel_regularizer"] = regularizers::serialize(options_.kernel_regularizer);
  config["bias_regularizer"] = regularizers::serialize(options_.bias_regularizer);
  write_unsupported_nulls(config, {"activity_regularizer", "kernel_constraint", "bias_constraint"});
  return config;
}

BaseConv::Arguments BaseConv::arguments_from_config(const nlohmann::json& config,
                                                    std::string_view who) {
  check_config_object(config, who);
  check_unsupported_null(config, {"activity_regularizer", "kernel_constraint", "bias_constraint"},
                         who);
  ConvLayerOptions o{
      .strides = per_dim_from_config(config, "strides", 1, who),
      .padding = detail::string_from_config(config, "padding", "valid", who),
      .data_format = detail::string_from_config(config, "data_format", "channels_last", who),
      .dilation_rate = per_dim_from_config(config, "dilation_rate", 1, who),
      .groups = config_get<int64_t>(config, "groups", 1, who),
      .activation = activation_from_config(config, who),
      .use_bias = config_get(config, "use_bias", true, who)};
  read_initializer(config, "kernel_initializer", o.kernel_initializer);
  read_initializer(config, "bias_initializer", o.bias_initializer);
  read_regularizer(config, "kernel_regularizer", o.kernel_regularizer);
  read_regularizer(config, "bias_regularizer", o.bias_regularizer);
  return {config_require<int64_t>(config, "filters", who), required_kernel_size(config, who),
          std::move(o)};
}

}  // namespace detail

Conv1D::Conv1D(int64_t filters, PerDim kernel_size, Conv1DOptions options)
    : ClonableLayer<Conv1D, detail::BaseConv>(1, "conv1d", filters, std::move(kernel_size),
                                              std::move(options)) {}

Conv1D Conv1D::from_config(const nlohmann::json& config) {
  Arguments a = arguments_from_config(config, "Conv1D.from_config");
  Conv1D layer(a.filters, std::move(a.kernel_size), std::move(a.options));
  apply_base_config(layer, config);
  return layer;
}

Conv2D::Conv2D(int64_t filters, PerDim kernel_size, Conv2DOptions options)
    : ClonableLayer<Conv2D, detail::BaseConv>(2, "conv2d", filters, std::move(kernel_size),
                                              std::move(options)) {}

Conv2D Conv2D::from_config(const nlohmann::json& config) {
  Arguments a = arguments_from_config(config, "Conv2D.from_config");
  Conv2D layer(a.filters, std::move(a.kernel_size), std::move(a.options));
  apply_base_config(layer, config);
  return layer;
}

Conv2DTranspose::Conv2DTranspose(int64_t filters, PerDim kernel_size,
                                 Conv2DTransposeOptions options)
    : ClonableLayer<Conv2DTranspose>("conv2d_transpose"),
      filters_(filters),
      options_(std::move(options)) {
  constexpr std::string_view who = "Conv2DTranspose";
  NABLA_CHECK(filters > 0, ValueError, who, ": filters must be positive, got ", filters);
  kernel_size_ = detail::expand_per_dim(kernel_size, 2, who, "kernel_size");
  strides_ = detail::expand_per_dim(options_.strides, 2, who, "strides");
  dilation_rate_ = detail::expand_per_dim(options_.dilation_rate, 2, who, "dilation_rate");
  options_.padding = detail::standardize_padding(options_.padding, false, who);
  options_.data_format = detail::standardize_data_format(options_.data_format, who);
  if (!options_.output_padding.empty()) {
    output_padding_ = detail::expand_per_dim(options_.output_padding, 2, who, "output_padding", 0);
    for (size_t d = 0; d < 2; ++d) {
      NABLA_CHECK(output_padding_[d] < strides_[d], ValueError, who,
                  ": each output_padding must be smaller than its stride, got output_padding ",
                  Shape(output_padding_), " and strides ", Shape(strides_));
    }
  }
}

void Conv2DTranspose::build(const Shape& input_shape) {
  const std::string who = name() + " (Conv2DTranspose)";
  const int64_t channels = detail::input_channels(input_shape, 2, options_.data_format, who);
  kernel = add_weight("kernel", {kernel_size_[0], kernel_size_[1], filters_, channels},
                      options_.kernel_initializer, true, options_.kernel_regularizer);
  if (options_.use_bias) {
    bias =
        add_weight("bias", {filters_}, options_.bias_initializer, true, options_.bias_regularizer);
  }
}

Tensor Conv2DTranspose::call(const Tensor& x, bool) {
  const std::string who = name() + " (Conv2DTranspose)";
  const int64_t channels = detail::input_channels(x.shape(), 2, options_.data_format, who);
  NABLA_CHECK(channels == kernel.size(-1), ShapeError, who, ": expected inputs with ",
              kernel.size(-1), " channels, got shape ", x.shape());
  const ConvTransposeOptions o{.strides = strides_,
                               .padding = options_.padding,
                               .output_padding = output_padding_,
                               .dilation = dilation_rate_,
                               .data_format = options_.data_format};
  return options_.activation(bias.defined() ? conv_transpose(x, kernel, bias, o)
                                            : conv_transpose(x, kernel, o));
}

nlohmann::json Conv2DTranspose::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["filters"] = filters_;
  config["kernel_size"] = kernel_size_;
  config["strides"] = strides_;
  config["padding"] = options_.padding;
  config["output_padding"] = per_dim_json(output_padding_);
  config["data_format"] = options_.data_format;
  config["dilation_rate"] = dilation_rate_;
  config["activation"] = options_.activation.name();
  config["use_bias"] = options_.use_bias;
  config["kernel_initializer"] = initializers::serialize(options_.kernel_initializer);
  config["bias_initializer"] = initializers::serialize(options_.bias_initializer);
  config["kernel_regularizer"] = regularizers::serialize(options_.kernel_regularizer);
  config["bias_regularizer"] = regularizers::serialize(options_.bias_regularizer);
  detail::write_unsupported_nulls(config,
                                  {"activity_regularizer", "kernel_constraint", "bias_constraint"});
  return config;
}

Conv2DTranspose Conv2DTranspose::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "Conv2DTranspose.from_config";
  detail::check_config_object(config, who);
  detail::check_unsupported_null(
      config, {"activity_regularizer", "kernel_constraint", "bias_constraint"}, who);
  Conv2DTransposeOptions o{
      .strides = detail::per_dim_from_config(config, "strides", 1, who),
      .padding = detail::string_from_config(config, "padding", "valid", who),
      .output_padding = detail::per_dim_from_config(config, "output_padding", PerDim{}, who),
      .data_format = detail::string_from_config(config, "data_format", "channels_last", who),
      .dilation_rate = detail::per_dim_from_config(config, "dilation_rate", 1, who),
      .activation = detail::activation_from_config(config, who),
      .use_bias = detail::config_get(config, "use_bias", true, who)};
  detail::read_initializer(config, "kernel_initializer", o.kernel_initializer);
  detail::read_initializer(config, "bias_initializer", o.bias_initializer);
  detail::read_regularizer(config, "kernel_regularizer", o.kernel_regularizer);
  detail::read_regularizer(config, "bias_regularizer", o.bias_regularizer);
  Conv2DTranspose layer(detail::config_require<int64_t>(config, "filters", who),
                        required_kernel_size(config, who), std::move(o));
  apply_base_config(layer, config);
  return layer;
}

}  // namespace nabla::nn
