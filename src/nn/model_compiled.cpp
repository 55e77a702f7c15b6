// compile()'s specs resolved against the model's outputs, as Keras 3's CompileLoss and
// CompileMetrics: one loss broadcast to every output or one per output (by position or name),
// loss weights, per-output metrics named "<output>_<metric>", and the logged running means.
#include "nn/model_compiled.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "nabla/ops/elementwise.hpp"

namespace nabla::nn {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

/// The position of output `key`; ValueError naming the spec (`argument`) when there is none.
size_t output_index(const std::string& model, const std::vector<std::string>& names,
                    const std::string& key, std::string_view argument) {
  const auto found = std::find(names.begin(), names.end(), key);
  NABLA_CHECK(found != names.end(), ValueError, model, ".compile: the `", argument, "` entry '",
              key, "' does not correspond to any model output; the outputs are: ", joined(names));
  return static_cast<size_t>(found - names.begin());
}

void check_list_length(const std::string& model, size_t got, size_t outputs,
                       std::string_view argument) {
  NABLA_CHECK(got == outputs, ValueError, model, ".compile: for a model with ", outputs,
              " outputs, the `", argument, "` list needs one entry per output, got ", got);
}

/// Keras's unique log names: a repeated name gets "_1", "_2", ...
class UniqueNames {
 public:
  std::string operator()(const std::string& name) {
    const int64_t seen = counts_[name]++;
    return seen == 0 ? name : name + "_" + std::to_string(seen);
  }

 private:
  std::map<std::string, int64_t> counts_;
};

}  // namespace

double RunningMean::result() const {
  return count_ > 0 ? total_.value() / count_ : std::numeric_limits<double>::quiet_NaN();
}

void Model::Compiled::build(const std::string& model, const std::vector<std::string>& names) {
  const size_t n = names.size();
  std::vector<Output> out(n);
  for (size_t i = 0; i < n; ++i) out[i].name = names[i];

  // Losses: one for all outputs, one per output, or by output name.
  if (loss_spec.single().defined()) {
    for (auto& o : out) o.loss = loss_spec.single().get();
  } else if (loss_spec.is_list()) {
    check_list_length(model, loss_spec.per_output().size(), n, "loss");
    for (size_t i = 0; i < n; ++i) out[i].loss = loss_spec.per_output()[i].get();
  } else {
    for (const auto& [key, loss] : loss_spec.by_name()) {
      out[output_index(model, names, key, "loss")].loss = loss.get();
    }
  }
  const auto with_loss =
      std::count_if(out.begin(), out.end(), [](const Output& o) { return o.loss != nullptr; });
  NABLA_CHECK(with_loss > 0, ValueError, model, ".compile: no output has a loss");
  for (auto& o : out) {
    if (with_loss > 1 && o.loss != nullptr) o.loss_key = o.name + "_loss";
  }

  // Loss weights: per output or by name; 1 where not given.
  if (!weights_spec.per_output().empty()) {
    check_list_length(model, weights_spec.per_output().size(), n, "loss_weights");
    for (size_t i = 0; i < n; ++i) out[i].weight = weights_spec.per_output()[i];
  }
  for (const auto& [key, weight] : weights_spec.by_name()) {
    out[output_index(model, names, key, "loss_weights")].weight = weight;
  }

  // Metrics: a single output takes the whole list; several take one list entry each (Keras 3),
  // or the lists named after them.
  std::vector<std::vector<metrics::MetricRef>> per_output(n);
  const auto& list = metrics_spec.list();
  if (n == 1) {
    per_output[0] = list;
  } else if (!list.empty()) {
    check_list_length(model, list.size(), n, "metrics");
    for (size_t i = 0; i < n; ++i) per_output[i] = {list[i]};
  }
  for (const auto& [key, metrics] : metrics_spec.by_name()) {
    auto& target = per_output[output_index(model, names, key, "metrics")];
    target.insert(target.end(), metrics.list().begin(), metrics.list().end());
  }
  UniqueNames unique;
  for (const auto& o : out) {
    if (!o.loss_key.empty()) (void)unique(o.loss_key);
  }
  for (size_t i = 0; i < n; ++i) {
    for (const auto& ref : per_output[i]) {
      const auto& metric = ref.get();
      const std::string name = n == 1 ? metric->name() : names[i] + "_" + metric->name();
      out[i].metrics.emplace_back(unique(name), metric);
    }
  }
  outputs = std::move(out);
  reset_metrics();  // a metric object may have been used before
}

Model::Compiled::Losses Model::Compiled::compute_losses(const std::vector<Tensor>& y_true,
                                                        const std::vector<Tensor>& y_pred,
                                                        const Tensor& sample_weight) const {
  Losses losses;
  losses.per_output.resize(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Output& o = outputs[i];
    if (o.loss == nullptr) continue;
    const Tensor value = (*o.loss)(y_true[i], y_pred[i], sample_weight);
    losses.per_output[i] = value;
    const Tensor weighted = o.weight == 1.0 ? value : value * o.weight;
    losses.total = losses.total.defined() ? losses.total + weighted : weighted;
  }
  return losses;
}

void Model::Compiled::record_losses(const std::vector<Tensor>& per_output, int64_t batch_size) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (per_output[i].defined()) {
      outputs[i].loss_mean.add(per_output[i], static_cast<double>(batch_size));
    }
  }
}

void Model::Compiled::update_metrics(const std::vector<Tensor>& y_true,
                                     const std::vector<Tensor>& y_pred) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    // A masked prediction (Embedding(mask_zero) upstream) is scored on its real steps only: the
    // mask is the metrics' sample weight (tf.keras; Keras 3 applies it only when sample weights
    // are given, and compile()'s metrics take none).
    const Tensor mask = y_pred[i].keras_mask();
    for (const auto& [key, metric] : outputs[i].metrics) {
      metric->update_state(y_true[i], y_pred[i], mask);
    }
  }
}

void Model::Compiled::reset_metrics() {
  loss_mean = {};
  for (auto& o : outputs) {
    o.loss_mean = {};
    for (const auto& [key, metric] : o.metrics) metric->reset_state();
  }
}

std::map<std::string, double> Model::Compiled::results() const {
  std::map<std::string, double> logs{{"loss", loss_mean.result()}};
  for (const auto& o : outputs) {
    if (!o.loss_key.empty()) logs[o.loss_key] = o.loss_mean.result();
    for (const auto& [key, metric] : o.metrics) logs[key] = metric->result();
  }
  return logs;
}

}  // namespace nabla::nn
