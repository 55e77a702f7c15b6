// The slabs of a concatenation's output: each input fills the view of the output that has the
// input's extent along the axis, at the sum of the earlier inputs' extents. Shared by the CPU
// and CUDA concatenate kernels, which differ only in how they copy an input into its slab.
#pragma once

#include <span>
#include <utility>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

/// Calls copy(slab, input) for each non-empty input of a concatenation of `inputs` along `axis`
/// into `out` (any strides).
template <class Copy>
void for_each_concatenate_slab(const Tensor& out, std::span<const Tensor> inputs, int64_t axis,
                               Copy&& copy) {
  const int64_t axis_stride = out.strides()[static_cast<size_t>(axis)];
  int64_t start = 0;
  for (const Tensor& in : inputs) {
    const int64_t extent = in.shape()[axis];
    if (in.numel() > 0) {
      Shape shape = out.shape();
      shape[axis] = extent;
      const Tensor slab = Tensor::view_of(
          out, Layout(std::move(shape), out.strides(), out.offset() + start * axis_stride));
      copy(slab, in);
    }
    start += extent;
  }
}

}  // namespace nabla
