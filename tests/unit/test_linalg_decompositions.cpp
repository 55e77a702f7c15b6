// linalg's factorizations (lu, lu_factor, lu_solve, qr, cholesky, eigh, eigvalsh, svd, svdvals):
// the defining identities on random batches of several shapes, dtypes and layouts, accuracy on
// ill-conditioned matrices, agreement with NumPy on fixed matrices, empty shapes and error paths.
// Gradients: test_linalg_decomposition_gradients.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <nabla/nabla.hpp>
#include <string>
#include <vector>

#include "nabla/ops/linalg.hpp"
#include "tensor_test_util.hpp"

namespace {

using namespace nabla;
using nabla::testing::expect_error;

Tensor mT(const Tensor& x) { return swapaxes(x, -1, -2); }

double max_abs(const Tensor& x) {
  return x.numel() == 0 ? 0.0 : max(abs(x.astype(float64))).item<double>();
}
/// Largest deviation of x from the identity, for Q^T Q and friends.
double off_identity(const Tensor& x) {
  return max_abs(x - eye(x.size(-2), x.size(-1), 0, x.dtype()));
}
double epsilon(DType t) {
  return t == float32 ? std::numeric_limits<float>::epsilon()
                      : std::numeric_limits<double>::epsilon();
}
/// Tolerance for a backward-stable result of size n: a modest multiple of n * eps * scale.
double tolerance(DType t, int64_t n, double scale = 1.0) {
  return 50.0 * static_cast<double>(std::max<int64_t>(n, 1)) * epsilon(t) * scale;
}

struct Case {
  Shape batch;
  int64_t m, n;
  DType dtype;
};

std::string describe(const Case& c) {
  return to_string(c.batch) + " " + std::to_string(c.m) + "x" + std::to_string(c.n) + " " +
         std::string(dtype_name(c.dtype));
}

std::vector<Case> cases(bool square) {
  std::vector<Case> out;
  for (DType t : {float32, float64}) {
    for (const Shape& batch : {Shape{}, Shape{3}, Shape{2, 3}}) {
      out.push_back({batch, 4, 4, t});
      if (!square) {
        out.push_back({batch, 6, 3, t});
        out.push_back({batch, 3, 5, t});
      }
    }
  }
  return out;
}

Tensor random_matrix(const Case& c) {
  Shape shape = c.batch;
  shape.push_back(c.m);
  shape.push_back(c.n);
  return random::normal(shape, 0.0, 1.0, c.dtype);
}

/// A non-contiguous copy of x: its matrices stored transposed.
Tensor column_major(const Tensor& x) { return mT(mT(x).contiguous()); }

TEST(LinalgLU, FactorsReconstructAndHaveTheirShapes) {
  random::seed(1);
  for (const Case& c : cases(/*square=*/false)) {
    SCOPED_TRACE(describe(c));
    const Tensor A = random_matrix(c);
    const int64_t k = std::min(c.m, c.n);
    for (const Tensor& a : {A, column_major(A)}) {
      const auto [P, L, U] = linalg::lu(a);
      EXPECT_EQ(L.shape().at(-1), k);
      EXPECT_EQ(U.shape().at(-2), k);
      EXPECT_EQ(P.dtype(), c.dtype);
      EXPECT_LE(max_abs(matmul(P, matmul(L, U)) - A), tolerance(c.dtype, c.n, 4));
      EXPECT_EQ(max_abs(triu(L, 1)), 0.0);
      EXPECT_EQ(max_abs(diagonal(L, 0, -2, -1) - 1.0), 0.0);
      EXPECT_EQ(max_abs(tril(U, -1)), 0.0);
      EXPECT_LE(max_abs(L), 1.0);  // partial pivoting
      EXPECT_EQ(off_identity(matmul(mT(P), P)), 0.0);
    }
  }
}

TEST(LinalgLU, FactorAndSolve) {
  random::seed(2);
  for (const Case& c : cases(/*square=*/true)) {
    SCOPED_TRACE(describe(c));
    const Tensor A = random_matrix(c);
    const auto [LU, pivots] = linalg::lu_factor(A);
    EXPECT_EQ(pivots.dtype(), int32);
    EXPECT_EQ(pivots.shape().at(-1), c.n);
    Shape rhs = c.batch;
    rhs.push_back(c.n);
    rhs.push_back(2);
    const Tensor B = random::normal(rhs, 0.0, 1.0, c.dtype);
    const Tensor X = linalg::lu_solve(LU, pivots, column_major(B));
    const Tensor S = linalg::svdvals(A.astype(float64));
    const double cond = max(S.select(-1, 0) / S.select(-1, c.n - 1)).item<double>();
    EXPECT_LE(max_abs(matmul(A, X) - B), tolerance(c.dtype, c.n, cond));
    // The factors broadcast against a batch of right-hand sides.
    if (c.batch.empty()) {
      const Tensor many = random::normal({3, c.n, 1}, 0.0, 1.0, c.dtype);
      EXPECT_LE(max_abs(matmul(A, linalg::lu_solve(LU, pivots, many)) - many),
                tolerance(c.dtype, c.n, cond));
    }
  }
}

TEST(LinalgQR, ReducedCompleteAndR) {
  random::seed(3);
  for (const Case& c : cases(/*square=*/false)) {
    SCOPED_TRACE(describe(c));
    const Tensor A = random_matrix(c);
    const int64_t k = std::min(c.m, c.n);
    const double tol = tolerance(c.dtype, c.m, 4);
    const auto [Q, R] = linalg::qr(column_major(A));
    EXPECT_EQ(Q.shape().at(-1), k);
    EXPECT_EQ(R.shape().at(-2), k);
    EXPECT_LE(max_abs(matmul(Q, R) - A), tol);
    EXPECT_LE(off_identity(matmul(mT(Q), Q)), tol);
    EXPECT_EQ(max_abs(tril(R, -1)), 0.0);
    const auto [Qc, Rc] = linalg::qr(A, "complete");
    EXPECT_EQ(Qc.shape().at(-1), c.m);
    EXPECT_EQ(Rc.shape().at(-2), c.m);
    EXPECT_LE(max_abs(matmul(Qc, Rc) - A), tol);
    EXPECT_LE(off_identity(matmul(mT(Qc), Qc)), tol);
    EXPECT_EQ(max_abs(tril(Rc, -1)), 0.0);
    const auto [Qr, Rr] = linalg::qr(A, "r");
    EXPECT_EQ(Qr.numel(), 0);
    EXPECT_LE(max_abs(Rr - R), tol);
  }
}

/// X X^T + n I: symmetric positive definite.
Tensor spd(const Tensor& X) {
  return matmul(X, mT(X)) + static_cast<double>(X.size(-1)) * eye(X.size(-1), {}, 0, X.dtype());
}

TEST(LinalgCholesky, LowerAndUpperFactors) {
  random::seed(4);
  for (const Case& c : cases(/*square=*/true)) {
    SCOPED_TRACE(describe(c));
    const Tensor A = spd(random_matrix(c));
    const double tol = tolerance(c.dtype, c.n, max_abs(A));
    const Tensor L = linalg::cholesky(column_major(A));
    EXPECT_LE(max_abs(matmul(L, mT(L)) - A), tol);
    EXPECT_EQ(max_abs(triu(L, 1)), 0.0);
    const Tensor U = linalg::cholesky(A, /*upper=*/true);
    EXPECT_LE(max_abs(matmul(mT(U), U) - A), tol);
    EXPECT_LE(max_abs(U - mT(L)), tol);
    // Only the lower (upper) triangle is read.
    EXPECT_LE(max_abs(linalg::cholesky(tril(A)) - L), tol);
    EXPECT_LE(max_abs(linalg::cholesky(triu(A), true) - U), tol);
  }
}

TEST(LinalgEigh, DecompositionIsOrthonormalAndAscending) {
  random::seed(5);
  for (const Case& c : cases(/*square=*/true)) {
    SCOPED_TRACE(describe(c));
    const Tensor X = random_matrix(c), A = X + mT(X);
    const double tol = tolerance(c.dtype, c.n, max_abs(A));
    const auto [w, V] = linalg::eigh(column_major(A));
    EXPECT_LE(max_abs(matmul(V * unsqueeze(w, -2), mT(V)) - A), tol);
    EXPECT_LE(off_identity(matmul(mT(V), V)), tolerance(c.dtype, c.n));
    EXPECT_TRUE(all(w.slice(-1, 1, c.n) >= w.slice(-1, 0, c.n - 1)).item<bool>());
    EXPECT_LE(max_abs(linalg::eigvalsh(A) - w), tol);
    // uplo picks the triangle that is read.
    EXPECT_LE(max_abs(linalg::eigvalsh(tril(A)) - w), tol);
    EXPECT_LE(max_abs(linalg::eigh(triu(A), "U").eigenvalues - w), tol);
  }
}

TEST(LinalgSVD, ReducedAndFullDecompositions) {
  random::seed(6);
  for (const Case& c : cases(/*square=*/false)) {
    SCOPED_TRACE(describe(c));
    const Tensor A = random_matrix(c);
    const int64_t k = std::min(c.m, c.n);
    const double tol = tolerance(c.dtype, std::max(c.m, c.n), 4);
    const auto [U, S, Vh] = linalg::svd(column_major(A), /*full_matrices=*/false);
    EXPECT_EQ(U.shape().at(-1), k);
    EXPECT_EQ(Vh.shape().at(-2), k);
    EXPECT_LE(max_abs(matmul(U * unsqueeze(S, -2), Vh) - A), tol);
    EXPECT_LE(off_identity(matmul(mT(U), U)), tol);
    EXPECT_LE(off_identity(matmul(Vh, mT(Vh))), tol);
    EXPECT_TRUE(all(S.slice(-1, 0, k - 1) >= S.slice(-1, 1, k)).item<bool>());
    EXPECT_TRUE(all(S >= 0.0).item<bool>());
    EXPECT_LE(max_abs(linalg::svdvals(A) - S), tol);
    const auto [Uf, Sf, Vhf] = linalg::svd(A);
    EXPECT_EQ(Uf.shape().at(-1), c.m);
    EXPECT_EQ(Vhf.shape().at(-2), c.n);
    EXPECT_LE(off_identity(matmul(mT(Uf), Uf)), tol);
    EXPECT_LE(off_identity(matmul(Vhf, mT(Vhf))), tol);
    EXPECT_LE(max_abs(matmul(Uf.slice(-1, 0, k) * unsqueeze(Sf, -2), Vhf.slice(-2, 0, k)) - A),
              tol);
  }
}

TEST(LinalgDecompositions, AnyLayout) {
  random::seed(7);
  const Tensor X = random::normal({4, 4, 4}, 0.0, 1.0, float64), A = spd(X);
  const Tensor L = linalg::cholesky(A), w = linalg::eigvalsh(A), S = linalg::svdvals(X);
  const Tensor R = linalg::qr(X).R, LU = linalg::lu_factor(X).LU;
  for (const auto& [name, a] : nabla::testing::layouts(A)) {
    SCOPED_TRACE(name);
    EXPECT_LE(max_abs(linalg::cholesky(a) - L), 1e-12);
    EXPECT_LE(max_abs(linalg::eigvalsh(a) - w), 1e-12);
  }
  for (const auto& [name, x] : nabla::testing::layouts(X)) {
    SCOPED_TRACE(name);
    EXPECT_LE(max_abs(linalg::svdvals(x) - S), 1e-12);
    EXPECT_LE(max_abs(linalg::qr(x).R - R), 1e-12);
    EXPECT_LE(max_abs(linalg::lu_factor(x).LU - LU), 1e-12);
  }
}

/// U diag(s) V^T for random orthogonal U, V: a matrix of condition number s[0] / s[n-1].
Tensor with_singular_values(const std::vector<double>& s) {
  const auto n = static_cast<int64_t>(s.size());
  const Tensor U = linalg::qr(random::normal({n, n}, 0.0, 1.0, float64)).Q;
  const Tensor V = linalg::qr(random::normal({n, n}, 0.0, 1.0, float64)).Q;
  return matmul(U * unsqueeze(from_vector(s), 0), mT(V));
}

TEST(LinalgDecompositions, IllConditionedMatrices) {
  random::seed(8);
  std::vector<double> s;
  for (int i = 0; i < 8; ++i) s.push_back(std::pow(10.0, -i));  // condition number 1e7
  const double cond = 1e7, eps = epsilon(float64);
  const Tensor A = with_singular_values(s);
  // Backward stable: residuals of the order of eps * |A| whatever the conditioning.
  const auto [P, L, U] = linalg::lu(A);
  EXPECT_LE(max_abs(matmul(P, matmul(L, U)) - A), tolerance(float64, 8));
  const auto [Q, R] = linalg::qr(A);
  EXPECT_LE(max_abs(matmul(Q, R) - A), tolerance(float64, 8));
  const auto svd = linalg::svd(A);
  EXPECT_LE(max_abs(svd.S - from_vector(s)), tolerance(float64, 8));
  // Solutions lose accuracy in proportion to the condition number.
  const Tensor x = random::normal({8, 1}, 0.0, 1.0, float64);
  const auto [LU, pivots] = linalg::lu_factor(A);
  const Tensor solved = linalg::lu_solve(LU, pivots, matmul(A, x));
  EXPECT_LE(max_abs(solved - x), 50.0 * 8 * eps * cond * max_abs(x));
  // An SPD matrix of condition 1e7: Cholesky is backward stable too; eigenvalues are accurate to
  // eps * |A| in absolute terms.
  const Tensor G = matmul(mT(A), A) + 1e-7 * eye(8, {}, 0, float64);
  const Tensor C = linalg::cholesky(G);
  EXPECT_LE(max_abs(matmul(C, mT(C)) - G), tolerance(float64, 8));
  const auto [w, V] = linalg::eigh(G);
  EXPECT_LE(max_abs(matmul(V * unsqueeze(w, 0), mT(V)) - G), tolerance(float64, 8));
  EXPECT_LE(max_abs(w - (sort(from_vector(s) * from_vector(s)) + 1e-7)), tolerance(float64, 8));
}

// ---- NumPy agreement: values computed with NumPy 1.24 (torch 1.13 for lu, which NumPy lacks)
// on the same LAPACK algorithms. Singular and eigenvectors are compared up to their sign. ----

Tensor mat(std::initializer_list<std::initializer_list<double>> rows) { return tensor(rows); }

void expect_near(const Tensor& got, const Tensor& want, double tol, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  EXPECT_LE(max_abs(got - want), tol) << what;
}
/// Columns of `vectors` (axis -2 = components) with signs flipped to match `want`'s.
Tensor match_signs(const Tensor& vectors, const Tensor& want) {
  return vectors * sign(sum(vectors * want, {-2}, /*keepdims=*/true));
}

TEST(LinalgDecompositions, AgreeWithNumPy) {
  const Tensor A = mat({{4, 3, 2, 1}, {6, 3, 1, -2}, {2, 5, 7, 3}, {1, -1, 2, 8}}).astype(int64);
  const auto [P, L, U] = linalg::lu(A);  // integers compute in float64, as in NumPy
  ASSERT_EQ(L.dtype(), float64);
  expect_near(P, mat({{0, 0, 0, 1}, {1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}}), 0, "P");
  expect_near(L,
              mat({{1, 0, 0, 0},
                   {0.3333333333333333, 1, 0, 0},
                   {0.16666666666666666, -0.375, 1, 0},
                   {0.6666666666666666, 0.25, -0.07692307692307694, 1}}),
              1e-14, "L");
  expect_near(U,
              mat({{6, 3, 1, -2},
                   {0, 4, 6.666666666666667, 3.6666666666666665},
                   {0, 0, 4.333333333333334, 9.708333333333334},
                   {0, 0, 0, 2.1634615384615383}}),
              1e-14, "U");
  const auto [LU, pivots] = linalg::lu_factor(A);
  EXPECT_EQ(pivots.to_vector<int32_t>(), (std::vector<int32_t>{2, 3, 4, 4}));
  expect_near(linalg::lu_solve(LU, pivots, mat({{1, 2}, {0, 1}, {-1, 3}, {2, 2}})),
              mat({{-0.07111111111111112, -0.01777777777777785},
                   {0.9155555555555557, 0.7288888888888894},
                   {-1.048888888888889, -0.2622222222222226},
                   {0.6355555555555557, 0.408888888888889}}),
              1e-13, "lu_solve");

  const auto [Q, R] = linalg::qr(mat({{1, 2, 3}, {4, 5, 6}, {7, 8, 10}, {1, 0, 1}}));
  expect_near(Q,
              mat({{-0.12216944435630528, 0.564276492686879, 0.8122914203647438},
                   {-0.48867777742522095, 0.2317564166392534, -0.15017152309264156},
                   {-0.8551861104941366, -0.10076365940837118, -0.10921565315828488},
                   {-0.12216944435630524, -0.7859565433852949, 0.552904244113818}}),
              1e-13, "Q");
  expect_near(R,
              mat({{-8.18535277187245, -9.529216659791809, -11.972605546917912},
                   {0, 1.481225793303057, 1.2897748404271514},
                   {0, 0, 0.9965928350693488}}),
              1e-13, "R");

  const Tensor S = mat({{4, 2, 0.4}, {2, 5, 1}, {0.4, 1, 3}});
  expect_near(linalg::cholesky(S), mat({{2, 0, 0}, {1, 2, 0}, {0.2, 0.4, 1.6733200530681511}}),
              1e-14, "cholesky");
  const auto [w, V] = linalg::eigh(S);
  expect_near(w, tensor({2.2564722211479875, 2.901971219300918, 6.841556559551098}), 1e-14, "w");
  const Tensor V_numpy = mat({{-0.5927506866250067, -0.5588924006660365, -0.579901636472374},
                              {0.6196361886517746, 0.143493859970644, -0.771660874908031},
                              {-0.5144877230981174, 0.8167305532600574, -0.2612538729910718}});
  expect_near(match_signs(V, V_numpy), V_numpy, 1e-13, "V");

  const auto [u, s, vh] =
      linalg::svd(mat({{3, 1, 2, -1}, {1, 4, 0, 2}, {2, -2, 5, 1}}), /*full_matrices=*/false);
  expect_near(s, tensor({6.379114066221445, 4.847976478704794, 2.4091549954415057}), 1e-14, "S");
  const Tensor u_numpy = mat({{0.4394237001840907, 0.3727505627051637, 0.8172905418023054},
                              {-0.07032779767117081, 0.9213226993856949, -0.38238525660827916},
                              {0.8955226477265921, -0.11055090049221848, -0.43106575578340045}});
  const Tensor vh_numpy =
      mat({{0.47639665426681643, -0.25598112355451486, 0.8396872329599119, 0.04944939829034999},
           {0.37509930060604996, 0.882665825634454, 0.0397581596767007, 0.2803940863873946},
           {0.5011528355445534, 0.0622131109121614, -0.21615367060140478, -0.8356153151671074}});
  expect_near(match_signs(u, u_numpy), u_numpy, 1e-13, "U");
  expect_near(mT(match_signs(mT(vh), mT(vh_numpy))), vh_numpy, 1e-13, "Vh");
}

TEST(LinalgDecompositions, IntegerAndBoolInputsComputeInFloat64) {
  const Tensor A = mat({{2, 1}, {1, 3}});
  for (DType t : {int32, int64, uint8, bool_}) {
    SCOPED_TRACE(dtype_name(t));
    const Tensor a = t == bool_ ? A > 1.5 : A.astype(t);
    const Tensor want = a.astype(float64);
    EXPECT_EQ(linalg::eigvalsh(a).dtype(), float64);
    EXPECT_LE(max_abs(linalg::eigvalsh(a) - linalg::eigvalsh(want)), 0.0);
    EXPECT_LE(max_abs(linalg::svdvals(a) - linalg::svdvals(want)), 0.0);
    EXPECT_LE(max_abs(linalg::qr(a).R - linalg::qr(want).R), 0.0);
    EXPECT_LE(max_abs(linalg::lu(a).U - linalg::lu(want).U), 0.0);
  }
  EXPECT_LE(max_abs(linalg::cholesky(A.astype(int32)) - linalg::cholesky(A)), 0.0);
}

TEST(LinalgDecompositions, EmptyBatchesAndMatrices) {
  const Tensor batch = zeros({0, 3, 3}, float64);
  EXPECT_EQ(linalg::cholesky(batch).shape(), Shape({0, 3, 3}));
  EXPECT_EQ(linalg::eigh(batch).eigenvectors.shape(), Shape({0, 3, 3}));
  EXPECT_EQ(linalg::eigvalsh(batch).shape(), Shape({0, 3}));
  EXPECT_EQ(linalg::svd(batch).U.shape(), Shape({0, 3, 3}));
  EXPECT_EQ(linalg::qr(batch).R.shape(), Shape({0, 3, 3}));
  EXPECT_EQ(linalg::lu(batch).P.shape(), Shape({0, 3, 3}));
  const auto [LU, pivots] = linalg::lu_factor(batch);
  EXPECT_EQ(linalg::lu_solve(LU, pivots, zeros({0, 3, 2}, float64)).shape(), Shape({0, 3, 2}));

  const Tensor none = zeros({2, 0, 0}, float32);
  EXPECT_EQ(linalg::cholesky(none).shape(), Shape({2, 0, 0}));
  EXPECT_EQ(linalg::eigh(none).eigenvalues.shape(), Shape({2, 0}));
  EXPECT_EQ(linalg::svdvals(none).shape(), Shape({2, 0}));
  EXPECT_EQ(linalg::lu(none).L.shape(), Shape({2, 0, 0}));

  // [3, 0]: no singular values, and the full bases are the identity (as NumPy).
  const auto [U, S, Vh] = linalg::svd(zeros({3, 0}, float64));
  EXPECT_EQ(S.shape(), Shape({0}));
  EXPECT_EQ(Vh.shape(), Shape({0, 0}));
  EXPECT_EQ(off_identity(U), 0.0);
  const auto [Q, R] = linalg::qr(zeros({3, 0}, float64), "complete");
  EXPECT_EQ(R.shape(), Shape({3, 0}));
  EXPECT_EQ(off_identity(Q), 0.0);
  EXPECT_EQ(linalg::qr(zeros({3, 0}, float64)).Q.shape(), Shape({3, 0}));
  const auto lu = linalg::lu(zeros({0, 3}, float64));
  EXPECT_EQ(lu.U.shape(), Shape({0, 3}));
  EXPECT_EQ(lu.P.shape(), Shape({0, 0}));
}

TEST(LinalgDecompositions, Errors) {
  // The second matrix of the batch has a negative leading minor of order 3.
  const Tensor A = stack({eye(3, {}, 0, float64), mat({{2, 1, 0}, {1, 2, 0}, {0, 0, -1}})});
  expect_error<LinAlgError>([&] { (void)linalg::cholesky(A); },
                            {"linalg.cholesky: the matrix is not positive definite (the leading "
                             "minor of order 3 is not positive) (batch index [1])"});
  expect_error<ShapeError>(
      [&] {
        (void)linalg::cholesky(zeros({2, 3}));
      },
      {"linalg_cholesky", "square", "[2, 3]"});
  expect_error<ShapeError>(
      [&] {
        (void)linalg::eigh(zeros({4, 2, 3}));
      },
      {"linalg_eigh", "[4, 2, 3]"});
  for (const auto& call : std::vector<std::function<void()>>{
           [] { (void)linalg::qr(zeros({3})); }, [] { (void)linalg::svd(zeros({3})); },
           [] { (void)linalg::lu(zeros({3})); }, [] { (void)linalg::eigvalsh(zeros({3})); }}) {
    expect_error<ShapeError>(call, {"linalg", "[3]"});
  }
  expect_error<ValueError>(
      [] {
        (void)linalg::qr(zeros({3, 3}), "economic");
      },
      {"linalg_qr", "mode", "economic"});
  expect_error<ValueError>([] { (void)linalg::eigh(zeros({3, 3}), "X"); }, {"linalg_eigh", "uplo"});

  // lu_solve: a singular factor, mismatched shapes, pivots not from lu_factor.
  const auto [LU, pivots] =
      linalg::lu_factor(stack({eye(2, {}, 0, float64), zeros({2, 2}, float64)}));
  expect_error<LinAlgError>(
      [&] {
        (void)linalg::lu_solve(LU, pivots, ones({2, 2, 1}, float64));
      },
      {"linalg.lu_solve", "singular", "batch index [1]"});
  expect_error<ShapeError>(
      [&] {
        (void)linalg::lu_solve(LU, pivots, ones({2, 3, 1}));
      },
      {"linalg.lu_solve", "[2, 3, 1]"});
  expect_error<ShapeError>(
      [&] {
        (void)linalg::lu_solve(LU, pivots, ones({3, 2, 1}));
      },
      {"linalg.lu_solve", "broadcast"});
  expect_error<ShapeError>(
      [&] {
        (void)linalg::lu_solve(LU, ones({2, 2}), ones({2, 2, 1}));
      },
      {"linalg.lu_solve", "pivots"});
  expect_error<ValueError>(
      [&] {
        (void)linalg::lu_solve(LU, full({2, 2}, 7, int32), ones({2, 2, 1}));
      },
      {"linalg.lu_solve", "pivot 7"});
  // NaN or infinity: eigh and svd raise (as NumPy's "did not converge"), with the reason.
  // (Non-convergence on finite input cannot be provoked reliably.)
  const Tensor bad = stack({eye(3, {}, 0, float64), full({3, 3}, std::nan(""), float64)});
  expect_error<LinAlgError>(
      [&] { (void)linalg::svdvals(bad); },
      {"linalg.svdvals: the matrix contains NaN or infinity (batch index [1])"});
  expect_error<LinAlgError>([&] { (void)linalg::eigh(bad * linalg::inf); },
                            {"linalg.eigh: the matrix contains NaN or infinity (batch index [0])"});
  // cholesky propagates NaN without an error, as NumPy and PyTorch.
  EXPECT_TRUE(std::isnan(linalg::cholesky(bad)[1].to_vector<double>()[0]));
}

}  // namespace
