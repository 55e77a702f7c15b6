// Dense, Activation, Dropout and Flatten.
#include "nabla/nn/layers/core.hpp"

#include "nabla/nn/activations.hpp"
#include "nabla/nn/layer_registry.hpp"
#include "nabla/ops/contraction.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/random.hpp"
#include "nabla/ops/view.hpp"
#include "nn/config_util.hpp"
#include "nn/layers/layer_config.hpp"

namespace nabla::nn {

ActivationArg::ActivationArg(const char* name) : ActivationArg(std::string(name)) {}
ActivationArg::ActivationArg(const std::string& name)
    : name_(name.empty() ? "linear" : name), fn_(activations::get(name)) {}

Dense::Dense(int64_t units, DenseOptions options)
    : ClonableLayer<Dense>("dense"), units_(units), options_(std::move(options)) {
  NABLA_CHECK(units > 0, ValueError, "Dense: units must be positive, got ", units);
}

void Dense::build(const Shape& input_shape) {
  NABLA_CHECK(input_shape.rank() >= 2, ShapeError, name(),
              " (Dense): expects inputs [batch, ..., features], got ", input_shape);
  kernel = add_weight("kernel", {input_shape[-1], units_}, options_.kernel_initializer, true,
                      options_.kernel_regularizer);
  if (options_.use_bias) {
    bias = add_weight("bias", {units_}, options_.bias_initializer, true, options_.bias_regularizer);
  }
}

Tensor Dense::call(const Tensor& x, bool) {
  NABLA_CHECK(x.ndim() >= 1 && x.shape()[-1] == kernel.shape()[0], ShapeError, name(),
              " (Dense): expected inputs with ", kernel.shape()[0], " features, got shape ",
              x.shape());
  Tensor y = matmul(x, kernel);
  if (bias.defined()) y = y + bias;
  return options_.activation(y);
}

nlohmann::json Dense::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["units"] = units_;
  config["activation"] = options_.activation.name();
  config["use_bias"] = options_.use_bias;
  config["kernel_initializer"] = initializers::serialize(options_.kernel_initializer);
  config["bias_initializer"] = initializers::serialize(options_.bias_initializer);
  config["kernel_regularizer"] = regularizers::serialize(options_.kernel_regularizer);
  config["bias_regularizer"] = regularizers::serialize(options_.bias_regularizer);
  config["kernel_constraint"] = nullptr;  // nabla has no weight constraints
  config["bias_constraint"] = nullptr;
  return config;
}

Dense Dense::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "Dense.from_config";
  detail::check_config_object(config, who);
  detail::check_unsupported_null(
      config, {"kernel_constraint", "bias_constraint", "activity_regularizer"}, who);
  DenseOptions options{.activation = detail::activation_from_config(config, who),
                       .use_bias = detail::config_get(config, "use_bias", true, who)};
  detail::read_initializer(config, "kernel_initializer", options.kernel_initializer);
  detail::read_initializer(config, "bias_initializer", options.bias_initializer);
  detail::read_regularizer(config, "kernel_regularizer", options.kernel_regularizer);
  detail::read_regularizer(config, "bias_regularizer", options.bias_regularizer);
  Dense layer(detail::config_require<int64_t>(config, "units", who), std::move(options));
  apply_base_config(layer, config);
  return layer;
}

Activation::Activation(ActivationArg activation)
    : ClonableLayer<Activation>("activation"), activation_(std::move(activation)) {}

Tensor Activation::call(const Tensor& x, bool) { return activation_(x); }

nlohmann::json Activation::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["activation"] = activation_.name();
  return config;
}

Activation Activation::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "Activation.from_config";
  detail::check_config_object(config, who);
  Activation layer(detail::activation_from_config(config, who, true));
  apply_base_config(layer, config);
  return layer;
}

Dropout::Dropout(double rate, DropoutOptions options)
    : ClonableLayer<Dropout>("dropout"), rate_(rate), options_(std::move(options)) {
  NABLA_CHECK(rate >= 0 && rate < 1, ValueError, "Dropout: rate must be in [0, 1), got ", rate);
}

Tensor Dropout::call(const Tensor& x, bool training) {
  if (!training || rate_ == 0) return x;
  NABLA_CHECK(
      options_.noise_shape.empty() || static_cast<int64_t>(options_.noise_shape.size()) == x.ndim(),
      ShapeError, name(), " (Dropout): noise_shape ", Shape(options_.noise_shape),
      " does not match the input's rank ", x.ndim());
  return dropout(x, rate_, options_.noise_shape);
}

nlohmann::json Dropout::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["rate"] = rate_;
  config["noise_shape"] =
      options_.noise_shape.empty() ? nlohmann::json(nullptr) : nlohmann::json(options_.noise_shape);
  config["seed"] = nullptr;
  return config;
}

Dropout Dropout::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "Dropout.from_config";
  detail::check_config_object(config, who);
  DropoutOptions options;
  const auto noise_shape = config.find("noise_shape");
  if (noise_shape != config.end() && !noise_shape->is_null()) {
    NABLA_CHECK(noise_shape->is_array(), ValueError, who,
                ": config key 'noise_shape' must be null or a list, got ", noise_shape->dump());
    for (const auto& d : *noise_shape) {  // Keras writes None (null) where nabla has -1
      options.noise_shape.push_back(
          d.is_null() ? -1 : detail::config_as<int64_t>(d, who, "noise_shape"));
    }
  }
  // "seed" is not read: nabla's dropout draws from the global random state (nabla::random::seed).
  Dropout layer(detail::config_require<double>(config, "rate", who), std::move(options));
  apply_base_config(layer, config);
  return layer;
}

Flatten::Flatten() : ClonableLayer<Flatten>("flatten") {}

Tensor Flatten::call(const Tensor& x, bool) {
  NABLA_CHECK(x.ndim() >= 1, ShapeError, name(), " (Flatten): needs a batch dimension");
  return x.reshape({x.shape()[0], -1});
}

Flatten Flatten::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "Flatten.from_config";
  detail::check_config_object(config, who);
  const auto data_format = config.find("data_format");
  NABLA_CHECK(
      data_format == config.end() || data_format->is_null() || *data_format == "channels_last",
      ValueError, who, ": only data_format \"channels_last\" is supported, got ",
      data_format->dump());
  Flatten layer;
  apply_base_config(layer, config);
  return layer;
}

}  // namespace nabla::nn
