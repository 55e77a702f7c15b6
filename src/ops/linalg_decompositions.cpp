// nabla::linalg's factorizations over LAPACK (nabla/ops/linalg.hpp): lu, lu_factor, lu_solve,
// qr, cholesky, eigh, eigvalsh, svd and svdvals. The ops take float matrices of any layout; the
// public functions apply NumPy's dtype rule (integers and bool compute in float64), broadcast
// lu_solve's batch dimensions (views, so broadcasting's VJP sums gradients back), and turn the
// kernels' status outputs into LinAlgError (Note [LAPACK status]). lu is lu_factor unpacked with
// triu/tril, so its gradient is lu_factor's. Gradient rules: linalg_decomposition_vjp.cpp;
// kernels: backend/cpu/linalg_decomposition_kernels.cpp.
#include "ops/linalg_decompositions.hpp"

#include <algorithm>
#include <climits>
#include <limits>
#include <string>

#include "backend/linalg_conventions.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/linalg.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/ops/view.hpp"
#include "ops/dispatch.hpp"
#include "ops/linalg_util.hpp"

namespace nabla {
namespace {

using linalg_detail::batch_shape;
using linalg_detail::check_lapack_info;
using linalg_detail::check_matrix;
using linalg_detail::to_lapack_dtype;

/// batch + [dims...].
Shape with_matrix(Shape batch, std::initializer_list<int64_t> dims) {
  for (int64_t d : dims) batch.push_back(d);
  return batch;
}

// ---- shape/dtype rules ----

// A [..., m, n] -> LU [..., m, n], pivots [..., min(m, n)] int32.
std::vector<TensorSpec> lu_factor_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  const Tensor& A = in[0];
  check_matrix(op.name, A, /*square=*/false);
  const int64_t k = std::min(A.size(-2), A.size(-1));
  return {{A.shape(), A.dtype()}, {with_matrix(batch_shape(A), {k}), DType::Int32}};
}

// pivots [..., k] int32 (attrs rows m >= k, dtype) -> P [..., m, m].
std::vector<TensorSpec> lu_permutation_infer(const OpDef& op, std::span<const Tensor> in,
                                             const Attrs& attrs) {
  const Tensor& pivots = in[0];
  const int64_t rows = attrs.get<int64_t>("rows");
  NABLA_CHECK(pivots.dtype() == DType::Int32 && pivots.ndim() >= 1 && pivots.size(-1) <= rows,
              ShapeError, op.name, ": expected int32 pivots [..., k] with k <= ", rows, ", got ",
              pivots.dtype(), " ", pivots.shape());
  Shape out = pivots.shape();
  out.erase(out.rank() - 1);
  return {{with_matrix(out, {rows, rows}), attrs.get<DType>("dtype")}};
}

// LU [..., n, n], pivots [..., n] int32, B [..., n, k] (one batch shape) -> X [..., n, k], info.
std::vector<TensorSpec> lu_solve_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  const Tensor &LU = in[0], &pivots = in[1], &B = in[2];
  check_matrix(op.name, LU, /*square=*/true);
  const int64_t n = LU.size(-1);
  const Shape batch = batch_shape(LU);
  NABLA_CHECK(pivots.dtype() == DType::Int32 && pivots.shape() == with_matrix(batch, {n}),
              ShapeError, op.name, ": pivots must be int32 ", with_matrix(batch, {n}), " for LU ",
              LU.shape(), ", got ", pivots.dtype(), " ", pivots.shape());
  NABLA_CHECK(B.dtype() == LU.dtype(), DTypeError, op.name, ": LU is ", LU.dtype(), ", B is ",
              B.dtype());
  NABLA_CHECK(B.ndim() == LU.ndim() && batch_shape(B) == batch && B.size(-2) == n, ShapeError,
              op.name, ": B must be [..., ", n, ", k] with the batch of LU ", LU.shape(), ", got ",
              B.shape());
  NABLA_CHECK(n * B.size(-1) <= INT_MAX, ValueError, op.name, ": B ", B.shape(),
              " exceeds LAPACK's 32-bit sizes");
  return {{B.shape(), B.dtype()}, {batch, DType::Int32}};
}

