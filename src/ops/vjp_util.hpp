// Helpers shared by the gradient rules (VJPs). Broadcasting's VJP lives here, once.
#pragma once

#include <vector>

#include "ops/op.hpp"

namespace nabla {

/// The VJP of broadcasting `shape` to g's shape: g summed over the broadcast axes (NumPy rules:
/// leading axes added, size-1 axes stretched), reshaped to `shape`.
[[nodiscard]] Tensor sum_to_shape(const Tensor& g, const Shape& shape);

/// The VJP of a reduction over `axes` (normalised): g with the reduced axes put back as size 1
/// and broadcast to `input_shape` (a view).
[[nodiscard]] Tensor unreduce(const Tensor& g, const Shape& input_shape,
                              const std::vector<int64_t>& axes, bool keepdims);

/// g reshaped to keep the reduced axes as size 1 (no broadcast).
[[nodiscard]] Tensor with_kept_dims(const Tensor& g, const Shape& input_shape,
                                    const std::vector<int64_t>& axes, bool keepdims);

/// zeros of input i's shape and dtype (on g's device): the gradient of a locally constant op.
[[nodiscard]] Tensor zeros_for_input(const VjpContext& ctx, size_t i);

}  // namespace nabla
