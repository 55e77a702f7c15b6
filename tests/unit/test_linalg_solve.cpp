// linalg det, slogdet, inv, solve, solve_triangular and lstsq: NumPy's values on fixed matrices
// (computed with NumPy 1.24 and embedded), identities on random and ill-conditioned batches with
// tolerances scaled by the condition number, broadcasting, layouts, every error path, and float64
// gradient checks.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "linalg_solve_test_util.hpp"
#include "nabla/autograd/gradcheck.hpp"
#include "nabla/nabla.hpp"
#include "tensor_test_util.hpp"

namespace {

using namespace nabla;
using linalg_test::expect_values;
using linalg_test::identity_like;
using linalg_test::max_abs_diff;
using linalg_test::random_tensor;
using linalg_test::with_condition;
using nabla::testing::expect_error;
using nabla::testing::gradcheck;
using nabla::testing::layouts;

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr double kInf = std::numeric_limits<double>::infinity();

Tensor a3() { return tensor({{4.0, -2.0, 1.0}, {3.0, 6.0, -4.0}, {2.0, 1.0, 8.0}}); }
Tensor b32() { return tensor({{1.0, 0.0}, {2.0, -1.0}, {3.0, 5.0}}); }
/// Random [..., n, n] float64 matrices made well conditioned by a dominant diagonal.
Tensor well_conditioned(const Shape& shape, uint64_t seed) {
  return random_tensor(shape, seed) + identity_like(random_tensor(shape, seed)) * 4.0;
}

TEST(LinalgDet, MatchesNumPy) {
  EXPECT_NEAR(linalg::det(a3()).item<double>(), 262.99999999999983, 1e-12);
  const auto [sign, logabsdet] = linalg::slogdet(a3());
  EXPECT_EQ(sign.item<double>(), 1.0);
  EXPECT_NEAR(logabsdet.item<double>(), 5.572154032177764, 1e-14);
  // A row swap: the permutation's sign counts.
  const Tensor swap = tensor({{0.0, 1.0}, {1.0, 0.0}});
  EXPECT_EQ(linalg::det(swap).item<double>(), -1.0);
  EXPECT_EQ(linalg::slogdet(swap).sign.item<double>(), -1.0);
  // Integers compute in float64 (NumPy: -2.0000000000000004).
  const Tensor ints = tensor({{1, 2}, {3, 4}});
  EXPECT_EQ(linalg::det(ints).dtype(), float64);
  EXPECT_NEAR(linalg::det(ints).item<double>(), -2.0, 1e-15);
  // float32 stays float32.
  EXPECT_EQ(linalg::det(a3().astype(float32)).dtype(), float32);
  EXPECT_NEAR(linalg::det(a3().astype(float32)).item<double>(), 263.0, 1e-3);
}

TEST(LinalgDet, SingularIsZeroWithoutError) {
  const Tensor singular = tensor({{1.0, 2.0}, {2.0, 4.0}});
  EXPECT_EQ(linalg::det(singular).item<double>(), 0.0);
  const auto [sign, logabsdet] = linalg::slogdet(singular);
  EXPECT_EQ(sign.item<double>(), 0.0);
  EXPECT_EQ(logabsdet.item<double>(), -kInf);
  EXPECT_EQ(linalg::det(zeros({0, 0}, float64)).item<double>(), 1.0);  // NumPy: empty product
}

TEST(LinalgDet, BatchesLayoutsAndSlogdetAgree) {
  const Tensor A = random_tensor({2, 3, 4, 4}, 1);
  const Tensor det = linalg::det(A);
  ASSERT_EQ(det.shape(), Shape({2, 3}));
  const auto [sign, logabsdet] = linalg::slogdet(A);
  EXPECT_LT(max_abs_diff(det, sign * exp(logabsdet)), 1e-12);
  EXPECT_NEAR(det.to_vector<double>()[4], linalg::det(A[1][1]).item<double>(), 1e-12);
  for (const auto& [name, view] : layouts(A)) {
    EXPECT_LT(max_abs_diff(linalg::det(view), det), 1e-12) << name;
  }
  // det(A B) = det(A) det(B); det(A^T) = det(A).
  const Tensor B = random_tensor({2, 3, 4, 4}, 2);
  EXPECT_LT(max_abs_diff(linalg::det(matmul(A, B)), det * linalg::det(B)), 1e-10);
  EXPECT_LT(max_abs_diff(linalg::det(swapaxes(A, -1, -2)), det), 1e-12);
}

TEST(LinalgInv, MatchesNumPy) {
  expect_values(linalg::inv(a3()),
                {0.19771863117870722, 0.06463878326996197, 0.007604562737642592,
                 -0.12167300380228137, 0.11406844106463877, 0.07224334600760458,
                 -0.034220532319391636, -0.030418250950570346, 0.1140684410646388},
                1e-15);
  expect_values(linalg::inv(tensor({{1, 2}, {3, 4}})), {-2.0, 1.0, 1.5, -0.5}, 1e-15, "ints");
  EXPECT_EQ(linalg::inv(zeros({0, 0}, float32)).shape(), Shape({0, 0}));
}

TEST(LinalgInv, IdentityScaledByConditionNumber) {
  for (double cond : {1e2, 1e6, 1e10}) {
    const Tensor A = with_condition(3, 6, cond, 7);
    const Tensor I = identity_like(A);
    const double tol = 20 * 6 * kEps * cond;
    const Tensor X = linalg::inv(A);
    EXPECT_LT(max_abs_diff(matmul(A, X), I), tol) << cond;
    EXPECT_LT(max_abs_diff(matmul(X, A), I), tol) << cond;
  }
  const Tensor A =
      (random_tensor({5, 3, 3}, 3) + identity_like(zeros({5, 3, 3})) * 3.0).astype(float32);
  EXPECT_EQ(linalg::inv(A).dtype(), float32);
  EXPECT_LT(max_abs_diff(matmul(A, linalg::inv(A)), identity_like(A)), 1e-5);
  for (const auto& [name, view] : layouts(A)) {
    EXPECT_LT(max_abs_diff(linalg::inv(view), linalg::inv(A)), 1e-6) << name;
  }
}

TEST(LinalgSolve, MatchesNumPy) {
  expect_values(linalg::solve(a3(), tensor({1.0, 2.0, 3.0})),
                {0.34980988593155893, 0.3231939163498099, 0.24714828897338403}, 1e-15, "vector");
  expect_values(linalg::solve(a3(), b32()),
                {0.34980988593155893, -0.026615969581749055, 0.32319391634980993,
                 0.2471482889733841, 0.24714828897338406, 0.6007604562737644},
                1e-15, "matrix");
  // Integer A with a float32 B: NumPy's promotion gives float64.
  EXPECT_EQ(linalg::solve(tensor({{2, 0}, {0, 4}}), tensor({1.f, 1.f})).dtype(), float64);
}

TEST(LinalgSolve, BroadcastsBatchesAndVectors) {
  const Tensor A = well_conditioned({2, 1, 3, 3}, 11);
  const Tensor B = random_tensor({1, 4, 3, 2}, 12);
  const Tensor X = linalg::solve(A, B);
  ASSERT_EQ(X.shape(), Shape({2, 4, 3, 2}));
  EXPECT_LT(max_abs_diff(X[1][2], linalg::solve(A[1][0], B[0][2])), 1e-14);
  EXPECT_LT(max_abs_diff(matmul(A, X), broadcast_to(B, X.shape())), 1e-13);
  // One dimension fewer than A: a batch of vectors (so a [3, 2] B with a [5, 3, 3] A would be
  // vectors whose batch [3] does not broadcast with [5]: NumPy 1's rule, stated in linalg.hpp).
  const Tensor A2 = well_conditioned({5, 3, 3}, 13);
  const Tensor b = random_tensor({5, 3}, 14);
  const Tensor x = linalg::solve(A2, b);
  ASSERT_EQ(x.shape(), Shape({5, 3}));
  EXPECT_LT(max_abs_diff(x[3], linalg::solve(A2[3], b[3])), 1e-14);
  // A 1-D b against a batch of A.
  EXPECT_EQ(linalg::solve(A2, random_tensor({3}, 15)).shape(), Shape({5, 3}));
  for (const auto& [name, view] : layouts(A2)) {
    EXPECT_LT(max_abs_diff(linalg::solve(view, b), x), 1e-13) << name;
  }
}

TEST(LinalgSolve, ErrorScaledByConditionNumber) {
  for (double cond : {1e3, 1e8, 1e12}) {
    const Tensor A = with_condition(4, 8, cond, 21);
    const Tensor X_true = random_tensor({4, 8, 3}, 22);
    const Tensor B = matmul(A, X_true);
    const Tensor X = linalg::solve(A, B);
    // Backward stable: a small residual whatever cond; the error grows with cond.
    EXPECT_LT(max_abs_diff(matmul(A, X), B), 100 * 8 * kEps * (1 + max(abs(X)).item<double>()))
        << cond;
    EXPECT_LT(max_abs_diff(X, X_true), 100 * 8 * kEps * cond) << cond;
  }
}

TEST(LinalgSolveTriangular, MatchesNumPy) {
  expect_values(linalg::solve_triangular(a3(), b32(), /*upper=*/true),
                {0.44791666666666663, -0.03125, 0.5833333333333333, 0.25, 0.375, 0.625}, 1e-15,
                "upper");
  expect_values(linalg::solve_triangular(a3(), b32(), /*upper=*/false),
                {0.25, 0.0, 0.20833333333333331, -0.16666666666666666, 0.2864583333333333,
                 0.6458333333333334},
                1e-15, "lower");
  expect_values(linalg::solve_triangular(a3(), b32(), true, true, /*unitriangular=*/true),
                {26.0, 33.0, 14.0, 19.0, 3.0, 5.0}, 1e-15, "unit upper");
  expect_values(linalg::solve_triangular(a3(), transpose(b32()), true, /*left=*/false),
                {0.25, 0.41666666666666663, 0.5520833333333333, 0.0, -0.16666666666666666,
                 0.5416666666666666},
                1e-15, "right");
}

TEST(LinalgSolveTriangular, ReadsOnlyItsTriangleAndBroadcasts) {
  const Tensor A = well_conditioned({3, 4, 4}, 31);
  const Tensor B = random_tensor({2, 1, 4, 2}, 32);
  for (bool upper : {true, false}) {
    for (bool unit : {false, true}) {
      // The matrix the solve sees: one triangle, with ones on the diagonal when unit.
      const Tensor T_used = unit ? (upper ? triu(A, 1) : tril(A, -1)) + identity_like(A)
                                 : (upper ? triu(A) : tril(A));
      const Tensor X = linalg::solve_triangular(A, B, upper, true, unit);
      ASSERT_EQ(X.shape(), Shape({2, 3, 4, 2}));
      EXPECT_LT(max_abs_diff(matmul(T_used, X), broadcast_to(B, X.shape())), 1e-12)
          << upper << unit;
      const Tensor Bt = swapaxes(B, -1, -2);
      const Tensor Y = linalg::solve_triangular(A, Bt, upper, /*left=*/false, unit);
      EXPECT_LT(max_abs_diff(matmul(Y, T_used), broadcast_to(Bt, Y.shape())), 1e-12)
          << upper << unit;
    }
  }
  for (const auto& [name, view] : layouts(A)) {
    EXPECT_LT(
        max_abs_diff(linalg::solve_triangular(view, B, true), linalg::solve_triangular(A, B, true)),
        1e-13)
        << name;
  }
}

TEST(LinalgLstsq, OverdeterminedMatchesNumPy) {
  const Tensor M = tensor({{1.0, 1.0}, {1.0, 2.0}, {1.0, 3.0}, {1.0, 4.0}});
  const auto r = linalg::lstsq(M, tensor({6.0, 5.0, 7.0, 10.0}));
  expect_values(r.solution, {3.4999999999999996, 1.4000000000000004}, 1e-14, "solution");
  ASSERT_EQ(r.residuals.shape(), Shape({1}));  // NumPy keeps [1] for a vector b
  expect_values(r.residuals, {4.199999999999999}, 1e-13, "residuals");
  EXPECT_EQ(r.rank.item<int64_t>(), 2);
  EXPECT_EQ(r.rank.dtype(), int64);
  expect_values(r.singular_values, {5.779378813233887, 0.773809106397227}, 1e-14, "S");
  const auto r2 = linalg::lstsq(M, tensor({{6.0, 1.0}, {5.0, 2.0}, {7.0, 3.0}, {10.0, -1.0}}));
  expect_values(r2.solution,
                {3.4999999999999996, 2.4999999999999996, 1.4000000000000004, -0.49999999999999967},
                1e-14, "solution 2");
  expect_values(r2.residuals, {4.199999999999999, 7.500000000000001}, 1e-13, "residuals 2");
}

TEST(LinalgLstsq, RankDeficientAndUnderdeterminedMatchNumPy) {
  const Tensor D = tensor({{1.0, 2.0, 3.0}, {2.0, 4.0, 6.0}, {1.0, 0.0, 1.0}, {0.0, 1.0, 1.0}});
  const auto r = linalg::lstsq(D, tensor({6.0, 5.0, 7.0, 10.0}));
  expect_values(r.solution, {1.3333333333333333, -0.24358974358974328, 1.0897435897435896}, 1e-13);
  EXPECT_EQ(r.residuals.shape(), Shape({0}));  // rank 2 < n: no residuals (NumPy)
  EXPECT_EQ(r.rank.item<int64_t>(), 2);
  const auto u = linalg::lstsq(tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}), tensor({1.0, 2.0}));
  expect_values(u.solution, {-0.055555555555556, 0.11111111111111112, 0.27777777777777807}, 1e-13);
  EXPECT_EQ(u.residuals.shape(), Shape({0}));
  expect_values(u.singular_values, {9.508032000695724, 0.7728696356734843}, 1e-14);
  // A cutoff above the small singular value drops it: rank 1.
  EXPECT_EQ(linalg::lstsq(D, tensor({6.0, 5.0, 7.0, 10.0}), 0.5).rank.item<int64_t>(), 1);
}

