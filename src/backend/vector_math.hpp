// float exp, tanh and sigmoid without branches or library calls, so that the compiler vectorises
// the loops that call them (glibc's expf/tanhf are scalar calls: a 1M-element exp took 2.6 ms
// against NumPy's 0.6 ms, bench/RESULTS.md "Elementwise"). Used by the Exp, Tanh and Sigmoid
// functors for float32, which the recurrent layers' gate math runs on; float64 keeps std::.
// Accuracy against the double-precision functions is checked over a sweep of inputs in
// tests/unit/test_vector_math.cpp.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

#ifndef NABLA_HOST_DEVICE
#define NABLA_HOST_DEVICE
#endif

namespace nabla::vector_math {

/// e^x. x = n ln2 + r with |r| <= ln2 / 2 (n = x / ln2 rounded to nearest) (ln2 split in a part
/// whose products with n are exact and a small rest), e^r by its Taylor series through r^7
/// (truncation below 6e-9 relative, under a tenth of an ulp), and 2^n applied as two powers of two
/// so that results in the subnormal range come out right. Overflows to inf above ~88.72, underflows
/// to 0 below ~-103.97, NaN in, NaN out.
NABLA_HOST_DEVICE inline float exp(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2High = 0.693145751953125f;  // 16 significant bits: n * kLn2High is exact
  constexpr float kLn2Low = 1.42860682030941723212e-6f;
  // Comparisons and the round-to-nearest trick below, not fmin/fmax/floor: GCC vectorises those
  // only under -ffast-math. A NaN compares false and becomes -105 here (it is returned as is).
  const float low = x > -105.0f ? x : -105.0f;
  const float clamped = low < 88.8f ? low : 88.8f;
  // Adding and subtracting 1.5 * 2^23 rounds a float below 2^22 in size to the nearest integer.
  constexpr float kRound = 12582912.0f;
  const float n = (clamped * kLog2e + kRound) - kRound;
  const float r = (clamped - n * kLn2High) - n * kLn2Low;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // 2^n as 2^half * 2^(n - half): both factors are normal floats for n in [-152, 128].
  const auto whole = static_cast<int32_t>(n);
  const int32_t half = whole / 2;
  const float scale_a = std::bit_cast<float>((half + 127) << 23);
  const float scale_b = std::bit_cast<float>((whole - half + 127) << 23);
  const float result = p * scale_a * scale_b;
  return x != x ? x : result;
}

/// tanh(x). Below |x| = 0.3 its odd Taylor series through x^13 (the next term is under 2e-11);
/// above, 1 - 2 / (e^(2|x|) + 1) with x's sign, which loses at most 2 bits to cancellation near
/// 0.3 and saturates to exactly +-1 from |x| ~ 9 on.
NABLA_HOST_DEVICE inline float tanh(float x) {
  const float a = std::fabs(x);
  const float x2 = x * x;
  float p = 21844.0f / 6081075.0f;
  p = p * x2 - 1382.0f / 155925.0f;
  p = p * x2 + 62.0f / 2835.0f;
  p = p * x2 - 17.0f / 315.0f;
  p = p * x2 + 2.0f / 15.0f;
  p = p * x2 - 1.0f / 3.0f;
  const float small = a + a * (x2 * p);
  const float large = 1.0f - 2.0f / (exp(2.0f * a) + 1.0f);
  return std::copysign(a < 0.3f ? small : large, x);  // tanh is odd; keeps tanh(-0) = -0
}

/// 1 / (1 + e^-x), from e^-|x| only (never overflows).
NABLA_HOST_DEVICE inline float sigmoid(float x) {
  const float e = exp(-std::fabs(x));
  const float inverse = 1.0f / (1.0f + e);
  return x >= 0.0f ? inverse : e * inverse;
}

}  // namespace nabla::vector_math
