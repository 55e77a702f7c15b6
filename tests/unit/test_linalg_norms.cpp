// linalg norm, vector_norm, matrix_norm, cond, matrix_rank and pinv: every ord against NumPy 1.24's
// values (embedded), axes and keepdims, identities (A pinv(A) A = A), error paths and float64
// gradient checks.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <variant>

#include "linalg_solve_test_util.hpp"
#include "nabla/autograd/gradcheck.hpp"
#include "nabla/nabla.hpp"
#include "tensor_test_util.hpp"

namespace {

using namespace nabla;
using linalg_test::expect_values;
using linalg_test::max_abs_diff;
using linalg_test::random_tensor;
using linalg_test::with_condition;
using nabla::testing::expect_error;
using nabla::testing::gradcheck;

constexpr double kInf = std::numeric_limits<double>::infinity();

Tensor m3() { return tensor({{1.0, -2.0, 3.0}, {-4.0, 5.0, -6.0}, {7.0, 8.0, -9.0}}); }
/// NumPy's np.arange(24.).reshape(2, 3, 4) - 11.
Tensor t234() { return arange(0, 24, 1, float64).reshape({2, 3, 4}) - 11.0; }

TEST(LinalgVectorNorm, EveryOrdMatchesNumPy) {
  const Tensor x = tensor({3.0, -4.0, 0.0, 1.5, -0.5});
  const std::vector<std::pair<double, double>> cases = {{0, 4.0},
                                                        {1, 9.0},
                                                        {2, 5.244044240850758},
                                                        {kInf, 4.0},
                                                        {-kInf, 0.0},
                                                        {3, 4.554883457813493},
                                                        {0.5, 32.0797910780594},
                                                        {-1, 0.0},
                                                        {-2.5, 0.0}};
  for (const auto& [ord, want] : cases) {
    EXPECT_NEAR(linalg::norm(x, ord).item<double>(), want, 1e-14 * (1 + want)) << ord;
    EXPECT_NEAR(linalg::vector_norm(x, ord).item<double>(), want, 1e-14 * (1 + want)) << ord;
  }
  const Tensor y = tensor({3.0, -4.0, 2.0, 1.5, -0.5});  // no zero: negative ords are finite
  EXPECT_NEAR(linalg::norm(y, -1).item<double>(), 0.26666666666666666, 1e-15);
  EXPECT_NEAR(linalg::norm(y, -2.5).item<double>(), 0.4791668545162378, 1e-15);
  EXPECT_NEAR(linalg::norm(y, -kInf).item<double>(), 0.5, 1e-15);
}

TEST(LinalgMatrixNorm, EveryOrdMatchesNumPy) {
  const std::vector<std::pair<std::variant<double, std::string>, double>> cases = {
      {"fro", 16.881943016134134}, {"nuc", 22.83471770837859},  {1.0, 18.0},  {-1.0, 12.0},
      {2.0, 15.276533838183934},   {-2.0, 0.38317952581864706}, {kInf, 24.0}, {-kInf, 6.0}};
  for (const auto& [ord, want] : cases) {
    const Tensor got = std::visit(
        [](const auto& o) {
          using O = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<O, std::string>) {
            return linalg::norm(m3(), std::string_view(o));
          } else {
            return linalg::norm(m3(), o);
          }
        },
        ord);
    EXPECT_NEAR(got.item<double>(), want, 1e-13 * want) << want;
    const Tensor same = std::visit([](const auto& o) { return linalg::matrix_norm(m3(), o); }, ord);
    EXPECT_NEAR(same.item<double>(), want, 1e-13 * want) << want;
  }
}

