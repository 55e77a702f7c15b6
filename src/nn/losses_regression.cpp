// Regression losses as Keras 3 computes them: mean over the last axis of squared, absolute or
// Huber errors. Written with ops, so autodiff derives their gradients.
#include "nabla/nn/losses.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/util/error.hpp"
#include "nn/losses_common.hpp"

namespace nabla::nn::losses {
namespace {

/// (y_true, y_pred) aligned as Keras's LossFunctionWrapper does, y_true in y_pred's dtype and
/// both of one shape with at least one axis.
std::pair<Tensor, Tensor> aligned(std::string_view who, const Tensor& y_true,
                                  const Tensor& y_pred) {
  const Tensor pred = detail::floating_predictions(y_pred);
  auto [t, p] = detail::squeeze_or_expand_to_same_rank(astype(y_true, pred.dtype()), pred);
  detail::check_same_shape(who, t, p);
  detail::check_has_axis(who, p);
  return {t, p};
}

}  // namespace

Tensor MeanSquaredError::call(const Tensor& y_true, const Tensor& y_pred) const {
  const auto [t, p] = aligned(name(), y_true, y_pred);
  return mean(square(t - p), {-1});
}

Tensor MeanAbsoluteError::call(const Tensor& y_true, const Tensor& y_pred) const {
  const auto [t, p] = aligned(name(), y_true, y_pred);
  return mean(abs(t - p), {-1});
}

Huber::Huber(HuberOptions options) : options_(options) {
  NABLA_CHECK(options_.delta > 0.0, ValueError, "huber_loss: delta must be positive, got ",
              options_.delta);
}

Tensor Huber::call(const Tensor& y_true, const Tensor& y_pred) const {
  const auto [t, p] = aligned(name(), y_true, y_pred);
  const double delta = options_.delta;
  const Tensor error = p - t;
  const Tensor abs_error = abs(error);
  // Quadratic inside |error| <= delta, linear outside; both branches are finite everywhere, so
  // `where` hands no NaN to the gradient of the branch it does not pick.
  const Tensor quadratic = 0.5 * square(error);
  const Tensor linear = delta * abs_error - 0.5 * delta * delta;
  return mean(where(abs_error <= delta, quadratic, linear), {-1});
}

nlohmann::json Huber::get_config() const {
  nlohmann::json config = Loss::get_config();
  config["delta"] = options_.delta;
  return config;
}

}  // namespace nabla::nn::losses
