// Internal pieces of the factorization ops (linalg_decompositions.cpp) shared with their gradient
// rules (linalg_decomposition_vjp.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "ops/op.hpp"

namespace nabla::linalg_detail {

/// The permutation matrix P [..., m, m] of LAPACK's 1-based pivots [..., k] (A = P L U), in
/// `dtype`. Not differentiable (integer input).
[[nodiscard]] Tensor lu_permutation(const Tensor& pivots, int64_t rows, DType dtype);
/// X with A X = B (A^T X = B when `adjoint`) from lu_factor's LU and pivots, all of one batch
/// shape and float dtype; NaN where U is singular (no error: for gradient rules).
[[nodiscard]] Tensor lu_solve_unchecked(const Tensor& LU, const Tensor& pivots, const Tensor& B,
                                        bool adjoint);

// Gradient rules (formulas and where they are undefined: linalg_decomposition_vjp.cpp).
[[nodiscard]] std::vector<Tensor> lu_factor_vjp(const VjpContext& ctx);
[[nodiscard]] std::vector<Tensor> lu_solve_vjp(const VjpContext& ctx);
[[nodiscard]] std::vector<Tensor> qr_vjp(const VjpContext& ctx);
[[nodiscard]] std::vector<Tensor> cholesky_vjp(const VjpContext& ctx);
[[nodiscard]] std::vector<Tensor> eigh_vjp(const VjpContext& ctx);
[[nodiscard]] std::vector<Tensor> svd_vjp(const VjpContext& ctx);

}  // namespace nabla::linalg_detail
