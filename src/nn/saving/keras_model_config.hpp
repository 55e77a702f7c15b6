// Model configs as Keras serializes them (serialize_keras_object / deserialize_keras_object), in
// every dialect the shared test files use:
//   - Keras 3: {"module", "class_name", "config": {"layers": [...]}, "build_config", ...};
//     functional inbound nodes are {"args": [...], "kwargs": {...}} holding __keras_tensor__
//     objects with a keras_history [layer, node, tensor];
//   - tf.keras 2.x: {"class_name", "config": {"name", "layers"}}, the first Sequential layer
//     carrying batch_input_shape, functional inbound nodes [[[layer, node, tensor, kwargs]]];
//   - standalone Keras 2.1: a Sequential's "config" is the bare list of layers.
// Writing always produces the Keras 3 dialect.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "nabla/nn/model.hpp"

namespace nabla::nn::saving {

/// The Keras version that wrote a file ("2.2.4-tf", "3.13.2"). Layer semantics changed between
/// versions (hard_sigmoid), so configs are read knowing it.
struct KerasVersion {
  int major = 3;
  int minor = 0;
  /// 3.0 when `text` is empty or unreadable (no version recorded: assume the current format).
  [[nodiscard]] static KerasVersion parse(std::string_view text);
};

/// The version nabla writes into files (the Keras 3 release whose format nabla follows).
inline constexpr std::string_view kWrittenKerasVersion = "3.13.2";

/// serialize_keras_object(model): a Sequential or Functional model's full description, or for
/// any other model (a subclass) its class name and get_config() (loading needs the class
/// registered with nn::register_layer). ValueError when the model cannot be described (a
/// functional graph with a bare op outside any layer).
[[nodiscard]] nlohmann::json serialize_model(const Model& model);

/// The model a serialized config describes, with new weights (built, so weights can be loaded
/// into it). `who` starts error messages ("load_model: m.h5"). Layer classes nabla lacks are
/// reported together in one ValueError; a malformed config is an IOError.
[[nodiscard]] std::shared_ptr<Model> deserialize_model(const nlohmann::json& serialized,
                                                       KerasVersion version, std::string_view who);

}  // namespace nabla::nn::saving
