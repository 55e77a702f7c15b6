// Cross-entropy losses as Keras 3 computes them, composed of ops (autodiff derives the gradients):
// logits go through stable forms (softplus with max(x, 0), log-softmax with log-sum-exp),
// probabilities are clipped to [eps, 1 - eps] with Keras's epsilon. These composites are the
// reference a fused softmax-cross-entropy kernel will be checked against.
#include <cmath>

#include "nabla/nn/losses.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/ops/view.hpp"
#include "nabla/util/error.hpp"
#include "nn/losses_common.hpp"
#include "ops/index_check.hpp"

namespace nabla::nn::losses {
namespace {

constexpr double kEpsilon = 1e-7;  // keras.backend.epsilon()

void check_options(std::string_view who, const CrossentropyOptions& options) {
  NABLA_CHECK(options.label_smoothing >= 0.0 && options.label_smoothing <= 1.0, ValueError, who,
              ": label_smoothing must be in [0, 1], got ", options.label_smoothing);
}

nlohmann::json crossentropy_config(nlohmann::json config, const CrossentropyOptions& options) {
  config["from_logits"] = options.from_logits;
  config["label_smoothing"] = options.label_smoothing;
  config["axis"] = options.axis;
  return config;
}

/// log(1 + u) for u in [0, 1]. 1 + u rounds away the digits of a tiny u, so below 1e-3 the series
/// u - u^2/2 + u^3/3 - u^4/4 + u^5/5 (error < u^6/6) keeps confident predictions' small losses
/// exact. Both branches are finite, so `where` passes no NaN into either's gradient.
Tensor log1p_unit(const Tensor& u) {
  const Tensor series = u * (1.0 - u * (0.5 - u * (1.0 / 3.0 - u * (0.25 - u * 0.2))));
  return where(u < 1e-3, series, log(1.0 + u));
}

/// Elementwise binary cross-entropy of logits x against targets z:
/// max(x, 0) - x z + log(1 + exp(-|x|)), TensorFlow's sigmoid_cross_entropy_with_logits. Both
/// pieces select on x >= 0 (not relu/abs), so at x = 0 their gradients are 1 and -1/2 and the sum
/// is sigmoid(0) - z, as the smooth function's.
Tensor binary_crossentropy_from_logits(const Tensor& z, const Tensor& x) {
  const Tensor nonnegative = x >= 0.0;
  const Tensor positive_part = where(nonnegative, x, 0.0);
  const Tensor minus_abs = where(nonnegative, -x, x);
  return positive_part - x * z + log1p_unit(exp(minus_abs));
}

/// Elementwise binary cross-entropy of probabilities p (clipped as Keras) against targets z.
Tensor binary_crossentropy_from_probabilities(const Tensor& z, const Tensor& p) {
  const Tensor clipped = clip(p, kEpsilon, 1.0 - kEpsilon);
  return -(z * log(clipped) + (1.0 - z) * log(1.0 - clipped));
}

}  // namespace

// ---- BinaryCrossentropy ----

BinaryCrossentropy::BinaryCrossentropy(CrossentropyOptions options) : options_(options) {
  check_options(name(), options_);
}

Tensor BinaryCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
  const Tensor pred = detail::floating_predictions(y_pred);
  auto [target, logits_or_probs] =
      detail::squeeze_or_expand_to_same_rank(astype(y_true, pred.dtype()), pred);
  detail::check_same_shape(name(), target, logits_or_probs);
  detail::check_has_axis(name(), logits_or_probs);
  const double smoothing = options_.label_smoothing;
  // Smoothing squeezes the targets towards 1/2.
  if (smoothing > 0.0) target = target * (1.0 - smoothing) + 0.5 * smoothing;
  const int64_t axis = normalize_axis(options_.axis, logits_or_probs.ndim(), name());
  const Tensor elementwise = options_.from_logits
                                 ? binary_crossentropy_from_logits(target, logits_or_probs)
                                 : binary_crossentropy_from_probabilities(target, logits_or_probs);
  return mean(elementwise, {axis});
}

