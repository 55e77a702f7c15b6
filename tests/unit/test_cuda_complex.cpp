// complex64/complex128 on a real GPU against the same ops on the CPU: the elementwise ops that
// take complex numbers, real/imag/conj/angle/complex, cast, assign, where, sum, fill, matmul and
// the copies between devices, on contiguous, transposed and broadcast operands, with random
// values and special ones (signed zeros, infinities, NaN). The op table has no complex rows (its
// references are real), so this file is the CUDA parity check of the complex kernels. Skipped
// where no GPU is visible.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "nabla/cuda.hpp"
#include "nabla/nabla.hpp"

namespace nabla {
namespace {

using c64 = std::complex<float>;
using c128 = std::complex<double>;

class CudaComplex : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cuda::is_available()) {
      GTEST_SKIP() << "no CUDA device is visible (" << cuda::unavailable_reason() << ")";
    }
  }
};

/// The parity driver's tolerance for the parts' dtype.
double tolerance(DType t) { return real_of(t) == float32 ? 1e-5 : 1e-11; }

/// Values with parts in [-3, 3], then every pair of special parts.
std::vector<c128> test_values(int64_t random_count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uniform(-3, 3);
  std::vector<c128> values;
  for (int64_t i = 0; i < random_count; ++i) values.emplace_back(uniform(rng), uniform(rng));
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double re : {0.0, -0.0, 1.5, -2.0, inf, -inf, nan}) {
    for (double im : {0.0, -0.0, 0.5, -3.0, inf, -inf, nan}) values.emplace_back(re, im);
  }
  return values;
}

/// A GPU result against the CPU's: NaN where NaN and equal infinities, part by part, and finite
/// values within tol (1 + |want|) by the modulus of the difference (a part alone can be far
/// smaller than the rounding error of its complex value: the real part ac - bd of a product
/// cancels when ac is close to bd).
/// Real and bool results compare as complex numbers with a zero imaginary part.
void expect_matches(const Tensor& gpu, const Tensor& cpu, const std::string& what) {
  ASSERT_EQ(gpu.device(), Device::cuda(0)) << what;
  ASSERT_EQ(gpu.dtype(), cpu.dtype()) << what;
  ASSERT_EQ(gpu.shape(), cpu.shape()) << what;
  auto values = [](const Tensor& t) {
    return is_complex(t.dtype()) ? t.to_vector<c128>() : t.astype(complex128).to_vector<c128>();
  };
  const std::vector<c128> got = values(gpu.cpu()), want = values(cpu);
  const double tol =
      is_complex(cpu.dtype()) || is_floating(cpu.dtype()) ? tolerance(cpu.dtype()) : 0.0;
  for (size_t i = 0; i < got.size(); ++i) {
    const c128 g = got[i], w = want[i];
    if (std::isfinite(w.real()) && std::isfinite(w.imag())) {
      EXPECT_LE(std::abs(g - w), tol * (1 + std::abs(w)))
          << what << " element " << i << ": cuda " << g << ", cpu " << w;
      continue;
    }
    for (auto [gp, wp] : {std::pair{g.real(), w.real()}, std::pair{g.imag(), w.imag()}}) {
      if (std::isnan(wp)) {
        EXPECT_TRUE(std::isnan(gp)) << what << " element " << i << ": cuda " << g << ", cpu " << w;
      } else {
        EXPECT_EQ(gp, wp) << what << " element " << i << ": cuda " << g << ", cpu " << w;
      }
    }
  }
}

/// `x` on the GPU; transposed: the same values through a transposed view of device memory.
Tensor on_gpu(const Tensor& x, bool transposed) {
  if (!transposed || x.ndim() < 2) return x.cuda();
  return transpose(transpose(x).contiguous().cuda());
}

using Unary = std::function<Tensor(const Tensor&)>;
using Binary = std::function<Tensor(const Tensor&, const Tensor&)>;