TEST(LinalgLstsq, AgreesWithNormalEquationsOnBatches) {
  const Tensor A = random_tensor({3, 9, 4}, 41);
  const Tensor B = random_tensor({3, 9, 2}, 42);
  const auto r = linalg::lstsq(A, B);
  const Tensor At = swapaxes(A, -1, -2);
  const Tensor normal = linalg::solve(matmul(At, A), matmul(At, B));
  EXPECT_LT(max_abs_diff(r.solution, normal), 1e-12);
  EXPECT_LT(max_abs_diff(r.residuals, sum(square(matmul(A, normal) - B), {-2})), 1e-12);
  EXPECT_EQ(r.rank.to_vector<int64_t>(), std::vector<int64_t>({4, 4, 4}));
  for (const auto& [name, view] : layouts(A)) {
    EXPECT_LT(max_abs_diff(linalg::lstsq(view, B).solution, r.solution), 1e-12) << name;
  }
  const auto r32 = linalg::lstsq(A.astype(float32), B.astype(float32));
  EXPECT_EQ(r32.solution.dtype(), float32);
  EXPECT_LT(max_abs_diff(r32.solution, normal), 1e-4);
  // Broadcast batch: one A for every B.
  EXPECT_EQ(linalg::lstsq(A[0], random_tensor({2, 9, 3}, 43)).solution.shape(), Shape({2, 4, 3}));
}

