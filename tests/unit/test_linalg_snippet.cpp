// The linear algebra and functional-programming snippet of issue 7, verbatim: it must compile as
// written, and every result must be what the snippet promises (decompositions reproduce their
// input, the solve solves, map/reduce/filter agree with plain loops).
#include <gtest/gtest.h>

#include <cmath>
#include <nabla/nabla.hpp>
#include <vector>

namespace {

double max_abs_diff(const nabla::Tensor& a, const nabla::Tensor& b) {
  return nabla::max(nabla::abs(a - b)).item<double>();
}

/// (-1)^(number of inversions) of the permutation a permutation matrix P [n, n] holds.
double permutation_sign(const nabla::Tensor& P) {
  const int64_t n = P.size(0);
  const std::vector<double> p = P.to_vector<double>();
  std::vector<int64_t> column_of_row(static_cast<size_t>(n), -1);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      if (p[static_cast<size_t>(i * n + j)] == 1.0) column_of_row[static_cast<size_t>(i)] = j;
    }
  }
  double sign = 1.0;
  for (size_t i = 0; i < column_of_row.size(); ++i) {
    EXPECT_GE(column_of_row[i], 0) << "row " << i << " of P holds no 1";
    for (size_t j = i + 1; j < column_of_row.size(); ++j) {
      if (column_of_row[i] > column_of_row[j]) sign = -sign;
    }
  }
  return sign;
}

TEST(LinalgSnippet, CompilesAndBehavesAsWritten) {
  // ---- The snippet, verbatim ----
  using namespace nabla;
  Tensor A = random::normal({4, 4}, 0.0, 1.0).astype(float64);
  Tensor S = matmul(A, transpose(A)) + eye(4, float64);
  auto [Q, R] = linalg::qr(A);
  Tensor L = linalg::cholesky(S);
  auto [w, V] = linalg::eigh(S);
  auto [U, s, Vh] = linalg::svd(A, /*full_matrices=*/false);
  auto [P, Lu, Uu] = linalg::lu(A);
  Tensor x = linalg::solve(S, ones({4, 1}, float64));
  Tensor d = linalg::det(A);
  Tensor sq = map(A, [](double v) { return v * v; });
  Tensor total = reduce(A, 1, 0.0, [](double acc, double v) { return acc + v; });
  Tensor pos = filter(A, [](double v) { return v > 0; });
  // ---- end of the snippet ----

  for (const Tensor& t : {A, S, Q, R, L, w, V, U, s, Vh, P, Lu, Uu, x, d, sq, total, pos}) {
    EXPECT_EQ(t.dtype(), float64);
  }
  // Residuals relative to the inputs' scale; S = A A^T + I is well conditioned enough (its
  // smallest eigenvalue is >= 1) for 1e-12 to hold with a wide margin.
  const double tol = 1e-12 * (1.0 + max(abs(S)).item<double>());
  EXPECT_EQ(Q.shape(), Shape({4, 4}));
  EXPECT_LE(max_abs_diff(matmul(Q, R), A), tol);
  EXPECT_LE(max_abs_diff(R, triu(R)), 0.0);
  EXPECT_LE(max_abs_diff(matmul(L, transpose(L)), S), tol);
  EXPECT_LE(max_abs_diff(L, tril(L)), 0.0);
  EXPECT_LE(max_abs_diff(matmul(V * unsqueeze(w, 0), transpose(V)), S), tol);
  EXPECT_GE(min(w).item<double>(), 1.0 - tol);  // S = A A^T + I
  EXPECT_EQ(U.shape(), Shape({4, 4}));
  EXPECT_EQ(s.shape(), Shape({4}));
  EXPECT_LE(max_abs_diff(matmul(U * unsqueeze(s, 0), Vh), A), tol);
  EXPECT_LE(max_abs_diff(matmul(matmul(P, Lu), Uu), A), tol);
  EXPECT_EQ(x.shape(), Shape({4, 1}));
  EXPECT_LE(max_abs_diff(matmul(S, x), ones({4, 1}, float64)), tol);

  // det = det(P) * prod(diag(U)) (L has a unit diagonal).
  EXPECT_EQ(d.shape(), Shape({}));
  const std::vector<double> u = Uu.to_vector<double>();
  double product = permutation_sign(P);
  for (size_t i = 0; i < 4; ++i) product *= u[i * 4 + i];
  EXPECT_NEAR(d.item<double>(), product, 1e-12 * (1.0 + std::abs(product)));

  // map, reduce and filter against loops over A's values (row-major).
  const std::vector<double> a = A.to_vector<double>();
  std::vector<double> squares, positives, row_sums(4, 0.0);
  for (size_t i = 0; i < a.size(); ++i) {
    squares.push_back(a[i] * a[i]);
    row_sums[i / 4] += a[i];
    if (a[i] > 0) positives.push_back(a[i]);
  }
  EXPECT_EQ(sq.shape(), A.shape());
  EXPECT_EQ(sq.to_vector<double>(), squares);
  EXPECT_EQ(total.shape(), Shape({4}));  // reduced over axis 1: one sum per row
  EXPECT_EQ(total.to_vector<double>(), row_sums);
  EXPECT_EQ(pos.shape(), Shape({static_cast<int64_t>(positives.size())}));
  EXPECT_EQ(pos.to_vector<double>(), positives);
}

// eye(n, dtype), which the snippet uses, next to the other spellings it must not disturb.
TEST(LinalgSnippet, EyeWithADType) {
  using namespace nabla;
  const Tensor I = eye(4, float64);
  EXPECT_EQ(I.dtype(), float64);
  EXPECT_EQ(I.shape(), Shape({4, 4}));
  std::vector<double> identity(16, 0.0);
  for (size_t i = 0; i < 4; ++i) identity[i * 5] = 1.0;
  EXPECT_EQ(I.to_vector<double>(), identity);
  EXPECT_EQ(eye(2, int32).to_vector<int32_t>(), (std::vector<int32_t>{1, 0, 0, 1}));
  const DType t = float32;  // a DType variable, not only the named constants
  EXPECT_EQ(eye(3, t).dtype(), float32);
  // An integer second argument is still the number of columns, {} still "m = n" (float32).
  EXPECT_EQ(eye(2, 3).shape(), Shape({2, 3}));
  EXPECT_EQ(eye(2, 3).dtype(), float32);
  const Tensor square = eye(3, {});
  EXPECT_EQ(square.shape(), Shape({3, 3}));
  EXPECT_EQ(square.dtype(), float32);
}

}  // namespace