TEST_F(CudaComplex, ElementwiseOpsMatchTheCpu) {
  const std::vector<std::pair<std::string, Unary>> unaries = {
      {"neg", [](const Tensor& a) { return -a; }},
      {"abs", [](const Tensor& a) { return abs(a); }},
      {"real", [](const Tensor& a) { return real(a); }},
      {"imag", [](const Tensor& a) { return imag(a); }},
      {"conj", [](const Tensor& a) { return conj(a); }},
      {"angle", [](const Tensor& a) { return angle(a); }}};
  const std::vector<std::pair<std::string, Binary>> binaries = {
      {"add", [](const Tensor& a, const Tensor& b) { return a + b; }},
      {"sub", [](const Tensor& a, const Tensor& b) { return a - b; }},
      {"mul", [](const Tensor& a, const Tensor& b) { return a * b; }},
      {"div", [](const Tensor& a, const Tensor& b) { return a / b; }},
      {"equal", [](const Tensor& a, const Tensor& b) { return a == b; }},
      {"not_equal", [](const Tensor& a, const Tensor& b) { return a != b; }}};
  const std::vector<c128> values = test_values(200, 1);  // 249 values
  std::vector<c128> shuffled = values;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(2));
  const auto n = static_cast<int64_t>(values.size());
  for (DType t : {complex64, complex128}) {
    const Tensor x = from_vector(values, {3, n / 3}).astype(t);
    const Tensor y = from_vector(shuffled, {3, n / 3}).astype(t);
    // Every value against every value: [n, 1] op [1, n] broadcasts.
    const Tensor column = from_vector(values, {n, 1}).astype(t);
    const Tensor row = column.reshape({1, n});
    for (bool transposed : {false, true}) {
      const std::string layout = std::string(dtype_name(t)) + (transposed ? " transposed" : "");
      for (const auto& [name, op] : unaries) {
        expect_matches(op(on_gpu(x, transposed)), op(x), name + " " + layout);
      }
      for (const auto& [name, op] : binaries) {
        expect_matches(op(on_gpu(x, transposed), on_gpu(y, transposed)), op(x, y),
                       name + " " + layout);
        expect_matches(op(column.cuda(), row.cuda()), op(column, row),
                       name + " broadcast " + layout);
      }
      // Scalars become complex tensors filled on the device.
      expect_matches(on_gpu(x, transposed) * 2.5 - 1.0, x * 2.5 - 1.0, "scalars " + layout);
    }
    // A real operand is promoted (cast real -> complex on the device).
    const Tensor r = from_vector(std::vector<double>{1, -2, 0.5}, {3, 1});
    expect_matches(x.cuda() + r.cuda(), x + r, "promotion " + std::string(dtype_name(t)));
  }
}

TEST_F(CudaComplex, ComplexFromPartsAndCasts) {
  const std::vector<c128> values = test_values(100, 2);
  const auto n = static_cast<int64_t>(values.size());
  for (DType part : {float32, float64}) {
    const Tensor z = from_vector(values, {n}).astype(complex_of(part));
    const Tensor re = real(z), im = imag(z).reshape({n, 1});
    expect_matches(complex(re.cuda(), im.cuda()), complex(re, im), "complex broadcast");
    expect_matches(complex(re.cuda(), re.cuda()), complex(re, re), "complex");
  }
  const Tensor z = from_vector(values, {n});
  const Tensor counts = arange(0, 256);
  for (DType from : {complex64, complex128, float32, float64, int32, int64, uint8, bool_}) {
    // Integers from a range every dtype holds (float -> int of inf or NaN is undefined).
    const Tensor x = is_complex(from)    ? z.astype(from)
                     : is_floating(from) ? real(z).astype(from)
                     : from == bool_     ? counts > 100
                     : from == uint8     ? counts.astype(uint8)
                                         : (counts - 128).astype(from) * 1000003;
    for (DType to : {complex64, complex128}) {
      expect_matches(
          x.cuda().astype(to), x.astype(to),
          "cast " + std::string(dtype_name(from)) + " -> " + std::string(dtype_name(to)));
    }
  }
  // contiguous() and clone() of a strided complex tensor are casts too.
  const Tensor m = z.astype(complex64).slice(0, 0, 140).reshape({14, 10});
  expect_matches(m.cuda().transpose().contiguous(), m.transpose().contiguous(), "contiguous");
  expect_matches(m.cuda(), m, "to_device");  // and back
}

