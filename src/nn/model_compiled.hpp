// What compile() records (the optimizer and the loss, weight and metric specs) and what the specs
// become once the model's outputs are known (model_compiled.cpp): per output its loss, weight
// and metrics, and the running means of the losses that fit() and evaluate() log.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nabla/nn/model.hpp"

namespace nabla::nn {

/// A mean weighted by batch sizes (Keras's Mean metric that tracks the losses).
struct RunningMean {
  double total = 0.0, count = 0.0;
  void add(double value, double weight) {
    total += value * weight;
    count += weight;
  }
  [[nodiscard]] double result() const;  // NaN before any value
};

struct Model::Compiled {
  struct Output {
    std::string name;
    std::shared_ptr<losses::Loss> loss;  // null: this output is not trained
    double weight = 1.0;
    std::string loss_key;  // "<name>_loss" when several outputs have losses, else empty
    RunningMean loss_mean;
    std::vector<std::pair<std::string, std::shared_ptr<metrics::Metric>>> metrics;  // by log key
  };

  std::shared_ptr<optim::Optimizer> optimizer;
  LossSpec loss_spec;
  MetricsSpec metrics_spec;
  LossWeights weights_spec;
  std::vector<Output> outputs;  // empty until build()
  RunningMean loss_mean;        // the total loss, with the regularization penalties

  [[nodiscard]] bool built() const { return !outputs.empty(); }
  /// Resolves the specs for outputs named `names` (one per output); ValueError naming `model`
  /// when a spec does not fit them (list lengths, unknown names, no loss at all).
  void build(const std::string& model, const std::vector<std::string>& names);
  /// sum_i weight_i * loss_i over the outputs with a loss (differentiable); records each loss,
  /// unweighted, in its running mean with weight `batch_size`.
  [[nodiscard]] Tensor weighted_loss(const std::vector<Tensor>& y_true,
                                     const std::vector<Tensor>& y_pred,
                                     const Tensor& sample_weight);
  /// Adds a batch to every metric (Keras's `metrics` take no sample weights; a Keras mask on a
  /// prediction weights its metrics, so padded steps do not count).
  void update_metrics(const std::vector<Tensor>& y_true, const std::vector<Tensor>& y_pred);
  void reset_metrics();
  /// "loss", the "<output>_loss" keys and the metrics, as fit() and evaluate() log them.
  [[nodiscard]] std::map<std::string, double> results() const;
};

}  // namespace nabla::nn
