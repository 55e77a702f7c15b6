// softmax and log_softmax: core ops with a one-lane-at-a-time kernel (three passes over a lane
// instead of the five full-tensor passes and temporaries of the composite), and VJPs written with
// ops so they can be differentiated again.
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduction.hpp"
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"

namespace nabla {
namespace {

std::vector<TensorSpec> softmax_infer(const OpDef& op, std::span<const Tensor> in,
                                      const Attrs& attrs) {
  const Tensor& x = in[0];
  NABLA_CHECK(is_floating(x.dtype()), DTypeError, op.name, ": expected a floating dtype, got ",
              x.dtype());
  (void)normalize_axis(attrs.get<int64_t>("axis"), x.ndim(), op.name);
  return single(x.shape(), x.dtype());
}

/// y = softmax(x): dx = y * (g - sum(g * y)) along the axis.
std::vector<Tensor> softmax_vjp(const VjpContext& ctx) {
  const int64_t axis = ctx.attrs.get<int64_t>("axis");
  const Tensor &y = ctx.outputs[0], &g = ctx.grad_outputs[0];
  return {y * (g - sum(g * y, {axis}, true))};
}

/// y = log_softmax(x): dx = g - softmax(x) * sum(g) along the axis, with softmax(x) = exp(y).
std::vector<Tensor> log_softmax_vjp(const VjpContext& ctx) {
  const int64_t axis = ctx.attrs.get<int64_t>("axis");
  const Tensor &y = ctx.outputs[0], &g = ctx.grad_outputs[0];
  return {g - exp(y) * sum(g, {axis}, true)};
}

Tensor along_axis(const OpDef& op, const Tensor& x, int64_t axis) {
  NABLA_CHECK(x.defined(), ValueError, op.name, ": undefined input");
  NABLA_CHECK(x.ndim() >= 1, ShapeError, op.name, ": needs at least one dimension, got shape ",
              x.shape());
  axis = normalize_axis(axis, x.ndim(), op.name);
  return dispatch1(op, {astype(x, float_type_for(x.dtype()))}, Attrs{{"axis", axis}});
}

}  // namespace

NABLA_DEFINE_OP(softmax_op, .name = "softmax", .infer = &softmax_infer, .vjp = &softmax_vjp,
                .saves = Saves::Outputs);
NABLA_DEFINE_OP(log_softmax_op, .name = "log_softmax", .infer = &softmax_infer,
                .vjp = &log_softmax_vjp, .saves = Saves::Outputs);

Tensor softmax(const Tensor& x, int64_t axis) { return along_axis(softmax_op, x, axis); }
Tensor log_softmax(const Tensor& x, int64_t axis) { return along_axis(log_softmax_op, x, axis); }

}  // namespace nabla
