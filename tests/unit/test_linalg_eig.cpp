// linalg::eig and linalg::eigvals: A V = V diag(w) with unit-norm columns on random real and
// complex batches in any layout, the complex dtype of the results, known spectra (a rotation's
// +-i, a triangular matrix's diagonal, a symmetric matrix's real ones), agreement with NumPy, and
// the errors (shapes, dtypes, infs/NaNs as LinAlgError naming the batch index, no gradients).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <nabla/nabla.hpp>
#include <nabla/ops/linalg.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "unit/numpy_interop.hpp"
#include "unit/tensor_test_util.hpp"

namespace {
using namespace nabla;
using nabla::testing::expect_error;
using c128 = std::complex<double>;

Tensor random_matrix(const Shape& shape, DType dtype, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uniform(-1, 1);
  std::vector<c128> values(static_cast<size_t>(shape.numel()));
  for (c128& v : values) v = {uniform(rng), is_complex(dtype) ? uniform(rng) : 0.0};
  const Tensor t = from_vector(values, shape);
  return is_complex(dtype) ? t.astype(dtype) : real(t).astype(dtype);
}

double max_abs(const Tensor& t) { return max(abs(t)).astype(float64).item<double>(); }

/// Checks A V = V diag(w) and unit-norm columns of V for every matrix of the batch.
void expect_eigenpairs(const Tensor& A, const linalg::EigResult& r, double tol) {
  const DType c = complex_of(A.dtype());
  ASSERT_EQ(r.eigenvalues.dtype(), c);
  ASSERT_EQ(r.eigenvectors.dtype(), c);
  Shape values = A.shape();
  values.erase(A.ndim() - 1);
  ASSERT_EQ(r.eigenvalues.shape(), values);
  ASSERT_EQ(r.eigenvectors.shape(), A.shape());
  const Tensor lhs = matmul(A.astype(c), r.eigenvectors);
  const Tensor rhs = r.eigenvectors * r.eigenvalues.unsqueeze(-2);  // column j scaled by w[j]
  const double scale = std::max(1.0, max_abs(A));
  EXPECT_LE(max_abs(lhs - rhs), tol * scale) << "A V != V diag(w) for A " << A.shape();
  const Tensor norms = sum(square(abs(r.eigenvectors)), {-2});
  EXPECT_LE(max_abs(norms - 1.0), tol) << "eigenvector norms";
}

TEST(LinalgEig, RealBatchesSatisfyTheEigenEquation) {
  for (DType t : {float32, float64}) {
    const double tol = t == float32 ? 2e-5 : 1e-12;
    for (const Shape& shape : {Shape{4, 4}, Shape{3, 5, 5}, Shape{2, 2, 6, 6}, Shape{1, 1}}) {
      const Tensor A = random_matrix(shape, t, 1);
      expect_eigenpairs(A, linalg::eig(A), tol);
    }
    // Strided input: a transposed view is read in place.
    const Tensor B = random_matrix({3, 6, 6}, t, 2).transpose(-1, -2);
    expect_eigenpairs(B, linalg::eig(B), tol);
  }
}

TEST(LinalgEig, ComplexBatchesSatisfyTheEigenEquation) {
  for (DType t : {complex64, complex128}) {
    const double tol = t == complex64 ? 2e-5 : 1e-12;
    for (const Shape& shape : {Shape{5, 5}, Shape{4, 3, 3}, Shape{2, 3, 7, 7}}) {
      const Tensor A = random_matrix(shape, t, 3);
      expect_eigenpairs(A, linalg::eig(A), tol);
    }
    const Tensor B = random_matrix({2, 4, 4}, t, 4).transpose(-1, -2);
    expect_eigenpairs(B, linalg::eig(B), tol);
  }
}

TEST(LinalgEig, ALargeMatrixRunsAlone) {
  const Tensor A = random_matrix({120, 120}, float64, 5);
  expect_eigenpairs(A, linalg::eig(A), 1e-10);
}

/// The values sorted by real part, then imaginary part (LAPACK's order is not specified).
std::vector<c128> sorted(std::vector<c128> v) {
  std::sort(v.begin(), v.end(), [](const c128& a, const c128& b) {
    return a.real() != b.real() ? a.real() < b.real() : a.imag() < b.imag();
  });
  return v;
}

void expect_near(const std::vector<c128>& actual, const std::vector<c128>& expected, double tol) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_LE(std::abs(actual[i] - expected[i]), tol)
        << i << ": " << actual[i] << " vs " << expected[i];
  }
}

