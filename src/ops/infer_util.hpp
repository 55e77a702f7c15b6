// Small helpers shared by the shape/dtype rules of the op definitions.
#pragma once

#include <span>
#include <vector>

#include "ops/op.hpp"

namespace nabla {

[[nodiscard]] inline std::vector<TensorSpec> single(Shape shape, DType dtype) {
  return {TensorSpec{std::move(shape), dtype}};
}

/// Normalises a list of axes for a tensor of `rank`; rejects duplicates. Empty means all axes
/// when `empty_means_all`.
[[nodiscard]] std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t rank,
                                                  std::string_view op, bool empty_means_all);

/// The shape left after reducing `axes` (normalised): removed, or kept as 1 with keepdims.
inline Shape reduced_shape(const Shape& shape, const std::vector<int64_t>& axes, bool keepdims) {
  std::vector<bool> reduced(static_cast<size_t>(shape.rank()), false);
  for (int64_t axis : axes) reduced[static_cast<size_t>(axis)] = true;
  Shape out;
  for (int64_t d = 0; d < shape.rank(); ++d) {
    if (!reduced[static_cast<size_t>(d)]) {
      out.push_back(shape[d]);
    } else if (keepdims) {
      out.push_back(1);
    }
  }
  return out;
}

}  // namespace nabla
