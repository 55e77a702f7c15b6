// take's operands over its output's index space, shared by the CPU and CUDA kernels: output
// dims [0, axis) and [axis + k, ...) walk x's other dims, dims [axis, axis + k) walk the k-dim
// index; each operand gets stride 0 where it does not vary (x along the gathered span, whose
// offset the index supplies).
#pragma once

#include <utility>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

struct TakeStrides {
  std::vector<int64_t> x;      // x's strides over the output's dims (0 along the index's span)
  std::vector<int64_t> index;  // the index's strides over the output's dims
};

[[nodiscard]] inline TakeStrides take_strides(const Tensor& x, const Tensor& index, int64_t axis,
                                              int64_t out_rank) {
  const int64_t k = index.ndim();
  TakeStrides s{std::vector<int64_t>(static_cast<size_t>(out_rank), 0),
                std::vector<int64_t>(static_cast<size_t>(out_rank), 0)};
  for (int64_t d = 0; d < x.ndim(); ++d) {
    if (d == axis) continue;
    s.x[static_cast<size_t>(d < axis ? d : d - 1 + k)] = x.strides()[static_cast<size_t>(d)];
  }
  for (int64_t j = 0; j < k; ++j) {
    s.index[static_cast<size_t>(axis + j)] = index.strides()[static_cast<size_t>(j)];
  }
  return s;
}

}  // namespace nabla
