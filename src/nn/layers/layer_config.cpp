#include "nn/layers/layer_config.hpp"

namespace nabla::nn::detail {

ActivationArg activation_from_config(const nlohmann::json& config, std::string_view who,
                                     bool required) {
  const auto it = config.find("activation");
  NABLA_CHECK(it != config.end() || !required, ValueError, who,
              ": the config has no 'activation' key");
  if (it == config.end() || it->is_null()) return {};
  const nlohmann::json& name = it->is_object() && it->contains("config") ? it->at("config") : *it;
  NABLA_CHECK(name.is_string(), ValueError, who,
              ": config key 'activation' must be an activation name, got ", it->dump());
  NABLA_CHECK(name != "custom", ValueError, who,
              ": the layer's activation is a C++ callable, which a config cannot hold; rebuild "
              "the layer in code");
  return name.get<std::string>();
}

void check_unsupported_null(const nlohmann::json& config, std::initializer_list<const char*> keys,
                            std::string_view who) {
  for (const char* key : keys) {
    const auto it = config.find(key);
    NABLA_CHECK(it == config.end() || it->is_null(), ValueError, who, ": '", key,
                "' is not supported by nabla, got ", it->dump());
  }
}

void write_unsupported_nulls(nlohmann::json& config, std::initializer_list<const char*> keys) {
  for (const char* key : keys) config[key] = nullptr;
}

void read_initializer(const nlohmann::json& config, const char* key,
                      initializers::InitializerRef& target) {
  if (config.contains(key)) target = initializers::deserialize(config.at(key));
}

void read_regularizer(const nlohmann::json& config, const char* key,
                      regularizers::RegularizerRef& target) {
  if (config.contains(key)) target = regularizers::deserialize(config.at(key));
}

}  // namespace nabla::nn::detail