TEST_F(CudaComplex, AssignWhereAndFill) {
  for (DType t : {complex64, complex128}) {
    const Tensor z =
        from_vector(test_values(40, 3), {89}).astype(t).slice(0, 0, 88).reshape({8, 11});
    Tensor target = zeros({11, 8}, t, Device::cuda(0));
    target.copy_(z.transpose().cuda());  // assign from a strided source
    expect_matches(target, z.transpose().contiguous(), "assign");
    Tensor into = zeros({8, 11}, t, Device::cuda(0));
    into.copy_(real(z).cuda());  // real -> complex
    expect_matches(into, real(z).astype(t), "assign real");
    const Tensor mask = real(z) > imag(z);
    expect_matches(where(mask.cuda(), z.cuda(), conj(z).cuda()), where(mask, z, conj(z)), "where");
    Tensor filled = empty({5}, t, Device::cuda(0));
    filled.fill_(-2.5);
    expect_matches(filled, full({5}, -2.5, t), "fill");
    expect_matches(ones({2, 3}, t, Device::cuda(0)), ones({2, 3}, t), "ones");
  }
}

TEST_F(CudaComplex, SumAndMean) {
  for (DType t : {complex64, complex128}) {
    const Tensor z = from_vector(test_values(1200, 4), {1249}).astype(t).slice(0, 0, 1200);
    const Tensor x = z.reshape({20, 6, 10});
    for (bool transposed : {false, true}) {
      const Tensor g = on_gpu(x, transposed);
      expect_matches(sum(g), sum(x), "sum all");
      expect_matches(sum(g, {1}), sum(x, {1}), "sum axis 1");
      expect_matches(sum(g, {0, 2}, true), sum(x, {0, 2}, true), "sum axes 0, 2");
      expect_matches(mean(g, {2}), mean(x, {2}), "mean");
    }
    // Long reductions split across blocks (reduction_kernels.cu).
    const Tensor big = ones({300, 700}, t) * tensor(c64(1, -2)).astype(t);
    expect_matches(sum(big.cuda()), sum(big), "sum big");
    expect_matches(sum(big.cuda().transpose(), {1}), sum(big.transpose(), {1}), "sum big rows");
  }
}

TEST_F(CudaComplex, MatmulMatchesTheCpu) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> uniform(-2, 2);
  auto random_complex = [&](const Shape& shape, DType t) {
    std::vector<c128> v(static_cast<size_t>(shape.numel()));
    for (c128& c : v) c = {uniform(rng), uniform(rng)};
    return from_vector(v, shape).astype(t);
  };
  for (DType t : {complex64, complex128}) {
    const Tensor a = random_complex({3, 17, 9}, t), b = random_complex({3, 9, 5}, t);
    expect_matches(matmul(a.cuda(), b.cuda()), matmul(a, b), "matmul");
    const Tensor at = a.transpose(-1, -2).contiguous().transpose(-1, -2);  // read transposed
    const Tensor b0 = b[0].unsqueeze(0);                                   // broadcast batch
    expect_matches(matmul(on_gpu(at, false), b0.cuda()), matmul(at, b0), "matmul strided");
    const Tensor v = random_complex({9}, t);
    expect_matches(matmul(a[1].cuda(), v.cuda()), matmul(a[1], v), "matmul vector");
  }
}

}  // namespace
}  // namespace nabla