TEST(LinalgEig, KnownSpectra) {
  // A rotation by 90 degrees: eigenvalues +-i, eigenvectors (1, -+i) / sqrt(2).
  const Tensor rotation = from_vector(std::vector<double>{0, -1, 1, 0}, {2, 2});
  const auto r = linalg::eig(rotation);
  expect_near(sorted(r.eigenvalues.to_vector<c128>()), {{0, -1}, {0, 1}}, 1e-15);
  expect_eigenpairs(rotation, r, 1e-15);
  EXPECT_EQ(linalg::eig(rotation.astype(float32)).eigenvalues.dtype(), complex64);

  // Triangular: the diagonal. Integers compute in float64, as NumPy.
  const Tensor triangular = from_vector(std::vector<int32_t>{2, 1, 5, 0, -3, 4, 0, 0, 7}, {3, 3});
  const Tensor w = linalg::eigvals(triangular);
  EXPECT_EQ(w.dtype(), complex128);
  expect_near(sorted(w.to_vector<c128>()), {-3, 2, 7}, 1e-14);

  // Symmetric: real eigenvalues and real eigenvectors (zero imaginary parts).
  const Tensor sym = from_vector(std::vector<double>{2, 1, 0, 1, 2, 1, 0, 1, 2}, {3, 3});
  const auto s = linalg::eig(sym);
  EXPECT_EQ(max_abs(imag(s.eigenvalues)), 0.0);
  EXPECT_EQ(max_abs(imag(s.eigenvectors)), 0.0);
  expect_near(sorted(s.eigenvalues.to_vector<c128>()), {2 - std::sqrt(2.0), 2, 2 + std::sqrt(2.0)},
              1e-14);

  // A complex diagonal matrix.
  const Tensor d = tensor({{c128(1, 1), c128(0, 0)}, {c128(0, 0), c128(-2, 0.5)}});
  expect_near(sorted(linalg::eigvals(d).to_vector<c128>()), {{-2, 0.5}, {1, 1}}, 1e-15);
}

TEST(LinalgEig, EigvalsAgreeWithEig) {
  for (DType t : {float32, float64, complex64, complex128}) {
    const Tensor A = random_matrix({3, 6, 6}, t, 6);
    const Tensor w = linalg::eigvals(A);
    const Tensor from_eig = linalg::eig(A).eigenvalues;
    ASSERT_EQ(w.shape(), (Shape{3, 6}));
    EXPECT_EQ(w.dtype(), from_eig.dtype());
    const double tol = t == float32 || t == complex64 ? 1e-4 : 1e-11;
    for (int64_t b = 0; b < 3; ++b) {
      expect_near(sorted(w[b].to_vector<c128>()), sorted(from_eig[b].to_vector<c128>()), tol);
    }
  }
}

TEST(LinalgEig, AgreesWithNumpy) {
  NABLA_SKIP_WITHOUT_NUMPY();
  nabla::testing::TempDir dir;
  const auto result = nabla::testing::run_python(
      dir,
      "a = np.array([[4., -2, 1, 0], [3, 6, -4, 2], [2, 1, 8, 5], [-1, 3, 0, 1]])\n"
      "z = a + 1j * np.array([[0., 1, 0, 2], [1, 0, -1, 0], [0, 3, 0, 1], [2, 0, 1, 0]])\n"
      "for w in (np.linalg.eigvals(a), np.linalg.eigvals(z)):\n"
      "    print(' '.join('%.17g %.17g' % (v.real, v.imag) for v in w))\n");
  ASSERT_EQ(result.status, 0) << result.output;
  std::istringstream lines(result.output);
  const Tensor a =
      from_vector(std::vector<double>{4, -2, 1, 0, 3, 6, -4, 2, 2, 1, 8, 5, -1, 3, 0, 1}, {4, 4});
  const Tensor im =
      from_vector(std::vector<double>{0, 1, 0, 2, 1, 0, -1, 0, 0, 3, 0, 1, 2, 0, 1, 0}, {4, 4});
  for (const Tensor& A : {a, complex(a, im)}) {
    std::string line;
    ASSERT_TRUE(std::getline(lines, line));
    std::istringstream numbers(line);
    std::vector<c128> expected;
    double re = 0, imag_part = 0;
    while (numbers >> re >> imag_part) expected.emplace_back(re, imag_part);
    ASSERT_EQ(expected.size(), 4u);
    expect_near(sorted(linalg::eigvals(A).to_vector<c128>()), sorted(expected), 1e-12);
  }
}

TEST(LinalgEig, EmptyMatricesAndBatches) {
  const auto r = linalg::eig(zeros({2, 0, 0}));
  EXPECT_EQ(r.eigenvalues.shape(), (Shape{2, 0}));
  EXPECT_EQ(r.eigenvectors.shape(), (Shape{2, 0, 0}));
  EXPECT_EQ(r.eigenvalues.dtype(), complex64);
  EXPECT_EQ(linalg::eigvals(zeros({0, 3, 3}, float64)).shape(), (Shape{0, 3}));
}

TEST(LinalgEig, Errors) {
  expect_error<ShapeError>([] { (void)linalg::eig(zeros({3, 4})); }, {"linalg_eig", "[3, 4]"});
  expect_error<ShapeError>([] { (void)linalg::eigvals(zeros({3})); }, {"linalg_eigvals", "[3]"});
  // infs and NaNs: LinAlgError naming the op and the batch index, as NumPy refuses them.
  Tensor A = random_matrix({3, 2, 2}, float64, 7);
  A[1].select(0, 1).select(0, 0).fill_(std::nan(""));
  expect_error<LinAlgError>([&] { (void)linalg::eig(A); },
                            {"linalg_eig: the matrix contains infs or NaNs", "(batch index [1])"});
  Tensor Z = random_matrix({2, 2}, complex128, 8);
  Z[0][1].fill_(INFINITY);
  expect_error<LinAlgError>([&] { (void)linalg::eigvals(Z); },
                            {"linalg_eigvals: the matrix contains infs or NaNs"});
  // No gradients: eig's results are complex, and nabla has no complex autograd.
  const Tensor x = random_matrix({2, 2}, float64, 9).requires_grad_();
  expect_error<DTypeError>([&] { (void)linalg::eig(x); },
                           {"linalg_eig", "gradients through complex tensors are not supported"});
  EXPECT_EQ(linalg::eigvals(x.detach()).shape(), Shape{2});
}

}  // namespace
