// The uint8 dtype (MNIST's pixels): NumPy's promotion table, wrap-around arithmetic, unsigned
// neg/abs/sign, casts to and from every dtype, reductions' result dtypes, creation, indexing and
// that it is never differentiable. Printing and .npy/.npz are in test_print.cpp and test_npy.cpp;
// every op against its reference on uint8 inputs in the op table (tests/optable/*_cases.cpp).
#include <gtest/gtest.h>

#include <array>
#include <nabla/nabla.hpp>
#include <string>

#include "unit/numpy_interop.hpp"
#include "unit/tensor_test_util.hpp"

namespace {
using namespace nabla;
using nabla::testing::expect_error;

// ---- compile-time facts ----
static_assert(dtype_size(uint8) == 1);
static_assert(dtype_name(uint8) == "uint8");
static_assert(dtype_of<uint8_t> == uint8);
static_assert(is_integral(uint8) && is_unsigned(uint8) && !is_floating(uint8));
static_assert(!is_unsigned(bool_) && !is_unsigned(int32) && !is_unsigned(int64));
static_assert(promote_types(uint8, bool_) == uint8 && promote_types(bool_, uint8) == uint8);
static_assert(promote_types(uint8, int32) == int32 && promote_types(int64, uint8) == int64);
static_assert(promote_types(uint8, float32) == float32 && promote_types(float64, uint8) == float64);
static_assert(float_type_for(uint8) == float32);  // NumPy: float16, which nabla lacks

// The real dtypes (complex ones: test_complex.cpp).
constexpr int kNumRealDTypes = 6;
constexpr std::array<DType, kNumRealDTypes> kAll = {bool_, uint8, int32, int64, float32, float64};

std::vector<int64_t> ints(const Tensor& t) { return t.to_vector<int64_t>(); }

TEST(UInt8, PromotionTableMatchesNumpyForEveryPair) {
  // NumPy's np.result_type over nabla's dtypes, row by row in kAll's order.
  const DType expected[kNumRealDTypes][kNumRealDTypes] = {
      {bool_, uint8, int32, int64, float32, float64},
      {uint8, uint8, int32, int64, float32, float64},
      {int32, int32, int32, int64, float64, float64},
      {int64, int64, int64, int64, float64, float64},
      {float32, float32, float64, float64, float32, float64},
      {float64, float64, float64, float64, float64, float64},
  };
  for (size_t i = 0; i < kAll.size(); ++i) {
    for (size_t j = 0; j < kAll.size(); ++j) {
      EXPECT_EQ(promote_types(kAll[i], kAll[j]), expected[i][j]) << kAll[i] << " + " << kAll[j];
      EXPECT_EQ((zeros({1}, kAll[i]) + zeros({1}, kAll[j])).dtype(), expected[i][j]);
    }
  }
}

TEST(UInt8, PromotionTableAgreesWithNumpyItself) {
  NABLA_SKIP_WITHOUT_NUMPY();
  nabla::testing::TempDir dir;
  std::string script = "names = [";
  for (DType t : kAll) script += "'" + std::string(dtype_name(t)) + "', ";
  script += "]\nfor a in names:\n    print(' '.join(np.result_type(a, b).name for b in names))\n";
  const auto result = nabla::testing::run_python(dir, script);
  ASSERT_EQ(result.status, 0) << result.output;
  std::string ours;
  for (DType a : kAll) {
    for (size_t j = 0; j < kAll.size(); ++j) {
      ours +=
          std::string(dtype_name(promote_types(a, kAll[j]))) + (j + 1 < kAll.size() ? " " : "\n");
    }
  }
  EXPECT_EQ(result.output, ours);
}

TEST(UInt8, ArithmeticWrapsAroundLikeNumpy) {
  const Tensor a = tensor<uint8_t>({250, 5, 0, 128});
  const Tensor b = tensor<uint8_t>({10, 5, 1, 2});
  EXPECT_EQ((a + b).dtype(), uint8);
  EXPECT_EQ(ints(a + b), (std::vector<int64_t>{4, 10, 1, 130}));
  EXPECT_EQ(ints(a - b), (std::vector<int64_t>{240, 0, 255, 126}));
  EXPECT_EQ(ints(a * b), (std::vector<int64_t>{196, 25, 0, 0}));
  EXPECT_EQ(ints(square(a)), (std::vector<int64_t>{36, 25, 0, 0}));
  EXPECT_EQ(ints(pow(a, b)), (std::vector<int64_t>{0, 53, 0, 0}));  // 5^5 = 3125 = 12 * 256 + 53
  EXPECT_EQ(ints(pow(tensor<uint8_t>({3}), 7)), (std::vector<int64_t>{139}));  // 2187 mod 256
  EXPECT_EQ(ints(maximum(a, b)), (std::vector<int64_t>{250, 5, 1, 128}));
  EXPECT_EQ(ints(minimum(a, b)), (std::vector<int64_t>{10, 5, 0, 2}));
}

TEST(UInt8, NegAbsSignAndReluAreUnsigned) {
  const Tensor x = tensor<uint8_t>({0, 1, 128, 255});
  EXPECT_EQ(neg(x).dtype(), uint8);
  EXPECT_EQ(ints(-x), (std::vector<int64_t>{0, 255, 128, 1}));  // NumPy: -np.uint8(1) == 255
  EXPECT_EQ(ints(abs(x)), ints(x));
  EXPECT_EQ(ints(sign(x)), (std::vector<int64_t>{0, 1, 1, 1}));
  EXPECT_EQ(ints(relu(x)), ints(x));
}

TEST(UInt8, WeakScalarsKeepUint8AndFloatsPromote) {
  const Tensor x = tensor<uint8_t>({0, 100, 255});
  EXPECT_EQ((x + 1).dtype(), uint8);
  EXPECT_EQ(ints(x + 1), (std::vector<int64_t>{1, 101, 0}));
  EXPECT_EQ(ints(255 - x), (std::vector<int64_t>{255, 155, 0}));
  EXPECT_EQ((x + true).dtype(), uint8);
  EXPECT_EQ((x * 0.5).dtype(), float64);  // NEP 50: a float scalar gives the default float
  EXPECT_EQ((x / 255.0).dtype(), float64);
  EXPECT_EQ((x / 255.0f).dtype(), float64);
  const Tensor scaled = x.astype(float32) / 255.0f;  // the usual pixel scaling keeps float32
  EXPECT_EQ(scaled.dtype(), float32);
  EXPECT_EQ(scaled.to_vector<float>(), (std::vector<float>{0.f, 100.f / 255.f, 1.f}));
  EXPECT_EQ((x / x).dtype(), float64);  // true division of integers, as NumPy
  EXPECT_EQ(sqrt(x).dtype(), float32);
  EXPECT_EQ((x > 127).dtype(), bool_);
  EXPECT_EQ(x.to_vector<uint8_t>(), (std::vector<uint8_t>{0, 100, 255}));
  EXPECT_EQ((x > 127).to_vector<bool>(), (std::vector<bool>{false, false, true}));
}

TEST(UInt8, CastsToAndFromEveryDtype) {
  const Tensor x = tensor<uint8_t>({0, 1, 200, 255});
  for (DType t : kAll) {
    SCOPED_TRACE(dtype_name(t));
    const Tensor y = x.astype(t);
    EXPECT_EQ(y.dtype(), t);
    if (t == bool_) {
      EXPECT_EQ(y.to_vector<bool>(), (std::vector<bool>{false, true, true, true}));
      EXPECT_EQ(ints(y.astype(uint8)), (std::vector<int64_t>{0, 1, 1, 1}));
    } else {
      EXPECT_EQ(ints(y), (std::vector<int64_t>{0, 1, 200, 255}));  // exact in every other dtype
      EXPECT_EQ(ints(y.astype(uint8)), ints(x));                   // and back
    }
  }
  // Integers wrap modulo 256 (C++ and NumPy agree); floats in range truncate toward zero. Floats
  // outside [0, 256) are undefined, as for float -> int32 (NumPy warns and gives any value).
  EXPECT_EQ(ints(tensor({-1, 256, 257, -256}).astype(uint8)), (std::vector<int64_t>{255, 0, 1, 0}));
  EXPECT_EQ(ints(from_vector(std::vector<int64_t>{int64_t{1} << 40, -2}).astype(uint8)),
            (std::vector<int64_t>{0, 254}));
  EXPECT_EQ(ints(tensor({0.f, 0.99f, 254.5f, 255.9f}).astype(uint8)),
            (std::vector<int64_t>{0, 0, 254, 255}));
  EXPECT_EQ(tensor<uint8_t>({7}).item<uint8_t>(), 7);
  EXPECT_EQ(tensor<uint8_t>({255}).item<int32_t>(), 255);
  EXPECT_EQ(tensor<uint8_t>({255}).item<double>(), 255.0);
}

TEST(UInt8, ReductionsWidenLikeIntegers) {
  // 1000 * 255 overflows uint8 many times: sums accumulate in int64 (NumPy: uint64 on Linux;
  // nabla has no uint64 and documents int64, the rule of bool and int32 sums).
  const Tensor x = full({1000}, 255, uint8);
  EXPECT_EQ(x.dtype(), uint8);
  EXPECT_EQ(sum(x).dtype(), int64);
  EXPECT_EQ(sum(x).item<int64_t>(), 255000);
  EXPECT_EQ(prod(tensor<uint8_t>({200, 100, 3})).dtype(), int64);
  EXPECT_EQ(prod(tensor<uint8_t>({200, 100, 3})).item<int64_t>(), 60000);
  EXPECT_EQ(cumsum(tensor<uint8_t>({200, 100, 3}), 0).dtype(), int64);
  EXPECT_EQ(ints(cumsum(tensor<uint8_t>({200, 100, 3}), 0)), (std::vector<int64_t>{200, 300, 303}));
  EXPECT_EQ(mean(x).dtype(), float64);
  EXPECT_EQ(mean(x).item<double>(), 255.0);
  EXPECT_EQ(var(tensor<uint8_t>({0, 255})).item<double>(), 127.5 * 127.5);
  const Tensor y = tensor<uint8_t>({{3, 250, 250}, {0, 7, 255}});
  EXPECT_EQ(max(y).dtype(), uint8);
  EXPECT_EQ(max(y).item<int64_t>(), 255);
  EXPECT_EQ(ints(min(y, {1})), (std::vector<int64_t>{3, 0}));
  EXPECT_EQ(ints(argmax(y, 1)), (std::vector<int64_t>{1, 2}));  // the first of the ties
  EXPECT_EQ(ints(argmin(y, 0)), (std::vector<int64_t>{1, 1, 0}));
  EXPECT_EQ(all(y).item<bool>(), false);
  EXPECT_EQ(any(y).item<bool>(), true);
}

TEST(UInt8, SortsAndComparesAsUnsigned) {
  const Tensor x = tensor<uint8_t>({200, 3, 128, 3, 255});
  EXPECT_EQ(sort(x).dtype(), uint8);
  EXPECT_EQ(ints(sort(x)), (std::vector<int64_t>{3, 3, 128, 200, 255}));
  EXPECT_EQ(ints(argsort(x)), (std::vector<int64_t>{1, 3, 2, 0, 4}));
  EXPECT_EQ(ints(sort(x, 0, true)), (std::vector<int64_t>{255, 200, 128, 3, 3}));
  EXPECT_EQ((x < tensor<uint8_t>({255})).to_vector<bool>(),
            (std::vector<bool>{true, true, true, true, false}));
  // With an int32 operand both become int32: 200 > -1, not 200 > 255.
  EXPECT_EQ((x > tensor({-1})).to_vector<bool>(), std::vector<bool>(5, true));
}

TEST(UInt8, MatmulWrapsAroundLikeNumpy) {
  const Tensor a = tensor<uint8_t>({{16, 16}, {1, 2}});
  const Tensor b = tensor<uint8_t>({{16, 1}, {1, 255}});
  const Tensor c = matmul(a, b);
  EXPECT_EQ(c.dtype(), uint8);
  // [[256 + 16, 16 + 16 * 255], [16 + 2, 1 + 510]] mod 256
  EXPECT_EQ(ints(c), (std::vector<int64_t>{16, 0, 18, 255}));
}

TEST(UInt8, CreationAndRandomIntegers) {
  EXPECT_EQ(ints(zeros({2}, uint8)), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(ints(ones({2}, uint8)), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(ints(full({2}, 255, uint8)), (std::vector<int64_t>{255, 255}));
  EXPECT_EQ(ints(arange(250, 256, 2, uint8)), (std::vector<int64_t>{250, 252, 254}));
  EXPECT_EQ(ints(eye(2, {}, 0, uint8)), (std::vector<int64_t>{1, 0, 0, 1}));
  const Tensor r = random::randint(0, 256, {4000}, uint8);
  EXPECT_EQ(r.dtype(), uint8);
  EXPECT_EQ(min(r).item<int64_t>(), 0);
  EXPECT_EQ(max(r).item<int64_t>(), 255);
  expect_error<ValueError>([] { (void)random::randint(0, 257, {2}, uint8); },
                           {"randint", "out of bounds for uint8"});
  expect_error<ValueError>([] { (void)random::randint(-1, 10, {2}, uint8); },
                           {"randint", "[-1, 10)", "uint8 [0, 255]"});
  EXPECT_EQ(tensor<uint8_t>({{1, 2}, {3, 4}}).shape(), (Shape{2, 2}));
  EXPECT_EQ(from_vector(std::vector<uint8_t>{9, 8, 7}).dtype(), uint8);
}

TEST(UInt8, IndexesAndLabels) {
  const Tensor x = arange(0, 10).astype(float32);
  const Tensor index = tensor<uint8_t>({9, 0, 3});
  EXPECT_EQ(take(x, index, 0).to_vector<float>(), (std::vector<float>{9.f, 0.f, 3.f}));
  expect_error<IndexError>([&] { (void)take(x, tensor<uint8_t>({10}), 0); }, {"take", "10"});
  // Labels above 255 classes: the class range must not wrap around in uint8.
  const Tensor hot = one_hot(tensor<uint8_t>({255, 1}), 300);
  EXPECT_EQ(hot.shape(), (Shape{2, 300}));
  EXPECT_EQ(ints(argmax(hot, 1)), (std::vector<int64_t>{255, 1}));
  EXPECT_EQ(sum(hot).item<double>(), 2.0);
  // A uint8 label tensor against int64 predictions compares as int64 (accuracy computations).
  EXPECT_EQ(equal(tensor<uint8_t>({3, 200}), tensor(int64_t{200})).to_vector<bool>(),
            (std::vector<bool>{false, true}));
}

TEST(UInt8, IsNeverDifferentiable) {
  expect_error<DTypeError>([] { (void)zeros({2}, uint8).requires_grad_(); }, {"uint8"});
  const Tensor w = tensor({1.5f, 2.5f}).requires_grad_();
  const Tensor q = w.astype(uint8);  // a cast to an integer dtype ends the graph, as for int32
  EXPECT_FALSE(q.requires_grad());
  // A float op with a uint8 operand differentiates the float operand only.
  const Tensor y = sum(w * tensor<uint8_t>({3, 4}));
  EXPECT_EQ(y.dtype(), float32);
  y.backward();
  EXPECT_EQ(w.grad().to_vector<float>(), (std::vector<float>{3.f, 4.f}));
}

}  // namespace
