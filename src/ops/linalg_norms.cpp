// NumPy's norms, condition numbers, rank and pseudo-inverse (nabla/ops/linalg.hpp), all composites
// of existing ops (reductions, abs, pow, svdvals/svd, inv), so they are differentiable wherever
// their parts are. Integer and bool inputs compute in float64, as in NumPy.
#include <algorithm>
#include <cmath>
#include <limits>

#include "nabla/ops/contraction.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/linalg.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/ops/view.hpp"
#include "ops/infer_util.hpp"
#include "ops/linalg_solve.hpp"
#include "ops/linalg_util.hpp"

namespace nabla::linalg {
namespace {

using linalg_detail::batch_shape;
using linalg_detail::mT;
using linalg_detail::to_lapack_dtype;

constexpr std::string_view kNorm = "linalg_norm";
constexpr std::string_view kVectorNorm = "linalg_vector_norm";
constexpr std::string_view kMatrixNorm = "linalg_matrix_norm";
constexpr std::string_view kCond = "linalg_cond";

double epsilon_of(DType t) {
  return t == DType::Float32 ? std::numeric_limits<float>::epsilon()
                             : std::numeric_limits<double>::epsilon();
}

void check_matrices(std::string_view op, const Tensor& A) {
  NABLA_CHECK(A.ndim() >= 2, ShapeError, op,
              ": expected a matrix or a batch of matrices [..., m, n], got ", A.shape());
}

/// sqrt(s) for s >= 0 whose gradient at s = 0 is 0 rather than NaN (the 2-norm of a zero vector
/// gets PyTorch's subgradient 0): the double `where` keeps the infinite slope of sqrt at 0 out of
/// the backward pass.
Tensor sqrt_with_zero_gradient(const Tensor& s) {
  const Tensor is_zero = s == 0.0;
  return where(is_zero, 0.0, sqrt(where(is_zero, 1.0, s)));
}

/// A matrix norm given by `ord` (a double or a string) over the axes pair (row, col) of x: the
/// two axes are moved to the end, and back as size-1 axes for keepdims.
template <class Ord>
Tensor matrix_norm_over(const Tensor& x, const std::vector<int64_t>& axes, Ord ord, bool keepdims) {
  const int64_t row = normalize_axis(axes[0], x.ndim(), kNorm);
  const int64_t col = normalize_axis(axes[1], x.ndim(), kNorm);
  NABLA_CHECK(row != col, ValueError, kNorm, ": duplicate axes ", Shape(axes), " for ", x.shape());
  std::vector<int64_t> order;
  for (int64_t d = 0; d < x.ndim(); ++d) {
    if (d != row && d != col) order.push_back(d);
  }
  order.push_back(row);
  order.push_back(col);
  Tensor result = matrix_norm(permute(x, order), ord, /*keepdims=*/false);
  if (keepdims) {
    result = unsqueeze(unsqueeze(result, std::min(row, col)), std::max(row, col));
  }
  return result;
}

}  // namespace

Tensor vector_norm(const Tensor& x_in, double ord, std::vector<int64_t> axes, bool keepdims) {
  NABLA_CHECK(!std::isnan(ord), ValueError, kVectorNorm, ": ord is NaN");
  const Tensor x = to_lapack_dtype(kVectorNorm, x_in);
  axes = normalize_axes(axes, x.ndim(), kVectorNorm, /*empty_means_all=*/true);
  if (ord == inf) return max(abs(x), axes, keepdims);
  if (ord == -inf) return min(abs(x), axes, keepdims);
  if (ord == 0) return sum(x != 0.0, axes, keepdims).astype(x.dtype());  // counts non-zeros
  if (ord == 1) return sum(abs(x), axes, keepdims);
  if (ord == 2) return sqrt_with_zero_gradient(sum(square(x), axes, keepdims));
  return pow(sum(pow(abs(x), ord), axes, keepdims), 1.0 / ord);
}

Tensor matrix_norm(const Tensor& A_in, double ord, bool keepdims) {
  const Tensor A = to_lapack_dtype(kMatrixNorm, A_in);
  check_matrices(kMatrixNorm, A);
  Tensor result;
  if (ord == 1 || ord == -1) {  // max / min column sum
    const Tensor columns = sum(abs(A), {-2});
    result = ord == 1 ? max(columns, {-1}) : min(columns, {-1});
  } else if (ord == inf || ord == -inf) {  // max / min row sum
    const Tensor rows = sum(abs(A), {-1});
    result = ord == inf ? max(rows, {-1}) : min(rows, {-1});
  } else if (ord == 2 || ord == -2) {  // largest / smallest singular value
    const Tensor s = svdvals(A);
    result = ord == 2 ? max(s, {-1}) : min(s, {-1});
  } else {
    NABLA_CHECK(false, ValueError, kMatrixNorm, ": invalid norm order ", ord,
                " for matrices (1, -1, 2, -2, inf, -inf, \"fro\" or \"nuc\")");
  }
  return keepdims ? unsqueeze(unsqueeze(result, -1), -1) : result;
}

Tensor matrix_norm(const Tensor& A_in, std::string_view ord, bool keepdims) {
  const Tensor A = to_lapack_dtype(kMatrixNorm, A_in);
  check_matrices(kMatrixNorm, A);
  NABLA_CHECK(ord == "fro" || ord == "nuc", ValueError, kMatrixNorm, ": invalid norm order '", ord,
              "' for matrices (1, -1, 2, -2, inf, -inf, \"fro\" or \"nuc\")");
  const Tensor result =
      ord == "fro" ? sqrt_with_zero_gradient(sum(square(A), {-2, -1})) : sum(svdvals(A), {-1});
  return keepdims ? unsqueeze(unsqueeze(result, -1), -1) : result;
}

Tensor norm(const Tensor& x) { return vector_norm(x, 2); }

Tensor norm(const Tensor& x, double ord, std::vector<int64_t> axes, bool keepdims) {
  NABLA_CHECK(x.defined(), ValueError, kNorm, ": the input tensor is undefined");
  if (axes.empty()) {
    if (x.ndim() == 2) return matrix_norm(x, ord, keepdims);
    // NumPy: a 1-D x takes the vector norm; other ranks only the 2-norm of the flattened x.
    NABLA_CHECK(x.ndim() == 1 || ord == 2, ValueError, kNorm, ": ord ", ord,
                " needs a 1-D or 2-D input or explicit axes, got ", x.shape());
    return vector_norm(x, ord, {}, keepdims);
  }
  if (axes.size() == 1) return vector_norm(x, ord, axes, keepdims);
  NABLA_CHECK(axes.size() == 2, ValueError, kNorm,
              ": norms take 1 axis (vector) or 2 (matrix), got ", axes.size(), " axes ",
              Shape(axes));
  return matrix_norm_over(x, axes, ord, keepdims);
}

Tensor norm(const Tensor& x, std::string_view ord, std::vector<int64_t> axes, bool keepdims) {
  NABLA_CHECK(x.defined(), ValueError, kNorm, ": the input tensor is undefined");
  NABLA_CHECK(ord == "fro" || ord == "nuc", ValueError, kNorm, ": invalid norm order '", ord,
              "' (\"fro\" or \"nuc\", or a number)");
  if (axes.empty()) {
    NABLA_CHECK(x.ndim() == 2, ValueError, kNorm, ": norm order '", ord,
                "' is for matrices: a 2-D input or 2 axes, got ", x.shape());
    return matrix_norm(x, ord, keepdims);
  }
  NABLA_CHECK(axes.size() == 2, ValueError, kNorm, ": norm order '", ord,
              "' is for matrices: it needs 2 axes, got ", Shape(axes));
  return matrix_norm_over(x, axes, ord, keepdims);
}

Tensor cond(const Tensor& A_in, double ord) {
  const Tensor A = to_lapack_dtype(kCond, A_in);
  check_matrices(kCond, A);
  if (ord == 2 || ord == -2) {  // s_max / s_min (or its inverse); inf for a singular matrix
    const Tensor s = svdvals(A);
    const Tensor largest = select(s, -1, 0), smallest = select(s, -1, s.size(-1) - 1);
    return ord == 2 ? largest / smallest : smallest / largest;
  }
  NABLA_CHECK(ord == 1 || ord == -1 || ord == inf || ord == -inf, ValueError, kCond,
              ": invalid norm order ", ord, " (1, -1, 2, -2, inf, -inf, \"fro\" or \"nuc\")");
  NABLA_CHECK(A.size(-1) == A.size(-2), ShapeError, kCond, ": norm order ", ord,
              " needs square matrices [..., n, n], got ", A.shape());
  // NumPy: a singular matrix's inverse is NaN, and its condition number inf (unless A itself
  // holds a NaN).
  const Tensor r = matrix_norm(A, ord) * matrix_norm(linalg_detail::inv_unchecked(A), ord);
  const Tensor a_has_nan = any(A != A, {-2, -1});
  return where(logical_and(r != r, logical_not(a_has_nan)), inf, r);
}

Tensor cond(const Tensor& A_in, std::string_view ord) {
  const Tensor A = to_lapack_dtype(kCond, A_in);
  check_matrices(kCond, A);
  NABLA_CHECK(ord == "fro" || ord == "nuc", ValueError, kCond, ": invalid norm order '", ord,
              "' (1, -1, 2, -2, inf, -inf, \"fro\" or \"nuc\")");
  NABLA_CHECK(A.size(-1) == A.size(-2), ShapeError, kCond, ": norm order '", ord,
              "' needs square matrices [..., n, n], got ", A.shape());
  const Tensor r = matrix_norm(A, ord) * matrix_norm(linalg_detail::inv_unchecked(A), ord);
  const Tensor a_has_nan = any(A != A, {-2, -1});
  return where(logical_and(r != r, logical_not(a_has_nan)), inf, r);
}

Tensor matrix_rank(const Tensor& A_in, std::optional<double> tol) {
  const Tensor A = to_lapack_dtype("linalg_matrix_rank", A_in);
  // NumPy: a vector (or scalar) has rank 1 unless it is all zeros.
  if (A.ndim() < 2) return any(A != 0.0).astype(DType::Int64);
  const int64_t m = A.size(-2), n = A.size(-1);
  if (std::min(m, n) == 0) return zeros(batch_shape(A), DType::Int64);
  const Tensor s = svdvals(A);
  const Tensor threshold = tol ? full({}, *tol, A.dtype())
                               : max(s, {-1}, /*keepdims=*/true) *
                                     (static_cast<double>(std::max(m, n)) * epsilon_of(A.dtype()));
  return sum(s > threshold, {-1});
}

Tensor pinv(const Tensor& A_in, std::optional<double> rtol) {
  const Tensor A = to_lapack_dtype("linalg_pinv", A_in);
  check_matrices("linalg_pinv", A);
  const int64_t m = A.size(-2), n = A.size(-1);
  Shape out_shape = batch_shape(A);
  out_shape.push_back(n);
  out_shape.push_back(m);
  if (std::min(m, n) == 0) return zeros(out_shape, A.dtype());
  // A^+ = V diag(1/s) U^T over the singular values above rtol * max(s); the inner `where` keeps
  // 1/s of the dropped ones (possibly 1/0) out of the gradient.
  const SVDResult usv = svd(A, /*full_matrices=*/false);
  const double cutoff = rtol.value_or(epsilon_of(A.dtype()) * static_cast<double>(std::max(m, n)));
  const Tensor kept = usv.S > max(usv.S, {-1}, /*keepdims=*/true) * cutoff;
  const Tensor s_inverse = where(kept, 1.0 / where(kept, usv.S, 1.0), 0.0);
  return matmul(mT(usv.Vh) * unsqueeze(s_inverse, -2), mT(usv.U));
}

}  // namespace nabla::linalg
