// walk_strided: visits the storage element index of every element of a layout in row-major
// order. The simple, always-correct loop used by element reads, printing and reference code;
// kernels use the faster blocked iterators of the backend.
#pragma once

#include <vector>

#include "nabla/tensor/layout.hpp"

namespace nabla {

template <class Fn>
void walk_strided(const Layout& layout, Fn&& fn) {
  const int64_t rank = layout.rank();
  const int64_t n = layout.numel();
  if (n == 0) return;
  if (rank == 0) {
    fn(layout.offset());
    return;
  }
  const auto& shape = layout.shape();
  const auto& strides = layout.strides();
  std::vector<int64_t> index(static_cast<size_t>(rank), 0);
  int64_t element = layout.offset();
  const int64_t inner = shape[rank - 1];
  const int64_t inner_stride = strides[static_cast<size_t>(rank - 1)];
  for (int64_t visited = 0; visited < n; visited += inner) {
    for (int64_t i = 0; i < inner; ++i) fn(element + i * inner_stride);
    for (int64_t axis = rank - 2; axis >= 0; --axis) {  // advance the outer multi-index
      const auto a = static_cast<size_t>(axis);
      element += strides[a];
      if (++index[a] < shape[axis]) break;
      element -= strides[a] * shape[axis];
      index[a] = 0;
    }
  }
}

}  // namespace nabla
