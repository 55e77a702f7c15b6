// Internal pieces of the solver ops (linalg_solve.cpp) shared with their gradient rules
// (linalg_solve_vjp.cpp) and the norms (linalg_norms.cpp): the ops without the LinAlgError check,
// for places where a singular matrix must give NaN rather than raise (a backward pass, cond).
#pragma once

#include <vector>

#include "ops/op.hpp"

namespace nabla::linalg_detail {

/// The last two axes swapped (a view): A^T of every matrix of a batch.
[[nodiscard]] Tensor mT(const Tensor& x);

/// inv(A) for float A [..., n, n]; a singular matrix's inverse is all NaN (no error).
[[nodiscard]] Tensor inv_unchecked(const Tensor& A);
/// X with A X = B for float A [..., n, n], B [..., n, k] of the same batch and dtype; NaN where
/// A is singular.
[[nodiscard]] Tensor solve_unchecked(const Tensor& A, const Tensor& B);
/// X with A X = B for triangular A (the `upper` or lower triangle is read) and B as in
/// solve_unchecked; NaN where a diagonal element is zero (and !unitriangular).
[[nodiscard]] Tensor solve_triangular_unchecked(const Tensor& A, const Tensor& B, bool upper,
                                                bool unitriangular);

// Gradient rules of the solver ops (formulas and their limits in linalg_solve_vjp.cpp).
[[nodiscard]] std::vector<Tensor> det_lu_vjp(const VjpContext& ctx);
[[nodiscard]] std::vector<Tensor> inv_vjp(const VjpContext& ctx);
[[nodiscard]] std::vector<Tensor> solve_vjp(const VjpContext& ctx);
[[nodiscard]] std::vector<Tensor> solve_triangular_vjp(const VjpContext& ctx);
[[nodiscard]] std::vector<Tensor> lstsq_vjp(const VjpContext& ctx);

}  // namespace nabla::linalg_detail
