// nabla::linalg: NumPy's and PyTorch's linear algebra over LAPACK (OpenBLAS's build), float32 and
// float64, batched over leading dimensions: A is [..., m, n] and every matrix of the batch is
// handled independently. Failures (a singular matrix for inv/solve, one that is not positive
// definite for cholesky, no convergence) raise nabla::LinAlgError naming the op and the batch
// index; LAPACK's status codes never reach the caller.
//
// Differentiable (float64 gradcheck): det, slogdet, inv, solve, solve_triangular, cholesky, qr,
// eigh, svd and everything composed from them (pinv, norm, cond, matrix_power, lstsq's solution).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

/// Sum of the diagonal of the last two axes: [..., m, n] -> [...].
[[nodiscard]] Tensor trace(const Tensor& x, int64_t offset = 0);
/// NumPy's diag: a 1-D x gives the [n+|k|, n+|k|] matrix with x on diagonal k; a 2-D x gives a
/// copy of its diagonal k.
[[nodiscard]] Tensor diag(const Tensor& x, int64_t k = 0);
/// x with the elements below diagonal k (triu) or above it (tril) of the last two axes zeroed.
[[nodiscard]] Tensor triu(const Tensor& x, int64_t k = 0);
[[nodiscard]] Tensor tril(const Tensor& x, int64_t k = 0);

namespace linalg {

inline constexpr double inf = std::numeric_limits<double>::infinity();

struct SlogdetResult {
  Tensor sign;       // [...]: -1, 0 (singular) or +1
  Tensor logabsdet;  // [...]: log |det A| (-inf when singular)
};
struct LUResult {
  Tensor P;  // [..., m, m] permutation matrix
  Tensor L;  // [..., m, k] unit lower triangular, k = min(m, n)
  Tensor U;  // [..., k, n] upper triangular; A = P @ L @ U
};
struct LUFactorResult {
  Tensor LU;      // [..., m, n]: L below the diagonal (unit diagonal implied), U on and above
  Tensor pivots;  // [..., min(m, n)] int32, LAPACK's 1-based row interchanges
};
struct QRResult {
  Tensor Q;  // [..., m, k] (reduced, k = min(m, n)) or [..., m, m] (complete); orthonormal columns
  Tensor R;  // [..., k, n] or [..., m, n]: upper triangular; A = Q @ R
};
struct EighResult {
  Tensor eigenvalues;   // [..., n] ascending
  Tensor eigenvectors;  // [..., n, n] orthonormal columns: A = V diag(w) V^T
};
struct EigResult {
  Tensor eigenvalues;   // [..., n] complex
  Tensor eigenvectors;  // [..., n, n] complex, unit-norm columns: A V = V diag(w)
};
struct SVDResult {
  Tensor U;   // [..., m, k] (k = min(m, n)) or [..., m, m] with full_matrices
  Tensor S;   // [..., k] descending, non-negative
  Tensor Vh;  // [..., k, n] or [..., n, n]; A = U diag(S) Vh
};
struct LstsqResult {
  Tensor solution;         // [..., n, k]: argmin ||A X - B||
  Tensor residuals;        // [..., k]: squared residual norms when m > n and A has full rank,
                           // else empty [0] (NumPy's convention)
  Tensor rank;             // [...] int64: effective rank of A
  Tensor singular_values;  // [..., min(m, n)]
};

/// Determinant of A [..., n, n] -> [...]; 0 for a singular matrix (no error).
[[nodiscard]] Tensor det(const Tensor& A);
/// Sign and log |det| of A [..., n, n]; stable where det would over- or underflow.
[[nodiscard]] SlogdetResult slogdet(const Tensor& A);
/// Inverse of A [..., n, n]; LinAlgError if a matrix is singular.
[[nodiscard]] Tensor inv(const Tensor& A);
/// X with A X = B. A: [..., n, n]; B: [..., n, k] or [n] / [..., n] (a vector when B has one
/// dimension fewer than A: NumPy 1.x's rule). Batch dimensions broadcast. LinAlgError if
/// singular.
[[nodiscard]] Tensor solve(const Tensor& A, const Tensor& B);
/// X with A X = B (left) or X A = B (!left) for triangular A [..., n, n]; only the `upper` or
/// lower triangle of A is read. B: [..., n, k] (left) or [..., k, n]. LinAlgError if a diagonal
/// element is zero (and !unitriangular).
[[nodiscard]] Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper,
                                      bool left = true, bool unitriangular = false);
/// Least squares: A [..., m, n], B [..., m, k] or [m]. Singular values below rcond * max(S) are
/// treated as zero (default: machine epsilon * max(m, n), NumPy's default).
[[nodiscard]] LstsqResult lstsq(const Tensor& A, const Tensor& B,
                                std::optional<double> rcond = std::nullopt);
