// complex64 / complex128: the dtype table and NumPy's promotion, creation, arithmetic against
// std::complex, broadcasting and strided operands, matmul against a naive loop, real/imag/conj/
// abs/angle/complex, the astype rules, sum and mean, printing as NumPy prints, .npy and .npz round
// trips and files NumPy wrote, the dispatch gate that keeps complex away from other ops, and the
// refusal of complex autograd.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <nabla/nabla.hpp>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "unit/numpy_interop.hpp"
#include "unit/tensor_test_util.hpp"

namespace {
using namespace nabla;
using nabla::testing::expect_error;
using nabla::testing::TempDir;
using c64 = std::complex<float>;
using c128 = std::complex<double>;

static_assert(kNumDTypes == 8);
static_assert(dtype_size(complex64) == 8 && dtype_size(complex128) == 16);
static_assert(dtype_name(complex64) == "complex64" && dtype_name(complex128) == "complex128");
static_assert(is_complex(complex64) && is_complex(complex128) && !is_complex(float64));
static_assert(!is_floating(complex64) && !is_integral(complex128));
static_assert(dtype_of<c64> == complex64 && dtype_of<c128> == complex128);
static_assert(real_of(complex64) == float32 && real_of(complex128) == float64);
static_assert(real_of(int32) == int32 && real_of(float32) == float32);
static_assert(complex_of(float32) == complex64 && complex_of(float64) == complex128);
static_assert(complex_of(uint8) == complex64 && complex_of(int32) == complex128);
static_assert(complex_of(complex64) == complex64);
static_assert(float_type_for(complex64) == complex64 && float_type_for(complex128) == complex128);
static_assert(promote_types(complex64, float64) == complex128);
static_assert(promote_types(int32, complex64) == complex128);
static_assert(promote_types(int64, complex64) == complex128);
static_assert(promote_types(bool_, complex64) == complex64);
static_assert(promote_types(uint8, complex64) == complex64);
static_assert(promote_types(float32, complex64) == complex64);
static_assert(promote_types(complex64, complex128) == complex128);

constexpr std::array<DType, kNumDTypes> kAll = {bool_,   uint8,   int32,     int64,
                                                float32, float64, complex64, complex128};

/// Deterministic complex values with parts in [-3, 3].
std::vector<c128> random_values(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uniform(-3, 3);
  std::vector<c128> values(static_cast<size_t>(n));
  for (c128& v : values) v = {uniform(rng), uniform(rng)};
  return values;
}

Tensor random_complex(const Shape& shape, DType dtype, uint32_t seed) {
  return from_vector(random_values(shape.numel(), seed), shape).astype(dtype);
}

/// |a - b| <= atol + rtol * |b| for every element, both read as complex128.
void expect_close(const Tensor& actual, const std::vector<c128>& expected, double rtol,
                  double atol = 0) {
  const std::vector<c128> got = actual.to_vector<c128>();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_LE(std::abs(got[i] - expected[i]), atol + rtol * std::abs(expected[i]))
        << "element " << i << ": " << got[i] << " vs " << expected[i];
  }
}

double tolerance(DType t) { return t == complex64 ? 1e-6 : 1e-14; }

TEST(ComplexDType, PromotionTableAgreesWithNumpy) {
  NABLA_SKIP_WITHOUT_NUMPY();
  TempDir dir;
  std::string script = "names = [";
  for (DType t : kAll) script += "'" + std::string(dtype_name(t)) + "', ";
  script += "]\nfor a in names:\n    print(' '.join(np.result_type(a, b).name for b in names))\n";
  const auto result = nabla::testing::run_python(dir, script);
  ASSERT_EQ(result.status, 0) << result.output;
  std::string ours;
  for (DType a : kAll) {
    for (size_t j = 0; j < kAll.size(); ++j) {
      ours += std::string(dtype_name(promote_types(a, kAll[j]))) + (j + 1 < kAll.size() ? " " : "");
    }
    ours += "\n";
  }
  EXPECT_EQ(result.output, ours);
}

