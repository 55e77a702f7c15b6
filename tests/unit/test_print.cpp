// operator<< for Tensor: fixed expectations, plus NumPy's own repr (class renamed to `tensor`,
// dtype always shown) for integers, floats of every magnitude, summarised and non-contiguous data.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nabla/nabla.hpp>
#include <sstream>

#include "unit/numpy_interop.hpp"

namespace {
using namespace nabla;
using nabla::testing::TempDir;

std::string repr(const Tensor& t) {
  std::ostringstream out;
  out << t;
  return out.str();
}

// NumPy's repr of each tensor's values, as nabla prints it: array -> tensor (a subclass of that
// name, so continuation lines are indented to match), dtype always shown, shapes as [0, 3].
std::vector<std::string> numpy_reprs(const std::vector<Tensor>& tensors) {
  TempDir dir;
  std::string script =
      "np.core.arrayprint.dtype_is_implied = lambda dtype: False\n"
      "class tensor(np.ndarray): pass\n"
      "def show(a):\n"
      "    r = repr(a.view(tensor))\n"
      "    if a.size == 0: r = r.replace('shape=' + repr(a.shape), 'shape=' + str(list(a.shape)))\n"
      "    print(r, end='\\n<<<end>>>\\n')\n";
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto raw = dir / ("t" + std::to_string(i) + ".bin");
    nabla::testing::write_raw(tensors[i], raw);
    script += nabla::testing::python_load_raw("a", tensors[i], raw) + "show(a)\n";
  }
  const auto result = nabla::testing::run_python(dir, script);
  EXPECT_EQ(result.status, 0) << result.output;
  std::vector<std::string> reprs;
  const std::string delimiter = "\n<<<end>>>\n";
  for (size_t start = 0, end; (end = result.output.find(delimiter, start)) != std::string::npos;
       start = end + delimiter.size()) {
    reprs.push_back(result.output.substr(start, end - start));
  }
  EXPECT_EQ(reprs.size(), tensors.size()) << result.output;
  reprs.resize(tensors.size());
  return reprs;
}

void expect_numpy_reprs(const std::vector<Tensor>& tensors) {
  const std::vector<std::string> expected = numpy_reprs(tensors);
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(repr(tensors[i]), expected[i]) << "case " << i << ", shape " << tensors[i].shape();
  }
}

TEST(Print, MatchesTheDocumentedForm) {
  EXPECT_EQ(repr(tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}})),
            "tensor([[1., 2., 3.],\n        [4., 5., 6.]], dtype=float32)");
  EXPECT_EQ(repr(tensor(3.f)), "tensor(3., dtype=float32)");
  EXPECT_EQ(repr(tensor(int64_t{-7})), "tensor(-7, dtype=int64)");
  EXPECT_EQ(repr(tensor(true)), "tensor(True, dtype=bool)");
  EXPECT_EQ(repr(tensor({1, 20, -300})), "tensor([   1,   20, -300], dtype=int32)");
  EXPECT_EQ(repr(tensor<uint8_t>({0, 255, 7})), "tensor([  0, 255,   7], dtype=uint8)");
  EXPECT_EQ(repr(tensor(uint8_t{9})), "tensor(9, dtype=uint8)");
  EXPECT_EQ(repr(tensor({true, false})), "tensor([ True, False], dtype=bool)");
  EXPECT_EQ(repr(tensor({1.5, 2.25, -0.125})), "tensor([ 1.5  ,  2.25 , -0.125], dtype=float64)");
  EXPECT_EQ(repr(tensor({1e-5, 1.5})), "tensor([1.0e-05, 1.5e+00], dtype=float64)");
  EXPECT_EQ(repr(tensor({0.1f + 0.2f})), "tensor([0.3], dtype=float32)");
  EXPECT_EQ(repr(tensor({std::nan(""), HUGE_VAL, -HUGE_VAL, 1.0})),
            "tensor([ nan,  inf, -inf,   1.], dtype=float64)");
}

TEST(Print, EmptyAndSymbolicAndUndefined) {
  EXPECT_EQ(repr(zeros({0, 3})), "tensor([], shape=[0, 3], dtype=float32)");
  EXPECT_EQ(repr(zeros({0}, int64)), "tensor([], dtype=int64)");
  EXPECT_EQ(repr(Tensor()), "tensor(<undefined>)");
  // A tensor without storage (what the Functional API's symbolic inputs are) prints its spec.
  auto impl = std::make_shared<TensorImpl>();
  impl->layout = Layout(Shape{32, 784});
  impl->dtype = float32;
  EXPECT_EQ(repr(Tensor(impl)), "tensor(<symbolic>, shape=[32, 784], dtype=float32)");
}

TEST(Print, DeviceIsShownOffTheCpu) {
  // No CUDA backend yet: fake one by relabelling a CPU tensor's device. Its memory cannot be read
  // without a copy (an op), so only its spec prints.
  Tensor cpu = zeros({2, 3});
  auto impl = std::make_shared<TensorImpl>(cpu.impl());
  impl->device = Device::cuda(0);
  EXPECT_EQ(repr(Tensor(impl)),
            "tensor(<not on the cpu>, shape=[2, 3], dtype=float32, device=cuda:0)");
}