// A [..., m, n] -> Q, R by mode (see the kernel); mode "r" gives an empty Q [0].
std::vector<TensorSpec> qr_infer(const OpDef& op, std::span<const Tensor> in, const Attrs& attrs) {
  const Tensor& A = in[0];
  check_matrix(op.name, A, /*square=*/false);
  const std::string& mode = attrs.get<std::string>("mode");
  NABLA_CHECK(mode == "reduced" || mode == "complete" || mode == "r", ValueError, op.name,
              ": mode must be 'reduced', 'complete' or 'r', got '", mode, "'");
  const int64_t m = A.size(-2), n = A.size(-1), k = std::min(m, n);
  const Shape batch = batch_shape(A);
  const int64_t q_cols = mode == "complete" ? m : k;
  const Shape q = mode == "r" ? Shape({0}) : with_matrix(batch, {m, q_cols});
  return {{q, A.dtype()}, {with_matrix(batch, {mode == "complete" ? m : k, n}), A.dtype()}};
}

// A [..., n, n] -> factor [..., n, n], info [...].
std::vector<TensorSpec> cholesky_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  check_matrix(op.name, in[0], /*square=*/true);
  return {{in[0].shape(), in[0].dtype()}, {batch_shape(in[0]), DType::Int32}};
}

// A [..., n, n] -> w [..., n], V [..., n, n] (empty [0] without compute_v), info [...].
std::vector<TensorSpec> eigh_infer(const OpDef& op, std::span<const Tensor> in,
                                   const Attrs& attrs) {
  const Tensor& A = in[0];
  check_matrix(op.name, A, /*square=*/true);
  const std::string& uplo = attrs.get<std::string>("uplo");
  NABLA_CHECK(uplo == "L" || uplo == "U", ValueError, op.name, ": uplo must be 'L' or 'U', got '",
              uplo, "'");
  const Shape batch = batch_shape(A);
  const int64_t n = A.size(-1);
  const Shape vectors = attrs.get<bool>("compute_v") ? A.shape() : Shape({0});
  return {{with_matrix(batch, {n}), A.dtype()}, {vectors, A.dtype()}, {batch, DType::Int32}};
}

// A [..., m, n] -> U [..., m, k or m], S [..., k], Vh [..., k or n, n], info [...]; U and Vh are
// empty [0] without compute_uv.
std::vector<TensorSpec> svd_infer(const OpDef& op, std::span<const Tensor> in, const Attrs& attrs) {
  const Tensor& A = in[0];
  check_matrix(op.name, A, /*square=*/false);
  const int64_t m = A.size(-2), n = A.size(-1), k = std::min(m, n);
  const bool full = attrs.get<bool>("full_matrices"), uv = attrs.get<bool>("compute_uv");
  const Shape batch = batch_shape(A);
  const Shape u = uv ? with_matrix(batch, {m, full ? m : k}) : Shape({0});
  const Shape vh = uv ? with_matrix(batch, {full ? n : k, n}) : Shape({0});
  return {
      {u, A.dtype()}, {with_matrix(batch, {k}), A.dtype()}, {vh, A.dtype()}, {batch, DType::Int32}};
}

}  // namespace

// Integer outputs (pivots, info) never get gradients; `differentiable_outputs` keeps backward
// from passing zeros for the floating outputs that are statuses or permutations.
NABLA_DEFINE_OP(linalg_lu_factor_op, .name = "linalg_lu_factor", .infer = &lu_factor_infer,
                .vjp = &linalg_detail::lu_factor_vjp, .saves = Saves::Outputs,
                .differentiable_outputs = 1);
NABLA_DEFINE_OP(linalg_lu_permutation_op, .name = "linalg_lu_permutation",
                .infer = &lu_permutation_infer);
NABLA_DEFINE_OP(linalg_lu_solve_op, .name = "linalg_lu_solve", .infer = &lu_solve_infer,
                .vjp = &linalg_detail::lu_solve_vjp, .saves = Saves::Both,
                .differentiable_outputs = 1);
NABLA_DEFINE_OP(linalg_qr_op, .name = "linalg_qr", .infer = &qr_infer,
                .vjp = &linalg_detail::qr_vjp, .saves = Saves::Outputs);
NABLA_DEFINE_OP(linalg_cholesky_op, .name = "linalg_cholesky", .infer = &cholesky_infer,
                .vjp = &linalg_detail::cholesky_vjp, .saves = Saves::Outputs,
                .differentiable_outputs = 1);
NABLA_DEFINE_OP(linalg_eigh_op, .name = "linalg_eigh", .infer = &eigh_infer,
                .vjp = &linalg_detail::eigh_vjp, .saves = Saves::Outputs,
                .differentiable_outputs = 2);