TEST(ComplexDType, TensorsPromoteAsArrays) {
  for (DType a : kAll) {
    for (DType b : {complex64, complex128}) {
      EXPECT_EQ((zeros({2}, a) + zeros({2}, b)).dtype(), promote_types(a, b)) << a << " + " << b;
      EXPECT_EQ((zeros({2}, b) * zeros({2}, a)).dtype(), promote_types(a, b)) << b << " * " << a;
    }
  }
  // Python scalars are weak (NEP 50): they never widen a complex tensor.
  EXPECT_EQ((zeros({2}, complex64) + 2.5).dtype(), complex64);
  EXPECT_EQ((3 * zeros({2}, complex64)).dtype(), complex64);
  EXPECT_EQ((zeros({2}, complex128) / 2.0).dtype(), complex128);
}

TEST(ComplexDType, VisitDtypeRefusesComplexClearly) {
  expect_error<DTypeError>([] { visit_dtype(complex64, []<class T>(T) {}); },
                           {"complex64", "real dtypes only"});
  EXPECT_EQ(visit_dtype_with_complex(complex128, []<class T>(T) { return sizeof(T); }), 16u);
}

TEST(ComplexCreation, ZerosOnesFullEyeAndFromValues) {
  for (DType t : {complex64, complex128}) {
    EXPECT_EQ(zeros({2, 3}, t).to_vector<c128>(), std::vector<c128>(6, 0.0));
    EXPECT_EQ(ones({3}, t).to_vector<c128>(), std::vector<c128>(3, 1.0));
    EXPECT_EQ(full({2}, 2.5, t).to_vector<c128>(), std::vector<c128>(2, 2.5));
    EXPECT_EQ(full({2}, -4, t).dtype(), t);
    EXPECT_EQ(eye(2, std::nullopt, 0, t).to_vector<c128>(),
              (std::vector<c128>{1.0, 0.0, 0.0, 1.0}));
    Tensor x = zeros({2}, t);
    x.fill_(7);
    EXPECT_EQ(x.to_vector<c128>(), std::vector<c128>(2, 7.0));
  }
  const Tensor t = tensor({c64(1, 2), c64(-3, 0.5f)});
  EXPECT_EQ(t.dtype(), complex64);
  EXPECT_EQ(t.to_vector<c64>(), (std::vector<c64>{{1, 2}, {-3, 0.5f}}));
  EXPECT_EQ(t[1].item<c64>(), c64(-3, 0.5f));
  EXPECT_EQ(t[1].item<c128>(), c128(-3, 0.5));
  EXPECT_EQ(tensor(c128(0, 1)).item<c128>(), c128(0, 1));
  EXPECT_EQ(t.data<c64>()[0], c64(1, 2));
}

TEST(ComplexArithmetic, MatchesStdComplex) {
  for (DType t : {complex64, complex128}) {
    const Tensor a = random_complex({2, 5}, t, 1), b = random_complex({2, 5}, t, 2);
    const std::vector<c128> va = a.to_vector<c128>(), vb = b.to_vector<c128>();
    std::vector<c128> sum, difference, product, quotient, negated;
    std::vector<bool> same, different;
    for (size_t i = 0; i < va.size(); ++i) {
      sum.push_back(va[i] + vb[i]);
      difference.push_back(va[i] - vb[i]);
      product.push_back(va[i] * vb[i]);
      quotient.push_back(va[i] / vb[i]);
      negated.push_back(-va[i]);
    }
    const double tol = tolerance(t);
    for (const Tensor& r : {a + b, a - b, a * b, a / b, -a}) EXPECT_EQ(r.dtype(), t);
    expect_close(a + b, sum, tol);
    expect_close(a - b, difference, tol);
    expect_close(a * b, product, 4 * tol);
    expect_close(a / b, quotient, 4 * tol);
    expect_close(-a, negated, 0);
    expect_close(
        a * 2.0,
        [&] {
          std::vector<c128> v = va;
          for (c128& x : v) x *= 2.0;
          return v;
        }(),
        tol);
    // == and != compare both parts.
    const Tensor c = complex(real(a), zeros_like(real(a)));
    EXPECT_EQ((a == a).to_vector<bool>(), std::vector<bool>(10, true));
    EXPECT_EQ((a != a).to_vector<bool>(), std::vector<bool>(10, false));
    EXPECT_EQ((a == c).to_vector<bool>(), std::vector<bool>(10, false));
    EXPECT_EQ((a == b).to_vector<bool>(), std::vector<bool>(10, false));
    EXPECT_EQ(((a * 0.0) == 0.0).to_vector<bool>(), std::vector<bool>(10, true));
  }
}

