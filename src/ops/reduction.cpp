// Reductions. Core ops: sum, prod, max, min (attrs "axes" normalised, "keepdims") and argmax,
// argmin (attrs "axis", "keepdims"). mean, var, std, logsumexp, all and any are composites of
// those and elementwise ops (design.md §2).
#include "nabla/ops/reduction.hpp"

#include <algorithm>

#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/view.hpp"
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"
#include "ops/vjp_util.hpp"

namespace nabla {
namespace {

/// Number of elements combined into each output.
int64_t reduced_count(const Shape& shape, const std::vector<int64_t>& axes) {
  int64_t n = 1;
  for (int64_t axis : axes) n *= shape[axis];
  return n;
}

/// sum and prod: bool and ints accumulate in int64 (NumPy; uint8 would be uint64 there, which
/// nabla lacks); floats (and complex, which only sum takes) keep their dtype.
DType widened(DType t) { return is_floating(t) || is_complex(t) ? t : int64; }
DType same(DType t) { return t; }

template <DType (*Rule)(DType), bool kNeedsElements>
std::vector<TensorSpec> reduce_infer(const OpDef& op, std::span<const Tensor> in,
                                     const Attrs& attrs) {
  const Tensor& x = in[0];
  const auto axes =
      normalize_axes(attrs.get<std::vector<int64_t>>("axes"), x.ndim(), op.name, true);
  if constexpr (kNeedsElements) {
    NABLA_CHECK(reduced_count(x.shape(), axes) > 0, ValueError, op.name,
                ": zero-size reduction over axes ", Shape(axes), " of shape ", x.shape(), " (",
                op.name, " has no identity)");
  }
  return single(reduced_shape(x.shape(), axes, attrs.get<bool>("keepdims")), Rule(x.dtype()));
}

std::vector<TensorSpec> arg_reduce_infer(const OpDef& op, std::span<const Tensor> in,
                                         const Attrs& attrs) {
  const Tensor& x = in[0];
  const int64_t axis = normalize_axis(attrs.get<int64_t>("axis"), x.ndim(), op.name);
  NABLA_CHECK(x.shape()[axis] > 0, ValueError, op.name, ": attempt to get ", op.name,
              " of an empty sequence (axis ", axis, " of shape ", x.shape(), ")");
  return single(reduced_shape(x.shape(), {axis}, attrs.get<bool>("keepdims")), int64);
}

const std::vector<int64_t>& reduced_axes(const VjpContext& ctx) {
  return ctx.attrs.get<std::vector<int64_t>>("axes");
}

/// g reshaped and broadcast back over the reduced axes.
Tensor spread(const VjpContext& ctx, const Tensor& t) {
  return unreduce(t, ctx.input_specs[0].shape, reduced_axes(ctx), ctx.attrs.get<bool>("keepdims"));
}

std::vector<Tensor> sum_vjp(const VjpContext& ctx) { return {spread(ctx, ctx.grad_outputs[0])}; }

/// d prod / d x_i = prod of the others. Dividing the product by x_i fails at zeros, so: with no
/// zero in a slice it is prod / x; with one zero, the zero's gradient is the product of the
/// non-zeros and the others' 0; with two or more, all are 0.
std::vector<Tensor> prod_vjp(const VjpContext& ctx) {
  const Tensor &x = ctx.inputs[0], &g = ctx.grad_outputs[0];
  const auto& axes = reduced_axes(ctx);
  const Tensor is_zero = x == 0.0;
  const Tensor zero_count = sum(is_zero, axes, true);
  const Tensor nonzero_product = prod(where(is_zero, 1.0, x), axes, true);
  const Tensor gk = spread(ctx, g);
  const Tensor product = spread(ctx, ctx.outputs[0]);
  const Tensor when_none = product / where(is_zero, 1.0, x);
  const Tensor when_one = where(is_zero, expand(nonzero_product, x.shape()), 0.0);
  return {gk * where(zero_count == 0, when_none, where(zero_count == 1, when_one, 0.0))};
}

/// max/min: the gradient is shared evenly by the elements equal to the result (PyTorch's amax).
std::vector<Tensor> extremum_vjp(const VjpContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  const Tensor is_extremum = x == spread(ctx, ctx.outputs[0]);
  const Tensor count = sum(is_extremum, reduced_axes(ctx), true).astype(x.dtype());
  const Tensor share = with_kept_dims(ctx.grad_outputs[0], x.shape(), reduced_axes(ctx),
                                      ctx.attrs.get<bool>("keepdims")) /
                       count;
  return {where(is_extremum, expand(share, x.shape()), 0.0)};
}

}  // namespace

NABLA_DEFINE_OP(sum_op, .name = "sum", .infer = &reduce_infer<&widened, false>, .vjp = &sum_vjp,
                .saves = Saves::Nothing, .complex = true);
NABLA_DEFINE_OP(prod_op, .name = "prod", .infer = &reduce_infer<&widened, false>, .vjp = &prod_vjp,
                .saves = Saves::Both);
NABLA_DEFINE_OP(max_op, .name = "max", .infer = &reduce_infer<&same, true>, .vjp = &extremum_vjp,
                .saves = Saves::Both);
NABLA_DEFINE_OP(min_op, .name = "min", .infer = &reduce_infer<&same, true>, .vjp = &extremum_vjp,
                .saves = Saves::Both);
NABLA_DEFINE_OP(argmax_op, .name = "argmax", .infer = &arg_reduce_infer);
NABLA_DEFINE_OP(argmin_op, .name = "argmin", .infer = &arg_reduce_infer);

namespace {

Tensor reduce(const OpDef& op, const Tensor& x, const Axes& axes, bool keepdims) {
  NABLA_CHECK(x.defined(), ValueError, op.name, ": undefined tensor");
  return dispatch1(
      op, {x},
      Attrs{{"axes", normalize_axes(axes, x.ndim(), op.name, true)}, {"keepdims", keepdims}});
}

Tensor arg_reduce(const OpDef& op, const Tensor& x, int64_t axis, bool keepdims) {
  NABLA_CHECK(x.defined(), ValueError, op.name, ": undefined tensor");
  if (x.ndim() == 0) {  // NumPy accepts axis 0 / -1 on a 0-d array and returns 0
    (void)normalize_axis(axis, 1, op.name);
    return dispatch1(op, {reshape(x, Shape{1})}, Attrs{{"axis", int64_t{0}}, {"keepdims", false}});
  }
  return dispatch1(
      op, {x}, Attrs{{"axis", normalize_axis(axis, x.ndim(), op.name)}, {"keepdims", keepdims}});
}

/// Axes normalised for a composite, so that its errors name it rather than the ops it calls.
std::vector<int64_t> composite_axes(const Tensor& x, const Axes& axes, std::string_view op) {
  NABLA_CHECK(x.defined(), ValueError, op, ": undefined tensor");
  return normalize_axes(axes, x.ndim(), op, true);
}

/// mean/var/std compute in float: ints and bool become float64 (NumPy), floats (and complex,
/// for mean) keep their dtype.
Tensor as_float64_unless_floating(const Tensor& x) {
  return astype(x, is_floating(x.dtype()) || is_complex(x.dtype()) ? x.dtype() : float64);
}

/// sum((x - mean)^2) / max(n - ddof, 0), as NumPy (0/0 is NaN, s/0 is inf).
Tensor variance(const Tensor& x, const Axes& axes, bool keepdims, int64_t ddof,
                std::string_view op) {
  const auto normalized = composite_axes(x, axes, op);
  const Tensor xf = as_float64_unless_floating(x);
  const Tensor centered = xf - mean(xf, normalized, true);
  const int64_t n = reduced_count(x.shape(), normalized);
  return sum(square(centered), normalized, keepdims) /
         static_cast<double>(std::max<int64_t>(n - ddof, 0));
}

}  // namespace

Tensor sum(const Tensor& x, const Axes& axes, bool keepdims) {
  return reduce(sum_op, x, axes, keepdims);
}
Tensor prod(const Tensor& x, const Axes& axes, bool keepdims) {
  return reduce(prod_op, x, axes, keepdims);
}
Tensor max(const Tensor& x, const Axes& axes, bool keepdims) {
  return reduce(max_op, x, axes, keepdims);
}
Tensor min(const Tensor& x, const Axes& axes, bool keepdims) {
  return reduce(min_op, x, axes, keepdims);
}

Tensor argmax(const Tensor& x, int64_t axis, bool keepdims) {
  return arg_reduce(argmax_op, x, axis, keepdims);
}
Tensor argmin(const Tensor& x, int64_t axis, bool keepdims) {
  return arg_reduce(argmin_op, x, axis, keepdims);
}
// Flattened forms index the row-major flattening, as NumPy.
Tensor argmax(const Tensor& x) { return arg_reduce(argmax_op, reshape(x, Shape{-1}), 0, false); }
Tensor argmin(const Tensor& x) { return arg_reduce(argmin_op, reshape(x, Shape{-1}), 0, false); }

Tensor mean(const Tensor& x, const Axes& axes, bool keepdims) {
  const auto normalized = composite_axes(x, axes, "mean");
  const int64_t n = reduced_count(x.shape(), normalized);
  // An empty reduction gives 0 / 0 = NaN, as NumPy (which also warns).
  return as_float64_unless_floating(sum(x, normalized, keepdims)) / static_cast<double>(n);
}

Tensor var(const Tensor& x, const Axes& axes, bool keepdims, int64_t ddof) {
  return variance(x, axes, keepdims, ddof, "var");
}
Tensor std(const Tensor& x, const Axes& axes, bool keepdims, int64_t ddof) {
  return sqrt(variance(x, axes, keepdims, ddof, "std"));
}

Tensor logsumexp(const Tensor& x, const Axes& axes, bool keepdims) {
  const auto normalized = composite_axes(x, axes, "logsumexp");
  const Tensor xf = astype(x, float_type_for(x.dtype()));
  // An empty reduction is log(0) = -inf (max would have nothing to subtract).
  if (reduced_count(x.shape(), normalized) == 0) {
    return log(sum(xf, normalized, keepdims));
  }
  // Shift by the max where it is finite (m - m == 0 is false for +-inf and NaN), else by 0 as
  // scipy does: all -inf rows give log(0) = -inf, a +inf gives +inf, NaN propagates.
  const Tensor m = max(xf, normalized, true);
  const Tensor shift = where((m - m) == 0.0, m, 0.0);
  const Tensor out = log(sum(exp(xf - shift), normalized, true)) + shift;
  return keepdims ? out : reshape(out, reduced_shape(x.shape(), normalized, false));
}

// all/any: min/max over bool, which is logical and/or; their empty reductions are true/false.
Tensor all(const Tensor& x, const Axes& axes, bool keepdims) {
  const auto normalized = composite_axes(x, axes, "all");
  if (reduced_count(x.shape(), normalized) == 0) {
    return full(reduced_shape(x.shape(), normalized, keepdims), true, bool_, x.device());
  }
  return min(astype(x, bool_), normalized, keepdims);
}

Tensor any(const Tensor& x, const Axes& axes, bool keepdims) {
  const auto normalized = composite_axes(x, axes, "any");
  if (reduced_count(x.shape(), normalized) == 0) {
    return full(reduced_shape(x.shape(), normalized, keepdims), false, bool_, x.device());
  }
  return max(astype(x, bool_), normalized, keepdims);
}

}  // namespace nabla
