// Losses as Keras serializes them (losses.serialize / deserialize), for compile_config.
#include "nabla/nn/losses.hpp"
#include "nn/config_util.hpp"

namespace nabla::nn::losses {
namespace {

using json = nlohmann::json;

/// Keras's class name of each built-in loss, by nabla's name().
constexpr std::pair<const char*, const char*> kClasses[] = {
    {"mean_squared_error", "MeanSquaredError"},
    {"mean_absolute_error", "MeanAbsoluteError"},
    {"huber_loss", "Huber"},
    {"binary_crossentropy", "BinaryCrossentropy"},
    {"categorical_crossentropy", "CategoricalCrossentropy"},
    {"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"},
};

CrossentropyOptions crossentropy_options(const json& config, std::string_view who) {
  return {.from_logits = detail::config_get(config, "from_logits", false, who),
          .label_smoothing = detail::config_get(config, "label_smoothing", 0.0, who),
          .axis = detail::config_get<int64_t>(config, "axis", -1, who)};
}

}  // namespace

json serialize(const Loss& loss) {
  for (const auto& [name, class_name] : kClasses) {
    if (loss.name() == name) {
      return {{"module", "keras.losses"},
              {"class_name", class_name},
              {"config", loss.get_config()},
              {"registered_name", nullptr}};
    }
  }
  return loss.name();
}

LossRef deserialize(const json& serialized) {
  constexpr std::string_view who = "losses.deserialize";
  if (serialized.is_string()) {
    // Keras also takes class names as strings ("CategoricalCrossentropy").
    for (const auto& [name, class_name] : kClasses)
      if (serialized == class_name) return LossRef(std::string(name));
    return LossRef(serialized.get<std::string>());
  }
  detail::check_config_object(serialized, who);
  const auto class_name = detail::config_require<std::string>(serialized, "class_name", who);
  const json config = serialized.value("config", json::object());
  // Keras 3 writes a loss given by name as the function it names.
  if (class_name == "function" && config.is_string()) return LossRef(config.get<std::string>());
  if (!config.is_object()) detail::check_config_object(config, who);
  if (class_name == "MeanSquaredError") return MeanSquaredError();
  if (class_name == "MeanAbsoluteError") return MeanAbsoluteError();
  if (class_name == "Huber") return Huber({.delta = detail::config_get(config, "delta", 1.0, who)});
  if (class_name == "BinaryCrossentropy")
    return BinaryCrossentropy(crossentropy_options(config, who));
  if (class_name == "CategoricalCrossentropy")
    return CategoricalCrossentropy(crossentropy_options(config, who));
  if (class_name == "SparseCategoricalCrossentropy")
    return SparseCategoricalCrossentropy(crossentropy_options(config, who));
  throw ValueError(nabla::detail::str_cat(who, ": unknown loss class '", class_name, "'"));
}

}  // namespace nabla::nn::losses