TEST(ComplexArithmetic, BroadcastsAndReadsStridedOperands) {
  const Tensor a = random_complex({2, 1, 3}, complex128, 3);
  const Tensor b = random_complex({4, 1}, complex128, 4);
  const Tensor r = a * b;
  ASSERT_EQ(r.shape(), (Shape{2, 4, 3}));
  const std::vector<c128> va = a.to_vector<c128>(), vb = b.to_vector<c128>();
  std::vector<c128> expected;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 3; ++k) expected.push_back(va[i * 3 + k] * vb[j]);
  expect_close(r, expected, 1e-15);

  // A transposed (non-contiguous) operand and a real float64 one: promotion to complex128.
  const Tensor m = random_complex({3, 4}, complex64, 5);
  const Tensor mt = m.transpose();
  const Tensor real_part = from_vector(std::vector<double>{1, 2, 3}, {3});
  const Tensor s = mt + real_part;
  EXPECT_EQ(s.dtype(), complex128);
  const std::vector<c128> vm = m.to_vector<c128>();
  std::vector<c128> expected_s;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) expected_s.push_back(vm[j * 4 + i] + static_cast<double>(j + 1));
  expect_close(s, expected_s, 1e-7);
  EXPECT_EQ(mt.contiguous().to_vector<c128>(), mt.to_vector<c128>());
  EXPECT_EQ(mt.clone().to_vector<c128>(), mt.to_vector<c128>());
  EXPECT_EQ(m.reshape({2, 6}).slice(1, 1, 5, 2).to_vector<c128>(),
            (std::vector<c128>{vm[1], vm[3], vm[7], vm[9]}));
}

/// out[b, i, j] = sum_p a[b, i, p] * b[b, p, j] for contiguous [batch, n, k] and [batch, k, m].
std::vector<c128> naive_matmul(const std::vector<c128>& a, const std::vector<c128>& b,
                               int64_t batch, int64_t n, int64_t k, int64_t m) {
  std::vector<c128> out(static_cast<size_t>(batch * n * m));
  for (int64_t s = 0; s < batch; ++s)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < m; ++j) {
        c128 acc = 0;
        for (int64_t p = 0; p < k; ++p) acc += a[s * n * k + i * k + p] * b[s * k * m + p * m + j];
        out[s * n * m + i * m + j] = acc;
      }
  return out;
}

TEST(ComplexMatmul, MatchesANaiveLoop) {
  for (DType t : {complex64, complex128}) {
    const double tol = 10 * tolerance(t);
    const Tensor a = random_complex({3, 4, 5}, t, 6), b = random_complex({3, 5, 2}, t, 7);
    const Tensor c = matmul(a, b);
    EXPECT_EQ(c.dtype(), t);
    expect_close(c, naive_matmul(a.to_vector<c128>(), b.to_vector<c128>(), 3, 4, 5, 2), tol, tol);
    // Transposed operands are read in place (BLAS's transpose flags), broadcast batches too.
    const Tensor at = a.transpose(-1, -2).contiguous().transpose(-1, -2);
    const Tensor b0 = b[0].unsqueeze(0);
    expect_close(
        matmul(at, b0),
        naive_matmul(a.to_vector<c128>(), b0.expand({3, 5, 2}).to_vector<c128>(), 3, 4, 5, 2), tol,
        tol);
    // Vectors and single rows/columns: NumPy's 1-D rules.
    const Tensor v = random_complex({5}, t, 8);
    expect_close(matmul(a[0], v),
                 naive_matmul(a[0].to_vector<c128>(), v.to_vector<c128>(), 1, 4, 5, 1), tol, tol);
    expect_close(matmul(v, b[1]),
                 naive_matmul(v.to_vector<c128>(), b[1].to_vector<c128>(), 1, 1, 5, 2), tol, tol);
    EXPECT_EQ(matmul(v, v).shape(), Shape{});
  }
  // A real operand is promoted.
  const Tensor r = from_vector(std::vector<double>{1, 2, 3, 4}, {2, 2});
  const Tensor z = tensor({{c64(0, 1), c64(1, 0)}, {c64(0, 0), c64(2, -1)}});
  const Tensor p = matmul(r, z);
  EXPECT_EQ(p.dtype(), complex128);
  expect_close(p, {{0, 1}, {5, -2}, {0, 3}, {11, -4}}, 1e-15);
}

