// Rebuilding layers from their configs (Keras's from_config and layers.deserialize): a registry
// from Keras class names to factories. Every built-in layer is registered; a custom class
// registers itself with register_layer<T>("Name") when it has a static T::from_config(json).
//
//   nlohmann::json config = dense.get_config();
//   std::shared_ptr<nn::Layer> copy = nn::layer_from_config("Dense", config);  // same config
#pragma once

#include <concepts>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nabla/nn/layer.hpp"

namespace nabla::nn {

/// Builds a layer from its config (the JSON object its get_config() returned).
using LayerFactory = std::function<std::shared_ptr<Layer>(const nlohmann::json& config)>;

/// Registers `class_name` (the layer's class_name()); ValueError if the name is taken.
void register_layer(const std::string& class_name, LayerFactory factory);

/// Registers T under `class_name`, built by T::from_config(config).
template <class T>
requires std::derived_from<T, Layer> && requires(const nlohmann::json& config) {
  { T::from_config(config) } -> std::convertible_to<T>;
}
void register_layer(const std::string& class_name) {
  register_layer(class_name, [](const nlohmann::json& config) -> std::shared_ptr<Layer> {
    return std::make_shared<T>(T::from_config(config));
  });
}

/// Whether `class_name` has a factory (built-in or registered).
[[nodiscard]] bool is_registered_layer(const std::string& class_name);
/// The registered class names, sorted.
[[nodiscard]] std::vector<std::string> registered_layers();

/// A new layer (own weights, unbuilt) of class `class_name` from `config`: Keras's
/// from_config. The config's "name" and "trainable" are kept, as Keras does. An unknown class
/// is a ValueError naming it; a layer whose config cannot be rebuilt (Lambda, a custom
/// activation callable) throws a ValueError saying why.
[[nodiscard]] std::shared_ptr<Layer> layer_from_config(const std::string& class_name,
                                                       const nlohmann::json& config);

/// Keras's layers.serialize: {"module": "keras.layers", "class_name", "config",
/// "registered_name": null}.
[[nodiscard]] nlohmann::json serialize_layer(const Layer& layer);
/// Keras's layers.deserialize: the layer a serialize_layer() result describes.
[[nodiscard]] std::shared_ptr<Layer> deserialize_layer(const nlohmann::json& serialized);

/// For from_config implementations: applies the keys every layer config has ("name",
/// "trainable"; "dtype" must be float32, the dtype nabla's layers compute in) to `layer`.
void apply_base_config(Layer& layer, const nlohmann::json& config);

}  // namespace nabla::nn
