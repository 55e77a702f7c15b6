// Integer indexing along an axis: take (NumPy's), gather (PyTorch's) and one_hot. Index values
// are range-checked before any kernel runs (kernels never throw), in the infer rules so that
// every caller of the core ops gets the check.
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/ops/view.hpp"
#include "ops/dispatch.hpp"
#include "ops/index_check.hpp"
#include "ops/infer_util.hpp"

namespace nabla {
namespace {

std::vector<TensorSpec> take_infer(const OpDef& op, std::span<const Tensor> in,
                                   const Attrs& attrs) {
  const Tensor &x = in[0], &index = in[1];
  check_integer_index(op.name, index, int64);
  const int64_t axis = normalize_axis(attrs.get<int64_t>("axis"), x.ndim(), op.name);
  const int64_t size = x.shape()[axis];
  check_axis_indices(op.name, index, axis, size);
  std::vector<int64_t> dims(x.shape().begin(), x.shape().begin() + axis);
  dims.insert(dims.end(), index.shape().begin(), index.shape().end());
  dims.insert(dims.end(), x.shape().begin() + axis + 1, x.shape().end());
  return single(Shape(std::move(dims)), x.dtype());
}

std::vector<TensorSpec> gather_infer(const OpDef& op, std::span<const Tensor> in,
                                     const Attrs& attrs) {
  const Tensor &x = in[0], &index = in[1];
  check_integer_index(op.name, index, int64);
  const int64_t axis =
      check_gather_index_shape(op.name, x.shape(), index.shape(), attrs.get<int64_t>("axis"));
  check_axis_indices(op.name, index, axis, x.shape()[axis]);
  return single(index.shape(), x.dtype());
}

/// take's adjoint: every taken slab adds back into the row it came from (repeats accumulate).
std::vector<Tensor> take_vjp(const VjpContext& ctx) {
  const Tensor &index = ctx.inputs[1], &g = ctx.grad_outputs[0];
  const TensorSpec& x = ctx.input_specs[0];
  const auto axis = ctx.attrs.get<int64_t>("axis");
  Shape slabs = x.shape;  // g's index dimensions flattened into one
  slabs[axis] = index.numel();
  return {index_add(zeros(x.shape, x.dtype, g.device()), axis, reshape(index, Shape{-1}),
                    reshape(g, slabs)),
          Tensor()};
}

std::vector<Tensor> gather_vjp(const VjpContext& ctx) {
  const Tensor &index = ctx.inputs[1], &g = ctx.grad_outputs[0];
  const TensorSpec& x = ctx.input_specs[0];
  return {
      scatter_add(zeros(x.shape, x.dtype, g.device()), ctx.attrs.get<int64_t>("axis"), index, g),
      Tensor()};
}

}  // namespace

NABLA_DEFINE_OP(take_op, .name = "take", .infer = &take_infer, .vjp = &take_vjp,
                .saves = Saves::Inputs);
NABLA_DEFINE_OP(gather_op, .name = "gather", .infer = &gather_infer, .vjp = &gather_vjp,
                .saves = Saves::Inputs);

Tensor take(const Tensor& x, const Tensor& indices, int64_t axis) {
  axis = normalize_axis(axis, x.ndim(), "take");
  return dispatch1(take_op, {x, integer_indices("take", indices)}, Attrs{{"axis", axis}});
}

Tensor gather(const Tensor& x, int64_t axis, const Tensor& index) {
  axis = normalize_axis(axis, x.ndim(), "gather");
  return dispatch1(gather_op, {x, integer_indices("gather", index)}, Attrs{{"axis", axis}});
}

Tensor one_hot(const Tensor& labels, int64_t depth, DType dtype) {
  NABLA_CHECK(is_integral(labels.dtype()), DTypeError,
              "one_hot: labels must be uint8, int32 or int64, got ", labels.dtype());
  NABLA_CHECK(depth >= 0, ValueError, "one_hot: depth must be non-negative, got ", depth);
  const std::optional<int64_t> bad = first_out_of_range(labels, 0, depth);
  NABLA_CHECK(!bad, IndexError, "one_hot: label ", bad.value_or(0), " is out of range [0, ", depth,
              ")");
  // A comparison against 0..depth-1 broadcast over a new last axis: no kernel of its own.
  // Classes are at least int32: a uint8 range would wrap for depth > 256.
  const Tensor classes =
      arange(int64_t{0}, depth, int64_t{1}, promote_types(labels.dtype(), int32));
  return equal(unsqueeze(labels, -1), classes).astype(dtype);
}

}  // namespace nabla
