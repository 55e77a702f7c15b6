// Contractions: matmul (NumPy's batched, broadcasting semantics, 1-D operands promoted),
// dot, outer, tensordot, einsum. Float tensors run on BLAS (OpenBLAS sgemm/dgemm).
#pragma once

#include <string_view>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

/// a: [..., n, k], b: [..., k, m] -> [..., n, m]; batch dims broadcast. A 1-D a is [1, k] and a
/// 1-D b is [k, 1], the added axis removed from the result (NumPy). ShapeError:
/// "matmul: inner dimensions differ: [2, 3] vs [4, 5]".
[[nodiscard]] Tensor matmul(const Tensor& a, const Tensor& b);
/// NumPy's dot: 1-D·1-D inner product, 2-D matrix product, N-D sum over a's last axis and b's
/// second-to-last.
[[nodiscard]] Tensor dot(const Tensor& a, const Tensor& b);
/// Outer product of the flattened inputs: [a.numel(), b.numel()].
[[nodiscard]] Tensor outer(const Tensor& a, const Tensor& b);
/// Sums over a's last `axes` axes and b's first `axes` axes.
[[nodiscard]] Tensor tensordot(const Tensor& a, const Tensor& b, int64_t axes = 2);
/// Sums over the paired axes a_axes[i] and b_axes[i]: tensordot(a, b, {{1}, {0}}).
[[nodiscard]] Tensor tensordot(const Tensor& a, const Tensor& b,
                               const std::vector<std::vector<int64_t>>& axes);
/// Einstein summation, NumPy's rules: "ij,jk->ik", implicit output ("ij,jk"), repeated indices
/// (traces and diagonals, "ii->i"), broadcasting ellipsis ("...ij,...jk->...ik").
[[nodiscard]] Tensor einsum(std::string_view equation, const std::vector<Tensor>& operands);

}  // namespace nabla