TEST(LinalgNorm, AxesKeepdimsAndFlattenedMatchNumPy) {
  const Tensor t = t234();
  EXPECT_EQ(linalg::norm(t).item<double>(), 34.0);  // the flattened 2-norm
  EXPECT_EQ(linalg::norm(t, 2.0).item<double>(), 34.0);
  expect_values(linalg::norm(t, 1.0, {0, 2}), {12.0, 12.0, 12.0}, 1e-15, "ord 1 axes (0, 2)");
  EXPECT_EQ(linalg::norm(t, 1.0, {0, 2}, true).shape(), Shape({1, 3, 1}));
  expect_values(linalg::norm(t, "nuc", {2, 0}),
                {22.43504541827339, 20.18244937860591, 23.81871665140651}, 1e-13, "nuc (2, 0)");
  expect_values(linalg::norm(t, 3.0, {1}),
                {11.937171623689174, 10.696962482478725, 9.491219958029328, 8.320335292207615,
                 9.491219958029328, 10.696962482478725, 11.937171623689174, 13.207708995578505},
                1e-14, "ord 3 axis 1");
  expect_values(linalg::matrix_norm(t), {22.494443758403985, 25.495097567963924}, 1e-14, "fro");
  expect_values(linalg::matrix_norm(t, 2.0), {22.40929816327043, 25.436835633480243}, 1e-13, "2");
  EXPECT_EQ(linalg::matrix_norm(t, 2.0, true).shape(), Shape({2, 1, 1}));
  EXPECT_EQ(linalg::vector_norm(t, 2, {}, true).shape(), Shape({1, 1, 1}));
  EXPECT_EQ(linalg::vector_norm(t, 2, {-1}).shape(), Shape({2, 3}));
  // Integers compute in float64, float32 stays float32.
  const Tensor ints = tensor({{2, 1}, {1, 3}});
  EXPECT_EQ(linalg::norm(ints).dtype(), float64);
  EXPECT_NEAR(linalg::norm(ints).item<double>(), 3.872983346207417, 1e-15);
  EXPECT_EQ(linalg::norm(m3().astype(float32), "nuc").dtype(), float32);
  EXPECT_EQ(linalg::vector_norm(tensor({true, false, true}), 0).item<double>(), 2.0);
}

TEST(LinalgCond, EveryOrdMatchesNumPy) {
  const std::vector<std::pair<double, double>> cases = {
      {2, 39.86782384979014},   {-2, 0.025082883976002716}, {1, 63.42857142857141},
      {-1, 3.4285714285714284}, {kInf, 65.14285714285714},  {-kInf, 1.7142857142857129}};
  for (const auto& [ord, want] : cases) {
    EXPECT_NEAR(linalg::cond(m3(), ord).item<double>(), want, 1e-12 * want) << ord;
  }
  EXPECT_NEAR(linalg::cond(m3()).item<double>(), 39.86782384979014, 1e-12 * 40);
  EXPECT_NEAR(linalg::cond(m3(), "fro").item<double>(), 44.134149241281406, 1e-12 * 44);
  EXPECT_NEAR(linalg::cond(m3(), "nuc").item<double>(), 64.27003451627404, 1e-12 * 64);
  EXPECT_NEAR(linalg::cond(tensor({{2, 1}, {1, 3}})).item<double>(), 2.6180339887498953, 1e-14);
  // The 2-norm condition number of a batch with a known one.
  const Tensor A = with_condition(3, 5, 1e6, 5);
  expect_values(linalg::cond(A), {1e6, 1e6, 1e6}, 1e-6, "cond 1e6");
}

TEST(LinalgCond, SingularMatricesAreInfinite) {
  const Tensor singular = tensor({{1.0, 2.0}, {2.0, 4.0}});
  EXPECT_GT(linalg::cond(singular).item<double>(), 1e15);  // NumPy: 4.8e16 (rounding in the SVD)
  for (double ord : {1.0, -1.0, kInf, -kInf}) {
    EXPECT_EQ(linalg::cond(singular, ord).item<double>(), kInf) << ord;
  }
  EXPECT_EQ(linalg::cond(singular, "fro").item<double>(), kInf);
  // A NaN in A stays NaN (NumPy).
  const Tensor with_nan = tensor({{1.0, std::nan("")}, {2.0, 4.0}});
  EXPECT_TRUE(std::isnan(linalg::cond(with_nan, 1.0).item<double>()));
}

