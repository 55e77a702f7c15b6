// Index checks shared by the indexing ops. They read index values on the host, which is why
// they run in infer rules: kernels never throw.
#include "ops/index_check.hpp"

#include <type_traits>

#include "nabla/tensor/strided_walk.hpp"

namespace nabla {

std::optional<int64_t> first_out_of_range(const Tensor& index, int64_t low, int64_t high) {
  std::optional<int64_t> bad;
  if (index.is_symbolic() || !index.device().is_cpu() || index.numel() == 0) return bad;
  visit_dtype(index.dtype(), [&]<class T>(T) {
    if constexpr (!std::is_same_v<T, bool> && std::is_integral_v<T>) {
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

void check_axis_indices(std::string_view op, const Tensor& index, int64_t axis, int64_t size) {
  const std::optional<int64_t> bad = first_out_of_range(index, -size, size);
  NABLA_CHECK(!bad, IndexError, op, ": index ", bad.value_or(0), " is out of bounds for axis ",
              axis, " with size ", size);
}

void check_integer_index(std::string_view op, const Tensor& index, DType required) {
  NABLA_CHECK(index.dtype() == required, DTypeError, op, ": indices must be ", required, ", got ",
              index.dtype());
}

int64_t check_gather_index_shape(std::string_view op, const Shape& x, const Shape& index,
                                 int64_t axis) {
  NABLA_CHECK(index.rank() == x.rank(), ShapeError, op,
              ": index must have the same rank as x, got index ", index, " for x ", x);
  axis = normalize_axis(axis, x.rank(), op);
  for (int64_t d = 0; d < x.rank(); ++d) {
    NABLA_CHECK(d == axis || index[d] <= x[d], ShapeError, op, ": index ", index,
                " is larger than x ", x, " outside axis ", axis);
  }
  return axis;
}

Tensor integer_indices(std::string_view op, const Tensor& indices) {
  NABLA_CHECK(is_integral(indices.dtype()), DTypeError, op,
              ": indices must be uint8, int32 or int64, got ", indices.dtype());
  return indices.astype(int64);
}

}  // namespace nabla
