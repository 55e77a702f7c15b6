// Accumulating scatters along an axis: scatter_add (PyTorch's, the adjoint of gather) and
// index_add (the adjoint of take with 1-D indices). Core ops take one value dtype and int64
// indices; the public functions promote and convert. Index values are range-checked in the
// infer rules with the same checks gather and take use (ops/index_check.hpp).
#include "nabla/ops/creation.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/ops/view.hpp"
#include "ops/dispatch.hpp"
#include "ops/index_check.hpp"
#include "ops/infer_util.hpp"

namespace nabla {
namespace {

/// x and src must share one numeric dtype (the public functions promote them).
void check_values(std::string_view op, const Tensor& x, const Tensor& src) {
  NABLA_CHECK(x.dtype() == src.dtype(), DTypeError, op, ": x and src must have one dtype, got ",
              x.dtype(), " and ", src.dtype());
  NABLA_CHECK(x.dtype() != bool_, DTypeError, op,
              ": not supported for bool tensors (convert with astype first)");
}

// inputs: x, index (int64, x's rank, <= x outside axis), src (index's shape) -> x's shape
std::vector<TensorSpec> scatter_add_infer(const OpDef& op, std::span<const Tensor> in,
                                          const Attrs& attrs) {
  const Tensor &x = in[0], &index = in[1], &src = in[2];
  check_integer_index(op.name, index, int64);
  check_values(op.name, x, src);
  const int64_t axis =
      check_gather_index_shape(op.name, x.shape(), index.shape(), attrs.get<int64_t>("axis"));
  NABLA_CHECK(src.shape() == index.shape(), ShapeError, op.name,
              ": src must have index's shape, got src ", src.shape(), " and index ", index.shape());
  check_axis_indices(op.name, index, axis, x.shape()[axis]);
  return single(x.shape(), x.dtype());
}

// inputs: x, index (int64, [k]), src (x's shape with k along axis) -> x's shape
std::vector<TensorSpec> index_add_infer(const OpDef& op, std::span<const Tensor> in,
                                        const Attrs& attrs) {
  const Tensor &x = in[0], &index = in[1], &src = in[2];
  check_integer_index(op.name, index, int64);
  check_values(op.name, x, src);
  NABLA_CHECK(index.ndim() == 1, ShapeError, op.name, ": index must be 1-D, got shape ",
              index.shape());
  const int64_t axis = normalize_axis(attrs.get<int64_t>("axis"), x.ndim(), op.name);
  Shape expected = x.shape();
  expected[axis] = index.shape()[0];
  NABLA_CHECK(src.shape() == expected, ShapeError, op.name, ": src must have shape ", expected,
              " (x ", x.shape(), " with index's length ", index.shape()[0], " along axis ", axis,
              "), got ", src.shape());
  check_axis_indices(op.name, index, axis, x.shape()[axis]);
  return single(x.shape(), x.dtype());
}

/// x and src converted to their common dtype, index to int64, the axis normalised.
struct ScatterArgs {
  Tensor x, index, src;
  int64_t axis;
};
ScatterArgs scatter_args(std::string_view op, const Tensor& x, int64_t axis, const Tensor& index,
                         const Tensor& src) {
  NABLA_CHECK(x.defined() && index.defined() && src.defined(), ValueError, op,
              ": undefined operand");
  const DType dtype = promote_types(x.dtype(), src.dtype());
  NABLA_CHECK(dtype != bool_, DTypeError, op,
              ": not supported for bool tensors (convert with astype first)");
  return {x.astype(dtype), integer_indices(op, index), src.astype(dtype),
          normalize_axis(axis, x.ndim(), op)};
}

/// out = x + scatter(src): x's gradient passes through, src's is gathered from the same places.
std::vector<Tensor> scatter_add_vjp(const VjpContext& ctx) {
  const Tensor &index = ctx.inputs[1], &g = ctx.grad_outputs[0];
  const auto axis = ctx.attrs.get<int64_t>("axis");
  return {ctx.needs(0) ? g : Tensor(), Tensor(), ctx.needs(2) ? gather(g, axis, index) : Tensor()};
}

std::vector<Tensor> index_add_vjp(const VjpContext& ctx) {
  const Tensor &index = ctx.inputs[1], &g = ctx.grad_outputs[0];
  const auto axis = ctx.attrs.get<int64_t>("axis");
  return {ctx.needs(0) ? g : Tensor(), Tensor(), ctx.needs(2) ? take(g, index, axis) : Tensor()};
}

}  // namespace

NABLA_DEFINE_OP(scatter_add_op, .name = "scatter_add", .infer = &scatter_add_infer,
                .vjp = &scatter_add_vjp, .saves = Saves::Inputs);
NABLA_DEFINE_OP(index_add_op, .name = "index_add", .infer = &index_add_infer, .vjp = &index_add_vjp,
                .saves = Saves::Inputs);

Tensor scatter_add(const Tensor& x, int64_t axis, const Tensor& index, const Tensor& src) {
  const ScatterArgs a = scatter_args("scatter_add", x, axis, index, src);
  return dispatch1(scatter_add_op, {a.x, a.index, a.src}, Attrs{{"axis", a.axis}});
}

Tensor index_add(const Tensor& x, int64_t axis, const Tensor& index, const Tensor& src) {
  const ScatterArgs a = scatter_args("index_add", x, axis, index, src);
  return dispatch1(index_add_op, {a.x, a.index, a.src}, Attrs{{"axis", a.axis}});
}

}  // namespace nabla
