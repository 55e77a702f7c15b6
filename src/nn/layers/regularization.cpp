// SpatialDropout1D and SpatialDropout2D: Dropout's mask drawn once per (sample, channel) and
// broadcast over the spatial axes.
#include "nabla/nn/layers/regularization.hpp"

#include "nabla/nn/layer_registry.hpp"
#include "nabla/ops/random.hpp"
#include "nn/config_util.hpp"

namespace nabla::nn {
namespace {

void check_rate(double rate, std::string_view who) {
  NABLA_CHECK(rate >= 0 && rate < 1, ValueError, who, ": rate must be in [0, 1), got ", rate);
}

/// x * keep / (1 - rate) with keep ~ Bernoulli(1 - rate) of `mask_shape` (broadcast over x):
/// the fused dropout op with a noise shape.
Tensor drop_channels(const Tensor& x, const Shape& mask_shape, double rate) {
  return dropout(x, rate, std::vector<int64_t>(mask_shape.begin(), mask_shape.end()));
}

double rate_from_config(const nlohmann::json& config, std::string_view who) {
  // "seed" is not read: nabla's dropout draws from the global random state (random::seed).
  return detail::config_require<double>(config, "rate", who);
}

}  // namespace

SpatialDropout1D::SpatialDropout1D(double rate)
    : ClonableLayer<SpatialDropout1D>("spatial_dropout1d"), rate_(rate) {
  check_rate(rate, "SpatialDropout1D");
}

Tensor SpatialDropout1D::call(const Tensor& x, bool training) {
  NABLA_CHECK(x.ndim() == 3, ShapeError, name(),
              " (SpatialDropout1D): expects inputs of rank 3 [batch, steps, channels], got shape ",
              x.shape());
  if (!training || rate_ == 0) return x;
  return drop_channels(x, {x.shape()[0], 1, x.shape()[2]}, rate_);
}

nlohmann::json SpatialDropout1D::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["rate"] = rate_;
  config["seed"] = nullptr;
  return config;
}

SpatialDropout1D SpatialDropout1D::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "SpatialDropout1D.from_config";
  detail::check_config_object(config, who);
  SpatialDropout1D layer(rate_from_config(config, who));
  apply_base_config(layer, config);
  return layer;
}

SpatialDropout2D::SpatialDropout2D(double rate, SpatialDropout2DOptions options)
    : ClonableLayer<SpatialDropout2D>("spatial_dropout2d"),
      rate_(rate),
      options_(std::move(options)) {
  check_rate(rate, "SpatialDropout2D");
  NABLA_CHECK(options_.data_format == "channels_last" || options_.data_format == "channels_first",
              ValueError,
              "SpatialDropout2D: data_format must be \"channels_last\" or \"channels_first\", ",
              "got \"", options_.data_format, "\"");
}

Tensor SpatialDropout2D::call(const Tensor& x, bool training) {
  const bool channels_first = options_.data_format == "channels_first";
  NABLA_CHECK(
      x.ndim() == 4, ShapeError, name(), " (SpatialDropout2D): expects inputs of rank 4 ",
      channels_first ? "[batch, channels, height, width]" : "[batch, height, width, channels]",
      ", got shape ", x.shape());
  if (!training || rate_ == 0) return x;
  const Shape& s = x.shape();
  return drop_channels(x, channels_first ? Shape{s[0], s[1], 1, 1} : Shape{s[0], 1, 1, s[3]},
                       rate_);
}

nlohmann::json SpatialDropout2D::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["rate"] = rate_;
  config["seed"] = nullptr;
  config["data_format"] = options_.data_format;
  return config;
}

SpatialDropout2D SpatialDropout2D::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "SpatialDropout2D.from_config";
  detail::check_config_object(config, who);
  const auto data_format = config.find("data_format");
  SpatialDropout2DOptions options;
  if (data_format != config.end() && !data_format->is_null()) {
    options.data_format = detail::config_as<std::string>(*data_format, who, "data_format");
  }
  SpatialDropout2D layer(rate_from_config(config, who), std::move(options));
  apply_base_config(layer, config);
  return layer;
}

}  // namespace nabla::nn
