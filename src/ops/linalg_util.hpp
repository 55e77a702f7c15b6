// Checks and conventions shared by the linalg ops (src/ops/linalg_*.cpp): matrix arguments,
// NumPy's dtype rule for linalg, and turning the kernels' LAPACK status outputs into LinAlgError
// (Note [LAPACK status] in src/backend/cpu/lapack_util.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ops/op.hpp"

namespace nabla::linalg_detail {

/// A float32/float64 copy of `A` for LAPACK: floats stay, integers and bool become float64
/// (NumPy's linalg computes integer input in float64); complex raises DTypeError naming `op`.
[[nodiscard]] Tensor to_lapack_dtype(std::string_view op, const Tensor& A);

/// For infer rules: A is [..., rows, cols] (rank >= 2), float32/float64, square when asked, and
/// small enough for LAPACK's 32-bit sizes. Throws ShapeError/DTypeError naming `op`.
void check_matrix(std::string_view op, const Tensor& A, bool square);

/// The batch shape [...] of A [..., m, n].
[[nodiscard]] Shape batch_shape(const Tensor& A);

/// Raises LinAlgError for the first matrix whose status in `info` (int32, the batch shape) is not
/// zero: "<op>: <describe(info)> (batch index [i, j])". `describe` explains a positive code, e.g.
/// "the matrix is singular". Symbolic tensors are not checked (nothing has run yet).
void check_lapack_info(std::string_view op, const Tensor& info,
                       const std::function<std::string(int32_t)>& describe);

}  // namespace nabla::linalg_detail
