// ReLU, LeakyReLU, ELU and Softmax layers: options and configs; the math is the activations'.
#include "nabla/nn/layers/activation_layers.hpp"

#include "nabla/nn/activations.hpp"
#include "nabla/nn/layer_registry.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduction.hpp"
#include "nn/config_util.hpp"

namespace nabla::nn {

ReLU::ReLU(ReLUOptions options) : ClonableLayer<ReLU>("re_lu"), options_(options) {
  NABLA_CHECK(!options_.max_value || *options_.max_value >= 0, ValueError,
              "ReLU: max_value must be >= 0, got ", *options_.max_value);
  NABLA_CHECK(options_.negative_slope >= 0, ValueError, "ReLU: negative_slope must be >= 0, got ",
              options_.negative_slope);
}

Tensor ReLU::call(const Tensor& x, bool) {
  const ReLUOptions& o = options_;
  Tensor y;
  if (o.negative_slope == 0 && o.threshold == 0) {
    y = activations::relu(x);
  } else {
    y = where(x >= o.threshold, x, (x - o.threshold) * o.negative_slope);
  }
  return o.max_value ? minimum(y, full_like(y, *o.max_value)) : y;
}

nlohmann::json ReLU::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["max_value"] = options_.max_value ? nlohmann::json(*options_.max_value) : nullptr;
  config["negative_slope"] = options_.negative_slope;
  config["threshold"] = options_.threshold;
  return config;
}

ReLU ReLU::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "ReLU.from_config";
  detail::check_config_object(config, who);
  ReLUOptions o;
  if (const auto it = config.find("max_value"); it != config.end() && !it->is_null())
    o.max_value = detail::config_as<double>(*it, who, "max_value");
  o.negative_slope = detail::config_get(config, "negative_slope", 0.0, who);
  o.threshold = detail::config_get(config, "threshold", 0.0, who);
  ReLU layer(o);
  apply_base_config(layer, config);
  return layer;
}

LeakyReLU::LeakyReLU(double negative_slope)
    : ClonableLayer<LeakyReLU>("leaky_re_lu"), negative_slope_(negative_slope) {
  NABLA_CHECK(negative_slope >= 0, ValueError, "LeakyReLU: negative_slope must be >= 0, got ",
              negative_slope);
}

Tensor LeakyReLU::call(const Tensor& x, bool) {
  return activations::leaky_relu(x, negative_slope_);
}

nlohmann::json LeakyReLU::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["negative_slope"] = negative_slope_;
  return config;
}

LeakyReLU LeakyReLU::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "LeakyReLU.from_config";
  detail::check_config_object(config, who);
  // Keras 2 named the slope "alpha".
  const double alpha = detail::config_get(config, "alpha", 0.3, who);
  LeakyReLU layer(detail::config_get(config, "negative_slope", alpha, who));
  apply_base_config(layer, config);
  return layer;
}

ELU::ELU(double alpha) : ClonableLayer<ELU>("elu"), alpha_(alpha) {}

Tensor ELU::call(const Tensor& x, bool) { return activations::elu(x, alpha_); }

nlohmann::json ELU::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["alpha"] = alpha_;
  return config;
}

ELU ELU::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "ELU.from_config";
  detail::check_config_object(config, who);
  ELU layer(detail::config_get(config, "alpha", 1.0, who));
  apply_base_config(layer, config);
  return layer;
}

Softmax::Softmax(int64_t axis) : ClonableLayer<Softmax>("softmax"), axis_(axis) {}

Tensor Softmax::call(const Tensor& x, bool) { return softmax(x, axis_); }

nlohmann::json Softmax::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["axis"] = axis_;
  return config;
}

Softmax Softmax::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "Softmax.from_config";
  detail::check_config_object(config, who);
  Softmax layer(detail::config_get<int64_t>(config, "axis", -1, who));
  apply_base_config(layer, config);
  return layer;
}

}  // namespace nabla::nn