TEST(ComplexParts, RealImagConjAbsAngle) {
  for (DType t : {complex64, complex128}) {
    const Tensor z = random_complex({2, 3}, t, 9).transpose();  // strided input
    const std::vector<c128> v = z.to_vector<c128>();
    const DType r = real_of(t);
    std::vector<c128> re, im, conjugate, magnitude, phase;
    for (const c128& x : v) {
      re.push_back(x.real());
      im.push_back(x.imag());
      conjugate.push_back(std::conj(x));
      magnitude.push_back(std::abs(x));
      phase.push_back(std::arg(x));
    }
    EXPECT_EQ(real(z).dtype(), r);
    EXPECT_EQ(imag(z).dtype(), r);
    EXPECT_EQ(abs(z).dtype(), r);
    EXPECT_EQ(angle(z).dtype(), r);
    EXPECT_EQ(conj(z).dtype(), t);
    EXPECT_EQ(real(z).shape(), (Shape{3, 2}));
    const double tol = tolerance(t);
    expect_close(real(z).astype(complex128), re, 0);
    expect_close(imag(z).astype(complex128), im, 0);
    expect_close(conj(z), conjugate, 0);
    expect_close(abs(z).astype(complex128), magnitude, tol);
    expect_close(angle(z).astype(complex128), phase, tol);
    // z * conj(z) = |z|^2, real.
    expect_close(
        z * conj(z),
        [&] {
          std::vector<c128> out;
          for (const c128& m : magnitude) out.push_back(m * m);
          return out;
        }(),
        4 * tol, 4 * tol);
  }
  EXPECT_EQ(angle(tensor({c128(0, 1)})).item<double>(), std::numbers::pi / 2);
  EXPECT_EQ(angle(tensor({c128(-1, 0)})).item<double>(), std::numbers::pi);
}

