// Running sums along an axis (cumsum), a core op with its own kernel: the scan is sequential
// along the axis and parallel across the other ones.
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/ops/view.hpp"
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"

namespace nabla {
namespace {

std::vector<TensorSpec> cumsum_infer(const OpDef& op, std::span<const Tensor> in,
                                     const Attrs& attrs) {
  const Tensor& x = in[0];
  // The public function widens bool/uint8/int32 to int64 first, so the kernel sees one dtype.
  NABLA_CHECK(x.dtype() == int64 || is_floating(x.dtype()), DTypeError, op.name,
              ": expected int64 or a floating dtype, got ", x.dtype());
  (void)normalize_axis(attrs.get<int64_t>("axis"), x.ndim(), op.name);
  return single(x.shape(), x.dtype());
}

/// Element i feeds outputs i..n-1, so its gradient is the reversed running sum of the gradient.
std::vector<Tensor> cumsum_vjp(const VjpContext& ctx) {
  const int64_t axis = ctx.attrs.get<int64_t>("axis");
  const Tensor& g = ctx.grad_outputs[0];
  if (g.ndim() == 0) return {g};
  const int64_t n = g.shape()[axis];
  auto reversed = [&](const Tensor& t) { return slice(t, axis, -1, -n - 1, -1); };
  return {reversed(cumsum(reversed(g), axis))};
}

}  // namespace

NABLA_DEFINE_OP(cumsum_op, .name = "cumsum", .infer = &cumsum_infer, .vjp = &cumsum_vjp,
                .saves = Saves::Nothing);

Tensor cumsum(const Tensor& x, int64_t axis) {
  axis = normalize_axis(axis, x.ndim(), "cumsum");
  // NumPy: sums of bool and of signed integers narrower than int64 are int64 (uint8: uint64,
  // which nabla lacks).
  const DType dtype = is_floating(x.dtype()) ? x.dtype() : int64;
  return dispatch1(cumsum_op, {astype(x, dtype)}, Attrs{{"axis", axis}});
}

}  // namespace nabla
