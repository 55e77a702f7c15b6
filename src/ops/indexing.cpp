// Integer indexing along an axis: take (NumPy's), gather (PyTorch's) and one_hot. Index values
// are range-checked before any kernel runs (kernels never throw), in the infer rules so that
// every caller of the core ops gets the check.
#include <optional>

#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/ops/view.hpp"
#include "nabla/tensor/strided_walk.hpp"
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"

namespace nabla {
namespace {

/// The first value of `index` outside [low, high), if any. Symbolic tensors (and other devices,
/// whose data the host cannot read here) have no values yet and pass.
std::optional<int64_t> first_out_of_range(const Tensor& index, int64_t low, int64_t high) {
  std::optional<int64_t> bad;
  if (index.is_symbolic() || !index.device().is_cpu() || index.numel() == 0) return bad;
  visit_dtype(index.dtype(), [&]<class T>(T) {
    if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
      // data_ptr() already includes the offset; walk_strided counts from the storage start
      const T* base = static_cast<const T*>(index.data_ptr()) - index.offset();
      walk_strided(index.layout(), [&](int64_t element) {
        const auto v = static_cast<int64_t>(base[element]);
        if (!bad && (v < low || v >= high)) bad = v;
      });
    }
  });
  return bad;
}

/// IndexError unless every index lies in [-size, size) (negative ones count from the end).
void check_axis_indices(std::string_view op, const Tensor& index, int64_t axis, int64_t size) {
  const std::optional<int64_t> bad = first_out_of_range(index, -size, size);
  NABLA_CHECK(!bad, IndexError, op, ": index ", bad.value_or(0), " is out of bounds for axis ",
              axis, " with size ", size);
}

void check_integer_index(std::string_view op, const Tensor& index, DType required) {
  NABLA_CHECK(index.dtype() == required, DTypeError, op, ": indices must be ", required, ", got ",
              index.dtype());
}

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
  NABLA_CHECK(index.ndim() == x.ndim(), ShapeError, op.name,
              ": index must have the same rank as x, got index ", index.shape(), " for x ",
              x.shape());
  const int64_t axis = normalize_axis(attrs.get<int64_t>("axis"), x.ndim(), op.name);
  for (int64_t d = 0; d < x.ndim(); ++d) {
    NABLA_CHECK(d == axis || index.shape()[d] <= x.shape()[d], ShapeError, op.name, ": index ",
                index.shape(), " is larger than x ", x.shape(), " outside axis ", axis);
  }
  const int64_t size = x.shape()[axis];
  check_axis_indices(op.name, index, axis, size);
  return single(index.shape(), x.dtype());
}

Tensor integer_indices(std::string_view op, const Tensor& indices) {
  NABLA_CHECK(is_integral(indices.dtype()), DTypeError, op,
              ": indices must be int32 or int64, got ", indices.dtype());
  return indices.astype(int64);
}

}  // namespace

NABLA_DEFINE_OP(take_op, .name = "take", .infer = &take_infer);
NABLA_DEFINE_OP(gather_op, .name = "gather", .infer = &gather_infer);

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
              "one_hot: labels must be int32 or int64, got ", labels.dtype());
  NABLA_CHECK(depth >= 0, ValueError, "one_hot: depth must be non-negative, got ", depth);
  const std::optional<int64_t> bad = first_out_of_range(labels, 0, depth);
  NABLA_CHECK(!bad, IndexError, "one_hot: label ", bad.value_or(0), " is out of range [0, ", depth,
              ")");
  // A comparison against 0..depth-1 broadcast over a new last axis: no kernel of its own.
  const Tensor classes = arange(int64_t{0}, depth, int64_t{1}, labels.dtype());
  return equal(unsqueeze(labels, -1), classes).astype(dtype);
}

}  // namespace nabla
