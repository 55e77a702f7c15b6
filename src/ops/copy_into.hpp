// In-place copy into an existing tensor (any layout); the one place nabla writes into a tensor
// it did not just allocate (random::shuffle, later optimizer updates go through their own ops).
#pragma once

#include "nabla/tensor/tensor.hpp"

namespace nabla::detail {

/// dst[...] = src[...] converted to dst's dtype; src broadcasts to dst's shape.
void copy_into(const Tensor& dst, const Tensor& src);

}  // namespace nabla::detail