TEST(LinalgSolve, LargeBatchesAndLargeMatrices) {
  // Thousands of small matrices take the threads; one large matrix takes OpenBLAS's.
  const Tensor many = well_conditioned({3000, 4, 4}, 91);
  EXPECT_LT(max_abs_diff(matmul(many, linalg::inv(many)), identity_like(many)), 1e-13);
  const Tensor b = random_tensor({3000, 4}, 92);
  EXPECT_LT(max_abs_diff(squeeze(matmul(many, unsqueeze(linalg::solve(many, b), -1)), -1), b),
            1e-13);
  EXPECT_LT(max_abs_diff(linalg::det(many),
                         exp(linalg::slogdet(many).logabsdet) * linalg::slogdet(many).sign),
            1e-9);
  const Tensor big = well_conditioned({300, 300}, 93) * 0.1;
  EXPECT_LT(max_abs_diff(matmul(big, linalg::inv(big)), identity_like(big)), 1e-11);
}

TEST(LinalgSolve, EmptyMatricesAndBatches) {
  EXPECT_EQ(linalg::inv(zeros({0, 3, 3}, float64)).shape(), Shape({0, 3, 3}));
  EXPECT_EQ(linalg::det(zeros({0, 3, 3}, float64)).shape(), Shape({0}));
  EXPECT_EQ(linalg::solve(zeros({0, 0}, float64), zeros({0}, float64)).shape(), Shape({0}));
  EXPECT_EQ(linalg::solve(a3(), zeros({3, 0}, float64)).shape(), Shape({3, 0}));
  const auto r = linalg::lstsq(zeros({0, 3}, float64), zeros({0}, float64));  // NumPy: zeros
  EXPECT_EQ(r.solution.to_vector<double>(), std::vector<double>({0.0, 0.0, 0.0}));
  EXPECT_EQ(r.rank.item<int64_t>(), 0);
  EXPECT_EQ(r.singular_values.shape(), Shape({0}));
  EXPECT_EQ(linalg::lstsq(a3(), zeros({3, 0}, float64)).solution.shape(), Shape({3, 0}));
}