NABLA_DEFINE_OP(linalg_svd_op, .name = "linalg_svd", .infer = &svd_infer,
                .vjp = &linalg_detail::svd_vjp, .saves = Saves::Outputs,
                .differentiable_outputs = 3);

namespace linalg_detail {

Tensor lu_permutation(const Tensor& pivots, int64_t rows, DType dtype) {
  return dispatch1(linalg_lu_permutation_op, {pivots}, Attrs{{"rows", rows}, {"dtype", dtype}});
}

Tensor lu_solve_unchecked(const Tensor& LU, const Tensor& pivots, const Tensor& B, bool adjoint) {
  return dispatch(linalg_lu_solve_op, std::vector<Tensor>{LU, pivots, B},
                  Attrs{{"adjoint", adjoint}})[0];
}

}  // namespace linalg_detail

namespace {

std::string zero_pivot(int32_t code) {
  return detail::str_cat("the LU factor is singular (U[", code - 1, ", ", code - 1, "] is zero)");
}
std::string not_positive_definite(int32_t code) {
  return detail::str_cat("the matrix is not positive definite (the leading minor of order ", code,
                         " is not positive)");
}
/// The kernels' info for a matrix with NaN or infinite elements (eigh, svd), on every backend.
using linalg_conventions::kNonFiniteInput;
constexpr std::string_view kNonFiniteMessage = "the matrix contains NaN or infinity";

std::string eigh_no_convergence(int32_t code) {
  if (code == kNonFiniteInput) return std::string(kNonFiniteMessage);
  return detail::str_cat("the eigenvalue algorithm did not converge (LAPACK syevd info ", code,
                         ")");
}
std::string svd_no_convergence(int32_t code) {
  if (code == kNonFiniteInput) return std::string(kNonFiniteMessage);
  return detail::str_cat("the SVD did not converge (", code,
                         " superdiagonals of the bidiagonal form did not converge to zero)");
}

/// The batch shape both [..., r, c] tensors broadcast to (NumPy's rules); the error names the
/// shapes the user passed.
Shape broadcast_batch(std::string_view op, const Shape& a, const Shape& b, const Shape& a_shown,
                      const Shape& b_shown) {
  const int64_t rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> dims(static_cast<size_t>(rank));
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.rank() ? 1 : a[i - (rank - a.rank())];
    const int64_t db = i < rank - b.rank() ? 1 : b[i - (rank - b.rank())];
    NABLA_CHECK(da == db || da == 1 || db == 1, ShapeError, op, ": the batch dimensions of ",
                a_shown, " and ", b_shown, " do not broadcast");
    dims[static_cast<size_t>(i)] = da == 1 ? db : da;
  }
  return Shape(std::move(dims));
}

/// Pivots outside [1, n] would send getrs out of bounds: checked on the data (eagerly).
void check_pivot_values(std::string_view op, const Tensor& pivots, int64_t n) {
  if (pivots.is_symbolic() || pivots.numel() == 0) return;
  for (int32_t p : pivots.to_vector<int32_t>()) {
    NABLA_CHECK(p >= 1 && p <= n, ValueError, op, ": pivot ", p, " is outside [1, ", n,
                "] (pivots come from lu_factor)");
  }
}

}  // namespace

