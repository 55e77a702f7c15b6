// Model::get_compile_config and compile_from_config: compile()'s arguments in Keras's
// compile_config schema, so that a saved model comes back ready to train.
#include "nabla/nn/model.hpp"
#include "nabla/optim/optimizer.hpp"
#include "nn/model_compiled.hpp"
#include "nn/saving/keras_weights.hpp"

namespace nabla::nn {
namespace {

using json = nlohmann::json;

json loss_json(const losses::LossRef& loss) {
  return loss.defined() ? losses::serialize(*loss.get()) : json(nullptr);
}

json metric_list_json(const std::vector<metrics::MetricRef>& list) {
  json out = json::array();
  for (const auto& metric : list) out.push_back(metric.get()->name());
  return out;
}

std::vector<metrics::MetricRef> metric_list(const json& list, std::string_view who) {
  NABLA_CHECK(list.is_array(), ValueError, who, ": metrics must be a list, got ", list.dump());
  std::vector<metrics::MetricRef> out;
  for (const json& m : list) {
    // Keras writes names, or serialized metric objects whose config holds the name.
    if (m.is_string()) {
      // Keras takes class names too ("CategoricalAccuracy" for categorical_accuracy).
      const std::string name = m.get<std::string>();
      try {
        out.emplace_back(name);
      } catch (const ValueError&) {
        out.emplace_back(saving::keras_snake_case(name));
      }
    } else if (m.is_object() && m.contains("config") && m.at("config").is_object() &&
               m.at("config").contains("name") && m.at("config").at("name").is_string()) {
      out.emplace_back(m.at("config").at("name").get<std::string>());
    } else {
      throw ValueError(nabla::detail::str_cat(who, ": cannot rebuild metric ", m.dump()));
    }
  }
  return out;
}

}  // namespace

json Model::get_compile_config() const {
  if (compiled_ == nullptr) return nullptr;
  const Compiled& c = *compiled_;
  json loss;
  if (c.loss_spec.single().defined()) {
    loss = loss_json(c.loss_spec.single());
  } else if (c.loss_spec.is_list()) {
    loss = json::array();
    for (const auto& l : c.loss_spec.per_output()) loss.push_back(loss_json(l));
  } else {
    loss = json::object();
    for (const auto& [name, l] : c.loss_spec.by_name()) loss[name] = loss_json(l);
  }
  json loss_weights = nullptr;
  if (!c.weights_spec.per_output().empty()) loss_weights = c.weights_spec.per_output();
  if (!c.weights_spec.by_name().empty()) loss_weights = c.weights_spec.by_name();
  json metrics = nullptr;
  if (!c.metrics_spec.list().empty()) metrics = metric_list_json(c.metrics_spec.list());
  if (!c.metrics_spec.by_name().empty()) {
    metrics = json::object();
    for (const auto& [name, list] : c.metrics_spec.by_name())
      metrics[name] = metric_list_json(list.list());
  }
  return {{"optimizer", optim::serialize(*c.optimizer)},
          {"loss", loss},
          {"loss_weights", loss_weights},
          {"metrics", metrics},
          {"weighted_metrics", nullptr},
          {"run_eagerly", c.run_eagerly},
          {"steps_per_execution", 1},
          {"jit_compile", c.jit_compile}};
}

void Model::compile_from_config(const json& config) {
  const std::string who = name() + ".compile_from_config";
  NABLA_CHECK(config.is_object(), ValueError, who, ": the config must be an object");
  CompileOptions options;  // no optimizer in the config: compile()'s default, as Keras
  if (config.contains("optimizer") && !config.at("optimizer").is_null())
    options.optimizer = optim::OptimizerRef(optim::deserialize(config.at("optimizer")));
  const json& loss = config.value("loss", json(nullptr));
  if (loss.is_array()) {
    std::vector<losses::LossRef> per_output;
    for (const json& l : loss)
      per_output.push_back(l.is_null() ? losses::LossRef() : losses::deserialize(l));
    options.loss = per_output;
  } else if (loss.is_object() && !loss.contains("class_name")) {
    std::map<std::string, losses::LossRef> by_name;
    for (const auto& [name, l] : loss.items()) by_name[name] = losses::deserialize(l);
    options.loss = by_name;
  } else if (!loss.is_null()) {
    options.loss = losses::deserialize(loss);
  }
  const json& weights = config.value("loss_weights", json(nullptr));
  if (weights.is_array()) options.loss_weights = weights.get<std::vector<double>>();
  if (weights.is_object()) options.loss_weights = weights.get<std::map<std::string, double>>();
  const json& metrics = config.value("metrics", json(nullptr));
  if (metrics.is_array()) {
    options.metrics = metric_list(metrics, who);
  } else if (metrics.is_object()) {
    std::map<std::string, MetricList> by_name;
    for (const auto& [name, list] : metrics.items())
      by_name.emplace(name, list.is_array() ? MetricList(metric_list(list, who))
                                            : MetricList(metric_list(json::array({list}), who)));
    options.metrics = by_name;
  }
  if (config.contains("run_eagerly") && config.at("run_eagerly").is_boolean())
    options.run_eagerly = config.at("run_eagerly").get<bool>();
  compile(std::move(options));
}

}  // namespace nabla::nn