/// LU decomposition with partial pivoting, A = P @ L @ U.
[[nodiscard]] LUResult lu(const Tensor& A);
/// The compact LU factorisation (LAPACK getrf) for lu_solve. Singular matrices are not an error
/// here (U has a zero on its diagonal); lu_solve then raises.
[[nodiscard]] LUFactorResult lu_factor(const Tensor& A);
/// X with A X = B from lu_factor(A). B: [..., n, k].
[[nodiscard]] Tensor lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B);
/// QR decomposition; mode "reduced" (default), "complete" or "r" (Q is then an empty tensor).
[[nodiscard]] QRResult qr(const Tensor& A, std::string_view mode = "reduced");
/// Cholesky factor of a symmetric positive-definite A: lower L with A = L L^T (or upper U with
/// A = U^T U). Reads only the lower (upper) triangle. LinAlgError if not positive definite.
[[nodiscard]] Tensor cholesky(const Tensor& A, bool upper = false);
/// Eigen-decomposition of a symmetric A, reading only its lower ("L") or upper ("U") triangle.
[[nodiscard]] EighResult eigh(const Tensor& A, std::string_view uplo = "L");
/// Eigenvalues of a symmetric A, ascending.
[[nodiscard]] Tensor eigvalsh(const Tensor& A, std::string_view uplo = "L");
/// Eigen-decomposition of a general square A (real or complex): complex results.
[[nodiscard]] EigResult eig(const Tensor& A);
/// Eigenvalues of a general square A: complex [..., n].
[[nodiscard]] Tensor eigvals(const Tensor& A);
/// Singular value decomposition A = U diag(S) Vh.
[[nodiscard]] SVDResult svd(const Tensor& A, bool full_matrices = true);
/// Singular values of A [..., m, n] -> [..., min(m, n)], descending.
[[nodiscard]] Tensor svdvals(const Tensor& A);
/// Moore-Penrose pseudo-inverse [..., n, m]: singular values below rtol * max(S) are dropped
/// (default rtol: machine epsilon * max(m, n)).
[[nodiscard]] Tensor pinv(const Tensor& A, std::optional<double> rtol = std::nullopt);
/// Number of singular values above tol (default: max(S) * max(m, n) * machine epsilon) -> int64.
[[nodiscard]] Tensor matrix_rank(const Tensor& A, std::optional<double> tol = std::nullopt);

/// NumPy's norm. Without axes: a 1-D x takes the vector norm, a 2-D x the matrix norm, other
/// ranks the 2-norm of the flattened x (ord must then be 2). Vector ords: any p (0 counts
/// non-zeros, inf / -inf are max / min |x|). Matrix ords: "fro", "nuc", 1, -1, 2, -2, inf, -inf.
[[nodiscard]] Tensor norm(const Tensor& x);
[[nodiscard]] Tensor norm(const Tensor& x, double ord, std::vector<int64_t> axes = {},
                          bool keepdims = false);
[[nodiscard]] Tensor norm(const Tensor& x, std::string_view ord, std::vector<int64_t> axes = {},
                          bool keepdims = false);
/// Vector p-norm over `axes` (all axes when empty).
[[nodiscard]] Tensor vector_norm(const Tensor& x, double ord = 2, std::vector<int64_t> axes = {},
                                 bool keepdims = false);
/// Matrix norm of the last two axes of A [..., m, n].
[[nodiscard]] Tensor matrix_norm(const Tensor& A, double ord, bool keepdims = false);
[[nodiscard]] Tensor matrix_norm(const Tensor& A, std::string_view ord = "fro",
                                 bool keepdims = false);
/// Condition number in norm `ord` (default 2: max(S) / min(S); inf for a singular matrix).
[[nodiscard]] Tensor cond(const Tensor& A, double ord = 2);
[[nodiscard]] Tensor cond(const Tensor& A, std::string_view ord);
/// A^n for square A by repeated squaring; n = 0 gives the identity, n < 0 the power of inv(A).
[[nodiscard]] Tensor matrix_power(const Tensor& A, int64_t n);
/// Cross product of 3-vectors along `axis` (size 3 in both), broadcasting the other axes.
[[nodiscard]] Tensor cross(const Tensor& a, const Tensor& b, int64_t axis = -1);
/// The diagonal of the last two axes (offset as NumPy): [..., m, n] -> [..., k]; a view.
[[nodiscard]] Tensor diagonal(const Tensor& A, int64_t offset = 0);

}  // namespace linalg
}  // namespace nabla