TEST(LinalgMatrixRank, MatchesNumPy) {
  const Tensor D = tensor({{1.0, 2.0, 3.0}, {2.0, 4.0, 6.0}, {1.0, 0.0, 1.0}, {0.0, 1.0, 1.0}});
  EXPECT_EQ(linalg::matrix_rank(D).item<int64_t>(), 2);
  EXPECT_EQ(linalg::matrix_rank(D).dtype(), int64);
  EXPECT_EQ(linalg::matrix_rank(D, 0.5).item<int64_t>(), 2);
  EXPECT_EQ(linalg::matrix_rank(D, 1.1).item<int64_t>(), 1);
  EXPECT_EQ(linalg::matrix_rank(tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}})).item<int64_t>(), 2);
  EXPECT_EQ(linalg::matrix_rank(zeros({3, 3})).item<int64_t>(), 0);
  EXPECT_EQ(linalg::matrix_rank(tensor({0.0, 1.0})).item<int64_t>(), 1);  // NumPy's 1-D rule
  EXPECT_EQ(linalg::matrix_rank(zeros({2}, int32)).item<int64_t>(), 0);
  const Tensor batch = stack({eye(3, std::nullopt, 0, float64), D.slice(0, 0, 3)});
  EXPECT_EQ(linalg::matrix_rank(batch).to_vector<int64_t>(), std::vector<int64_t>({3, 2}));
  EXPECT_EQ(linalg::matrix_rank(zeros({2, 0, 3})).to_vector<int64_t>(),
            std::vector<int64_t>({0, 0}));
}

TEST(LinalgPinv, MatchesNumPyAndPenroseIdentities) {
  const Tensor W = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  expect_values(linalg::pinv(W),
                {-0.9444444444444446, 0.4444444444444444, -0.11111111111111086, 0.111111111111111,
                 0.722222222222222, -0.22222222222222202},
                1e-13);
  const Tensor D = tensor({{1.0, 2.0, 3.0}, {2.0, 4.0, 6.0}, {1.0, 0.0, 1.0}, {0.0, 1.0, 1.0}});
  for (const Tensor& A : {random_tensor({3, 5, 4}, 1), random_tensor({2, 3, 6}, 2), D}) {
    const Tensor P = linalg::pinv(A);
    ASSERT_EQ(P.shape().at(-1), A.shape().at(-2));
    EXPECT_LT(max_abs_diff(matmul(matmul(A, P), A), A), 1e-12) << A.shape();
    EXPECT_LT(max_abs_diff(matmul(matmul(P, A), P), P), 1e-12) << A.shape();
    const Tensor AP = matmul(A, P);  // symmetric
    EXPECT_LT(max_abs_diff(AP, swapaxes(AP, -1, -2)), 1e-12) << A.shape();
  }
  // A square invertible matrix: pinv is inv.
  EXPECT_LT(max_abs_diff(linalg::pinv(m3()), linalg::inv(m3())), 1e-14);
  EXPECT_EQ(linalg::pinv(zeros({2, 0, 3})).shape(), Shape({2, 3, 0}));
  EXPECT_EQ(linalg::pinv(tensor({{1, 2}, {3, 4}})).dtype(), float64);
}

