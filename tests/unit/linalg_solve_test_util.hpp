// Test matrices for the linalg solver, norm and matrix-function tests: seeded random batches,
// batches with a prescribed condition number, and value comparisons.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <nabla/nabla.hpp>
#include <random>
#include <string>
#include <vector>

namespace nabla::linalg_test {

/// Standard normal values of `shape` (float64 unless `dtype`), from a seeded std::mt19937_64.
inline Tensor random_tensor(const Shape& shape, uint64_t seed, DType dtype = float64) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> values(static_cast<size_t>(shape.numel()));
  for (double& v : values) v = normal(rng);
  return from_vector(values, shape).astype(dtype);
}

/// A random orthogonal [n, n] matrix: a product of two Householder reflections.
inline Tensor random_orthogonal(int64_t n, uint64_t seed) {
  Tensor q = eye(n, std::nullopt, 0, float64);
  for (uint64_t r = 0; r < 2; ++r) {
    const Tensor v = random_tensor({n, 1}, seed * 7 + r);
    q = matmul(q,
               eye(n, std::nullopt, 0, float64) - 2.0 * matmul(v, transpose(v)) / sum(square(v)));
  }
  return q;
}

/// [batch, n, n] float64 matrices U diag(s) V^T with singular values from 1 down to 1 / cond
/// (geometrically spaced), so that each has 2-norm condition number `cond`.
inline Tensor with_condition(int64_t batch, int64_t n, double cond, uint64_t seed) {
  std::vector<double> s(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    s[static_cast<size_t>(i)] = std::pow(cond, -static_cast<double>(i) / double(n - 1));
  }
  std::vector<Tensor> matrices;
  for (int64_t b = 0; b < batch; ++b) {
    const Tensor u = random_orthogonal(n, seed + 100 * uint64_t(b));
    const Tensor v = random_orthogonal(n, seed + 100 * uint64_t(b) + 50);
    matrices.push_back(matmul(u * from_vector(s), transpose(v)));
  }
  return stack(matrices, 0);
}

/// The largest |a - b| (both converted to float64; shapes must match).
inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  if (a.shape() != b.shape() || a.numel() == 0) return 0.0;
  return max(abs(a.astype(float64) - b.astype(float64))).item<double>();
}

/// Expects `got` to hold `want` (row-major) within `tol` * (1 + |want|).
inline void expect_values(const Tensor& got, const std::vector<double>& want, double tol,
                          const std::string& what = "") {
  const std::vector<double> values = got.to_vector<double>();
  ASSERT_EQ(values.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isinf(want[i])) {
      EXPECT_EQ(values[i], want[i]) << what << " element " << i;
    } else {
      EXPECT_NEAR(values[i], want[i], tol * (1 + std::abs(want[i]))) << what << " element " << i;
    }
  }
}

/// n x n identity batch-broadcast to `like`'s shape [..., n, n], float64.
inline Tensor identity_like(const Tensor& like) {
  return broadcast_to(eye(like.size(-1), std::nullopt, 0, float64), like.shape());
}

}  // namespace nabla::linalg_test
