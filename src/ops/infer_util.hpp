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

}  // namespace nabla