TEST(ComplexParts, OnRealTensorsFollowNumpy) {
  const Tensor x = from_vector(std::vector<float>{-2, 0, 3}, {3});
  EXPECT_TRUE(real(x).is_same(x));
  EXPECT_TRUE(conj(x).is_same(x));
  EXPECT_EQ(imag(x).dtype(), float32);
  EXPECT_EQ(imag(x).to_vector<float>(), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(angle(x).dtype(), float32);
  EXPECT_EQ(angle(x).to_vector<float>(), (std::vector<float>{std::numbers::pi_v<float>, 0, 0}));
  EXPECT_EQ(angle(arange(2)).dtype(), float64);  // ints: float64, as math functions
  EXPECT_EQ(abs(x).dtype(), float32);
}

TEST(ComplexParts, ComplexFromRealAndImaginaryParts) {
  const Tensor re = from_vector(std::vector<float>{1, 2, 3}, {3});
  const Tensor im = from_vector(std::vector<float>{-1, 5}, {2, 1});
  const Tensor z = complex(re, im);
  EXPECT_EQ(z.dtype(), complex64);
  ASSERT_EQ(z.shape(), (Shape{2, 3}));
  EXPECT_EQ(z.to_vector<c64>(),
            (std::vector<c64>{{1, -1}, {2, -1}, {3, -1}, {1, 5}, {2, 5}, {3, 5}}));
  EXPECT_EQ(complex(re, im.astype(float64)).dtype(), complex128);
  EXPECT_EQ(complex(arange(3), arange(3)).dtype(), complex128);  // int64 parts
  EXPECT_EQ(complex(re, zeros({3}, uint8)).dtype(), complex64);
  EXPECT_TRUE(real(z).to_vector<float>() == (std::vector<float>{1, 2, 3, 1, 2, 3}));
  expect_error<DTypeError>([&] { (void)complex(z, re); }, {"complex", "must be real", "complex64"});
  expect_error<ShapeError>([&] { (void)complex(re, zeros({4})); }, {"complex", "[3]", "[4]"});
}

TEST(ComplexCast, RealToComplexAndBetweenComplexDtypes) {
  const Tensor x = from_vector(std::vector<int32_t>{1, -2, 3}, {3});
  const Tensor z = x.astype(complex64);
  EXPECT_EQ(z.to_vector<c64>(), (std::vector<c64>{1, -2, 3}));
  const Tensor wide = (z * tensor(c64(0, 1))).astype(complex128);
  EXPECT_EQ(wide.dtype(), complex128);
  EXPECT_EQ(wide.to_vector<c128>(), (std::vector<c128>{{0, 1}, {0, -2}, {0, 3}}));
  EXPECT_EQ(wide.astype(complex64).to_vector<c64>(), (std::vector<c64>{{0, 1}, {0, -2}, {0, 3}}));
  EXPECT_EQ(from_vector(std::vector<bool>{true, false}, {2}).astype(complex128).to_vector<c128>(),
            (std::vector<c128>{1, 0}));
}

TEST(ComplexCast, ComplexToRealIsRefusedWithAHint) {
  const Tensor z = tensor({c64(1, 2)});
  for (DType t : {float32, float64, int32, bool_}) {
    expect_error<DTypeError>([&] { (void)z.astype(t); },
                             {"cast", "complex64", std::string(dtype_name(t)), "real(x)"});
  }
  Tensor target = zeros({1});
  expect_error<DTypeError>([&] { target.copy_(z); }, {"complex64", "float32", "real(x)"});
  expect_error<DTypeError>([&] { (void)z.item<float>(); }, {"complex64", "std::complex"});
  expect_error<DTypeError>([&] { (void)z.to_vector<double>(); }, {"complex64"});
  expect_error<DTypeError>([&] { (void)z.data<float>(); }, {"complex64"});
  Tensor into = zeros({1}, complex128);
  into.copy_(z);
  EXPECT_EQ(into.item<c128>(), c128(1, 2));
}

TEST(ComplexReduction, SumMeanAndWhere) {
  for (DType t : {complex64, complex128}) {
    const Tensor z = random_complex({3, 4}, t, 10);
    const std::vector<c128> v = z.to_vector<c128>();
    c128 total = 0;
    std::vector<c128> rows(3, 0.0), cols(4, 0.0);
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 4; ++j) {
        total += v[i * 4 + j];
        rows[i] += v[i * 4 + j];
        cols[j] += v[i * 4 + j];
      }
    const double tol = 4 * tolerance(t);
    EXPECT_EQ(sum(z).dtype(), t);
    expect_close(sum(z), {total}, tol);
    expect_close(sum(z, {1}), rows, tol);
    expect_close(sum(z, {0}, true), cols, tol);
    EXPECT_EQ(sum(z, {0}, true).shape(), (Shape{1, 4}));
    EXPECT_EQ(mean(z).dtype(), t);
    expect_close(mean(z), {total / 12.0}, tol);
    expect_close(
        mean(z.transpose(), {1}),
        [&] {
          for (c128& c : cols) c /= 3.0;
          return cols;
        }(),
        tol);
    const Tensor mask = from_vector(std::vector<bool>{true, false, true, false}, {4});
    const Tensor chosen = where(mask, z, zeros({1}, t));
    const std::vector<c128> w = chosen.to_vector<c128>();
    for (int i = 0; i < 12; ++i) EXPECT_EQ(w[i], i % 2 == 0 ? v[i] : c128(0));
  }
  // A large strided sum exercises the lanes and chunks of the reduction engine.
  const Tensor big = ones({300, 700}, complex64) * tensor(c64(1, -2));
  expect_close(sum(big.transpose()), {c128(210000, -420000)}, 1e-12);
}