TEST(Print, ReadsStridedViewsThroughTheLayout) {
  Tensor a = arange(0, 12).astype(int32).reshape({3, 4});
  EXPECT_EQ(repr(a.transpose()),
            "tensor([[ 0,  4,  8],\n        [ 1,  5,  9],\n        [ 2,  6, 10],\n"
            "        [ 3,  7, 11]], dtype=int32)");
  EXPECT_EQ(repr(a.slice(1, 3, 0, -2)),
            "tensor([[ 3,  1],\n        [ 7,  5],\n        [11,  9]], "
            "dtype=int32)");
  EXPECT_EQ(repr(a[1]), "tensor([4, 5, 6, 7], dtype=int32)");
}

TEST(Print, MatchesNumpyForIntegersAndBools) {
  NABLA_SKIP_WITHOUT_NUMPY();
  std::vector<bool> flags;
  for (int i = 0; i < 24; ++i) flags.push_back(i % 3 == 0);
  expect_numpy_reprs({
      tensor({{1, 2, 3}, {4, 5, 6}}), arange(0, 100).astype(int64),  // wraps at 75 columns
      nabla::testing::random_tensor({3, 4, 5}, int64, 1, -1e6, 1e6),
      nabla::testing::random_tensor({2, 3}, int32, 2, -5, 5), from_vector(flags, {2, 3, 4}),
      tensor({false, false}), tensor(int32_t{42}), tensor(false),
      arange(0, 5000).astype(int32),  // 1-D summarised
      nabla::testing::random_tensor({4, 5}, uint8, 3, 0, 256), tensor(uint8_t{200}),
      tensor<uint8_t>({7, 8}), arange(0, 3000).astype(uint8).reshape({30, 100}),  // summarised
  });
}

TEST(Print, MatchesNumpyForFloats) {
  NABLA_SKIP_WITHOUT_NUMPY();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  expect_numpy_reprs({
      tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}}),
      nabla::testing::random_tensor({4, 5}, float32, 3),
      nabla::testing::random_tensor({4, 5}, float64, 4),
      nabla::testing::random_tensor({3, 7}, float64, 5, 0, 1e-3),    // scientific (< 1e-4 ratio)
      nabla::testing::random_tensor({2, 3}, float32, 6, -1e9, 1e9),  // >= 1e8
      tensor({1e-5, 1.0, 1e5}),                                      // mixed magnitudes
      tensor({1.f, 1000.f}),
      tensor({1.f, 1001.f}),  // the 1000x ratio boundary
      tensor({1e-4f, 1.f}),
      tensor({1e-4, 1.0}),  // float32(1e-4) < 1e-4 goes scientific
      tensor({99999999.0, 1.0}),
      tensor({1e8, 1.0}),
      tensor({0.1 + 0.2, 1.0 / 3.0}),
      tensor({-0.0, 0.0, 2.5}),
      tensor({0.0, 0.0}),
      tensor({1e-300, 1e300}),
      tensor({nan, 1.5, -inf}),
      tensor({nan, inf}),
      tensor({-inf, 1e-10, 3.0}),
      tensor({0.00123456789f, 123.456f}),
      tensor({123456.789, 0.5}),
      tensor(2.5),
      tensor(-1e-7f),
      tensor(nan),
      nabla::testing::random_tensor({60}, float64, 7, -100, 100),  // wraps
  });
}

TEST(Print, MatchesNumpyWhenSummarised) {
  NABLA_SKIP_WITHOUT_NUMPY();
  expect_numpy_reprs({
      arange(0, 2000).astype(float32).reshape({40, 50}) * tensor(0.5f),
      nabla::testing::random_tensor({2000}, float32, 8),
      nabla::testing::random_tensor({10, 10, 11}, float64, 9),
      nabla::testing::random_tensor({1001}, int64, 10, -50, 50),
      nabla::testing::random_tensor({3, 400}, float64, 11, 1, 2),  // only one axis summarised
      nabla::testing::random_tensor({2, 3, 4, 50}, int32, 12, 0, 1000),
  });
}

TEST(Print, MatchesNumpyForViews) {
  NABLA_SKIP_WITHOUT_NUMPY();
  Tensor base = nabla::testing::random_tensor({6, 8}, float32, 13);
  Tensor big = nabla::testing::random_tensor({50, 60}, float64, 14);
  expect_numpy_reprs({base.transpose(), base.slice(1, 7, 0, -3), big.transpose().slice(0, 1, 50, 2),
                      base.unsqueeze(0).expand({3, 6, 8})});
}

TEST(Print, MatchesNumpyOnRandomMagnitudes) {
  NABLA_SKIP_WITHOUT_NUMPY();
  // Log-uniform magnitudes over many decades, random signs, some zeros and non-finite values:
  // exercises the choice between positional and scientific notation and the digit rules.
  std::mt19937 rng(2024);
  std::vector<Tensor> cases;
  for (int c = 0; c < 40; ++c) {
    const int decades = 1 + c % 12;
    const double center = std::uniform_real_distribution<double>(-12, 12)(rng);
    std::uniform_real_distribution<double> exponent(center - decades / 2.0, center + decades / 2.0);
    std::vector<double> values(static_cast<size_t>(1 + rng() % 12));
    for (double& v : values) {
      v = std::pow(10.0, exponent(rng)) * (rng() % 2 ? -1 : 1);
      if (rng() % 10 == 0) v = 0;
      if (c % 7 == 0 && rng() % 6 == 0) v = rng() % 2 ? NAN : -HUGE_VAL;
      if (c % 5 == 0) v = std::round(v);
    }
    cases.push_back(from_vector(values).astype(c % 2 ? float32 : float64));
  }
  expect_numpy_reprs(cases);
}

}  // namespace