TEST(LinalgSolve, TracesIntoFunctionalModels) {
  // Symbolic inputs: shapes from the infer rules, no status check until data flows; the model
  // replays on another batch size (no broadcast recorded to the placeholder batch of 1).
  const Tensor x = nn::Input({4, 3}, float64);
  const Tensor gram = matmul(swapaxes(x, -1, -2), x);
  nn::Model model({x}, {linalg::inv(gram), linalg::det(gram), linalg::lstsq(x, x).solution,
                        linalg::solve(gram, swapaxes(x, -1, -2))});
  const Tensor data = random_tensor({2, 4, 3}, 95);
  const std::vector<Tensor> out = model.predict_outputs(data);
  const Tensor data_gram = matmul(swapaxes(data, -1, -2), data);
  EXPECT_LT(max_abs_diff(out[0], linalg::inv(data_gram)), 1e-12);
  EXPECT_LT(max_abs_diff(out[1], linalg::det(data_gram)), 1e-12);
  EXPECT_LT(max_abs_diff(out[2], identity_like(out[2])), 1e-12);
  EXPECT_EQ(out[3].shape(), Shape({2, 3, 4}));
}

TEST(LinalgSolveErrors, SingularMatricesNameTheOpAndBatchIndex) {
  const Tensor batch = stack({a3(), tensor({{1.0, 2.0, 3.0}, {2.0, 4.0, 6.0}, {0.0, 0.0, 1.0}})});
  expect_error<LinAlgError>([&] { (void)linalg::inv(batch); },
                            {"linalg_inv", "singular", "batch index [1]"});
  expect_error<LinAlgError>(
      [&] {
        (void)linalg::solve(batch, tensor({1.0, 2.0, 3.0}));
      },
      {"linalg_solve", "singular", "batch index [1]"});
  expect_error<LinAlgError>(
      [&] {
        (void)linalg::inv(zeros({2, 2}, float64));
      },
      {"linalg_inv", "singular"});
  const Tensor zero_diagonal = tensor({{1.0, 2.0}, {0.0, 0.0}});
  expect_error<LinAlgError>(
      [&] {
        (void)linalg::solve_triangular(zero_diagonal, ones({2, 1}, float64), true);
      },
      {"linalg_solve_triangular", "A[1, 1]"});
  // A unit triangular solve never reads the diagonal.
  EXPECT_EQ(linalg::solve_triangular(zero_diagonal, ones({2, 1}, float64), true, true, true)
                .to_vector<double>(),
            std::vector<double>({-1.0, 1.0}));
  EXPECT_EQ(linalg::matrix_power(a3(), -1).shape(), Shape({3, 3}));
  expect_error<LinAlgError>(
      [&] {
        (void)linalg::matrix_power(zeros({2, 2}), -2);
      },
      {"linalg_inv", "singular"});
}

