// The weighted-mean accumulator behind the accuracies and error metrics, and MetricRef's names.
// Metrics accumulate in double, on the device of their values, and never record gradients.
#include "nabla/nn/metrics.hpp"

#include <functional>
#include <map>

#include "nabla/autograd/grad_mode.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/ops/view.hpp"
#include "nabla/util/error.hpp"
#include "nn/losses_common.hpp"
#include "nn/name_table.hpp"

namespace nabla::nn::metrics {

// Keras's Mean.update_state after reduce_to_samplewise_values: each sample contributes the mean
// over its trailing axes of value * weight to the total and the mean of its weights to the count
// (so a [batch] weight w_b adds w_b * mean(values_b) and w_b). The sums stay on the values' device.
void MeanMetricWrapper::update_state(const Tensor& y_true, const Tensor& y_pred,
                                     const Tensor& sample_weight) {
  NABLA_CHECK(y_true.defined() && y_pred.defined(), ValueError, name(),
              ": y_true and y_pred must be defined tensors");
  NoGradGuard no_grad;
  const Tensor per_sample = values(y_true, y_pred);
  const Shape& shape = per_sample.shape();
  const int64_t batch = shape.rank() == 0 ? 1 : shape[0];
  if (batch == 0 || per_sample.numel() == 0) return;
  const double per_sample_mean = 1.0 / static_cast<double>(per_sample.numel() / batch);
  const Tensor value = astype(per_sample, float64);
  if (sample_weight.defined()) {
    const Tensor aligned = detail::align_sample_weight(name(), sample_weight, shape);
    const Tensor weight = astype(broadcast_to(aligned, shape), float64);
    total_.add(sum(value * weight), per_sample_mean);
    count_.add(sum(weight), per_sample_mean);
  } else {
    total_.add(sum(value), per_sample_mean);
    count_.add(static_cast<double>(batch));
  }
}

double MeanMetricWrapper::result() const {
  const double count = count_.value();
  return count == 0.0 ? 0.0 : total_.value() / count;
}

void MeanMetricWrapper::reset_state() { total_ = count_ = DeferredSum{}; }

namespace {

/// A metric named by a string reports under that string, as Keras's compile does ("acc",
/// "mse"); the state and the computation are the wrapped metric's.
class RenamedMetric : public Metric {
 public:
  RenamedMetric(std::shared_ptr<Metric> inner, std::string name)
      : inner_(std::move(inner)), name_(std::move(name)) {}
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight) override {
    inner_->update_state(y_true, y_pred, sample_weight);
  }
  [[nodiscard]] double result() const override { return inner_->result(); }
  void reset_state() override { inner_->reset_state(); }
  [[nodiscard]] std::string name() const override { return name_; }

 private:
  std::shared_ptr<Metric> inner_;
  std::string name_;
};

using Factory = std::function<std::shared_ptr<Metric>()>;

template <class T, class... Args>
Factory make(Args... args) {
  return [=] { return std::make_shared<T>(args...); };
}

/// Keras's metrics.get names (function names, class names, aliases) plus the "accuracy"/"acc"
/// strings that compile resolves from the shapes.
const std::map<std::string, Factory>& metric_table() {
  static const std::map<std::string, Factory> table = {
      {"accuracy", make<Accuracy>()},
      {"acc", make<Accuracy>()},
      {"binary_accuracy", make<BinaryAccuracy>()},
      {"BinaryAccuracy", make<BinaryAccuracy>()},
      {"categorical_accuracy", make<CategoricalAccuracy>()},
      {"CategoricalAccuracy", make<CategoricalAccuracy>()},
      {"sparse_categorical_accuracy", make<SparseCategoricalAccuracy>()},
      {"SparseCategoricalAccuracy", make<SparseCategoricalAccuracy>()},
      {"top_k_categorical_accuracy", make<TopKCategoricalAccuracy>(int64_t{5}, false)},
      {"TopKCategoricalAccuracy", make<TopKCategoricalAccuracy>(int64_t{5}, false)},
      {"sparse_top_k_categorical_accuracy", make<TopKCategoricalAccuracy>(int64_t{5}, true)},
      {"SparseTopKCategoricalAccuracy", make<TopKCategoricalAccuracy>(int64_t{5}, true)},
      {"mean_squared_error", make<MeanSquaredError>()},
      {"MeanSquaredError", make<MeanSquaredError>()},
      {"mse", make<MeanSquaredError>()},
      {"MSE", make<MeanSquaredError>()},
      {"mean_absolute_error", make<MeanAbsoluteError>()},
      {"MeanAbsoluteError", make<MeanAbsoluteError>()},
      {"mae", make<MeanAbsoluteError>()},
      {"MAE", make<MeanAbsoluteError>()},
      {"precision", make<Precision>()},
      {"Precision", make<Precision>()},
      {"recall", make<Recall>()},
      {"Recall", make<Recall>()},
      {"auc", make<AUC>()},
      {"AUC", make<AUC>()},
  };
  return table;
}

std::shared_ptr<Metric> metric_from_name(const std::string& name) {
  std::shared_ptr<Metric> metric = detail::find_by_name(metric_table(), name, "metric")();
  if (metric->name() == name) return metric;
  return std::make_shared<RenamedMetric>(std::move(metric), name);
}

}  // namespace

MetricRef::MetricRef(const char* name) : ptr_(metric_from_name(name == nullptr ? "" : name)) {}
MetricRef::MetricRef(const std::string& name) : ptr_(metric_from_name(name)) {}

}  // namespace nabla::nn::metrics
