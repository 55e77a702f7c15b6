// Metrics (keras.metrics): stateful accumulators over the batches of an epoch. update_state adds
// a batch, result() is the value so far, reset_state() starts over (fit resets them per epoch).
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nabla/nn/deferred_sum.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla::nn::metrics {

class Metric {
 public:
  virtual ~Metric() = default;
  virtual void update_state(const Tensor& y_true, const Tensor& y_pred,
                            const Tensor& sample_weight = {}) = 0;
  [[nodiscard]] virtual double result() const = 0;
  virtual void reset_state() = 0;
  /// The key in logs and History ("accuracy", "top_k_categorical_accuracy", "auc", ...).
  [[nodiscard]] virtual std::string name() const = 0;
};

/// Weighted mean of per-sample values: the base of the accuracies, MSE and MAE.
class MeanMetricWrapper : public Metric {
 public:
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = {}) override;
  [[nodiscard]] double result() const override;
  void reset_state() override;

 protected:
  /// Per-sample values, shape [batch] or [batch, ...] (trailing axes are averaged per sample).
  /// update_state adds sum(value * weight) to the total and sum(weight) to the count, in double
  /// and on the values' device (read back by result() only); result() is total / count (0
  /// before any sample).
  [[nodiscard]] virtual Tensor values(const Tensor& y_true, const Tensor& y_pred) const = 0;

 private:
  DeferredSum total_, count_;
};

/// Keras's "accuracy" string, resolved per batch from the shapes as Keras's compile does: y_pred's
/// last axis 1 (or both 1-D): 0/1 labels vs probabilities (BinaryAccuracy); y_true of lower
/// rank, or last axis 1 against several classes: SparseCategoricalAccuracy; else
/// CategoricalAccuracy.
struct Accuracy : MeanMetricWrapper {
  [[nodiscard]] std::string name() const override { return "accuracy"; }

 protected:
  [[nodiscard]] Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};
struct BinaryAccuracy : MeanMetricWrapper {
  explicit BinaryAccuracy(double threshold = 0.5);  // ValueError unless 0 < threshold < 1
  [[nodiscard]] std::string name() const override { return "binary_accuracy"; }

 protected:
  [[nodiscard]] Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;

 private:
  double threshold_;
};
struct CategoricalAccuracy : MeanMetricWrapper {
  [[nodiscard]] std::string name() const override { return "categorical_accuracy"; }

 protected:
  [[nodiscard]] Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};
struct SparseCategoricalAccuracy : MeanMetricWrapper {
  [[nodiscard]] std::string name() const override { return "sparse_categorical_accuracy"; }

 protected:
  [[nodiscard]] Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};
/// True class among the k highest scores; sparse labels (sparse = true) or one-hot.
struct TopKCategoricalAccuracy : MeanMetricWrapper {
  /// Ties as Keras's in_top_k: the true class counts as in the top k when fewer than k classes
  /// score strictly higher (NaN scores never do). ValueError unless k >= 1.
  explicit TopKCategoricalAccuracy(int64_t k = 5, bool sparse = false);
  [[nodiscard]] std::string name() const override {
    return sparse_ ? "sparse_top_k_categorical_accuracy" : "top_k_categorical_accuracy";
  }

 protected:
  [[nodiscard]] Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;

 private:
  int64_t k_;
  bool sparse_;
};
struct MeanSquaredError : MeanMetricWrapper {
  [[nodiscard]] std::string name() const override { return "mean_squared_error"; }

 protected:
  [[nodiscard]] Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};
struct MeanAbsoluteError : MeanMetricWrapper {
  [[nodiscard]] std::string name() const override { return "mean_absolute_error"; }

 protected:
  [[nodiscard]] Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

/// Binary precision and recall at a threshold (counts of true/false positives/negatives): a label
/// is positive when nonzero, a prediction when > threshold; every element of y_pred counts.
/// ValueError unless the threshold is in [0, 1].
class Precision : public Metric {
 public:
  explicit Precision(double threshold = 0.5);
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = {}) override;
  [[nodiscard]] double result() const override;
  void reset_state() override;
  [[nodiscard]] std::string name() const override { return "precision"; }

 private:
  double threshold_;
  double true_positives_ = 0, false_positives_ = 0;
};
class Recall : public Metric {
 public:
  explicit Recall(double threshold = 0.5);
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = {}) override;
  [[nodiscard]] double result() const override;
  void reset_state() override;
  [[nodiscard]] std::string name() const override { return "recall"; }

 private:
  double threshold_;
  double true_positives_ = 0, false_negatives_ = 0;
};
/// ROC AUC by Keras's method: confusion counts at num_thresholds evenly spaced thresholds
/// (-eps, 1/(n-1), ..., 1+eps; predictions clipped to [0, 1]), interpolated by the trapezoidal
/// rule. ValueError unless num_thresholds > 1.
class AUC : public Metric {
 public:
  explicit AUC(int64_t num_thresholds = 200);
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = {}) override;
  [[nodiscard]] double result() const override;
  void reset_state() override;
  [[nodiscard]] std::string name() const override { return "auc"; }

 private:
  int64_t num_thresholds_;
  std::vector<double> true_positives_, false_positives_, true_negatives_, false_negatives_;
};

/// A metric given to compile(): a Metric object or a Keras name ("accuracy"/"acc",
/// "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
/// "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "mse", "mae",
/// "precision", "recall", "auc"; also the long names and Keras's class names). As in Keras, a
/// metric named by a string reports under that string ("acc", "mse"). Anything else is a
/// ValueError listing the known names.
class MetricRef {
 public:
  template <class T>
  requires std::derived_from<T, Metric> MetricRef(T metric)  // NOLINT: implicit
      : ptr_(std::make_shared<T>(std::move(metric))) {}
  MetricRef(const char* name);         // NOLINT: implicit, like Keras's strings
  MetricRef(const std::string& name);  // NOLINT
  [[nodiscard]] const std::shared_ptr<Metric>& get() const { return ptr_; }

 private:
  std::shared_ptr<Metric> ptr_;
};

}  // namespace nabla::nn::metrics
