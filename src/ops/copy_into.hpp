// In-place copy into an existing tensor (any layout); the one place nabla writes into a tensor
// it did not just allocate (the in-place ops, random::shuffle; optimizer updates have their own
// ops). It runs the `assign` op, so a trace records it (ops/assign.cpp).
#pragma once

#include "nabla/tensor/tensor.hpp"

namespace nabla::detail {

/// dst[...] = src[...] converted to dst's dtype; src broadcasts to dst's shape.
void copy_into(const Tensor& dst, const Tensor& src);

}  // namespace nabla::detail
