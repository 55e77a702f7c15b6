// Reductions over any set of axes (empty axes = all), with keepdims. Negative axes allowed.
// dtypes as NumPy: sum/prod of bool, uint8 or int32 -> int64 (NumPy gives uint64 for uint8;
// nabla has no uint64, and int64 holds any realistic sum of bytes); mean/var/std of ints ->
// float64; max/min keep the dtype; argmax/argmin -> int64; all/any -> bool.
#pragma once

#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

using Axes = std::vector<int64_t>;

[[nodiscard]] Tensor sum(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
[[nodiscard]] Tensor mean(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
[[nodiscard]] Tensor prod(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
/// Max/min of a zero-size reduction raise ValueError (NumPy too). NaN propagates.
[[nodiscard]] Tensor max(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
[[nodiscard]] Tensor min(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
/// Index of the first maximum along `axis` (int64). Without an axis: over the flattened tensor.
[[nodiscard]] Tensor argmax(const Tensor& x, int64_t axis, bool keepdims = false);
[[nodiscard]] Tensor argmax(const Tensor& x);
[[nodiscard]] Tensor argmin(const Tensor& x, int64_t axis, bool keepdims = false);
[[nodiscard]] Tensor argmin(const Tensor& x);
/// Variance with `ddof` delta degrees of freedom (NumPy's default 0).
[[nodiscard]] Tensor var(const Tensor& x, const Axes& axes = {}, bool keepdims = false,
                         int64_t ddof = 0);
[[nodiscard]] Tensor std(const Tensor& x, const Axes& axes = {}, bool keepdims = false,
                         int64_t ddof = 0);
/// log(sum(exp(x))) computed stably (max subtracted first).
[[nodiscard]] Tensor logsumexp(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
/// exp(x) / sum(exp(x)) along `axis`, computed stably (the lane's max subtracted first); a NaN
/// in a lane makes the whole lane NaN. Integer inputs compute in float64, like exp.
[[nodiscard]] Tensor softmax(const Tensor& x, int64_t axis = -1);
/// log(softmax(x)) without forming softmax: x - max - log(sum(exp(x - max))).
[[nodiscard]] Tensor log_softmax(const Tensor& x, int64_t axis = -1);
[[nodiscard]] Tensor all(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
[[nodiscard]] Tensor any(const Tensor& x, const Axes& axes = {}, bool keepdims = false);

}  // namespace nabla
