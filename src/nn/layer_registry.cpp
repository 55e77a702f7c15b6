// The layer registry: Keras class name -> factory. The built-in layers are listed here once
// (filled on first use, so no static-initialization order between shared libraries matters).
#include "nabla/nn/layer_registry.hpp"

#include <algorithm>
#include <map>
#include <mutex>

#include "nabla/nn/layers/activation_layers.hpp"
#include "nabla/nn/layers/bidirectional.hpp"
#include "nabla/nn/layers/convolutional.hpp"
#include "nabla/nn/layers/core.hpp"
#include "nabla/nn/layers/embedding.hpp"
#include "nabla/nn/layers/lambda.hpp"
#include "nabla/nn/layers/masking.hpp"
#include "nabla/nn/layers/merging.hpp"
#include "nabla/nn/layers/normalization.hpp"
#include "nabla/nn/layers/pooling.hpp"
#include "nabla/nn/layers/recurrent.hpp"
#include "nabla/nn/layers/regularization.hpp"
#include "nabla/nn/layers/resampling.hpp"
#include "nabla/nn/layers/reshaping.hpp"
#include "nabla/nn/layers/wrappers.hpp"
#include "nn/config_util.hpp"
#include "nn/name_table.hpp"

namespace nabla::nn {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, LayerFactory> factories;
};

template <class T>
std::pair<const std::string, LayerFactory> builtin(const char* class_name) {
  return {class_name, [](const nlohmann::json& config) -> std::shared_ptr<Layer> {
            return std::make_shared<T>(T::from_config(config));
          }};
}

Registry& registry() {
  static Registry instance{.mutex = {},
                           .factories = {
                               builtin<Dense>("Dense"),
                               builtin<Activation>("Activation"),
                               builtin<ReLU>("ReLU"),
                               builtin<LeakyReLU>("LeakyReLU"),
                               builtin<ELU>("ELU"),
                               builtin<Softmax>("Softmax"),
                               builtin<Dropout>("Dropout"),
                               builtin<Flatten>("Flatten"),
                               builtin<Embedding>("Embedding"),
                               builtin<Masking>("Masking"),
                               builtin<Reshape>("Reshape"),
                               builtin<Permute>("Permute"),
                               builtin<RepeatVector>("RepeatVector"),
                               builtin<TimeDistributed>("TimeDistributed"),
                               builtin<SimpleRNNCell>("SimpleRNNCell"),
                               builtin<LSTMCell>("LSTMCell"),
                               builtin<GRUCell>("GRUCell"),
                               builtin<RNN>("RNN"),
                               builtin<SimpleRNN>("SimpleRNN"),
                               builtin<LSTM>("LSTM"),
                               builtin<GRU>("GRU"),
                               builtin<Bidirectional>("Bidirectional"),
                               builtin<Lambda>("Lambda"),
                               builtin<Add>("Add"),
                               builtin<Subtract>("Subtract"),
                               builtin<Multiply>("Multiply"),
                               builtin<Average>("Average"),
                               builtin<Maximum>("Maximum"),
                               builtin<Minimum>("Minimum"),
                               builtin<Concatenate>("Concatenate"),
                               builtin<Conv1D>("Conv1D"),
                               builtin<Conv2D>("Conv2D"),
                               builtin<Conv2DTranspose>("Conv2DTranspose"),
                               builtin<DepthwiseConv2D>("DepthwiseConv2D"),
                               builtin<SeparableConv2D>("SeparableConv2D"),
                               builtin<BatchNormalization>("BatchNormalization"),
                               builtin<LayerNormalization>("LayerNormalization"),
                               builtin<ZeroPadding1D>("ZeroPadding1D"),
                               builtin<ZeroPadding2D>("ZeroPadding2D"),
                               builtin<Cropping1D>("Cropping1D"),
                               builtin<Cropping2D>("Cropping2D"),
                               builtin<UpSampling1D>("UpSampling1D"),
                               builtin<UpSampling2D>("UpSampling2D"),
                               builtin<SpatialDropout1D>("SpatialDropout1D"),
                               builtin<SpatialDropout2D>("SpatialDropout2D"),
                               builtin<MaxPooling1D>("MaxPooling1D"),
                               builtin<MaxPooling2D>("MaxPooling2D"),
                               builtin<AveragePooling1D>("AveragePooling1D"),
                               builtin<AveragePooling2D>("AveragePooling2D"),
                               builtin<GlobalMaxPooling1D>("GlobalMaxPooling1D"),
                               builtin<GlobalMaxPooling2D>("GlobalMaxPooling2D"),
                               builtin<GlobalAveragePooling1D>("GlobalAveragePooling1D"),
                               builtin<GlobalAveragePooling2D>("GlobalAveragePooling2D"),
                           }};
  return instance;
}

}  // namespace