TEST(ComplexDispatch, OpsWithoutComplexSupportRaiseNamingTheOp) {
  const Tensor z = tensor({c64(1, 2), c64(3, 4)});
  expect_error<DTypeError>([&] { (void)exp(z); }, {"exp: complex64 is not supported"});
  expect_error<DTypeError>([&] { (void)relu(z); }, {"relu: complex64 is not supported"});
  expect_error<DTypeError>([&] { (void)sqrt(z.astype(complex128)); },
                           {"sqrt: complex128 is not supported"});
  expect_error<DTypeError>([&] { (void)(z < z); }, {"less: complex64 is not supported"});
  expect_error<DTypeError>([&] { (void)maximum(z, z); }, {"maximum"});
  expect_error<DTypeError>([&] { (void)max(z); }, {"max: complex64 is not supported"});
  expect_error<DTypeError>([&] { (void)prod(z); }, {"prod: complex64 is not supported"});
  expect_error<DTypeError>([&] { (void)argmax(z); }, {"argmax"});
  expect_error<DTypeError>([&] { (void)pow(z, 2); }, {"pow"});
  expect_error<DTypeError>([&] { (void)arange(0, 3, 1, complex64); },
                           {"arange: complex64 is not supported"});
  expect_error<DTypeError>([&] { (void)random::normal({2}, 0, 1, complex64); }, {"complex64"});
  // Views need no kernel and take complex tensors.
  EXPECT_EQ(z.unsqueeze(0).expand({3, 2}).select(0, 2).squeeze().shape(), (Shape{2}));
  EXPECT_EQ(z.reshape({2, 1}).permute({1, 0})[0][1].item<c64>(), c64(3, 4));
}

TEST(ComplexAutograd, IsRefusedClearly) {
  Tensor z = zeros({2}, complex64);
  expect_error<DTypeError>([&] { z.requires_grad_(); }, {"requires_grad_", "complex64"});
  const Tensor x = ones({2}).requires_grad_();
  expect_error<DTypeError>([&] { (void)x.astype(complex64); },
                           {"cast", "gradients through complex tensors are not supported"});
  expect_error<DTypeError>([&] { (void)complex(x, x); }, {"complex", "not supported"});
  {
    NoGradGuard no_grad;
    EXPECT_EQ(complex(x, x).to_vector<c64>(), (std::vector<c64>{{1, 1}, {1, 1}}));
  }
  EXPECT_EQ(x.detach().astype(complex64).dtype(), complex64);
}

/// NumPy's repr of `expression` (a NumPy expression), spelled as nabla prints it: "tensor(" and
/// always the dtype (on its own line when it would pass the line width, as NumPy's array_repr).
std::string numpy_repr(const TempDir& dir, const std::string& expression) {
  const std::string script =
      "a = " + expression +
      "\ns = 'tensor(' + np.array2string(a, separator=', ', prefix='tensor(', suffix=',') + ','\n"
      "tail = 'dtype=' + a.dtype.name + ')'\n"
      "last = len(s) - (s.rfind('\\n') + 1)\n"
      "print(s + ('\\n' + ' ' * 7 if last + len(tail) + 1 > 75 else ' ') + tail)\n";
  const auto result = nabla::testing::run_python(dir, script);
  EXPECT_EQ(result.status, 0) << result.output;
  return result.output.substr(0, result.output.size() - 1);  // without print's newline
}

std::string text(const Tensor& t) {
  std::ostringstream out;
  out << t;
  return out.str();
}

TEST(ComplexPrint, NumpyStyle) {
  EXPECT_EQ(text(tensor({c64(1, 2), c64(0, -1)})), "tensor([1.+2.j, 0.-1.j], dtype=complex64)");
  EXPECT_EQ(text(tensor(c64(3, 4))), "tensor(3.+4.j, dtype=complex64)");
  EXPECT_EQ(text(zeros({0}, complex128)), "tensor([], dtype=complex128)");
  EXPECT_EQ(text(tensor({{c128(1.5, 2), c128(-3.25, -0.5)}, {c128(0, 0), c128(0, 1e-3)}})),
            "tensor([[ 1.5 +2.e+00j, -3.25-5.e-01j],\n"
            "        [ 0.  +0.e+00j,  0.  +1.e-03j]], dtype=complex128)");
}

TEST(ComplexPrint, MatchesNumpyReprs) {
  NABLA_SKIP_WITHOUT_NUMPY();
  TempDir dir;
  const double nan = std::nan(""), inf = INFINITY;
  const std::vector<std::pair<Tensor, std::string>> cases = {
      {tensor({c64(0.1f, 0.2f)}), "np.array([0.1+0.2j], dtype=np.complex64)"},
      {tensor({c128(1e10, 1), c128(2, -3)}), "np.array([1e10+1j, 2-3j])"},
      {tensor({c128(nan, 1), c128(1, inf), c128(2, -inf)}),
       "np.array([complex(np.nan, 1), complex(1, np.inf), complex(2, -np.inf)])"},
      {(arange(20).reshape({2, 10}).astype(complex128) * tensor(c128(0, 1.5))),
       "np.arange(20).reshape(2, 10).astype(np.complex128) * 1.5j"},
      {complex(arange(0, 3000).astype(float32), ones({3000})).astype(complex64),
       "(np.arange(3000) + 1j).astype(np.complex64)"},
      {tensor({c128(-0.0, -0.0), c128(1.25, -1e-5)}),
       "np.array([complex(-0.0, -0.0), 1.25-1e-5j])"},
  };
  for (const auto& [t, expression] : cases) EXPECT_EQ(text(t), numpy_repr(dir, expression));
}