TEST(LinalgNormErrors, WrongOrdsAndShapes) {
  expect_error<ValueError>([] { (void)linalg::norm(m3(), 3.0); },
                           {"linalg_matrix_norm", "invalid norm order 3"});
  expect_error<ValueError>([] { (void)linalg::matrix_norm(m3(), 0.0); },
                           {"linalg_matrix_norm", "invalid norm order 0"});
  expect_error<ValueError>([] { (void)linalg::norm(m3(), "max"); },
                           {"linalg_norm", "invalid norm order 'max'"});
  expect_error<ValueError>([] { (void)linalg::matrix_norm(m3(), "f"); },
                           {"linalg_matrix_norm", "'f'"});
  expect_error<ValueError>(
      [] {
        (void)linalg::norm(tensor({1.0, 2.0}), "fro");
      },
      {"linalg_norm", "'fro'", "[2]"});
  expect_error<ValueError>([] { (void)linalg::norm(t234(), "fro", {1}); },
                           {"linalg_norm", "'fro'", "2 axes"});
  expect_error<ValueError>([] { (void)linalg::norm(t234(), 1.0); }, {"linalg_norm", "[2, 3, 4]"});
  expect_error<ValueError>(
      [] {
        (void)linalg::norm(t234(), 2.0, {0, 1, 2});
      },
      {"linalg_norm", "3 axes"});
  expect_error<ValueError>(
      [] {
        (void)linalg::norm(t234(), 2.0, {1, -2});
      },
      {"linalg_norm", "duplicate axes"});
  expect_error<IndexError>([] { (void)linalg::norm(t234(), 2.0, {3}); }, {"linalg_vector_norm"});
  expect_error<ValueError>([] { (void)linalg::vector_norm(m3(), std::nan("")); },
                           {"linalg_vector_norm", "NaN"});
  expect_error<ShapeError>(
      [] {
        (void)linalg::matrix_norm(tensor({1.0, 2.0}));
      },
      {"linalg_matrix_norm", "[2]"});
  expect_error<ShapeError>(
      [] {
        (void)linalg::cond(zeros({2, 3}), 1.0);
      },
      {"linalg_cond", "square", "[2, 3]"});
  expect_error<ValueError>([] { (void)linalg::cond(m3(), 3.0); },
                           {"linalg_cond", "invalid norm order 3"});
  expect_error<ValueError>([] { (void)linalg::cond(m3(), "max"); }, {"linalg_cond", "'max'"});
  expect_error<ShapeError>([] { (void)linalg::pinv(tensor({1.0})); }, {"linalg_pinv", "[1]"});
}

TEST(LinalgNormGradients, VectorAndMatrixOrds) {
  const Tensor x = random_tensor({2, 5}, 11);
  for (double ord : {1.0, 2.0, 3.0, 0.5, -1.5, kInf, -kInf}) {
    const auto r =
        gradcheck([ord](const auto& in) { return linalg::vector_norm(in[0], ord, {-1}); }, {x});
    EXPECT_TRUE(r) << ord << "\n" << r.report;
  }
  const Tensor A = random_tensor({2, 4, 3}, 12);
  for (double ord : {1.0, -1.0, 2.0, -2.0, kInf, -kInf}) {
    const auto r =
        gradcheck([ord](const auto& in) { return linalg::matrix_norm(in[0], ord); }, {A});
    EXPECT_TRUE(r) << ord << "\n" << r.report;
  }
  for (const char* ord : {"fro", "nuc"}) {
    const auto r =
        gradcheck([ord](const auto& in) { return linalg::matrix_norm(in[0], ord); }, {A});
    EXPECT_TRUE(r) << ord << "\n" << r.report;
  }
  // The 2-norm of a zero vector has gradient 0 (PyTorch's subgradient), not NaN.
  const Tensor zero = zeros({3}, float64).requires_grad_();
  linalg::norm(zero).backward();
  EXPECT_EQ(zero.grad().to_vector<double>(), std::vector<double>({0.0, 0.0, 0.0}));
}

TEST(LinalgNormGradients, CondAndPinv) {
  const Tensor A = random_tensor({2, 3, 3}, 21);
  for (double ord : {2.0, -2.0, 1.0, kInf}) {
    const auto r = gradcheck([ord](const auto& in) { return linalg::cond(in[0], ord); }, {A});
    EXPECT_TRUE(r) << ord << "\n" << r.report;
  }
  for (const Shape& shape : {Shape{3, 3}, Shape{2, 5, 3}, Shape{3, 5}}) {
    const auto r =
        gradcheck([](const auto& in) { return linalg::pinv(in[0]); }, {random_tensor(shape, 22)});
    EXPECT_TRUE(r) << shape << "\n" << r.report;
  }
}

}  // namespace
