// The arguments of Model::compile / fit / evaluate / predict, spelled as Keras's keyword
// arguments with C++20 designated initialisers:
//   model.compile({.optimizer = "adam", .loss = {"sparse_categorical_crossentropy", "mse"},
//                  .metrics = {{"digit", {"accuracy"}}}, .loss_weights = {1.0, 0.5}});
//   model.fit(x, {y_digit, y_size}, {.batch_size = 128, .epochs = 5, .validation_split = 0.1});
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nabla/data/dataset.hpp"
#include "nabla/nn/losses.hpp"
#include "nabla/nn/metrics.hpp"
#include "nabla/optim/optimizer.hpp"
#include "nabla/train/callback.hpp"

namespace nabla::nn {

/// x or y of fit/evaluate/predict: one tensor, or one per model input (for x) or output (for y),
/// in the order of the model's inputs/outputs: `model.fit(x, {y_digit, y_size})`.
class Tensors {
 public:
  Tensors() = default;
  Tensors(const Tensor& tensor) : tensors_{tensor} {}                     // NOLINT: implicit
  Tensors(std::initializer_list<Tensor> tensors) : tensors_(tensors) {}   // NOLINT
  Tensors(std::vector<Tensor> tensors) : tensors_(std::move(tensors)) {}  // NOLINT
  [[nodiscard]] const std::vector<Tensor>& list() const { return tensors_; }
  [[nodiscard]] size_t size() const { return tensors_.size(); }

 private:
  std::vector<Tensor> tensors_;
};

/// compile()'s `loss`, as Keras's: one loss (for every output of a multi-output model), one per
/// output in output order (`{"mse", "binary_crossentropy"}`; an undefined LossRef leaves that
/// output without a loss, Keras's None), or by output name
/// (`{{"digit", "sparse_categorical_crossentropy"}, {"size", "mse"}}`; outputs not named have no
/// loss). Output names are the names of the layers producing them (Model::output_names()).
class LossSpec {
 public:
  LossSpec() = default;
  template <class T>
  requires std::convertible_to<T, losses::LossRef> LossSpec(T loss)  // NOLINT: implicit
      : single_(losses::LossRef(std::move(loss))) {}
  LossSpec(std::initializer_list<losses::LossRef> per_output)  // NOLINT: implicit
      : per_output_(per_output), is_list_(true) {}
  LossSpec(std::vector<losses::LossRef> per_output)  // NOLINT: implicit
      : per_output_(std::move(per_output)), is_list_(true) {}
  LossSpec(std::initializer_list<std::pair<const std::string, losses::LossRef>> by_name)  // NOLINT
      : by_name_(by_name) {}
  LossSpec(std::map<std::string, losses::LossRef> by_name)  // NOLINT: implicit
      : by_name_(std::move(by_name)) {}

  [[nodiscard]] bool empty() const { return !single_.defined() && !is_list_ && by_name_.empty(); }
  [[nodiscard]] const losses::LossRef& single() const { return single_; }
  [[nodiscard]] bool is_list() const { return is_list_; }
  [[nodiscard]] const std::vector<losses::LossRef>& per_output() const { return per_output_; }
  [[nodiscard]] const std::map<std::string, losses::LossRef>& by_name() const { return by_name_; }

 private:
  losses::LossRef single_;
  std::vector<losses::LossRef> per_output_;
  bool is_list_ = false;
  std::map<std::string, losses::LossRef> by_name_;
};

/// The metrics of one output: one metric or a list (`"accuracy"`, `{"accuracy", "auc"}`).
class MetricList {
 public:
  template <class T>
  requires std::convertible_to<T, metrics::MetricRef> MetricList(T metric)  // NOLINT: implicit
      : metrics_{metrics::MetricRef(std::move(metric))} {}
  MetricList(std::initializer_list<metrics::MetricRef> metrics)  // NOLINT: implicit
      : metrics_(metrics) {}
  MetricList(std::vector<metrics::MetricRef> metrics)  // NOLINT: implicit
      : metrics_(std::move(metrics)) {}
  [[nodiscard]] const std::vector<metrics::MetricRef>& list() const { return metrics_; }

 private:
  std::vector<metrics::MetricRef> metrics_;
};

/// compile()'s `metrics`, as Keras 3's: a list (`{"accuracy"}`) for a single-output model; for
/// a multi-output model either a list with exactly one entry per output, in output order, or a
/// map by output name (`{{"digit", {"accuracy", "top_k_categorical_accuracy"}}, {"size",
/// "mae"}}`; outputs not named have none). Multi-output logs name them "<output>_<metric>".
class MetricsSpec {
 public:
  MetricsSpec() = default;
  MetricsSpec(std::initializer_list<metrics::MetricRef> list) : list_(list) {}          // NOLINT
  MetricsSpec(std::vector<metrics::MetricRef> list) : list_(std::move(list)) {}         // NOLINT
  MetricsSpec(std::initializer_list<std::pair<const std::string, MetricList>> by_name)  // NOLINT
      : by_name_(by_name) {}
  MetricsSpec(std::map<std::string, MetricList> by_name)  // NOLINT: implicit
      : by_name_(std::move(by_name)) {}
  [[nodiscard]] const std::vector<metrics::MetricRef>& list() const { return list_; }
  [[nodiscard]] const std::map<std::string, MetricList>& by_name() const { return by_name_; }