TEST(LinalgSolveErrors, ShapesAndDtypes) {
  const Tensor rect = zeros({2, 3}, float64);
  expect_error<ShapeError>([&] { (void)linalg::det(rect); }, {"linalg_det_lu", "[2, 3]"});
  expect_error<ShapeError>([&] { (void)linalg::inv(rect); }, {"linalg_inv", "square", "[2, 3]"});
  expect_error<ShapeError>([&] { (void)linalg::inv(zeros({3})); }, {"linalg_inv", "[3]"});
  expect_error<ShapeError>([&] { (void)linalg::solve(rect, zeros({2})); }, {"linalg_solve"});
  expect_error<ShapeError>([&] { (void)linalg::solve(a3(), zeros({4})); },
                           {"linalg_solve", "[3, 3]", "[4]"});
  expect_error<ShapeError>(
      [&] {
        (void)linalg::solve(a3(), zeros({2, 2}));
      },
      {"linalg_solve", "[3, 3]", "[2, 2]"});
  expect_error<ShapeError>(
      [&] {
        (void)linalg::solve(zeros({2, 3, 3}), zeros({4, 3, 1}));
      },
      {"linalg_solve", "do not broadcast", "[2, 3, 3]", "[4, 3, 1]"});
  expect_error<ShapeError>([&] { (void)linalg::solve_triangular(a3(), zeros({3}), true); },
                           {"linalg_solve_triangular", "[3]"});
  expect_error<ShapeError>(
      [&] {
        (void)linalg::solve_triangular(a3(), zeros({2, 3}), true, /*left=*/true);
      },
      {"linalg_solve_triangular", "[3, 3]", "[2, 3]"});
  expect_error<ShapeError>([&] { (void)linalg::lstsq(rect, zeros({3})); },
                           {"linalg_lstsq", "[2, 3]", "[3]"});
  expect_error<ShapeError>([&] { (void)linalg::lstsq(zeros({4}), zeros({4})); },
                           {"linalg_lstsq", "[4]"});
  // Complex input is a DTypeError naming the op; integers and bools compute in float64.
  EXPECT_EQ(linalg::inv(tensor({{true, false}, {false, true}})).dtype(), float64);
  EXPECT_EQ(linalg::lstsq(tensor({{1, 0}, {0, 1}, {1, 1}}), tensor({1, 2, 3})).solution.dtype(),
            float64);
}

