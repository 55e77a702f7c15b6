// vector_math's float exp, tanh and sigmoid against the double-precision functions over a sweep
// of float inputs (every 251st bit pattern of the whole range, ~17M values, plus special values),
// in units in the last place of the correctly rounded float result. Measured (-O2 -march=native):
// exp 0.86 ulp, tanh 2.46 (near |x| = 0.32, the cancellation), sigmoid 2.48.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "backend/scalar_functors.hpp"
#include "backend/vector_math.hpp"

using namespace nabla;

namespace {

/// |got - want| in ulps of float at want (subnormal results: in units of the smallest subnormal).
double ulp_error(float got, double want) {
  const auto rounded = static_cast<float>(want);
  if (std::isinf(rounded) || std::isinf(got)) return got == rounded ? 0.0 : 1e9;
  const float next = std::nextafter(std::fabs(rounded), std::numeric_limits<float>::infinity());
  const double ulp = static_cast<double>(next) - std::fabs(static_cast<double>(rounded));
  return std::fabs(static_cast<double>(got) - want) / ulp;
}

/// The worst ulp error of f against reference over the sweep, restricted to inputs in [lo, hi].
template <class F, class R>
double worst_over_sweep(F f, R reference, float lo, float hi, float* worst_at) {
  double worst = 0;
  for (uint64_t bits = 0; bits < (uint64_t{1} << 32); bits += 251) {
    const float x = std::bit_cast<float>(static_cast<uint32_t>(bits));
    if (!(x >= lo && x <= hi)) continue;  // also skips NaNs
    const double e = ulp_error(f(x), reference(static_cast<double>(x)));
    if (e > worst) {
      worst = e;
      *worst_at = x;
    }
  }
  return worst;
}

TEST(VectorMath, ExpWithinOneAndAHalfUlps) {
  float at = 0;
  const double worst = worst_over_sweep([](float x) { return vector_math::exp(x); },
                                        [](double x) { return std::exp(x); }, -110.0f, 90.0f, &at);
  EXPECT_LE(worst, 1.5) << "at x = " << at;
}

TEST(VectorMath, TanhWithinThreeAndAHalfUlps) {
  float at = 0;
  const double worst = worst_over_sweep([](float x) { return vector_math::tanh(x); },
                                        [](double x) { return std::tanh(x); }, -20.0f, 20.0f, &at);
  EXPECT_LE(worst, 3.5) << "at x = " << at;
}

TEST(VectorMath, SigmoidWithinThreeAndAHalfUlps) {
  float at = 0;
  const double worst =
      worst_over_sweep([](float x) { return vector_math::sigmoid(x); },
                       [](double x) { return 1.0 / (1.0 + std::exp(-x)); }, -110.0f, 110.0f, &at);
  EXPECT_LE(worst, 3.5) << "at x = " << at;
}

TEST(VectorMath, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(vector_math::exp(0.0f), 1.0f);
  EXPECT_EQ(vector_math::exp(-inf), 0.0f);
  EXPECT_EQ(vector_math::exp(inf), inf);
  EXPECT_EQ(vector_math::exp(89.0f), inf);     // overflow
  EXPECT_EQ(vector_math::exp(-104.0f), 0.0f);  // underflow
  EXPECT_GT(vector_math::exp(-100.0f), 0.0f);  // subnormal, not flushed
  EXPECT_TRUE(std::isnan(vector_math::exp(nan)));
  EXPECT_EQ(vector_math::tanh(inf), 1.0f);
  EXPECT_EQ(vector_math::tanh(-inf), -1.0f);
  EXPECT_EQ(vector_math::tanh(12.0f), 1.0f);
  EXPECT_TRUE(std::signbit(vector_math::tanh(-0.0f)));
  EXPECT_TRUE(std::isnan(vector_math::tanh(nan)));
  EXPECT_EQ(vector_math::sigmoid(inf), 1.0f);
  EXPECT_EQ(vector_math::sigmoid(-inf), 0.0f);
  EXPECT_EQ(vector_math::sigmoid(0.0f), 0.5f);
  EXPECT_TRUE(std::isnan(vector_math::sigmoid(nan)));
}

TEST(VectorMath, FunctorsUseItForFloatOnly) {
  EXPECT_EQ(scalar::Exp{}(1.25f), vector_math::exp(1.25f));
  EXPECT_EQ(scalar::Tanh{}(0.75f), vector_math::tanh(0.75f));
  EXPECT_EQ(scalar::Sigmoid{}(-2.5f), vector_math::sigmoid(-2.5f));
  EXPECT_EQ(scalar::Exp{}(1.25), std::exp(1.25));
  EXPECT_EQ(scalar::Tanh{}(0.75), std::tanh(0.75));
}

}  // namespace
