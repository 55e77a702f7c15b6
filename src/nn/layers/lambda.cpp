// Lambda.
#include "nabla/nn/layers/lambda.hpp"

namespace nabla::nn {

Lambda::Lambda(Function fn) : ClonableLayer<Lambda>("lambda"), fn_(std::move(fn)) {
  NABLA_CHECK(fn_ != nullptr, ValueError, "Lambda: the function is empty");
}

Tensor Lambda::call(const Tensor& x, bool) { return fn_(x); }

nlohmann::json Lambda::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["function"] = nullptr;  // C++ code cannot be serialized (see the header)
  config["arguments"] = nlohmann::json::object();
  return config;
}

Lambda Lambda::from_config(const nlohmann::json& config) {
  const bool named = config.is_object() && config.contains("name") && config["name"].is_string();
  NABLA_CHECK(false, ValueError, "Lambda.from_config: layer '",
              named ? config["name"].get<std::string>() : std::string("?"),
              "' wraps a C++ function, which a config cannot hold; rebuild the Lambda in code "
              "(or write a custom layer class and register it with nn::register_layer)");
  return Lambda([](const Tensor& x) { return x; });
}

}  // namespace nabla::nn
