// Dense, Activation, Dropout and Flatten.
#include "nabla/nn/layers/core.hpp"

#include "nabla/nn/activations.hpp"
#include "nabla/ops/contraction.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/random.hpp"
#include "nabla/ops/view.hpp"

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
  config["kernel_initializer"] = options_.kernel_initializer.get()->get_config();
  config["bias_initializer"] = options_.bias_initializer.get()->get_config();
  return config;
}

Activation::Activation(ActivationArg activation)
    : ClonableLayer<Activation>("activation"), activation_(std::move(activation)) {}

Tensor Activation::call(const Tensor& x, bool) { return activation_(x); }

nlohmann::json Activation::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["activation"] = activation_.name();
  return config;
}

Dropout::Dropout(double rate, DropoutOptions options)
    : ClonableLayer<Dropout>("dropout"), rate_(rate), options_(std::move(options)) {
  NABLA_CHECK(rate >= 0 && rate < 1, ValueError, "Dropout: rate must be in [0, 1), got ", rate);
}

Tensor Dropout::call(const Tensor& x, bool training) {
  if (!training || rate_ == 0) return x;
  Shape mask_shape = x.shape();
  if (!options_.noise_shape.empty()) {
    NABLA_CHECK(static_cast<int64_t>(options_.noise_shape.size()) == x.ndim(), ShapeError, name(),
                " (Dropout): noise_shape ", Shape(options_.noise_shape),
                " does not match the input's rank ", x.ndim());
    for (int64_t d = 0; d < x.ndim(); ++d) {
      const int64_t n = options_.noise_shape[static_cast<size_t>(d)];
      mask_shape[d] = n == -1 ? x.shape()[d] : n;
    }
  }
  const Tensor keep = random::uniform(mask_shape, 0.0, 1.0, x.dtype()) >= rate_;
  return x * (keep.astype(x.dtype()) * (1.0 / (1.0 - rate_)));
}

nlohmann::json Dropout::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["rate"] = rate_;
  config["noise_shape"] =
      options_.noise_shape.empty() ? nlohmann::json(nullptr) : nlohmann::json(options_.noise_shape);
  config["seed"] = nullptr;
  return config;
}

Flatten::Flatten() : ClonableLayer<Flatten>("flatten") {}

Tensor Flatten::call(const Tensor& x, bool) {
  NABLA_CHECK(x.ndim() >= 1, ShapeError, name(), " (Flatten): needs a batch dimension");
  return x.reshape({x.shape()[0], -1});
}

}  // namespace nabla::nn
