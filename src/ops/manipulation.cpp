// Joining, splitting and repeating tensors. concatenate is the one core op here (a kernel that
// copies each input into its slab of the output); stack, split, flatten, tile and repeat are
// composites of it and of views.
#include "nabla/ops/manipulation.hpp"

#include <algorithm>

#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/view.hpp"
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"

namespace nabla {
namespace {

std::vector<TensorSpec> concatenate_infer(const OpDef& op, std::span<const Tensor> in,
                                          const Attrs& attrs) {
  NABLA_CHECK(!in.empty(), ValueError, op.name, ": needs at least one tensor");
  const Tensor& first = in[0];
  NABLA_CHECK(first.ndim() > 0, ShapeError, op.name,
              ": zero-dimensional tensors cannot be concatenated");
  const int64_t axis = normalize_axis(attrs.get<int64_t>("axis"), first.ndim(), op.name);
  Shape shape = first.shape();
  for (size_t i = 1; i < in.size(); ++i) {
    const Tensor& t = in[i];
    NABLA_CHECK(t.dtype() == first.dtype(), DTypeError, op.name,
                ": inputs must share a dtype, got ", first.dtype(), " and ", t.dtype());
    bool match = t.ndim() == first.ndim();
    for (int64_t d = 0; match && d < first.ndim(); ++d) {
      match = d == axis || t.shape()[d] == first.shape()[d];
    }
    NABLA_CHECK(match, ShapeError, op.name, ": all dimensions except axis ", axis,
                " must match, got ", first.shape(), " (input 0) and ", t.shape(), " (input ", i,
                ")");
    shape[axis] += t.shape()[axis];
  }
  return single(std::move(shape), first.dtype());
}

/// Python's slice(start, stop) of `x` along an already normalised axis.
Tensor part(const Tensor& x, int64_t axis, int64_t start, int64_t stop) {
  return slice(x, axis, start, stop, 1);
}

/// A fresh copy when `result` still aliases `x` (tile/repeat by one), as NumPy always copies.
Tensor owned(const Tensor& result, const Tensor& x) {
  return result.shares_storage(x) ? result.clone() : result;
}

/// Each input's gradient is its own slab of the output gradient.
std::vector<Tensor> concatenate_vjp(const VjpContext& ctx) {
  const int64_t axis = ctx.attrs.get<int64_t>("axis");
  std::vector<Tensor> out(ctx.input_specs.size());
  int64_t start = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    const Shape& shape = ctx.input_specs[i].shape;
    if (shape.rank() == 0) return out;  // 0-d inputs cannot be concatenated: infer rejects them
    const int64_t length = shape[axis];
    if (ctx.needs(i)) out[i] = slice(ctx.grad_outputs[0], axis, start, start + length);
    start += length;
  }
  return out;
}

}  // namespace

NABLA_DEFINE_OP(concatenate_op, .name = "concatenate", .infer = &concatenate_infer,
                .vjp = &concatenate_vjp, .saves = Saves::Nothing);

Tensor concatenate(const std::vector<Tensor>& tensors, int64_t axis) {
  NABLA_CHECK(!tensors.empty(), ValueError, "concatenate: needs at least one tensor");
  DType dtype = tensors.front().dtype();
  for (const Tensor& t : tensors) dtype = promote_types(dtype, t.dtype());
  std::vector<Tensor> inputs;
  inputs.reserve(tensors.size());
  for (const Tensor& t : tensors) inputs.push_back(astype(t, dtype));
  if (tensors.front().ndim() > 0)
    axis = normalize_axis(axis, tensors.front().ndim(), "concatenate");
  return dispatch1(concatenate_op, inputs, Attrs{{"axis", axis}});
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t axis) {
  NABLA_CHECK(!tensors.empty(), ValueError, "stack: needs at least one tensor");
  const Shape& shape = tensors.front().shape();
  for (size_t i = 1; i < tensors.size(); ++i) {
    NABLA_CHECK(tensors[i].shape() == shape, ShapeError,
                "stack: all tensors must have the same shape, got ", shape, " (input 0) and ",
                tensors[i].shape(), " (input ", i, ")");
  }
  axis = normalize_axis(axis, shape.rank() + 1, "stack");
  std::vector<Tensor> expanded;
  expanded.reserve(tensors.size());
  for (const Tensor& t : tensors) expanded.push_back(unsqueeze(t, axis));
  return concatenate(expanded, axis);
}