TEST(ComplexNpy, RoundTripsBothDtypesAndLayouts) {
  TempDir dir;
  for (DType t : {complex64, complex128}) {
    const Tensor z = random_complex({3, 4}, t, 11);
    for (const Tensor& x : {z, z.transpose(), z.slice(1, 3, 0, -2)}) {
      save_npy(dir / "z.npy", x);
      const Tensor back = load_npy(dir / "z.npy");
      EXPECT_EQ(back.dtype(), t);
      EXPECT_EQ(back.shape(), x.shape());
      EXPECT_EQ(back.to_vector<c128>(), x.to_vector<c128>());
    }
  }
  save_npz(dir / "z.npz", {{"a", random_complex({2}, complex64, 12)},
                           {"b", random_complex({2, 2}, complex128, 13)}});
  const auto loaded = load_npz(dir / "z.npz");
  EXPECT_EQ(loaded.at("a").to_vector<c128>(), random_complex({2}, complex64, 12).to_vector<c128>());
  EXPECT_EQ(loaded.at("b").dtype(), complex128);
}

TEST(ComplexNpy, ReadsWhatNumpyWroteAndNumpyReadsOurs) {
  NABLA_SKIP_WITHOUT_NUMPY();
  TempDir dir;
  const std::string path = dir.path().string();
  const auto written =
      nabla::testing::run_python(dir,
                                 "z = np.array([[1+2j, -3.5j], [0.25, 7-1j]])\n"
                                 "np.save(r'" +
                                     path +
                                     "/c16.npy', z)\n"
                                     "np.save(r'" +
                                     path +
                                     "/c8.npy', z.astype(np.complex64))\n"
                                     "np.save(r'" +
                                     path +
                                     "/big.npy', z.astype('>c8'))\n"
                                     "np.save(r'" +
                                     path +
                                     "/fortran.npy', np.asfortranarray(z))\n"
                                     "np.savez(r'" +
                                     path + "/both.npz', z=z, w=z.astype(np.complex64).T)\n");
  ASSERT_EQ(written.status, 0) << written.output;
  const std::vector<c128> expected{{1, 2}, {0, -3.5}, {0.25, 0}, {7, -1}};
  for (const auto& [name, dtype] :
       std::vector<std::pair<std::string, DType>>{{"c16.npy", complex128},
                                                  {"c8.npy", complex64},
                                                  {"big.npy", complex64},
                                                  {"fortran.npy", complex128}}) {
    const Tensor t = load_npy(dir / name);
    EXPECT_EQ(t.dtype(), dtype) << name;
    EXPECT_EQ(t.shape(), (Shape{2, 2})) << name;
    EXPECT_EQ(t.to_vector<c128>(), expected) << name;
  }
  const auto npz = load_npz(dir / "both.npz");
  EXPECT_EQ(npz.at("z").to_vector<c128>(), expected);
  EXPECT_EQ(npz.at("w").to_vector<c128>(),
            (std::vector<c128>{{1, 2}, {0.25, 0}, {0, -3.5}, {7, -1}}));

  save_npy(dir / "ours64.npy", tensor({c64(1, -1), c64(0.5f, 2)}));
  save_npy(dir / "ours128.npy", tensor({c128(-1, 0.125)}));
  const auto read = nabla::testing::run_python(
      dir, "a = np.load(r'" + path + "/ours64.npy')\nb = np.load(r'" + path +
               "/ours128.npy')\nprint(a.dtype, b.dtype, a.tolist(), b.tolist())\n");
  ASSERT_EQ(read.status, 0) << read.output;
  EXPECT_EQ(read.output, "complex64 complex128 [(1-1j), (0.5+2j)] [(-1+0.125j)]\n");
}

}  // namespace
