// The accuracies and the error metrics: per-sample values as Keras 3's metric functions compute
// them (1.0 for a hit, 0.0 for a miss), averaged by MeanMetricWrapper.
#include <limits>

#include "nabla/nn/losses.hpp"
#include "nabla/nn/metrics.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/ops/view.hpp"
#include "nabla/util/error.hpp"
#include "nn/losses_common.hpp"
#include "ops/index_check.hpp"

namespace nabla::nn::metrics {
namespace {

Tensor hits(const Tensor& matches) { return astype(matches, float32); }

/// 0/1 labels against probabilities: (y_pred > threshold) == y_true, per element.
Tensor binary_matches(std::string_view who, const Tensor& y_true, const Tensor& y_pred,
                      double threshold) {
  const Tensor pred = detail::floating_predictions(y_pred);
  const auto [t, p] = detail::squeeze_or_expand_to_same_rank(astype(y_true, pred.dtype()), pred);
  detail::check_same_shape(who, t, p);
  return hits(equal(t, astype(p > threshold, p.dtype())));
}

/// Integer labels of y_pred's shape without the last axis (a trailing 1 squeezed, as Keras).
Tensor sparse_labels(std::string_view who, const Tensor& y_true, const Tensor& y_pred) {
  detail::check_has_axis(who, y_pred);
  Tensor labels = y_true;
  if (labels.ndim() == y_pred.ndim() && labels.size(-1) == 1) labels = squeeze(labels, -1);
  Shape expected = y_pred.shape();
  expected.erase(expected.rank() - 1);
  NABLA_CHECK(labels.shape() == expected, ShapeError, who, ": y_true ", y_true.shape(),
              " does not match y_pred ", y_pred.shape(), ": expected class labels of shape ",
              expected, " (or with a trailing 1)");
  return labels;
}

/// argmax(y_pred) == label. Labels compare as numbers (Keras casts both to floats), so a
/// non-integral label never matches.
Tensor sparse_matches(std::string_view who, const Tensor& y_true, const Tensor& y_pred) {
  const Tensor labels = sparse_labels(who, y_true, y_pred);
  return hits(equal(astype(labels, float64), astype(argmax(y_pred, -1), float64)));
}

/// argmax(y_pred) == argmax(y_true) (the first maximum on ties, as NumPy and Keras).
Tensor categorical_matches(std::string_view who, const Tensor& y_true, const Tensor& y_pred) {
  detail::check_same_shape(who, y_true, y_pred);
  detail::check_has_axis(who, y_pred);
  return hits(equal(argmax(y_true, -1), argmax(y_pred, -1)));
}

}  // namespace

// Keras's compile resolves "accuracy" from the shapes (is_binary_or_sparse_categorical). One
// deliberate difference: 1-D y_pred against 1-D y_true is binary here (Keras would take an
// argmax over the batch, a categorical accuracy of nothing).
Tensor Accuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  detail::check_has_axis(name(), y_pred);
  const int64_t true_rank = y_true.ndim(), pred_rank = y_pred.ndim();
  const int64_t pred_last = y_pred.size(-1);
  const int64_t true_last = true_rank > 0 ? y_true.size(-1) : 0;
  const bool binary = pred_last == 1 || (pred_rank == 1 && true_rank == 1);
  const bool sparse = true_rank < pred_rank || (true_last == 1 && pred_last > 1);
  if (binary) return binary_matches(name(), y_true, y_pred, 0.5);
  if (sparse) return sparse_matches(name(), y_true, y_pred);
  return categorical_matches(name(), y_true, y_pred);
}

BinaryAccuracy::BinaryAccuracy(double threshold) : threshold_(threshold) {
  NABLA_CHECK(threshold_ > 0.0 && threshold_ < 1.0, ValueError, name(),
              ": threshold must be in (0, 1), got ", threshold_);
}

Tensor BinaryAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  return binary_matches(name(), y_true, y_pred, threshold_);
}

Tensor CategoricalAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  return categorical_matches(name(), y_true, y_pred);
}

Tensor SparseCategoricalAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  return sparse_matches(name(), y_true, y_pred);
}

TopKCategoricalAccuracy::TopKCategoricalAccuracy(int64_t k, bool sparse) : k_(k), sparse_(sparse) {
  NABLA_CHECK(k_ >= 1, ValueError, name(), ": k must be at least 1, got ", k_);
}

// Keras's in_top_k: the true class's rank is 1 + the number of classes scoring strictly higher,
// so classes tied with it at the boundary all count as in the top k.
Tensor TopKCategoricalAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  const Tensor scores = detail::floating_predictions(y_pred);
  Tensor labels;
  if (sparse_) {
    labels = sparse_labels(name(), y_true, scores);
    if (!is_integral(labels.dtype())) labels = astype(labels, int64);  // Keras casts to int
  } else {
    detail::check_same_shape(name(), y_true, scores);
    detail::check_has_axis(name(), scores);
    labels = argmax(y_true, -1);
  }
  const int64_t classes = scores.size(-1);
  const std::optional<int64_t> bad = first_out_of_range(labels, 0, classes);
  NABLA_CHECK(!bad, IndexError, name(), ": label ", bad.value_or(0), " is out of range [0, ",
              classes, ") for y_pred ", scores.shape());
  Tensor at_label = gather(scores, -1, unsqueeze(labels, -1));
  // A NaN score of the true class never counts as high (Keras maps it to -inf).
  at_label = where(at_label != at_label, -std::numeric_limits<double>::infinity(), at_label);
  const Tensor higher = sum(scores > at_label, {-1});
  return hits(higher < k_);
}

Tensor MeanSquaredError::values(const Tensor& y_true, const Tensor& y_pred) const {
  return losses::MeanSquaredError().call(y_true, y_pred);
}

Tensor MeanAbsoluteError::values(const Tensor& y_true, const Tensor& y_pred) const {
  return losses::MeanAbsoluteError().call(y_true, y_pred);
}

}  // namespace nabla::nn::metrics