// ---- gradients (float64 finite differences) ----

TEST(LinalgSolveGradients, DetSlogdetInv) {
  const Tensor A = well_conditioned({2, 3, 3}, 51);
  EXPECT_TRUE(gradcheck([](const auto& x) { return linalg::det(x[0]); }, {A}));
  EXPECT_TRUE(gradcheck([](const auto& x) { return linalg::slogdet(x[0]).logabsdet; }, {A}));
  EXPECT_TRUE(gradcheck([](const auto& x) { return linalg::inv(x[0]); }, {A}));
  // Negative determinants: the gradient of log|det| is still A^{-T}.
  const Tensor flipped = -A;
  EXPECT_TRUE(gradcheck([](const auto& x) { return linalg::slogdet(x[0]).logabsdet; }, {flipped}));
  EXPECT_TRUE(nabla::testing::gradgradcheck([](const auto& x) { return linalg::det(x[0]); }, {A}));
  EXPECT_TRUE(nabla::testing::gradgradcheck([](const auto& x) { return linalg::inv(x[0]); }, {A}));
}

TEST(LinalgSolveGradients, DetAtASingularMatrixIsNaN) {
  // Documented limit: the gradient goes through A^{-1}, which a singular A lacks.
  const Tensor A = tensor({{1.0, 2.0}, {2.0, 4.0}}).requires_grad_();
  linalg::det(A).backward();
  EXPECT_TRUE(std::isnan(A.grad().to_vector<double>()[0]));
}

