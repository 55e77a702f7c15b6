// Gradients of linalg's factorizations against finite differences in float64, on inputs where
// each function is well defined (symmetric input for eigh, X X^T + n I for cholesky, distinct
// singular values), with losses that do not depend on the sign gauge of eigen- and singular
// vectors; and the clear errors where a gradient is not defined.
#include <gtest/gtest.h>

#include <nabla/nabla.hpp>
#include <string>
#include <vector>

#include "nabla/ops/linalg.hpp"
#include "tensor_test_util.hpp"

namespace {

using namespace nabla;
using nabla::testing::expect_error;
using nabla::testing::gradcheck;
using nabla::testing::gradgradcheck;

Tensor mT(const Tensor& x) { return swapaxes(x, -1, -2); }
Tensor randn(const Shape& shape) { return random::normal(shape, 0.0, 1.0, float64); }
Tensor spd(const Tensor& X) {
  return matmul(X, mT(X)) + static_cast<double>(X.size(-1)) * eye(X.size(-1), {}, 0, float64);
}
/// Many entries of the result reach the loss with different weights: flattened and joined.
Tensor joined(const std::vector<Tensor>& parts) {
  std::vector<Tensor> flat;
  for (const Tensor& p : parts) flat.push_back(p.reshape({-1}));
  return concatenate(flat, 0);
}

void expect_gradcheck(const nabla::testing::TensorFunction& f, const std::vector<Tensor>& inputs) {
  const auto result = gradcheck(f, inputs);
  EXPECT_TRUE(result.passed) << result.report;
}

TEST(LinalgGradients, Cholesky) {
  random::seed(11);
  for (bool upper : {false, true}) {
    SCOPED_TRACE(upper ? "upper" : "lower");
    const auto f = [upper](const std::vector<Tensor>& in) {
      return linalg::cholesky(spd(in[0]), upper);
    };
    expect_gradcheck(f, {randn({4, 4})});
    expect_gradcheck(f, {randn({2, 3, 3})});
    const auto second = gradgradcheck(f, {randn({3, 3})});
    EXPECT_TRUE(second.passed) << second.report;
  }
}

TEST(LinalgGradients, QR) {
  random::seed(12);
  const auto both = [](const std::vector<Tensor>& in) {
    const auto [Q, R] = linalg::qr(in[0]);
    return joined({Q, R});
  };
  for (const Shape& shape : {Shape{5, 3}, Shape{4, 4}, Shape{3, 5}, Shape{2, 4, 2}}) {
    SCOPED_TRACE(to_string(shape));
    expect_gradcheck(both, {randn(shape)});
  }
  // complete is the reduced factorization for m <= n.
  expect_gradcheck(
      [](const std::vector<Tensor>& in) {
        const auto [Q, R] = linalg::qr(in[0], "complete");
        return joined({Q, R});
      },
      {randn({3, 4})});
  expect_gradcheck([](const std::vector<Tensor>& in) { return linalg::qr(in[0]).R; },
                   {randn({4, 3})});
}

TEST(LinalgGradients, QRWithoutAGradient) {
  const Tensor A = randn({4, 3}).requires_grad_();
  expect_error<ValueError>([&] { sum(linalg::qr(A, "r").R).backward(); },
                           {"linalg_qr", "mode 'r'"});
  expect_error<ValueError>([&] { sum(linalg::qr(A, "complete").Q).backward(); },
                           {"linalg_qr", "complete", "[4, 3]"});
}

/// X + X^T: symmetric, with distinct eigenvalues for random X.
Tensor symmetric(const Tensor& x) { return x + mT(x); }

TEST(LinalgGradients, Eigh) {
  random::seed(13);
  // Eigenvalues; squared eigenvector entries and V f(w) V^T (a matrix function) are gauge free.
  const auto values = [](const std::vector<Tensor>& in) {
    return linalg::eigh(symmetric(in[0])).eigenvalues;
  };
  const auto squares = [](const std::vector<Tensor>& in) {
    const Tensor V = linalg::eigh(symmetric(in[0])).eigenvectors;
    return V * V;
  };
  const auto function = [](const std::vector<Tensor>& in) {
    const auto [w, V] = linalg::eigh(symmetric(in[0]), "U");
    return matmul(V * unsqueeze(exp(0.3 * w), -2), mT(V));
  };
  for (const Shape& shape : {Shape{4, 4}, Shape{2, 3, 3}}) {
    SCOPED_TRACE(to_string(shape));
    expect_gradcheck(values, {randn(shape)});
    expect_gradcheck(squares, {randn(shape)});
    expect_gradcheck(function, {randn(shape)});
  }
  expect_gradcheck([](const std::vector<Tensor>& in) { return linalg::eigvalsh(symmetric(in[0])); },
                   {randn({3, 3})});
  const auto second = gradgradcheck(values, {randn({3, 3})});
  EXPECT_TRUE(second.passed) << second.report;
}

TEST(LinalgGradients, SVD) {
  random::seed(14);
  // Singular values; the rank-2 truncation U[:, :2] S[:2] Vh[:2] and squared vector entries
  // are gauge free.
  const auto values = [](const std::vector<Tensor>& in) { return linalg::svdvals(in[0]); };
  const auto truncation = [](const std::vector<Tensor>& in) {
    const auto [U, S, Vh] = linalg::svd(in[0], /*full_matrices=*/false);
    return matmul(U.slice(-1, 0, 2) * unsqueeze(S.slice(-1, 0, 2), -2), Vh.slice(-2, 0, 2));
  };
  const auto squares = [](const std::vector<Tensor>& in) {
    const auto [U, S, Vh] = linalg::svd(in[0], /*full_matrices=*/false);
    return joined({U * U, S, Vh * Vh});
  };
  for (const Shape& shape : {Shape{5, 3}, Shape{4, 4}, Shape{3, 5}, Shape{2, 4, 3}}) {
    SCOPED_TRACE(to_string(shape));
    expect_gradcheck(values, {randn(shape)});
    expect_gradcheck(truncation, {randn(shape)});
    expect_gradcheck(squares, {randn(shape)});
  }
  // full_matrices: fine while the loss ignores the trailing vectors.
  expect_gradcheck(
      [](const std::vector<Tensor>& in) {
        const auto [U, S, Vh] = linalg::svd(in[0]);
        return joined({U.slice(-1, 0, 3) * U.slice(-1, 0, 3), S});
      },
      {randn({5, 3})});
}

TEST(LinalgGradients, SVDFullMatricesTrailingVectorsRaise) {
  const Tensor A = randn({5, 3}).requires_grad_();
  expect_error<ValueError>([&] { sum(linalg::svd(A).U).backward(); },
                           {"linalg_svd", "trailing 2 columns of U", "full_matrices=false"});
  const Tensor B = randn({2, 4}).requires_grad_();
  expect_error<ValueError>([&] { sum(linalg::svd(B).Vh).backward(); },
                           {"linalg_svd", "trailing 2 rows of Vh"});
}

TEST(LinalgGradients, LUAndSolve) {
  random::seed(15);
  const auto factors = [](const std::vector<Tensor>& in) {
    const auto [P, L, U] = linalg::lu(in[0]);
    return joined({L, U});
  };
  for (const Shape& shape : {Shape{4, 4}, Shape{3, 5}, Shape{5, 3}, Shape{2, 3, 3}}) {
    SCOPED_TRACE(to_string(shape));
    expect_gradcheck(factors, {randn(shape)});
  }
  // lu_solve(lu_factor(A), B) = A^{-1} B: both gradient rules at once.
  expect_gradcheck(
      [](const std::vector<Tensor>& in) {
        const auto [LU, pivots] = linalg::lu_factor(in[0]);
        return linalg::lu_solve(LU, pivots, in[1]);
      },
      {randn({2, 4, 4}), randn({2, 4, 2})});
  // The factor itself as the input, pivots fixed; a diagonal shift keeps U well conditioned.
  const Tensor pivots = linalg::lu_factor(randn({3, 3})).pivots;
  expect_gradcheck(
      [&](const std::vector<Tensor>& in) {
        return linalg::lu_solve(in[0] + 4.0 * eye(3, {}, 0, float64), pivots, in[1]);
      },
      {randn({3, 3}), randn({3, 2})});
}

}  // namespace
