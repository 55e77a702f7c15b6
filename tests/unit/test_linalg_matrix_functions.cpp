// trace, diag, triu, tril, linalg::matrix_power, linalg::cross and linalg::diagonal: NumPy 1.24's
// values (embedded), dtypes, batches, error paths and float64 gradient checks.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "linalg_solve_test_util.hpp"
#include "nabla/autograd/gradcheck.hpp"
#include "nabla/nabla.hpp"
#include "tensor_test_util.hpp"

namespace {

using namespace nabla;
using linalg_test::expect_values;
using linalg_test::max_abs_diff;
using linalg_test::random_tensor;
using nabla::testing::expect_error;
using nabla::testing::gradcheck;

using I64 = std::vector<int64_t>;

/// np.arange(12).reshape(3, 4) as int64.
Tensor x34() { return arange(12).reshape({3, 4}); }

TEST(LinalgTrace, MatchesNumPy) {
  EXPECT_EQ(trace(x34()).item<int64_t>(), 15);
  EXPECT_EQ(trace(x34()).dtype(), int64);
  EXPECT_EQ(trace(x34(), 1).item<int64_t>(), 18);
  EXPECT_EQ(trace(x34(), -1).item<int64_t>(), 13);
  EXPECT_EQ(trace(x34(), 5).item<int64_t>(), 0);  // an empty diagonal
  const Tensor batch = random_tensor({2, 3, 4, 4}, 1);
  EXPECT_EQ(trace(batch).shape(), Shape({2, 3}));
  EXPECT_NEAR(trace(batch).to_vector<double>()[5], trace(batch[1][2]).item<double>(), 1e-15);
  EXPECT_EQ(trace(batch.astype(float32)).dtype(), float32);
}

TEST(LinalgDiag, MatchesNumPy) {
  EXPECT_EQ(diag(tensor({1, 2, 3}), 1).to_vector<int64_t>(),
            I64({0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0}));
  EXPECT_EQ(diag(tensor({1, 2, 3}), 1).shape(), Shape({4, 4}));
  EXPECT_EQ(diag(tensor({1, 2}), -1).to_vector<int64_t>(), I64({0, 0, 0, 1, 0, 0, 0, 2, 0}));
  EXPECT_EQ(diag(tensor({1, 2}), -1).dtype(), int32);
  EXPECT_EQ(diag(x34(), 1).to_vector<int64_t>(), I64({1, 6, 11}));
  EXPECT_EQ(diag(x34(), -2).to_vector<int64_t>(), I64({8}));
  EXPECT_EQ(diag(tensor({2.5})).to_vector<double>(), std::vector<double>({2.5}));
  // A copy, not a view: writing to it leaves x alone.
  const Tensor x = x34().astype(float64);
  Tensor d = diag(x);
  EXPECT_FALSE(d.shares_storage(x));
  EXPECT_EQ(diag(tensor({true, true})).dtype(), bool_);
}

TEST(LinalgTriangles, MatchNumPy) {
  EXPECT_EQ(triu(x34(), 1).to_vector<int64_t>(), I64({0, 1, 2, 3, 0, 0, 6, 7, 0, 0, 0, 11}));
  EXPECT_EQ(tril(x34(), -1).to_vector<int64_t>(), I64({0, 0, 0, 0, 4, 0, 0, 0, 8, 9, 0, 0}));
  EXPECT_EQ(triu(x34(), -1).to_vector<int64_t>(), I64({0, 1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11}));
  EXPECT_EQ(triu(x34()).dtype(), int64);
  EXPECT_EQ(tril(ones({2, 2}, bool_)).dtype(), bool_);
  const Tensor batch = random_tensor({2, 3, 3}, 2);
  EXPECT_LT(max_abs_diff(triu(batch) + tril(batch, -1), batch), 0.0 + 1e-300);
  EXPECT_LT(max_abs_diff(triu(batch)[1], triu(batch[1])), 1e-300);
  // A strided input.
  EXPECT_LT(max_abs_diff(tril(swapaxes(batch, -1, -2)), tril(swapaxes(batch, -1, -2).contiguous())),
            1e-300);
}

TEST(LinalgMatrixPower, MatchesNumPy) {
  const Tensor fib = tensor({{1, 1}, {1, 0}}).astype(int64);
  EXPECT_EQ(linalg::matrix_power(fib, 10).to_vector<int64_t>(), I64({89, 55, 55, 34}));
  EXPECT_EQ(linalg::matrix_power(fib, 10).dtype(), int64);
  EXPECT_EQ(linalg::matrix_power(fib, 0).to_vector<int64_t>(), I64({1, 0, 0, 1}));
  EXPECT_EQ(linalg::matrix_power(fib, 0).dtype(), int64);
  expect_values(linalg::matrix_power(fib, -3), {-1.0, 2.0, 2.0, -3.0}, 1e-14, "-3");
  EXPECT_EQ(linalg::matrix_power(fib, -3).dtype(), float64);
  expect_values(linalg::matrix_power(tensor({{2.0, 1.0}, {0.0, 3.0}}), -2),
                {0.25, -0.13888888888888887, 0.0, 0.1111111111111111}, 1e-15, "-2");
  // n = 1 is a new tensor equal to A; a batch is raised matrix by matrix.
  const Tensor A = random_tensor({3, 4, 4}, 3);
  const Tensor one = linalg::matrix_power(A, 1);
  EXPECT_FALSE(one.is_same(A));
  EXPECT_EQ(max_abs_diff(one, A), 0.0);
  EXPECT_LT(max_abs_diff(linalg::matrix_power(A, 5), matmul(matmul(matmul(matmul(A, A), A), A), A)),
            1e-12);
  EXPECT_LT(max_abs_diff(matmul(linalg::matrix_power(A, -2), matmul(A, A)),
                         broadcast_to(eye(4, std::nullopt, 0, float64), A.shape())),
            1e-10);
}

TEST(LinalgCross, MatchesNumPy) {
  const Tensor a = tensor({{1, 2, 3}, {4, 5, 6}});
  const Tensor b = tensor({7, 8, 10});
  EXPECT_EQ(linalg::cross(a, b).to_vector<int64_t>(), I64({-4, 11, -6, 2, 2, -3}));
  EXPECT_EQ(linalg::cross(a, b).shape(), Shape({2, 3}));
  EXPECT_EQ(linalg::cross(a, b).dtype(), int32);
  const Tensor along0 = linalg::cross(transpose(a), unsqueeze(b, 1), 0);
  EXPECT_EQ(along0.shape(), Shape({3, 2}));
  EXPECT_EQ(along0.to_vector<int64_t>(), I64({-4, 2, 11, 2, -6, -3}));
  // Orthogonal to both inputs; anti-commutative.
  const Tensor u = random_tensor({4, 3}, 4), v = random_tensor({4, 3}, 5);
  const Tensor w = linalg::cross(u, v);
  EXPECT_LT(max(abs(sum(w * u, {-1}))).item<double>(), 1e-14);
  EXPECT_LT(max_abs_diff(linalg::cross(v, u), -w), 1e-300);
  EXPECT_EQ(linalg::cross(u.astype(float32), v).dtype(), float64);
}

TEST(LinalgDiagonal, IsAViewOfTheLastTwoAxes) {
  const Tensor batch = arange(0, 24, 1, float64).reshape({2, 3, 4});
  const Tensor d = linalg::diagonal(batch);
  EXPECT_EQ(d.shape(), Shape({2, 3}));
  EXPECT_TRUE(d.shares_storage(batch));
  EXPECT_EQ(d.to_vector<double>(), std::vector<double>({0, 5, 10, 12, 17, 22}));
  EXPECT_EQ(linalg::diagonal(batch, 1).to_vector<double>(),
            std::vector<double>({1, 6, 11, 13, 18, 23}));
  EXPECT_EQ(linalg::diagonal(batch, -2).to_vector<double>(), std::vector<double>({8, 20}));
}

TEST(LinalgMatrixFunctionErrors, NameTheFunctionAndShapes) {
  expect_error<ShapeError>([] { (void)trace(tensor({1.0, 2.0})); }, {"trace", "[2]"});
  expect_error<ShapeError>([] { (void)diag(zeros({2, 2, 2})); }, {"diag", "[2, 2, 2]"});
  expect_error<ShapeError>([] { (void)triu(tensor({1.0})); }, {"triu", "[1]"});
  expect_error<ShapeError>([] { (void)tril(tensor(1.0)); }, {"tril", "[]"});
  expect_error<ShapeError>(
      [] {
        (void)linalg::matrix_power(zeros({2, 3}), 2);
      },
      {"linalg_matrix_power", "square", "[2, 3]"});
  expect_error<ShapeError>([] { (void)linalg::matrix_power(zeros({3}), 2); },
                           {"linalg_matrix_power", "[3]"});
  expect_error<ShapeError>([] { (void)linalg::cross(zeros({2}), zeros({3})); },
                           {"cross", "3 elements", "[2]", "[3]"});
  expect_error<ShapeError>(
      [] {
        (void)linalg::cross(zeros({2, 3}), zeros({4, 3}));
      },
      {"cross", "[2]", "[4]"});
  expect_error<IndexError>([] { (void)linalg::cross(zeros({3}), zeros({3}), 1); }, {"cross"});
  expect_error<ShapeError>([] { (void)linalg::diagonal(zeros({3})); }, {"linalg_diagonal", "[3]"});
}

TEST(LinalgMatrixFunctionGradients, AllComposites) {
  const Tensor A = random_tensor({2, 3, 3}, 11);
  const auto check = [](const nabla::testing::TensorFunction& f, const std::vector<Tensor>& in,
                        const char* what) {
    const auto r = gradcheck(f, in);
    EXPECT_TRUE(r) << what << "\n" << r.report;
  };
  check([](const auto& x) { return trace(x[0], 1); }, {A}, "trace");
  check([](const auto& x) { return triu(x[0], 1); }, {A}, "triu");
  check([](const auto& x) { return tril(x[0]); }, {A}, "tril");
  check([](const auto& x) { return diag(x[0], -1); }, {random_tensor({3}, 12)}, "diag 1-D");
  check([](const auto& x) { return diag(x[0], 1); }, {A[0]}, "diag 2-D");
  check([](const auto& x) { return linalg::matrix_power(x[0], 3); }, {A}, "power 3");
  check([](const auto& x) { return linalg::matrix_power(x[0], -2); },
        {A + broadcast_to(eye(3, std::nullopt, 0, float64), A.shape()) * 3.0}, "power -2");
  check([](const auto& x) { return linalg::cross(x[0], x[1]); },
        {random_tensor({2, 3}, 13), random_tensor({3}, 14)}, "cross");
  check([](const auto& x) { return linalg::diagonal(x[0], -1); }, {A}, "diagonal");
}

}  // namespace
