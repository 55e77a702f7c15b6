// nabla::linalg's solvers over LAPACK (nabla/ops/linalg.hpp): det and slogdet (one LU op), inv,
// solve, solve_triangular and lstsq. The ops take float matrices whose batch dimensions already
// agree; the public functions apply NumPy's dtype rule (integers compute in float64), broadcast
// the batch dimensions (views, so broadcasting's VJP sums the gradients back), and turn the
// kernels' status outputs into LinAlgError (Note [LAPACK status]). Gradient rules:
// linalg_solve_vjp.cpp; kernels: backend/cpu/linalg_solve_kernels.cpp.
#include "ops/linalg_solve.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "nabla/ops/contraction.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/linalg.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/ops/view.hpp"
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"
#include "ops/linalg_util.hpp"

namespace nabla {
namespace {

using linalg_detail::batch_shape;
using linalg_detail::check_lapack_info;
using linalg_detail::check_matrix;
using linalg_detail::mT;
using linalg_detail::to_lapack_dtype;

constexpr std::string_view kDet = "linalg_det_lu";
constexpr std::string_view kInv = "linalg_inv";
constexpr std::string_view kSolve = "linalg_solve";
constexpr std::string_view kTriangular = "linalg_solve_triangular";
constexpr std::string_view kLstsq = "linalg_lstsq";

/// For the ops' infer rules: B [..., rows, k] with A's dtype and batch dimensions.
void check_rhs(const OpDef& op, const Tensor& A, const Tensor& B, int64_t rows) {
  NABLA_CHECK(B.dtype() == A.dtype(), DTypeError, op.name, ": A is ", A.dtype(), ", B is ",
              B.dtype());
  NABLA_CHECK(B.ndim() == A.ndim() && batch_shape(B) == batch_shape(A) && B.size(-2) == rows,
              ShapeError, op.name, ": B must be [..., ", rows, ", k] with the batch of A ",
              A.shape(), ", got ", B.shape());
  NABLA_CHECK(B.size(-1) <= std::numeric_limits<int32_t>::max() &&
                  rows * B.size(-1) <= std::numeric_limits<int32_t>::max(),
              ValueError, op.name, ": B ", B.shape(), " exceeds LAPACK's 32-bit sizes");
}

std::vector<TensorSpec> det_lu_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  check_matrix(op.name, in[0], /*square=*/true);
  const Shape batch = batch_shape(in[0]);
  const DType t = in[0].dtype();
  return {{batch, t}, {batch, t}, {batch, t}};  // det, logabsdet, sign
}

std::vector<TensorSpec> inv_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  check_matrix(op.name, in[0], /*square=*/true);
  return {{in[0].shape(), in[0].dtype()}, {batch_shape(in[0]), DType::Int32}};
}

/// solve and solve_triangular: A [..., n, n], B [..., n, k] -> X [..., n, k], info [...].
std::vector<TensorSpec> solve_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  check_matrix(op.name, in[0], /*square=*/true);
  check_rhs(op, in[0], in[1], in[0].size(-1));
  return {{in[1].shape(), in[1].dtype()}, {batch_shape(in[0]), DType::Int32}};
}

/// A [..., m, n], B [..., m, k] -> solution [..., n, k], singular values [..., min(m, n)],
/// rank int64 [...], info [...].
std::vector<TensorSpec> lstsq_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  const Tensor &A = in[0], &B = in[1];
  check_matrix(op.name, A, /*square=*/false);
  check_rhs(op, A, B, A.size(-2));
  Shape solution = batch_shape(A), singular = batch_shape(A);
  solution.push_back(A.size(-1));
  solution.push_back(B.size(-1));
  singular.push_back(std::min(A.size(-2), A.size(-1)));
  const Shape batch = batch_shape(A);
  return {
      {solution, A.dtype()}, {singular, A.dtype()}, {batch, DType::Int64}, {batch, DType::Int32}};
}

}  // namespace

// Outputs from `differentiable_outputs` on (the sign, the info statuses, lstsq's singular values
// and rank) get no gradient: see linalg_solve_vjp.cpp.
NABLA_DEFINE_OP(linalg_det_lu_op, .name = kDet, .infer = &det_lu_infer,
                .vjp = &linalg_detail::det_lu_vjp, .saves = Saves::Both,
                .differentiable_outputs = 2);
NABLA_DEFINE_OP(linalg_inv_op, .name = kInv, .infer = &inv_infer, .vjp = &linalg_detail::inv_vjp,
                .saves = Saves::Outputs, .differentiable_outputs = 1);
NABLA_DEFINE_OP(linalg_solve_op, .name = kSolve, .infer = &solve_infer,
                .vjp = &linalg_detail::solve_vjp, .saves = Saves::Both,
                .differentiable_outputs = 1);
