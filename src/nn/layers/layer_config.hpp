// Reading and writing the parts of Keras layer configs that many layers share: the activation,
// keys nabla has no feature for (constraints, activity regularizers), initializers and
// regularizers.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string_view>

#include "nabla/nn/layers/core.hpp"

namespace nabla::nn::detail {

/// The "activation" of a config: a Keras name ("relu"; Keras 3 also writes
/// {"class_name": "function", "config": "relu"}); none when missing or null unless `required`.
/// A C++ callable was saved as "custom" and cannot be rebuilt.
[[nodiscard]] ActivationArg activation_from_config(const nlohmann::json& config,
                                                   std::string_view who, bool required = false);
/// Keys nabla has no feature for: accepted when null or missing (Keras's default), else an error.
void check_unsupported_null(const nlohmann::json& config, std::initializer_list<const char*> keys,
                            std::string_view who);
/// Writes each key as null (what Keras writes for an unset constraint or activity regularizer).
void write_unsupported_nulls(nlohmann::json& config, std::initializer_list<const char*> keys);
/// config[key], when present, deserialized into `target`.
void read_initializer(const nlohmann::json& config, const char* key,
                      initializers::InitializerRef& target);
void read_regularizer(const nlohmann::json& config, const char* key,
                      regularizers::RegularizerRef& target);

}  // namespace nabla::nn::detail