nlohmann::json BinaryCrossentropy::get_config() const {
  return crossentropy_config(Loss::get_config(), options_);
}

// ---- CategoricalCrossentropy ----

CategoricalCrossentropy::CategoricalCrossentropy(CrossentropyOptions options) : options_(options) {
  check_options(name(), options_);
}

Tensor CategoricalCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
  const Tensor pred = detail::floating_predictions(y_pred);
  auto [target, scores] =
      detail::squeeze_or_expand_to_same_rank(astype(y_true, pred.dtype()), pred);
  detail::check_same_shape(name(), target, scores);
  detail::check_has_axis(name(), scores);
  const int64_t axis = normalize_axis(options_.axis, scores.ndim(), name());
  const double smoothing = options_.label_smoothing;
  // Smoothing moves `smoothing` of each target's mass evenly over the classes.
  if (smoothing > 0.0) {
    const auto classes = static_cast<double>(scores.size(axis));
    target = target * (1.0 - smoothing) + smoothing / classes;
  }
  Tensor log_probs;
  if (options_.from_logits) {
    log_probs = log_softmax(scores, axis);
  } else {
    // Keras renormalises the rows before clipping, so unnormalised scores still work.
    const Tensor probs = scores / sum(scores, {axis}, /*keepdims=*/true);
    log_probs = log(clip(probs, kEpsilon, 1.0 - kEpsilon));
  }
  return -sum(target * log_probs, {axis});
}

nlohmann::json CategoricalCrossentropy::get_config() const {
  return crossentropy_config(Loss::get_config(), options_);
}

// ---- SparseCategoricalCrossentropy ----

SparseCategoricalCrossentropy::SparseCategoricalCrossentropy(CrossentropyOptions options)
    : options_(options) {
  NABLA_CHECK(options_.label_smoothing == 0.0, ValueError, name(),
              ": label_smoothing is not supported (Keras has none for sparse labels); use "
              "CategoricalCrossentropy with one-hot labels, got label_smoothing=",
              options_.label_smoothing);
}

Tensor SparseCategoricalCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
  const Tensor scores = detail::floating_predictions(y_pred);
  detail::check_has_axis(name(), scores);
  const int64_t axis = normalize_axis(options_.axis, scores.ndim(), name());
  Tensor labels = y_true;
  // [batch, 1] labels (Keras squeezes a trailing 1 when the ranks are equal).
  if (labels.ndim() == scores.ndim() && labels.ndim() > 0 && labels.size(-1) == 1) {
    labels = squeeze(labels, -1);
  }
  Shape expected = scores.shape();
  expected.erase(axis);
  NABLA_CHECK(labels.shape() == expected, ShapeError, name(), ": y_true ", y_true.shape(),
              " does not match y_pred ", scores.shape(), ": expected integer labels of shape ",
              expected, " (or with a trailing 1)");
  // Keras casts labels to int; floats are truncated as that cast does.
  if (!is_integral(labels.dtype())) labels = astype(labels, int64);
  const int64_t classes = scores.size(axis);
  const std::optional<int64_t> bad = first_out_of_range(labels, 0, classes);
  NABLA_CHECK(!bad, IndexError, name(), ": label ", bad.value_or(0), " is out of range [0, ",
              classes, ") for y_pred ", scores.shape());

  // Only the true class's score is needed: gather it instead of multiplying by a one-hot matrix.
  const Tensor index = unsqueeze(labels, axis);
  if (options_.from_logits) return -squeeze(gather(log_softmax(scores, axis), axis, index), axis);
  const Tensor picked = squeeze(gather(scores, axis, index), axis);
  // Keras renormalises and clips every probability; only the picked one enters the loss.
  const Tensor prob = picked / sum(scores, {axis});
  return -log(clip(prob, kEpsilon, 1.0 - kEpsilon));
}

nlohmann::json SparseCategoricalCrossentropy::get_config() const {
  nlohmann::json config = Loss::get_config();
  config["from_logits"] = options_.from_logits;
  config["ignore_class"] = nullptr;
  return config;
}

}  // namespace nabla::nn::losses
