// Matrix helpers of nabla/ops/linalg.hpp as composites of existing ops (differentiable for free):
// trace, diag, triu, tril, linalg::matrix_power, linalg::cross and linalg::diagonal.
#include <cstdlib>

#include "nabla/ops/contraction.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/linalg.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/ops/view.hpp"

namespace nabla {
namespace {

void check_matrices(std::string_view op, const Tensor& x) {
  NABLA_CHECK(x.defined(), ValueError, op, ": the input tensor is undefined");
  NABLA_CHECK(x.ndim() >= 2, ShapeError, op,
              ": expected a matrix or a batch of matrices [..., m, n], got ", x.shape());
}

/// bool [rows, cols], true where column - row compares with k as `keep` says: the masks of
/// triu (>= k), tril (<= k) and of diagonal k (== k).
template <class Keep>
Tensor diagonal_mask(int64_t rows, int64_t cols, int64_t k, Keep keep) {
  const Tensor row = arange(0, rows, 1, DType::Int64).reshape({rows, 1});
  const Tensor col = arange(0, cols, 1, DType::Int64).reshape({1, cols});
  return keep(col - row, k);
}

/// x where mask, else 0 of x's dtype (bool stays bool; a weak scalar 0 would promote it).
Tensor keep_where(const Tensor& mask, const Tensor& x) {
  return where(mask, x, zeros({}, x.dtype(), x.device()));
}

}  // namespace

Tensor trace(const Tensor& x, int64_t offset) {
  check_matrices("trace", x);
  return sum(diagonal(x, offset, -2, -1), {-1});
}

Tensor diag(const Tensor& x, int64_t k) {
  NABLA_CHECK(x.defined(), ValueError, "diag: the input tensor is undefined");
  if (x.ndim() == 2) return diagonal(x, k, 0, 1).clone();
  NABLA_CHECK(x.ndim() == 1, ShapeError, "diag: expected a 1-D or 2-D input, got ", x.shape());
  // out[i, i + k] = x[i]: x (padded to the matrix size) runs down the rows for k >= 0 and along
  // the columns for k < 0, masked to diagonal k.
  const int64_t shift = std::abs(k), size = x.size(0) + shift;
  const Tensor padded = pad(x, {{0, shift}});
  const Tensor values = k >= 0 ? unsqueeze(padded, 1) : unsqueeze(padded, 0);
  const Tensor mask =
      diagonal_mask(size, size, k, [](const Tensor& d, int64_t kk) { return d == kk; });
  return keep_where(mask, values);
}

Tensor triu(const Tensor& x, int64_t k) {
  check_matrices("triu", x);
  return keep_where(
      diagonal_mask(x.size(-2), x.size(-1), k, [](const Tensor& d, int64_t kk) { return d >= kk; }),
      x);
}

Tensor tril(const Tensor& x, int64_t k) {
  check_matrices("tril", x);
  return keep_where(
      diagonal_mask(x.size(-2), x.size(-1), k, [](const Tensor& d, int64_t kk) { return d <= kk; }),
      x);
}

namespace linalg {

Tensor matrix_power(const Tensor& A, int64_t n) {
  check_matrices("linalg_matrix_power", A);
  NABLA_CHECK(A.size(-1) == A.size(-2), ShapeError,
              "linalg_matrix_power: expected square matrices [..., n, n], got ", A.shape());
  if (n == 0) {  // the identity in A's dtype and shape, as NumPy
    const Tensor identity = eye(A.size(-1), std::nullopt, 0, A.dtype());
    return contiguous(broadcast_to(identity, A.shape()));
  }
  // n < 0: the power of the inverse (LinAlgError for a singular A; integers become float64).
  Tensor base = n > 0 ? A : inv(A);
  // Repeated squaring: log2(n) squarings and at most as many products.
  uint64_t remaining = n > 0 ? static_cast<uint64_t>(n) : 0 - static_cast<uint64_t>(n);
  Tensor result;
  while (true) {
    if ((remaining & 1U) != 0) result = result.defined() ? matmul(result, base) : base;
    remaining >>= 1U;
    if (remaining == 0) break;
    base = matmul(base, base);
  }
  return result.is_same(A) ? A.clone() : result;  // a new tensor, never the input's handle
}

Tensor cross(const Tensor& a, const Tensor& b, int64_t axis) {
  NABLA_CHECK(a.defined() && b.defined(), ValueError, "cross: undefined input");
  NABLA_CHECK(a.ndim() >= 1 && b.ndim() >= 1, ShapeError,
              "cross: expected vectors of 3 elements, got ", a.shape(), " and ", b.shape());
  const int64_t axis_a = normalize_axis(axis, a.ndim(), "cross");
  const int64_t axis_b = normalize_axis(axis, b.ndim(), "cross");
  NABLA_CHECK(a.size(axis_a) == 3 && b.size(axis_b) == 3, ShapeError,
              "cross: both inputs need 3 elements along axis ", axis, ", got ", a.shape(), " and ",
              b.shape());
  const auto component = [](const Tensor& v, int64_t ax, int64_t i) { return select(v, ax, i); };
  const Tensor a0 = component(a, axis_a, 0), a1 = component(a, axis_a, 1),
               a2 = component(a, axis_a, 2);
  const Tensor b0 = component(b, axis_b, 0), b1 = component(b, axis_b, 1),
               b2 = component(b, axis_b, 2);
  (void)broadcast_shapes(a0.shape(), b0.shape(), "cross");  // the error names cross, not mul
  // The result's axis is `axis` of the result's rank (NumPy's axisc), which stack's axis is.
  return stack({a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0}, axis);
}

Tensor diagonal(const Tensor& A, int64_t offset) {
  check_matrices("linalg_diagonal", A);
  return nabla::diagonal(A, offset, -2, -1);
}

}  // namespace linalg
}  // namespace nabla
