// Views: new layouts over the same storage, no copies (design.md §2). The Tensor methods of the
// same names are equivalent.
#pragma once

#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

[[nodiscard]] Tensor reshape(const Tensor& x, const Shape& shape);  // copy if not contiguous
[[nodiscard]] Tensor transpose(const Tensor& x);                    // reversed axes
[[nodiscard]] Tensor transpose(const Tensor& x, const std::vector<int64_t>& axes);  // = permute
[[nodiscard]] Tensor permute(const Tensor& x, const std::vector<int64_t>& axes);
[[nodiscard]] Tensor swapaxes(const Tensor& x, int64_t axis0, int64_t axis1);
[[nodiscard]] Tensor slice(const Tensor& x, int64_t axis, int64_t start, int64_t stop,
                           int64_t step = 1);
[[nodiscard]] Tensor select(const Tensor& x, int64_t axis, int64_t index);
[[nodiscard]] Tensor expand(const Tensor& x, const Shape& shape);
[[nodiscard]] Tensor broadcast_to(const Tensor& x, const Shape& shape);
[[nodiscard]] Tensor squeeze(const Tensor& x);
[[nodiscard]] Tensor squeeze(const Tensor& x, int64_t axis);
[[nodiscard]] Tensor unsqueeze(const Tensor& x, int64_t axis);
[[nodiscard]] Tensor expand_dims(const Tensor& x, int64_t axis);  // NumPy's name for unsqueeze
/// The diagonal of axes (axis0, axis1) with offset k, moved to the last axis (NumPy's diagonal).
/// A view.
[[nodiscard]] Tensor diagonal(const Tensor& x, int64_t offset = 0, int64_t axis0 = 0,
                              int64_t axis1 = 1);
/// Contiguous copy unless already contiguous.
[[nodiscard]] Tensor contiguous(const Tensor& x);
/// A view with explicit shape, strides and offset (in elements) over x's row-major elements
/// (x is made contiguous first when it is not). Every addressed element must lie inside x.
[[nodiscard]] Tensor as_strided(const Tensor& x, const Shape& shape,
                                const std::vector<int64_t>& strides, int64_t offset = 0);
/// A contiguous copy of x whose window as_strided(result, shape, strides, offset) is replaced by
/// src (src has `shape`). The window must not overlap itself (no two positions on one element).
[[nodiscard]] Tensor as_strided_scatter(const Tensor& x, const Tensor& src, const Shape& shape,
                                        const std::vector<int64_t>& strides, int64_t offset = 0);

}  // namespace nabla