 private:
  std::vector<metrics::MetricRef> list_;
  std::map<std::string, MetricList> by_name_;
};

/// compile()'s `loss_weights`: one weight per output in output order (`{1.0, 0.2}`) or by output
/// name (`{{"size", 0.2}}`; outputs not named weigh 1). The training loss is
/// sum_i weight_i * loss_i plus the regularization penalties.
class LossWeights {
 public:
  LossWeights() = default;
  LossWeights(std::initializer_list<double> per_output) : per_output_(per_output) {}   // NOLINT
  LossWeights(std::vector<double> per_output) : per_output_(std::move(per_output)) {}  // NOLINT
  LossWeights(std::initializer_list<std::pair<const std::string, double>> by_name)     // NOLINT
      : by_name_(by_name) {}
  LossWeights(std::map<std::string, double> by_name) : by_name_(std::move(by_name)) {}  // NOLINT
  [[nodiscard]] const std::vector<double>& per_output() const { return per_output_; }
  [[nodiscard]] const std::map<std::string, double>& by_name() const { return by_name_; }

 private:
  std::vector<double> per_output_;
  std::map<std::string, double> by_name_;
};

struct CompileOptions {
  optim::OptimizerRef optimizer = "rmsprop";
  LossSpec loss = {};
  MetricsSpec metrics = {};
  LossWeights loss_weights = {};
  /// false (the default): fit, evaluate and predict trace their step once per batch shape with
  /// nabla::function and run the graph (docs/graph.md); true: run every step eagerly, op by op
  /// (for debugging, and for models that cannot be traced, e.g. stateful RNNs).
  bool run_eagerly = false;
  /// Optimise the traced steps' graphs (nabla/graph/passes.hpp); false runs them as traced.
  bool jit_compile = true;
  /// Moves the model's weights there (Layer::to), as model.to(device) before compile: fit,
  /// evaluate and predict then copy each batch to it, one batch ahead, and read losses and
  /// metrics back. Unset: the model stays where it is.
  std::optional<Device> device = std::nullopt;
};

/// fit()'s validation_data: `{x_val, y_val}` (Tensors each), a std::pair of them, or a Dataset
/// whose elements are laid out as fit()'s (see Model::fit(const Dataset&, ...)).
class ValidationData {
 public:
  ValidationData() = default;
  ValidationData(Tensors x, Tensors y) : x_(std::move(x)), y_(std::move(y)), defined_(true) {}
  template <class X, class Y>
  ValidationData(const std::pair<X, Y>& xy)  // NOLINT: implicit
      : ValidationData(Tensors(xy.first), Tensors(xy.second)) {}
  ValidationData(datasets::Dataset data)  // NOLINT: implicit
      : dataset_(std::move(data)), defined_(true) {}
  [[nodiscard]] bool defined() const { return defined_; }
  [[nodiscard]] const Tensors& x() const { return x_; }
  [[nodiscard]] const Tensors& y() const { return y_; }
  [[nodiscard]] const std::optional<datasets::Dataset>& dataset() const { return dataset_; }

 private:
  Tensors x_, y_;
  std::optional<datasets::Dataset> dataset_;
  bool defined_ = false;
};

struct FitOptions {
  int64_t batch_size = 32;  // ignored for a Dataset, which batches itself
  int64_t epochs = 1;
  int verbose = 1;                // 0 silent, 1 progress bar, 2 one line per epoch
  double validation_split = 0.0;  // the last fraction of x/y (before shuffling), as Keras
  ValidationData validation_data = {};
  std::vector<callbacks::CallbackRef> callbacks = {};
  bool shuffle = true;                          // ignored for a Dataset (use Dataset::shuffle)
  std::map<int64_t, double> class_weight = {};  // class id -> weight of its samples' loss
  int64_t initial_epoch = 0;
  /// Batches per epoch (Dataset only). Given: the dataset's pass continues across epochs and a
  /// new pass starts when it ends (an epoch cut short by the end of a pass warns, as Keras).
  /// Not given: one epoch = one full pass.
  std::optional<int64_t> steps_per_epoch = std::nullopt;
  /// Batches of a validation Dataset per validation (default: a full pass).
  std::optional<int64_t> validation_steps = std::nullopt;
};

struct EvaluateOptions {
  int64_t batch_size = 32;                      // ignored for a Dataset
  int verbose = 1;                              // Keras's "auto": the progress bar
  std::optional<int64_t> steps = std::nullopt;  // batches to evaluate (default: all)
  std::vector<callbacks::CallbackRef> callbacks = {};
};

struct PredictOptions {
  int64_t batch_size = 32;                      // ignored for a Dataset
  int verbose = 1;                              // Keras's "auto": the progress bar
  std::optional<int64_t> steps = std::nullopt;  // batches to predict (default: all)
  std::vector<callbacks::CallbackRef> callbacks = {};
};

}  // namespace nabla::nn