TEST(LinalgSolveGradients, SolveWithBatchesBroadcastingAndVectors) {
  const auto solve = [](const auto& x) { return linalg::solve(x[0], x[1]); };
  EXPECT_TRUE(gradcheck(solve, {well_conditioned({3, 3}, 61), random_tensor({3, 2}, 62)}));
  EXPECT_TRUE(
      gradcheck(solve, {well_conditioned({2, 1, 3, 3}, 63), random_tensor({1, 4, 3, 2}, 64)}));
  EXPECT_TRUE(gradcheck(solve, {well_conditioned({2, 3, 3}, 65), random_tensor({2, 3}, 66)}));
  EXPECT_TRUE(gradcheck(solve, {well_conditioned({2, 3, 3}, 67), random_tensor({3}, 68)}));
  EXPECT_TRUE(nabla::testing::gradgradcheck(
      solve, {well_conditioned({3, 3}, 69), random_tensor({3, 2}, 70)}));
}

TEST(LinalgSolveGradients, SolveTriangularEveryVariant) {
  const Tensor A = well_conditioned({2, 3, 3}, 71);
  const Tensor B = random_tensor({2, 3, 2}, 72);
  for (bool upper : {true, false}) {
    for (bool left : {true, false}) {
      for (bool unit : {false, true}) {
        const Tensor rhs = left ? B : swapaxes(B, -1, -2);
        const auto result = gradcheck(
            [=](const auto& x) { return linalg::solve_triangular(x[0], x[1], upper, left, unit); },
            {A, rhs});
        EXPECT_TRUE(result) << upper << left << unit << "\n" << result.report;
      }
    }
  }
  // The unread triangle gets exactly zero gradient.
  const Tensor leaf = A.clone().requires_grad_();
  sum(linalg::solve_triangular(leaf, B, /*upper=*/true)).backward();
  EXPECT_EQ(max(abs(tril(leaf.grad(), -1))).item<double>(), 0.0);
}

TEST(LinalgSolveGradients, LstsqSolution) {
  const auto solution = [](const auto& x) { return linalg::lstsq(x[0], x[1]).solution; };
  const auto tall =
      gradcheck(solution, {random_tensor({2, 5, 3}, 81), random_tensor({2, 5, 2}, 82)});
  EXPECT_TRUE(tall) << tall.report;
  const auto wide = gradcheck(solution, {random_tensor({3, 5}, 83), random_tensor({3, 2}, 84)});
  EXPECT_TRUE(wide) << wide.report;
  const auto residuals =
      gradcheck([](const auto& x) { return linalg::lstsq(x[0], x[1]).residuals; },
                {random_tensor({5, 2}, 85), random_tensor({5}, 86)});
  EXPECT_TRUE(residuals) << residuals.report;
}

}  // namespace
