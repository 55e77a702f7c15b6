// Optimizer configs as Keras serializes them (get_config, optimizers.serialize / deserialize),
// for compile_config in model files.
#include <algorithm>
#include <cctype>

#include "nabla/optim/optimizers.hpp"
#include "nabla/util/error.hpp"

namespace nabla::optim {
namespace {

using json = nlohmann::json;

json optional_json(const std::optional<double>& value) {
  return value ? json(*value) : json(nullptr);
}

/// config[key] as a number, `fallback` when missing or null; ValueError for another type.
double number(const json& config, const char* key, double fallback, const std::string& who) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return fallback;
  NABLA_CHECK(it->is_number(), ValueError, who, ": config key '", key, "' must be a number, got ",
              it->dump());
  return it->get<double>();
}

bool boolean(const json& config, const char* key, bool fallback, const std::string& who) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return fallback;
  NABLA_CHECK(it->is_boolean(), ValueError, who, ": config key '", key, "' must be a boolean, got ",
              it->dump());
  return it->get<bool>();
}

std::optional<double> optional_number(const json& config, const char* key, const std::string& who) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  return number(config, key, 0.0, who);
}

ClipOptions clip_from(const json& config, const std::string& who) {
  return {.clipnorm = optional_number(config, "clipnorm", who),
          .clipvalue = optional_number(config, "clipvalue", who),
          .global_clipnorm = optional_number(config, "global_clipnorm", who)};
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

json Optimizer::get_config() const {
  return {{"name", lower(name())},
          {"learning_rate", learning_rate()},
          {"weight_decay", nullptr},
          {"clipnorm", optional_json(clip_.clipnorm)},
          {"global_clipnorm", optional_json(clip_.global_clipnorm)},
          {"clipvalue", optional_json(clip_.clipvalue)},
          {"use_ema", false},
          {"ema_momentum", 0.99},
          {"ema_overwrite_frequency", nullptr},
          {"loss_scale_factor", nullptr},
          {"gradient_accumulation_steps", nullptr}};
}

json SGD::get_config() const {
  json config = Optimizer::get_config();
  config["momentum"] = options_.momentum;
  config["nesterov"] = options_.nesterov;
  config["weight_decay"] =
      options_.weight_decay != 0.0 ? json(options_.weight_decay) : json(nullptr);
  return config;
}

json Adam::get_config() const {
  json config = Optimizer::get_config();
  config["beta_1"] = options_.beta_1;
  config["beta_2"] = options_.beta_2;
  config["epsilon"] = options_.epsilon;
  config["amsgrad"] = options_.amsgrad;
  config["weight_decay"] =
      options_.weight_decay != 0.0 ? json(options_.weight_decay) : json(nullptr);
  return config;
}

json AdamW::get_config() const {
  json config = Adam::get_config();
  config["weight_decay"] = options_.weight_decay;
  return config;
}

json RMSprop::get_config() const {
  json config = Optimizer::get_config();
  config["rho"] = options_.rho;
  config["momentum"] = options_.momentum;
  config["epsilon"] = options_.epsilon;
  config["centered"] = options_.centered;
  return config;
}

json Adagrad::get_config() const {
  json config = Optimizer::get_config();
  config["initial_accumulator_value"] = options_.initial_accumulator_value;
  config["epsilon"] = options_.epsilon;
  return config;
}

json serialize(const Optimizer& optimizer) {
  return {{"module", "keras.optimizers"},
          {"class_name", optimizer.name()},
          {"config", optimizer.get_config()},
          {"registered_name", nullptr}};
}

std::shared_ptr<Optimizer> deserialize(const json& serialized) {
  if (serialized.is_string()) return OptimizerRef(serialized.get<std::string>()).get();
  NABLA_CHECK(serialized.is_object() && serialized.contains("class_name") &&
                  serialized.at("class_name").is_string(),
              ValueError,
              "optimizers.deserialize: expected a name or {\"class_name\", \"config\"}, got ",
              serialized.dump().substr(0, 200));
  const std::string class_name = serialized.at("class_name").get<std::string>();
  const json config = serialized.value("config", json::object());
  const std::string who = class_name + ".from_config";
  NABLA_CHECK(config.is_object(), ValueError, who, ": the config must be an object");
  const double lr = number(config, "learning_rate", 0.001, who);
  const ClipOptions clip = clip_from(config, who);
  const double weight_decay = number(config, "weight_decay", 0.0, who);
  const std::string key = lower(class_name);
  if (key == "sgd") {
    return std::make_shared<SGD>(
        SGDOptions{.learning_rate = number(config, "learning_rate", 0.01, who),
                   .momentum = number(config, "momentum", 0.0, who),
                   .nesterov = boolean(config, "nesterov", false, who),
                   .weight_decay = weight_decay,
                   .clip = clip});
  }
  if (key == "adam") {
    return std::make_shared<Adam>(AdamOptions{.learning_rate = lr,
                                              .beta_1 = number(config, "beta_1", 0.9, who),
                                              .beta_2 = number(config, "beta_2", 0.999, who),
                                              .epsilon = number(config, "epsilon", 1e-7, who),
                                              .amsgrad = boolean(config, "amsgrad", false, who),
                                              .weight_decay = weight_decay,
                                              .clip = clip});
  }
  if (key == "adamw") {
    return std::make_shared<AdamW>(
        AdamWOptions{.learning_rate = lr,
                     .weight_decay = number(config, "weight_decay", 0.004, who),
                     .beta_1 = number(config, "beta_1", 0.9, who),
                     .beta_2 = number(config, "beta_2", 0.999, who),
                     .epsilon = number(config, "epsilon", 1e-7, who),
                     .amsgrad = boolean(config, "amsgrad", false, who),
                     .clip = clip});
  }
  if (key == "rmsprop") {
    return std::make_shared<RMSprop>(
        RMSpropOptions{.learning_rate = lr,
                       .rho = number(config, "rho", 0.9, who),
                       .momentum = number(config, "momentum", 0.0, who),
                       .epsilon = number(config, "epsilon", 1e-7, who),
                       .centered = boolean(config, "centered", false, who),
                       .clip = clip});
  }
  if (key == "adagrad") {
    return std::make_shared<Adagrad>(AdagradOptions{
        .learning_rate = lr,
        .initial_accumulator_value = number(config, "initial_accumulator_value", 0.1, who),
        .epsilon = number(config, "epsilon", 1e-7, who),
        .clip = clip});
  }
  throw ValueError("optimizers.deserialize: unknown optimizer class '" + class_name +
                   "' (nabla has SGD, Adam, AdamW, RMSprop, Adagrad)");
}

}  // namespace nabla::optim