NABLA_DEFINE_OP(linalg_solve_triangular_op, .name = kTriangular, .infer = &solve_infer,
                .vjp = &linalg_detail::solve_triangular_vjp, .saves = Saves::Both,
                .differentiable_outputs = 1);
NABLA_DEFINE_OP(linalg_lstsq_op, .name = kLstsq, .infer = &lstsq_infer,
                .vjp = &linalg_detail::lstsq_vjp, .saves = Saves::Both,
                .differentiable_outputs = 1);

namespace linalg_detail {

Tensor mT(const Tensor& x) { return swapaxes(x, -1, -2); }

Tensor inv_unchecked(const Tensor& A) {
  const std::vector<Tensor> in{A};
  return dispatch(linalg_inv_op, in)[0];
}

Tensor solve_unchecked(const Tensor& A, const Tensor& B) {
  const std::vector<Tensor> in{A, B};
  return dispatch(linalg_solve_op, in)[0];
}

Tensor solve_triangular_unchecked(const Tensor& A, const Tensor& B, bool upper,
                                  bool unitriangular) {
  const std::vector<Tensor> in{A, B};
  return dispatch(linalg_solve_triangular_op, in,
                  Attrs{{"upper", upper}, {"unitriangular", unitriangular}})[0];
}

}  // namespace linalg_detail

namespace {

std::string singular_matrix(int32_t code) {
  return detail::str_cat("singular matrix (its LU factorisation has a zero pivot U[", code - 1,
                         ", ", code - 1, "])");
}

std::string zero_diagonal(int32_t code) {
  return detail::str_cat("singular triangular matrix (zero diagonal element A[", code - 1, ", ",
                         code - 1, "])");
}

/// A and B in one LAPACK dtype: integers become float64, then NumPy's promotion.
std::pair<Tensor, Tensor> lapack_pair(std::string_view op, const Tensor& A, const Tensor& B) {
  const Tensor a = to_lapack_dtype(op, A), b = to_lapack_dtype(op, B);
  const DType t = promote_types(a.dtype(), b.dtype());
  return {a.astype(t), b.astype(t)};
}

/// A [..., r, c] and B [..., p, q] broadcast to one batch shape (NumPy's rules); the error names
/// the shapes the user passed (`a_shown`, `b_shown`).
std::pair<Tensor, Tensor> broadcast_batches(std::string_view op, const Tensor& A, const Tensor& B,
                                            const Shape& a_shown, const Shape& b_shown) {
  const Shape a = batch_shape(A), b = batch_shape(B);
  const int64_t rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> dims(static_cast<size_t>(rank));
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.rank() ? 1 : a[i - (rank - a.rank())];
    const int64_t db = i < rank - b.rank() ? 1 : b[i - (rank - b.rank())];
    NABLA_CHECK(da == db || da == 1 || db == 1, ShapeError, op, ": the batch dimensions of A ",
                a_shown, " and B ", b_shown, " do not broadcast");
    dims[static_cast<size_t>(i)] = da == 1 ? db : da;
  }
  Shape a_full(dims), b_full(dims);
  a_full.push_back(A.size(-2));
  a_full.push_back(A.size(-1));
  b_full.push_back(B.size(-2));
  b_full.push_back(B.size(-1));
  // Only where needed: a symbolic tensor's batch dimension stands for any size, and an expand
  // recorded to its placeholder size would not replay on another batch.
  const auto expanded = [](const Tensor& t, const Shape& shape) {
    return t.shape() == shape ? t : broadcast_to(t, shape);
  };
  return {expanded(A, a_full), expanded(B, b_full)};
}

std::vector<Tensor> det_lu(const Tensor& A) {
  const std::vector<Tensor> in{to_lapack_dtype(kDet, A)};
  return dispatch(linalg_det_lu_op, in);
}

double epsilon_of(DType t) {
  return t == DType::Float32 ? std::numeric_limits<float>::epsilon()
                             : std::numeric_limits<double>::epsilon();
}

}  // namespace