namespace linalg {

LUFactorResult lu_factor(const Tensor& A) {
  std::vector<Tensor> out =
      dispatch(linalg_lu_factor_op, std::vector<Tensor>{to_lapack_dtype("linalg.lu_factor", A)});
  return {out[0], out[1]};
}

LUResult lu(const Tensor& A) {
  const Tensor a = to_lapack_dtype("linalg.lu", A);
  check_matrix("linalg.lu", a, /*square=*/false);
  const auto [LU, pivots] = lu_factor(a);
  const int64_t m = a.size(-2), n = a.size(-1), k = std::min(m, n);
  Tensor P = linalg_detail::lu_permutation(pivots, m, a.dtype());
  Tensor L = tril(LU.slice(-1, 0, k), -1) + eye(m, k, 0, a.dtype());
  Tensor U = triu(LU.slice(-2, 0, k));
  return {P, L, U};
}

Tensor lu_solve(const Tensor& LU, const Tensor& pivots, const Tensor& B) {
  constexpr std::string_view kOp = "linalg.lu_solve";
  Tensor lu = to_lapack_dtype(kOp, LU), b = to_lapack_dtype(kOp, B);
  const DType t = promote_types(lu.dtype(), b.dtype());
  lu = lu.astype(t);
  b = b.astype(t);
  check_matrix(kOp, lu, /*square=*/true);
  const int64_t n = lu.size(-1);
  NABLA_CHECK(
      pivots.defined() && is_integral(pivots.dtype()) && pivots.ndim() >= 1 && pivots.size(-1) == n,
      ShapeError, kOp, ": pivots must be integers [..., ", n, "] for LU ", LU.shape(), ", got ",
      pivots.defined() ? pivots.shape() : Shape{});
  NABLA_CHECK(b.ndim() >= 2 && b.size(-2) == n, ShapeError, kOp, ": B must be [..., ", n,
              ", k] for LU ", LU.shape(), ", got ", B.shape());
  Shape batch = broadcast_batch(kOp, batch_shape(lu), batch_shape(b), LU.shape(), B.shape());
  Shape pivot_batch = pivots.shape();
  pivot_batch.erase(pivot_batch.rank() - 1);
  batch = broadcast_batch(kOp, batch, pivot_batch, LU.shape(), pivots.shape());
  const Tensor piv = pivots.astype(DType::Int32);
  check_pivot_values(kOp, piv, n);
  std::vector<Tensor> out =
      dispatch(linalg_lu_solve_op,
               std::vector<Tensor>{broadcast_to(lu, with_matrix(batch, {n, n})),
                                   broadcast_to(piv, with_matrix(batch, {n})),
                                   broadcast_to(b, with_matrix(batch, {n, b.size(-1)}))},
               Attrs{{"adjoint", false}});
  check_lapack_info(kOp, out[1], &zero_pivot);
  return out[0];
}

QRResult qr(const Tensor& A, std::string_view mode) {
  std::vector<Tensor> out =
      dispatch(linalg_qr_op, std::vector<Tensor>{to_lapack_dtype("linalg.qr", A)},
               Attrs{{"mode", std::string(mode)}});
  return {out[0], out[1]};
}

Tensor cholesky(const Tensor& A, bool upper) {
  std::vector<Tensor> out =
      dispatch(linalg_cholesky_op, std::vector<Tensor>{to_lapack_dtype("linalg.cholesky", A)},
               Attrs{{"upper", upper}});
  check_lapack_info("linalg.cholesky", out[1], &not_positive_definite);
  return out[0];
}

namespace {

/// The eigh op; vectors are computed when asked, or when a gradient may be needed (the
/// eigenvalues' gradient V diag(gw) V^T needs them, as in PyTorch's eigvalsh).
std::vector<Tensor> eigh_outputs(std::string_view name, const Tensor& A, std::string_view uplo,
                                 bool vectors) {
  const Tensor a = to_lapack_dtype(name, A);
  vectors = vectors || a.requires_grad() || a.is_symbolic();
  std::vector<Tensor> out = dispatch(linalg_eigh_op, std::vector<Tensor>{a},
                                     Attrs{{"uplo", std::string(uplo)}, {"compute_v", vectors}});
  check_lapack_info(name, out[2], &eigh_no_convergence);
  return out;
}

/// The svd op; the same rule for computing the singular vectors.
std::vector<Tensor> svd_outputs(std::string_view name, const Tensor& A, bool full_matrices,
                                bool vectors) {
  const Tensor a = to_lapack_dtype(name, A);
  vectors = vectors || a.requires_grad() || a.is_symbolic();
  std::vector<Tensor> out =
      dispatch(linalg_svd_op, std::vector<Tensor>{a},
               Attrs{{"full_matrices", full_matrices}, {"compute_uv", vectors}});
  check_lapack_info(name, out[3], &svd_no_convergence);
  return out;
}

}  // namespace

EighResult eigh(const Tensor& A, std::string_view uplo) {
  std::vector<Tensor> out = eigh_outputs("linalg.eigh", A, uplo, /*vectors=*/true);
  return {out[0], out[1]};
}

Tensor eigvalsh(const Tensor& A, std::string_view uplo) {
  return eigh_outputs("linalg.eigvalsh", A, uplo, /*vectors=*/false)[0];
}

SVDResult svd(const Tensor& A, bool full_matrices) {
  std::vector<Tensor> out = svd_outputs("linalg.svd", A, full_matrices, /*vectors=*/true);
  return {out[0], out[1], out[2]};
}

Tensor svdvals(const Tensor& A) {
  return svd_outputs("linalg.svdvals", A, /*full_matrices=*/false, /*vectors=*/false)[1];
}

}  // namespace linalg
}  // namespace nabla