std::vector<Tensor> split(const Tensor& x, int64_t sections, int64_t axis) {
  axis = normalize_axis(axis, x.ndim(), "split");
  NABLA_CHECK(sections > 0, ValueError, "split: sections must be positive, got ", sections);
  const int64_t n = x.shape()[axis];
  NABLA_CHECK(n % sections == 0, ValueError, "split: ", sections, " sections do not divide axis ",
              axis, " of size ", n, " (shape ", x.shape(), ")");
  const int64_t length = n / sections;
  std::vector<Tensor> parts;
  parts.reserve(static_cast<size_t>(sections));
  for (int64_t i = 0; i < sections; ++i)
    parts.push_back(part(x, axis, i * length, (i + 1) * length));
  return parts;
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& indices, int64_t axis) {
  axis = normalize_axis(axis, x.ndim(), "split");
  // NumPy: x[:i0], x[i0:i1], ..., x[ik:] with Python's slice rules (negatives, clipping).
  std::vector<Tensor> parts;
  parts.reserve(indices.size() + 1);
  int64_t start = 0;
  for (int64_t stop : indices) {
    parts.push_back(part(x, axis, start, stop));
    start = stop;
  }
  parts.push_back(part(x, axis, start, x.shape()[axis]));
  return parts;
}

Tensor flatten(const Tensor& x) { return reshape(x, Shape{x.numel()}); }

Tensor tile(const Tensor& x, const std::vector<int64_t>& reps) {
  for (int64_t r : reps) {
    NABLA_CHECK(r >= 0, ValueError, "tile: repetitions must be non-negative, got ", Shape(reps));
  }
  // NumPy: the shorter of x's shape and reps is padded with leading ones.
  const int64_t rank = std::max(x.ndim(), static_cast<int64_t>(reps.size()));
  std::vector<int64_t> all_reps(static_cast<size_t>(rank) - reps.size(), 1);
  all_reps.insert(all_reps.end(), reps.begin(), reps.end());
  Tensor v = x;
  while (v.ndim() < rank) v = unsqueeze(v, 0);
  const Shape dims = v.shape();
  // [d0, d1, ...] -> [1, d0, 1, d1, ...] -> expand to [r0, d0, r1, d1, ...] -> [r0*d0, r1*d1, ...]
  std::vector<int64_t> expanded, result;
  for (int64_t d = rank - 1; d >= 0; --d) v = unsqueeze(v, d);
  for (int64_t d = 0; d < rank; ++d) {
    const int64_t r = all_reps[static_cast<size_t>(d)];
    expanded.insert(expanded.end(), {r, dims[d]});
    result.push_back(r * dims[d]);
  }
  return owned(reshape(expand(v, Shape(std::move(expanded))), Shape(std::move(result))), x);
}

Tensor repeat(const Tensor& x, int64_t repeats, int64_t axis) {
  axis = normalize_axis(axis, x.ndim(), "repeat");
  NABLA_CHECK(repeats >= 0, ValueError, "repeat: repeats must be non-negative, got ", repeats);
  // [..., n, ...] -> [..., n, 1, ...] -> expand to [..., n, repeats, ...] -> [..., n*repeats, ...]
  Tensor v = unsqueeze(x, axis + 1);
  Shape expanded = v.shape(), result = x.shape();
  expanded[axis + 1] = repeats;
  result[axis] *= repeats;
  return owned(reshape(expand(v, expanded), result), x);
}

}  // namespace nabla
