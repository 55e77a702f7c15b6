// Confusion-count metrics (Precision, Recall, AUC) as Keras 3's metrics_utils counts them: a label
// is positive when nonzero, a prediction when strictly above the threshold, every element of
// y_pred is one decision, and the weighted counts accumulate in double on the host.
#include <algorithm>
#include <cmath>

#include "nabla/autograd/grad_mode.hpp"
#include "nabla/nn/metrics.hpp"
#include "nabla/ops/view.hpp"
#include "nabla/util/error.hpp"
#include "nn/losses_common.hpp"

namespace nabla::nn::metrics {
namespace {

/// Flattened labels (1 when nonzero), predictions and per-element weights of one batch.
struct Decisions {
  std::vector<double> positive, prediction, weight;
};

Decisions flatten_decisions(std::string_view who, const Tensor& y_true, const Tensor& y_pred,
                            const Tensor& sample_weight) {
  NABLA_CHECK(y_true.defined() && y_pred.defined(), ValueError, who,
              ": y_true and y_pred must be defined tensors");
  NoGradGuard no_grad;
  // Keras aligns (y_pred, y_true) in that order, then broadcasts the weights over y_pred.
  const auto [pred, truth] = detail::squeeze_or_expand_to_same_rank(y_pred, y_true);
  detail::check_same_shape(who, truth, pred);
  Decisions out;
  out.prediction = pred.cpu().to_vector<double>();
  out.positive = truth.cpu().to_vector<double>();
  for (double& label : out.positive) label = label != 0.0 ? 1.0 : 0.0;
  if (sample_weight.defined()) {
    const Tensor weight = detail::align_sample_weight(who, sample_weight, pred.shape());
    out.weight = broadcast_to(weight, pred.shape()).cpu().to_vector<double>();
  } else {
    out.weight.assign(out.prediction.size(), 1.0);
  }
  return out;
}

void check_threshold(std::string_view who, double threshold) {
  NABLA_CHECK(threshold >= 0.0 && threshold <= 1.0, ValueError, who,
              ": threshold must be in [0, 1], got ", threshold);
}

/// Keras's divide_no_nan.
double ratio(double numerator, double denominator) {
  return denominator == 0.0 ? 0.0 : numerator / denominator;
}

}  // namespace

// ---- Precision ----

Precision::Precision(double threshold) : threshold_(threshold) {
  check_threshold(name(), threshold_);
}

void Precision::update_state(const Tensor& y_true, const Tensor& y_pred,
                             const Tensor& sample_weight) {
  const Decisions d = flatten_decisions(name(), y_true, y_pred, sample_weight);
  for (size_t i = 0; i < d.prediction.size(); ++i) {
    if (!(d.prediction[i] > threshold_)) continue;
    true_positives_ += d.weight[i] * d.positive[i];
    false_positives_ += d.weight[i] * (1.0 - d.positive[i]);
  }
}

double Precision::result() const {
  return ratio(true_positives_, true_positives_ + false_positives_);
}

void Precision::reset_state() { true_positives_ = false_positives_ = 0.0; }

// ---- Recall ----

Recall::Recall(double threshold) : threshold_(threshold) { check_threshold(name(), threshold_); }

void Recall::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  const Decisions d = flatten_decisions(name(), y_true, y_pred, sample_weight);
  for (size_t i = 0; i < d.prediction.size(); ++i) {
    const double positive = d.weight[i] * d.positive[i];
    if (d.prediction[i] > threshold_) {
      true_positives_ += positive;
    } else {
      false_negatives_ += positive;
    }
  }
}

double Recall::result() const { return ratio(true_positives_, true_positives_ + false_negatives_); }

void Recall::reset_state() { true_positives_ = false_negatives_ = 0.0; }

// ---- AUC ----

AUC::AUC(int64_t num_thresholds) : num_thresholds_(num_thresholds) {
  NABLA_CHECK(num_thresholds_ > 1, ValueError, "auc: num_thresholds must be > 1, got ",
              num_thresholds_);
  reset_state();
}

// Keras's _update_confusion_matrix_variables_optimized. The thresholds are -eps, 1/(n-1), ...,
// (n-2)/(n-1), 1+eps. A prediction p (clipped to [0, 1]) is above threshold i exactly when
// i <= bucket(p) = max(ceil(p (n-1)) - 1, 0), so each sample lands in one bucket and the counts
// at threshold i are the sums over buckets >= i: O(samples + thresholds), not their product.
void AUC::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  const Decisions d = flatten_decisions(name(), y_true, y_pred, sample_weight);
  const auto n = static_cast<size_t>(num_thresholds_);
  std::vector<double> positive_in_bucket(n, 0.0), negative_in_bucket(n, 0.0);
  double all_positive = 0.0, all_negative = 0.0;
  for (size_t i = 0; i < d.prediction.size(); ++i) {
    const double positive = d.weight[i] * d.positive[i];
    const double negative = d.weight[i] * (1.0 - d.positive[i]);
    all_positive += positive;
    all_negative += negative;
    // A NaN prediction falls in no bucket (TensorFlow's segment_sum drops its invalid index):
    // it is negative at every threshold.
    if (std::isnan(d.prediction[i])) continue;
    const double p = std::clamp(d.prediction[i], 0.0, 1.0);
    const double bucket = std::max(std::ceil(p * static_cast<double>(n - 1)) - 1.0, 0.0);
    positive_in_bucket[static_cast<size_t>(bucket)] += positive;
    negative_in_bucket[static_cast<size_t>(bucket)] += negative;
  }
  double true_positive = 0.0, false_positive = 0.0;
  for (size_t t = n; t-- > 0;) {
    true_positive += positive_in_bucket[t];
    false_positive += negative_in_bucket[t];
    true_positives_[t] += true_positive;
    false_positives_[t] += false_positive;
    false_negatives_[t] += all_positive - true_positive;
    true_negatives_[t] += all_negative - false_positive;
  }
}

// ROC with Keras's "interpolation" summation: the trapezoidal rule over the (false-positive
// rate, recall) points, which run from (1, 1) at threshold -eps to (0, 0) at 1+eps.
double AUC::result() const {
  const auto n = static_cast<size_t>(num_thresholds_);
  double area = 0.0;
  for (size_t i = 0; i + 1 < n; ++i) {
    const double recall_here = ratio(true_positives_[i], true_positives_[i] + false_negatives_[i]);
    const double recall_next =
        ratio(true_positives_[i + 1], true_positives_[i + 1] + false_negatives_[i + 1]);
    const double fpr_here = ratio(false_positives_[i], false_positives_[i] + true_negatives_[i]);
    const double fpr_next =
        ratio(false_positives_[i + 1], false_positives_[i + 1] + true_negatives_[i + 1]);
    area += (fpr_here - fpr_next) * (recall_here + recall_next) / 2.0;
  }
  return area;
}

void AUC::reset_state() {
  const auto n = static_cast<size_t>(num_thresholds_);
  true_positives_.assign(n, 0.0);
  false_positives_.assign(n, 0.0);
  true_negatives_.assign(n, 0.0);
  false_negatives_.assign(n, 0.0);
}

}  // namespace nabla::nn::metrics