namespace linalg {

Tensor det(const Tensor& A) { return det_lu(A)[0]; }

SlogdetResult slogdet(const Tensor& A) {
  std::vector<Tensor> out = det_lu(A);
  return {out[2], out[1]};
}

Tensor inv(const Tensor& A) {
  const std::vector<Tensor> in{to_lapack_dtype(kInv, A)};
  std::vector<Tensor> out = dispatch(linalg_inv_op, in);
  check_lapack_info(kInv, out[1], &singular_matrix);
  return out[0];
}

Tensor solve(const Tensor& A, const Tensor& B) {
  const auto [a, b] = lapack_pair(kSolve, A, B);
  check_matrix(kSolve, a, /*square=*/true);
  // NumPy: B is a (batch of) vector(s) when it has one dimension fewer than A.
  const bool vector = b.ndim() == 1 || b.ndim() == a.ndim() - 1;
  NABLA_CHECK(b.ndim() >= 1, ShapeError, kSolve,
              ": B must be a vector [..., n] or matrices [..., n, k], got ", B.shape());
  const Tensor rhs = vector ? unsqueeze(b, -1) : b;
  NABLA_CHECK(rhs.size(-2) == a.size(-1), ShapeError, kSolve, ": A ", A.shape(), " needs B with ",
              a.size(-1), vector ? " elements" : " rows", ", got ", B.shape());
  const auto [a_full, b_full] = broadcast_batches(kSolve, a, rhs, A.shape(), B.shape());
  std::vector<Tensor> out = dispatch(linalg_solve_op, std::vector<Tensor>{a_full, b_full});
  check_lapack_info(kSolve, out[1], &singular_matrix);
  return vector ? squeeze(out[0], -1) : out[0];
}

Tensor solve_triangular(const Tensor& A, const Tensor& B, bool upper, bool left,
                        bool unitriangular) {
  const auto [a, b] = lapack_pair(kTriangular, A, B);
  check_matrix(kTriangular, a, /*square=*/true);
  NABLA_CHECK(b.ndim() >= 2, ShapeError, kTriangular, ": B must be matrices [..., n, k], got ",
              B.shape());
  const int64_t n = a.size(-1);
  NABLA_CHECK((left ? b.size(-2) : b.size(-1)) == n, ShapeError, kTriangular, ": A ", A.shape(),
              " and B ", B.shape(), " do not match: ",
              left ? "A X = B needs B [..., n, k]" : "X A = B needs B [..., k, n]",
              " with n = ", n);
  auto [a_full, b_full] = broadcast_batches(kTriangular, a, b, A.shape(), B.shape());
  if (!left) {  // X A = B is A^T X^T = B^T: a left solve on transposed views
    a_full = mT(a_full);
    b_full = mT(b_full);
    upper = !upper;
  }
  std::vector<Tensor> out =
      dispatch(linalg_solve_triangular_op, std::vector<Tensor>{a_full, b_full},
               Attrs{{"upper", upper}, {"unitriangular", unitriangular}});
  check_lapack_info(kTriangular, out[1], &zero_diagonal);
  return left ? out[0] : mT(out[0]);
}

LstsqResult lstsq(const Tensor& A, const Tensor& B, std::optional<double> rcond) {
  const auto [a, b] = lapack_pair(kLstsq, A, B);
  check_matrix(kLstsq, a, /*square=*/false);
  NABLA_CHECK(b.ndim() >= 1, ShapeError, kLstsq,
              ": B must be a vector [m] or matrices [..., m, k], got ", B.shape());
  const bool vector = b.ndim() == 1;
  const Tensor rhs = vector ? unsqueeze(b, -1) : b;
  const int64_t m = a.size(-2), n = a.size(-1);
  NABLA_CHECK(rhs.size(-2) == m, ShapeError, kLstsq, ": A ", A.shape(), " needs B with ", m,
              vector ? " elements" : " rows", ", got ", B.shape());
  const auto [a_full, b_full] = broadcast_batches(kLstsq, a, rhs, A.shape(), B.shape());
  // NumPy 2's default cutoff; a negative rcond means machine precision, as in LAPACK.
  const double eps = epsilon_of(a.dtype());
  double cutoff = rcond.value_or(eps * static_cast<double>(std::max(m, n)));
  if (cutoff < 0) cutoff = eps;
  std::vector<Tensor> out =
      dispatch(linalg_lstsq_op, std::vector<Tensor>{a_full, b_full}, Attrs{{"rcond", cutoff}});
  check_lapack_info(kLstsq, out[3], [](int32_t code) {
    return detail::str_cat("the SVD did not converge (", code, " superdiagonals did not reach 0)");
  });
  const Tensor& solution = out[0];
  const Tensor& rank = out[2];
  // NumPy's convention: squared residual norms only for overdetermined full-rank systems. Formed
  // from the solution (rather than read from gelsd's output) so that they are differentiable.
  bool full_rank = m > n;
  if (full_rank && !rank.is_symbolic()) {
    for (int64_t r : rank.to_vector<int64_t>()) full_rank &= r == n;
  }
  Tensor residuals =
      full_rank ? sum(square(matmul(a_full, solution) - b_full), {-2}) : zeros({0}, a.dtype());
  return {vector ? squeeze(solution, -1) : solution, residuals, rank, out[1]};
}

}  // namespace linalg
}  // namespace nabla