void register_layer(const std::string& class_name, LayerFactory factory) {
  NABLA_CHECK(!class_name.empty(), ValueError, "register_layer: the class name is empty");
  NABLA_CHECK(factory != nullptr, ValueError, "register_layer: no factory for '", class_name, "'");
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  const bool inserted = r.factories.emplace(class_name, std::move(factory)).second;
  NABLA_CHECK(inserted, ValueError, "register_layer: the class name '", class_name,
              "' is already registered");
}

bool is_registered_layer(const std::string& class_name) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return r.factories.contains(class_name);
}

std::vector<std::string> registered_layers() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> out;
  for (const auto& [name, factory] : r.factories) out.push_back(name);
  return out;  // sorted: the map's order
}

std::shared_ptr<Layer> layer_from_config(const std::string& class_name,
                                         const nlohmann::json& config) {
  LayerFactory factory;
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    const auto it = r.factories.find(class_name);
    NABLA_CHECK(it != r.factories.end(), ValueError, "layer_from_config: unknown layer class '",
                class_name, "'; known classes: ", detail::joined_names(r.factories),
                " (register custom classes with nn::register_layer)");
    factory = it->second;
  }
  // Outside the lock: a factory may build sub-layers through the registry.
  std::shared_ptr<Layer> layer = factory(config);
  NABLA_CHECK(layer != nullptr, ValueError, "layer_from_config: the factory of '", class_name,
              "' returned no layer");
  return layer;
}

nlohmann::json serialize_layer(const Layer& layer) {
  return {{"module", "keras.layers"},
          {"class_name", layer.class_name()},
          {"config", layer.get_config()},
          {"registered_name", nullptr}};
}

std::shared_ptr<Layer> deserialize_layer(const nlohmann::json& serialized) {
  constexpr std::string_view who = "deserialize_layer";
  detail::check_config_object(serialized, who);
  const auto class_name = detail::config_require<std::string>(serialized, "class_name", who);
  const auto config = serialized.find("config");
  NABLA_CHECK(config != serialized.end(), ValueError, who, ": no 'config' for layer class '",
              class_name, "'");
  return layer_from_config(class_name, *config);
}

void apply_base_config(Layer& layer, const nlohmann::json& config) {
  const std::string who = layer.class_name() + ".from_config";
  detail::check_config_object(config, who);
  // Keras 3 writes the dtype as a name or as a DTypePolicy {"class_name", "config": {"name"}}.
  if (const auto dtype = config.find("dtype"); dtype != config.end() && !dtype->is_null()) {
    const bool is_policy =
        dtype->is_object() && dtype->contains("config") && dtype->at("config").is_object();
    const nlohmann::json policy =
        is_policy ? dtype->at("config").value("name", nlohmann::json()) : *dtype;
    NABLA_CHECK(policy == "float32" || policy == "float64", ValueError, who,
                ": nabla's layers compute in float32 or float64; the config's dtype is ",
                dtype->dump());
    layer.set_dtype(policy == "float64" ? float64 : float32);
  }
  if (config.contains("name"))
    layer.set_name(detail::config_as<std::string>(config.at("name"), who, "name"));
  layer.set_trainable(detail::config_get(config, "trainable", true, who));
}

}  // namespace nabla::nn
