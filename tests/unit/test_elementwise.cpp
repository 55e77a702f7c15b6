// Elementwise semantics the op table's random inputs do not reach: NaN and infinities, integer
// powers, bool rules, promotion corner cases, large and strided inputs across threads.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nabla/nabla.hpp>

namespace {
using namespace nabla;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(Elementwise, NaNPropagatesThroughMaximumMinimumAndSign) {
  Tensor a = tensor({1.0, kNaN, 3.0});
  Tensor b = tensor({kNaN, 2.0, 1.0});
  auto mx = maximum(a, b).to_vector<double>();
  EXPECT_TRUE(std::isnan(mx[0]));
  EXPECT_TRUE(std::isnan(mx[1]));
  EXPECT_EQ(mx[2], 3.0);
  auto mn = minimum(a, b).to_vector<double>();
  EXPECT_TRUE(std::isnan(mn[0]) && std::isnan(mn[1]));
  EXPECT_EQ(mn[2], 1.0);
  EXPECT_TRUE(std::isnan(sign(tensor({kNaN})).item<double>()));
  EXPECT_TRUE(std::isnan(relu(tensor({kNaN})).item<double>()));
  EXPECT_EQ((tensor({kNaN}) == tensor({kNaN})).item<bool>(), false);
  EXPECT_EQ((tensor({kNaN}) != tensor({kNaN})).item<bool>(), true);
}

TEST(Elementwise, DivisionFollowsIeeeAndTrueDivision) {
  auto q = (tensor({1.0, -1.0, 0.0}) / 0.0).to_vector<double>();
  EXPECT_EQ(q[0], kInf);
  EXPECT_EQ(q[1], -kInf);
  EXPECT_TRUE(std::isnan(q[2]));
  Tensor ints = tensor({7, -7}) / tensor({2, 2});
  EXPECT_EQ(ints.dtype(), float64);
  EXPECT_EQ(ints.to_vector<double>(), (std::vector<double>{3.5, -3.5}));
}

TEST(Elementwise, SigmoidIsStableAtTheExtremes) {
  auto s = sigmoid(tensor({-1000.f, 0.f, 1000.f})).to_vector<float>();
  EXPECT_EQ(s[0], 0.f);
  EXPECT_EQ(s[1], 0.5f);
  EXPECT_EQ(s[2], 1.f);
  EXPECT_FALSE(std::isnan(sigmoid(tensor({-100.0})).item<double>()));
}

TEST(Elementwise, IntegerPowerIsExact) {
  Tensor p = pow(tensor({int64_t{3}, int64_t{-2}, int64_t{10}}),
                 tensor({int64_t{4}, int64_t{3}, int64_t{15}}));
  EXPECT_EQ(p.to_vector<int64_t>(), (std::vector<int64_t>{81, -8, 1000000000000000}));
  Tensor negative = pow(tensor({2, 1, -1}), tensor({-1, -3, -3}));
  EXPECT_EQ(negative.to_vector<int32_t>(), (std::vector<int32_t>{0, 1, -1}));
}

TEST(Elementwise, BoolRules) {
  Tensor t = tensor({true, false}), f = tensor({true, true});
  EXPECT_EQ((t + f).dtype(), bool_);
  EXPECT_EQ((t + f).to_vector<bool>(), (std::vector<bool>{true, true}));
  EXPECT_EQ((t * f).to_vector<bool>(), (std::vector<bool>{true, false}));
  EXPECT_THROW((void)(t - f), DTypeError);
  EXPECT_THROW((void)-t, DTypeError);
  EXPECT_EQ((t + 1).dtype(), int64);  // a Python int with a bool array is int64
  EXPECT_EQ((!t).to_vector<bool>(), (std::vector<bool>{false, true}));
  EXPECT_EQ((tensor({0.0, 2.0}) && tensor({1, 1})).to_vector<bool>(),
            (std::vector<bool>{false, true}));
}

TEST(Elementwise, PromotionCornerCases) {
  EXPECT_EQ((ones({2}, int32) + ones({2}, float32)).dtype(), float64);
  EXPECT_EQ((ones({2}, int32) + 2).dtype(), int32);
  EXPECT_EQ((ones({2}, float32) * 2.0).dtype(), float32);
  EXPECT_EQ((ones({2}, int64) * 2.5f).dtype(), float64);
  EXPECT_EQ(exp(ones({2}, int64)).dtype(), float64);
  EXPECT_EQ(sqrt(ones({2}, bool_)).dtype(), float32);
  EXPECT_EQ(where(ones({2}, bool_), ones({2}, int32), 1.5).dtype(), float64);
  EXPECT_EQ(clip(tensor({-5, 0, 5}), -1, 1).to_vector<int32_t>(), (std::vector<int32_t>{-1, 0, 1}));
  EXPECT_EQ(astype(tensor({1.9f, -1.9f}), int32).to_vector<int32_t>(),
            (std::vector<int32_t>{1, -1}));
}

TEST(Elementwise, LargeStridedInputsMatchAcrossThreadCounts) {
  // 3M elements: several parallel chunks, with a transposed and a broadcast operand.
  Tensor a = arange(0, 3000 * 1000).astype(float32).reshape({3000, 1000});
  Tensor b = arange(0, 1000).astype(float32).reshape({1000, 1});
  const int threads = num_threads();
  set_num_threads(1);
  Tensor one = a.transpose() * 0.5f + b;
  set_num_threads(2);
  Tensor two = a.transpose() * 0.5f + b;
  set_num_threads(threads);
  EXPECT_EQ(one.shape(), (Shape{1000, 3000}));
  const auto x = one.to_vector<float>(), y = two.to_vector<float>();
  EXPECT_EQ(x, y);
  EXPECT_EQ(one[7][11].item<float>(), (11 * 1000 + 7) * 0.5f + 7);
}

TEST(Elementwise, ZeroSizedAndZeroDimensional) {
  EXPECT_EQ((zeros({0, 3}) + ones({3})).shape(), (Shape{0, 3}));
  EXPECT_EQ((tensor(2.f) * tensor(3.f)).item<float>(), 6.f);
  EXPECT_EQ((tensor(2.f) * ones({2, 2})).shape(), (Shape{2, 2}));
}

TEST(Elementwise, ShapeErrorsNameOpAndShapes) {
  try {
    (void)maximum(ones({2, 3}), ones({3, 2}));
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "maximum: shapes cannot be broadcast together: [2, 3] vs [3, 2]");
  }
  EXPECT_THROW((void)where(ones({2}, bool_), ones({3}), ones({4})), ShapeError);
}

}  // namespace
