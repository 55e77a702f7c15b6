// What compile() records (the optimizer and the loss, weight and metric specs) and what the specs
// become once the model's outputs are known (model_compiled.cpp): per output its loss, weight
// and metrics, and the running means of the losses that fit() and evaluate() log.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nabla/graph/function.hpp"
#include "nabla/nn/deferred_sum.hpp"
#include "nabla/nn/model.hpp"

namespace nabla::nn {

/// A mean weighted by batch sizes (Keras's Mean metric that tracks the losses). Values on a
/// device stay there until the mean is read (DeferredSum).
class RunningMean {
 public:
  /// Adds a batch's one-element loss (any device) with weight `weight`.
  void add(const Tensor& value, double weight) {
    total_.add(value, weight);
    count_ += weight;
  }
  [[nodiscard]] double result() const;  // NaN before any value

 private:
  DeferredSum total_;
  double count_ = 0.0;
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
  bool run_eagerly = false;
  bool jit_compile = true;

  /// A step traced by nabla::function (model_graph_steps.cpp). Its results are one flat list of
  /// tensors; which optional ones it holds is learnt while tracing.
  struct TracedStep {
    std::unique_ptr<nabla::detail::FunctionCore> function;
    Model* model = nullptr;    // set before each call: the body traces this model
    std::vector<bool> masked;  // prediction i carries a Keras mask (returned after the predictions)
    size_t trained_weights = 0;  // trainable weights when the train step was traced
  };
  TracedStep train_step, test_step, predict_step;  // built on first use

  [[nodiscard]] bool built() const { return !outputs.empty(); }
  /// Resolves the specs for outputs named `names` (one per output); ValueError naming `model`
  /// when a spec does not fit them (list lengths, unknown names, no loss at all).
  void build(const std::string& model, const std::vector<std::string>& names);
  /// The loss of one batch: `total` = sum_i weight_i * loss_i over the outputs with a loss
  /// (differentiable), and each output's unweighted loss (undefined for outputs without one).
  struct Losses {
    Tensor total;
    std::vector<Tensor> per_output;
  };
  [[nodiscard]] Losses compute_losses(const std::vector<Tensor>& y_true,
                                      const std::vector<Tensor>& y_pred,
                                      const Tensor& sample_weight) const;
  /// Adds each output's loss to its running mean, weighted by the batch size.
  void record_losses(const std::vector<Tensor>& per_output, int64_t batch_size);
  /// Adds a batch to every metric (Keras's `metrics` take no sample weights; a Keras mask on a
  /// prediction weights its metrics, so padded steps do not count).
  void update_metrics(const std::vector<Tensor>& y_true, const std::vector<Tensor>& y_pred);
  void reset_metrics();
  /// "loss", the "<output>_loss" keys and the metrics, as fit() and evaluate() log them.
  [[nodiscard]] std::map<std::string, double> results() const;
};

}  // namespace nabla::nn
