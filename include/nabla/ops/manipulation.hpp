// Joining, splitting, gathering, padding, repeating, sorting and scanning tensors.
#pragma once

#include <string_view>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

/// Joins along an existing axis; all other dimensions must match (dtypes promote).
[[nodiscard]] Tensor concatenate(const std::vector<Tensor>& tensors, int64_t axis = 0);
/// Joins along a new axis; all shapes must match.
[[nodiscard]] Tensor stack(const std::vector<Tensor>& tensors, int64_t axis = 0);
/// `sections` equal parts along axis (ValueError if it does not divide). Views.
[[nodiscard]] std::vector<Tensor> split(const Tensor& x, int64_t sections, int64_t axis = 0);
/// Split before each index in `indices` (NumPy's array_split with indices). Views.
[[nodiscard]] std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& indices,
                                        int64_t axis = 0);
/// 1-D copy/view of all elements (row-major).
[[nodiscard]] Tensor flatten(const Tensor& x);
/// Elements at integer `indices` (any shape, negative counts from the end) along `axis`;
/// the axis is replaced by the indices' shape (NumPy's take). IndexError when out of range.
[[nodiscard]] Tensor take(const Tensor& x, const Tensor& indices, int64_t axis);
/// PyTorch's gather: out[i][j] = x[i][index[i][j]] along `axis` (index same rank as x).
[[nodiscard]] Tensor gather(const Tensor& x, int64_t axis, const Tensor& index);
/// [..., depth] float32 rows with a one at each integer label; labels outside [0, depth) ->
/// IndexError.
[[nodiscard]] Tensor one_hot(const Tensor& labels, int64_t depth, DType dtype = float32);
/// Pads with (before, after) per axis; mode "constant" (value), "reflect", "edge".
[[nodiscard]] Tensor pad(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& widths,
                         std::string_view mode = "constant", Scalar value = 0);
/// Repeats the whole tensor reps[i] times along axis i (NumPy's tile).
[[nodiscard]] Tensor tile(const Tensor& x, const std::vector<int64_t>& reps);
/// Repeats each element `repeats` times along axis (NumPy's repeat).
[[nodiscard]] Tensor repeat(const Tensor& x, int64_t repeats, int64_t axis);
/// Sorted copy along axis (stable; NaN last, as NumPy). descending reverses the order.
[[nodiscard]] Tensor sort(const Tensor& x, int64_t axis = -1, bool descending = false);
/// Indices (int64) that sort x along axis (stable).
[[nodiscard]] Tensor argsort(const Tensor& x, int64_t axis = -1, bool descending = false);
/// Running sum along axis (bool/uint8/int32 -> int64, as NumPy; uint8 -> uint64 there).
[[nodiscard]] Tensor cumsum(const Tensor& x, int64_t axis);
/// PyTorch's scatter_add: a copy of x where, along `axis`, out[.., index[i,j,..], ..] +=
/// src[i,j,..]. index (int32/int64, converted to int64) has x's rank and src's shape; outside
/// `axis` its extents are <= x's. Repeated indices accumulate. Negative indices count from the end
/// (as gather accepts them).
[[nodiscard]] Tensor scatter_add(const Tensor& x, int64_t axis, const Tensor& index,
                                 const Tensor& src);
/// PyTorch's index_add: a copy of x where out.select(axis, index[k]) += src.select(axis, k) for
/// each k. index is 1-D (int32/int64); src has x's shape except src.size(axis) == index.size(0).
[[nodiscard]] Tensor index_add(const Tensor& x, int64_t axis, const Tensor& index,
                               const Tensor& src);

}  // namespace nabla
