// Sorting along an axis: one core op with two outputs (sorted values and the int64 indices that
// sort them), stable, NaN ordered as the largest value; sort and argsort each return one of them.
#include "nabla/ops/manipulation.hpp"
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"

namespace nabla {
namespace {

std::vector<TensorSpec> sort_infer(const OpDef& op, std::span<const Tensor> in,
                                   const Attrs& attrs) {
  (void)normalize_axis(attrs.get<int64_t>("axis"), in[0].ndim(), op.name);
  return {TensorSpec{in[0].shape(), in[0].dtype()}, TensorSpec{in[0].shape(), int64}};
}

/// Sorting permutes each slice: the gradient goes back through the inverse permutation, which is
/// the argsort of the sorting indices.
std::vector<Tensor> sort_vjp(const VjpContext& ctx) {
  const int64_t axis = ctx.attrs.get<int64_t>("axis");
  const Tensor& indices = ctx.outputs[1];
  if (indices.ndim() == 0) return {ctx.grad_outputs[0]};
  return {gather(ctx.grad_outputs[0], axis, argsort(indices, axis))};
}

}  // namespace

NABLA_DEFINE_OP(sort_op, .name = "sort", .infer = &sort_infer, .vjp = &sort_vjp,
                .saves = Saves::Outputs);

namespace {

/// {values, indices}; `name` is the public function, for axis errors.
std::vector<Tensor> sort_both(const Tensor& x, int64_t axis, bool descending,
                              std::string_view name) {
  axis = normalize_axis(axis, x.ndim(), name);
  const Tensor inputs[] = {x};
  return dispatch(sort_op, inputs, Attrs{{"axis", axis}, {"descending", descending}});
}

}  // namespace

Tensor sort(const Tensor& x, int64_t axis, bool descending) {
  return sort_both(x, axis, descending, "sort")[0];
}

Tensor argsort(const Tensor& x, int64_t axis, bool descending) {
  return sort_both(x, axis, descending, "argsort")[1];
}

}  // namespace nabla
