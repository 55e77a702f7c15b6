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

}  // namespace nabla
