// Losses (nabla/nn/losses.hpp) against references written here in double (the formulas as Keras
// states them, with std::log1p and max-shifted log-sum-exp) and against the numbers printed in
// Keras 3's own docstrings; extreme logits and clipped probabilities; the reduction with sample
// weights; gradcheck of every loss w.r.t. y_pred in float64; configs, names and every error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <nabla/nabla.hpp>
#include <nabla/nn/losses.hpp>
#include <random>
#include <string>
#include <vector>

#include "unit/tensor_test_util.hpp"

namespace {
using namespace nabla;
using nabla::testing::expect_error;
using nabla::testing::layouts;
using namespace nabla::nn::losses;
using Values = std::vector<double>;

constexpr double kEps = 1e-7;  // keras.backend.epsilon()

Tensor f64(const Values& v, const Shape& shape) { return from_vector(v, shape); }
Tensor f32(const Values& v, const Shape& shape) { return from_vector(v, shape).astype(float32); }

Values random_values(size_t n, double low, double high, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(low, high);
  Values out(n);
  for (double& x : out) x = dist(gen);
  return out;
}

Values one_hot_rows(const std::vector<int64_t>& labels, int64_t classes) {
  Values out(labels.size() * static_cast<size_t>(classes), 0.0);
  for (size_t i = 0; i < labels.size(); ++i) {
    out[i * static_cast<size_t>(classes) + static_cast<size_t>(labels[i])] = 1.0;
  }
  return out;
}

void expect_values(const Tensor& got, const Values& want, double tol, const Shape& shape) {
  ASSERT_EQ(got.shape(), shape);
  const Values g = got.to_vector<double>();
  ASSERT_EQ(g.size(), want.size());
  for (size_t i = 0; i < g.size(); ++i) {
    EXPECT_NEAR(g[i], want[i], tol * (1.0 + std::abs(want[i]))) << "element " << i;
  }
}

double mean_of(const Values& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

// ---- references (per sample, rows of `width`) ----

Values rowwise(const Values& t, const Values& p, size_t width,
               const std::function<double(double, double)>& elementwise) {
  Values out;
  for (size_t r = 0; r * width < p.size(); ++r) {
    double s = 0.0;
    for (size_t j = r * width; j < (r + 1) * width; ++j) s += elementwise(t[j], p[j]);
    out.push_back(s / static_cast<double>(width));
  }
  return out;
}

double bce_logit(double z, double x) {
  return std::max(x, 0.0) - x * z + std::log1p(std::exp(-std::abs(x)));
}
double bce_prob(double z, double p, double low = kEps, double high = 1.0 - kEps) {
  const double c = std::clamp(p, low, high);
  return -(z * std::log(c) + (1.0 - z) * std::log(1.0 - c));
}
double huber(double t, double p, double delta) {
  const double e = std::abs(p - t);
  return e <= delta ? 0.5 * e * e : delta * e - 0.5 * delta * delta;
}

/// -sum(target * log_softmax(logits)) per row, log-sum-exp shifted by the row maximum.
Values cce_logits_ref(const Values& target, const Values& logits, size_t classes) {
  Values out;
  for (size_t r = 0; r * classes < logits.size(); ++r) {
    const auto begin = logits.begin() + static_cast<std::ptrdiff_t>(r * classes);
    const double m = *std::max_element(begin, begin + static_cast<std::ptrdiff_t>(classes));
    double s = 0.0;
    for (size_t j = 0; j < classes; ++j) s += std::exp(logits[r * classes + j] - m);
    const double lse = m + std::log(s);
    double loss = 0.0;
    for (size_t j = 0; j < classes; ++j) {
      loss -= target[r * classes + j] * (logits[r * classes + j] - lse);
    }
    out.push_back(loss);
  }
  return out;
}

/// Keras's probability path: rows renormalised, clipped to [eps, 1 - eps], then -sum(t log p).
Values cce_probs_ref(const Values& target, const Values& probs, size_t classes) {
  Values out;
  for (size_t r = 0; r * classes < probs.size(); ++r) {
    double total = 0.0;
    for (size_t j = 0; j < classes; ++j) total += probs[r * classes + j];
    double loss = 0.0;
    for (size_t j = 0; j < classes; ++j) {
      const double p = std::clamp(probs[r * classes + j] / total, kEps, 1.0 - kEps);
      loss -= target[r * classes + j] * std::log(p);
    }
    out.push_back(loss);
  }
  return out;
}

// ---- regression losses ----

TEST(Losses, MeanSquaredAndAbsoluteErrorMatchTheFormulas) {
  const Values t = random_values(12, -2, 2, 1), p = random_values(12, -2, 2, 2);
  const Values mse = rowwise(t, p, 3, [](double a, double b) { return (a - b) * (a - b); });
  const Values mae = rowwise(t, p, 3, [](double a, double b) { return std::abs(a - b); });
  expect_values(MeanSquaredError().call(f64(t, {4, 3}), f64(p, {4, 3})), mse, 1e-12, {4});
  expect_values(MeanAbsoluteError().call(f64(t, {4, 3}), f64(p, {4, 3})), mae, 1e-12, {4});
  // float32 in, float32 out.
  const Tensor loss32 = MeanSquaredError()(f32(t, {4, 3}), f32(p, {4, 3}));
  EXPECT_EQ(loss32.dtype(), float32);
  EXPECT_EQ(loss32.ndim(), 0);
  EXPECT_NEAR(loss32.item<double>(), mean_of(mse), 1e-6);
  EXPECT_NEAR(MeanAbsoluteError()(f64(t, {4, 3}), f64(p, {4, 3})).item<double>(), mean_of(mae),
              1e-12);
  // Integer targets are cast to y_pred's dtype.
  const Tensor ints = from_vector(std::vector<int32_t>{1, 0, 2}, {3, 1});
  EXPECT_NEAR(MeanSquaredError()(ints, f64({0.5, 0.5, 0.5}, {3, 1})).item<double>(),
              (0.25 + 0.25 + 2.25) / 3, 1e-12);
}

TEST(Losses, AlignsRankOneTargetsWithSingleColumnPredictions) {
  // Keras's squeeze_or_expand_to_same_rank: [batch] against [batch, 1] either way round.
  const Tensor t = f64({1, 2, 3}, {3}), p = f64({1.5, 2, 2}, {3, 1});
  expect_values(MeanSquaredError().call(t, p), {0.25, 0, 1}, 1e-12, {3});
  // [3, 1] vs [3]: y_pred gains the axis, then the mean over it removes it again.
  expect_values(MeanSquaredError().call(reshape(t, {3, 1}), reshape(p, {3})), {0.25, 0, 1}, 1e-12,
                {3});
  // Higher rank: the mean is over the last axis only, as Keras.
  const Values a = random_values(24, -1, 1, 3), b = random_values(24, -1, 1, 4);
  const Values ref = rowwise(a, b, 4, [](double x, double y) { return (x - y) * (x - y); });
  expect_values(MeanSquaredError().call(f64(a, {2, 3, 4}), f64(b, {2, 3, 4})), ref, 1e-12, {2, 3});
  EXPECT_NEAR(MeanSquaredError()(f64(a, {2, 3, 4}), f64(b, {2, 3, 4})).item<double>(), mean_of(ref),
              1e-12);
}

TEST(Losses, HuberIsQuadraticInsideDeltaAndLinearOutside) {
  const Values t = {0, 0, 0, 0, 1, -1};
  const Values p = {0.3, -0.9, 1.7, -4.0, 3.5, -1.2};
  for (double delta : {1.0, 0.5, 2.0}) {
    const Values ref = rowwise(t, p, 2, [&](double a, double b) { return huber(a, b, delta); });
    expect_values(Huber({.delta = delta}).call(f64(t, {3, 2}), f64(p, {3, 2})), ref, 1e-12, {3});
  }
  // Hand values for delta = 1: 0.5 * 0.3^2, 0.5 * 0.9^2, 1.7 - 0.5, 4 - 0.5, 2.5 - 0.5, 0.5 * 0.04
  expect_values(Huber().call(f64(t, {6, 1}), f64(p, {6, 1})), {0.045, 0.405, 1.2, 3.5, 2.0, 0.02},
                1e-12, {6});
}

// ---- binary cross-entropy ----

TEST(Losses, BinaryCrossentropyMatchesKerasDocstrings) {
  // keras.losses.BinaryCrossentropy docstring (Keras 3, computed in float32, printed rounded).
  const Tensor t = f32({0, 1, 0, 0}, {4}), logits = f32({-18.6, 0.51, 2.94, -12.8}, {4});
  const BinaryCrossentropy from_logits({.from_logits = true});
  EXPECT_NEAR(from_logits(t, logits).item<double>(), 0.8654, 1e-4);
  const Tensor t2 = reshape(t, {2, 2}), logits2 = reshape(logits, {2, 2});
  EXPECT_NEAR(from_logits(t2, logits2).item<double>(), 0.8654, 1e-4);
  EXPECT_NEAR(from_logits(t2, logits2, f32({0.8, 0.2}, {2})).item<double>(), 0.243, 1e-3);
  expect_values(from_logits.call(t2, logits2), {0.235, 1.496}, 1e-3, {2});
  // keras.losses.binary_crossentropy docstring: probabilities.
  expect_values(
      BinaryCrossentropy().call(f32({0, 1, 0, 0}, {2, 2}), f32({0.6, 0.4, 0.4, 0.6}, {2, 2})),
      {0.916, 0.714}, 1e-3, {2});
}

TEST(Losses, BinaryCrossentropyMatchesTheStableFormula) {
  const Values z = {0, 1, 1, 0, 1, 0, 0.3, 0.8};  // soft targets too
  const Values x = random_values(8, -6, 6, 5);
  const Values p = random_values(8, 0.01, 0.99, 6);
  expect_values(BinaryCrossentropy({.from_logits = true}).call(f64(z, {2, 4}), f64(x, {2, 4})),
                rowwise(z, x, 4, bce_logit), 1e-12, {2});
  expect_values(BinaryCrossentropy().call(f64(z, {2, 4}), f64(p, {2, 4})),
                rowwise(z, p, 4, [](double a, double b) { return bce_prob(a, b); }), 1e-12, {2});
  // Tiny losses keep their digits (log(1 + u) alone would round them to 0 in float32).
  const Tensor tiny =
      BinaryCrossentropy({.from_logits = true}).call(f32({1, 0}, {2, 1}), f32({20, -30}, {2, 1}));
  const Values got = tiny.to_vector<double>();
  const Values want = {std::log1p(std::exp(-20.0)), std::log1p(std::exp(-30.0))};
  for (size_t i = 0; i < 2; ++i) EXPECT_NEAR(got[i], want[i], 1e-6 * want[i]);  // relative
  // Between the two branches of log(1 + u) (u = 1e-3 at |x| = 6.9) the loss stays smooth.
  const Values boundary = {6.5, 6.9, 6.9077, 6.91, 7.5};
  const Values near = BinaryCrossentropy({.from_logits = true})
                          .call(f64({1, 1, 1, 1, 1}, {5, 1}), f64(boundary, {5, 1}))
                          .to_vector<double>();
  for (size_t i = 0; i < boundary.size(); ++i) {
    EXPECT_NEAR(near[i], std::log1p(std::exp(-boundary[i])), 1e-12 * near[i]) << boundary[i];
  }
}

TEST(Losses, BinaryCrossentropyOfExtremeLogitsIsFiniteWithFiniteGradients) {
  for (DType dtype : {float32, float64}) {
    const Values z = {1, 0, 1, 0, 1, 0};
    const Values x = {100, 100, -100, -100, 0, 0};
    Tensor logits = f64(x, {6, 1}).astype(dtype).requires_grad_();
    const Tensor values = BinaryCrossentropy({.from_logits = true}).call(f64(z, {6}), logits);
    Values ref;
    for (size_t i = 0; i < z.size(); ++i) ref.push_back(bce_logit(z[i], x[i]));
    expect_values(values, ref, 1e-6, {6});
    EXPECT_EQ(values.to_vector<double>()[0], values.to_vector<double>()[0]);  // not NaN
    const Tensor loss = BinaryCrossentropy({.from_logits = true})(f64(z, {6}), logits);
    loss.backward();
    // d/dx mean = (sigmoid(x) - z) / 6, also at x = 0 (where relu/abs would give -z/6).
    Values grad;
    for (size_t i = 0; i < z.size(); ++i) grad.push_back((1 / (1 + std::exp(-x[i])) - z[i]) / 6);
    expect_values(logits.grad(), grad, 1e-6, {6, 1});
  }
}

TEST(Losses, BinaryCrossentropyClipsProbabilitiesAtZeroAndOne) {
  const Values z = {1, 0, 0, 1};
  const Values p = {0, 1, 0, 1};
  // float64: the clip bounds are exactly 1e-7 and 1 - 1e-7.
  Values ref;
  for (size_t i = 0; i < z.size(); ++i) ref.push_back(bce_prob(z[i], p[i]));
  Tensor probs = f64(p, {4, 1}).requires_grad_();
  expect_values(BinaryCrossentropy().call(f64(z, {4}), probs), ref, 1e-9, {4});
  EXPECT_NEAR(ref[0], -std::log(1e-7), 1e-9);  // 16.118...
  // float32: the bounds as float32 rounds them, as Keras's float32 clip.
  Values ref32;
  for (size_t i = 0; i < z.size(); ++i) {
    ref32.push_back(bce_prob(z[i], p[i], static_cast<float>(kEps), static_cast<float>(1 - kEps)));
  }
  expect_values(BinaryCrossentropy().call(f32(z, {4}), f32(p, {4, 1})), ref32, 1e-5, {4});
  // Clipped predictions get no gradient (as TensorFlow's clip_by_value) and nothing is NaN.
  BinaryCrossentropy()(f64(z, {4}), probs).backward();
  for (double g : probs.grad().to_vector<double>()) EXPECT_EQ(g, 0.0);
}

TEST(Losses, BinaryCrossentropyLabelSmoothingSqueezesTargetsTowardsHalf) {
  const Values z = {0, 1, 1, 0};
  const Values x = {-1.5, 0.2, 3.0, 0.7};
  for (double smoothing : {0.1, 0.5, 1.0}) {
    Values smoothed;
    for (double v : z) smoothed.push_back(v * (1 - smoothing) + 0.5 * smoothing);
    const BinaryCrossentropy logits({.from_logits = true, .label_smoothing = smoothing});
    expect_values(logits.call(f64(z, {2, 2}), f64(x, {2, 2})), rowwise(smoothed, x, 2, bce_logit),
                  1e-12, {2});
    const Values p = {0.1, 0.6, 0.9, 0.3};
    expect_values(
        BinaryCrossentropy({.label_smoothing = smoothing}).call(f64(z, {2, 2}), f64(p, {2, 2})),
        rowwise(smoothed, p, 2, [](double a, double b) { return bce_prob(a, b); }), 1e-12, {2});
  }
}

TEST(Losses, BinaryCrossentropyAxisChoosesTheAveragedAxis) {
  const Values z = {0, 1, 1, 0, 1, 1};
  const Values x = random_values(6, -3, 3, 7);
  const BinaryCrossentropy last({.from_logits = true});
  const BinaryCrossentropy first({.from_logits = true, .axis = 0});
  const Tensor zt = f64(z, {2, 3}), xt = f64(x, {2, 3});
  expect_values(first.call(transpose(zt), transpose(xt)), last.call(zt, xt).to_vector<double>(),
                1e-12, {2});
}

// ---- categorical cross-entropy ----

TEST(Losses, CategoricalCrossentropyMatchesKerasDocstrings) {
  // keras.losses.CategoricalCrossentropy docstring (float32, printed rounded).
  const Tensor t = f32({0, 1, 0, 0, 0, 1}, {2, 3});
  const Tensor p = f32({0.05, 0.95, 0, 0.1, 0.8, 0.1}, {2, 3});
  const CategoricalCrossentropy cce;
  EXPECT_NEAR(cce(t, p).item<double>(), 1.177, 1e-3);
  EXPECT_NEAR(cce(t, p, f32({0.3, 0.7}, {2})).item<double>(), 0.814, 1e-3);
  expect_values(cce.call(t, p), {0.0513, 2.303}, 1e-3, {2});
}

TEST(Losses, CategoricalCrossentropyMatchesTheFormulas) {
  const std::vector<int64_t> labels = {2, 0, 1, 3};
  const Values t = one_hot_rows(labels, 4);
  const Values logits = random_values(16, -5, 5, 8);
  expect_values(
      CategoricalCrossentropy({.from_logits = true}).call(f64(t, {4, 4}), f64(logits, {4, 4})),
      cce_logits_ref(t, logits, 4), 1e-12, {4});
  // Unnormalised and zero probabilities: renormalised, then clipped, as Keras.
  Values probs = random_values(16, 0.0, 3.0, 9);
  probs[1] = 0.0;
  probs[4] = 0.0;  // the true class of row 1: loss -log(1e-7)
  expect_values(CategoricalCrossentropy().call(f64(t, {4, 4}), f64(probs, {4, 4})),
                cce_probs_ref(t, probs, 4), 1e-12, {4});
  EXPECT_NEAR(
      CategoricalCrossentropy().call(f64(t, {4, 4}), f64(probs, {4, 4})).to_vector<double>()[1],
      -std::log(1e-7), 1e-9);
  // Soft targets.
  const Values soft = {0.2, 0.3, 0.5, 0.0, 0.1, 0.1, 0.1, 0.7};
  expect_values(
      CategoricalCrossentropy({.from_logits = true})
          .call(f64(soft, {2, 4}), f64(Values(logits.begin(), logits.begin() + 8), {2, 4})),
      cce_logits_ref(soft, Values(logits.begin(), logits.begin() + 8), 4), 1e-12, {2});
}

TEST(Losses, CategoricalCrossentropyOfExtremeLogitsIsFinite) {
  for (DType dtype : {float32, float64}) {
    const Values logits = {100, -100, 0, -100, 100, 100, 0, 0, -100};
    const Values t = one_hot_rows({1, 0, 2}, 3);
    Tensor x = f64(logits, {3, 3}).astype(dtype).requires_grad_();
    const CategoricalCrossentropy cce({.from_logits = true});
    expect_values(cce.call(f64(t, {3, 3}), x), cce_logits_ref(t, logits, 3), 1e-6, {3});
    cce(f64(t, {3, 3}), x).backward();
    for (double g : x.grad().to_vector<double>()) EXPECT_TRUE(std::isfinite(g));
  }
}

TEST(Losses, CategoricalCrossentropyLabelSmoothingSpreadsMassOverClasses) {
  const Values t = one_hot_rows({0, 2}, 3);
  const Values logits = {2.0, -1.0, 0.5, 0.1, 0.2, 3.0};
  const double smoothing = 0.2;
  Values smoothed;
  for (double v : t) smoothed.push_back(v * (1 - smoothing) + smoothing / 3);
  expect_values(CategoricalCrossentropy({.from_logits = true, .label_smoothing = smoothing})
                    .call(f64(t, {2, 3}), f64(logits, {2, 3})),
                cce_logits_ref(smoothed, logits, 3), 1e-12, {2});
}

TEST(Losses, CategoricalCrossentropyAxisChoosesTheClassAxis) {
  const Values t = one_hot_rows({1, 2}, 3);
  const Values logits = random_values(6, -2, 2, 10);
  const Tensor tt = f64(t, {2, 3}), xt = f64(logits, {2, 3});
  const Tensor along_first =
      CategoricalCrossentropy({.from_logits = true, .axis = 0}).call(transpose(tt), transpose(xt));
  expect_values(along_first, cce_logits_ref(t, logits, 3), 1e-12, {2});
}

// ---- sparse categorical cross-entropy ----

TEST(Losses, SparseCategoricalCrossentropyMatchesKerasDocstrings) {
  // keras.losses.SparseCategoricalCrossentropy docstring (float32, printed rounded).
  const Tensor labels = from_vector(std::vector<int64_t>{1, 2});
  const Tensor p = f32({0.05, 0.95, 0, 0.1, 0.8, 0.1}, {2, 3});
  const SparseCategoricalCrossentropy scce;
  EXPECT_NEAR(scce(labels, p).item<double>(), 1.177, 1e-3);
  EXPECT_NEAR(scce(labels, p, f32({0.3, 0.7}, {2})).item<double>(), 0.814, 1e-3);
  expect_values(scce.call(labels, p), {0.0513, 2.303}, 1e-3, {2});
}

TEST(Losses, SparseCategoricalCrossentropyEqualsTheOneHotLoss) {
  const std::vector<int64_t> labels = {3, 0, 4, 4, 1, 2};
  const Values t = one_hot_rows(labels, 5);
  const Values logits = random_values(30, -8, 8, 11);
  Values probs = random_values(30, 0.0, 1.0, 12);
  probs[3] = 0.0;  // row 0's true class (label 3) has probability 0: clipped to 1e-7
  const Values want_logits = cce_logits_ref(t, logits, 5);
  const Values want_probs = cce_probs_ref(t, probs, 5);
  const SparseCategoricalCrossentropy from_logits({.from_logits = true});
  // int64, int32, [batch, 1] and float labels all mean the same classes.
  const Tensor l64 = from_vector(labels);
  for (const Tensor& y : {l64, l64.astype(int32), reshape(l64, {6, 1}), l64.astype(float32)}) {
    expect_values(from_logits.call(y, f64(logits, {6, 5})), want_logits, 1e-12, {6});
    expect_values(SparseCategoricalCrossentropy().call(y, f64(probs, {6, 5})), want_probs, 1e-12,
                  {6});
  }
  EXPECT_NEAR(from_logits(l64, f64(logits, {6, 5})).item<double>(), mean_of(want_logits), 1e-12);
}

TEST(Losses, SparseCategoricalCrossentropyOfExtremeLogitsIsFinite) {
  for (DType dtype : {float32, float64}) {
    const Values logits = {100, -100, 0, -100, 100, 100};
    Tensor x = f64(logits, {2, 3}).astype(dtype).requires_grad_();
    const Tensor labels = from_vector(std::vector<int64_t>{1, 0});
    const SparseCategoricalCrossentropy scce({.from_logits = true});
    expect_values(scce.call(labels, x), cce_logits_ref(one_hot_rows({1, 0}, 3), logits, 3), 1e-6,
                  {2});
    scce(labels, x).backward();
    // d/dx = (softmax(x) - onehot) / batch.
    const Values g = x.grad().to_vector<double>();
    EXPECT_NEAR(g[0], 0.5, 1e-6);
    EXPECT_NEAR(g[1], -0.5, 1e-6);
    EXPECT_NEAR(g[3], -0.5, 1e-6);
    EXPECT_NEAR(g[4], 0.25, 1e-6);
    for (double v : g) EXPECT_TRUE(std::isfinite(v));
  }
}

TEST(Losses, SparseCategoricalCrossentropyAcceptsAClassAxis) {
  const std::vector<int64_t> labels = {2, 0};
  const Values logits = random_values(6, -2, 2, 13);
  const Tensor x = transpose(f64(logits, {2, 3}));  // classes first: [3, 2]
  expect_values(
      SparseCategoricalCrossentropy({.from_logits = true, .axis = 0}).call(from_vector(labels), x),
      cce_logits_ref(one_hot_rows(labels, 3), logits, 3), 1e-12, {2});
}

// ---- reduction and sample weights ----

TEST(Losses, ReductionIsTheWeightedSumOverTheNumberOfValues) {
  const Values t = random_values(8, -1, 1, 14), p = random_values(8, -1, 1, 15);
  const Values per = rowwise(t, p, 2, [](double a, double b) { return (a - b) * (a - b); });
  const Values w = {0.5, 2.0, 0.0, 1.5};
  double want = 0.0;
  for (size_t i = 0; i < 4; ++i) want += per[i] * w[i];
  want /= 4.0;  // Keras divides by the batch size, not by sum(w)
  const MeanSquaredError mse;
  EXPECT_NEAR(mse(f64(t, {4, 2}), f64(p, {4, 2}), f64(w, {4})).item<double>(), want, 1e-12);
  EXPECT_NEAR(mse(f64(t, {4, 2}), f64(p, {4, 2}), f64(w, {4, 1})).item<double>(), want, 1e-12);
  EXPECT_NEAR(mse(f64(t, {4, 2}), f64(p, {4, 2}), f32(w, {4})).item<double>(), want, 1e-7);
  // A scalar weight scales everything.
  EXPECT_NEAR(mse(f64(t, {4, 2}), f64(p, {4, 2}), scalar_tensor(2.0, float64)).item<double>(),
              2.0 * mean_of(per), 1e-12);
  // [batch] weights scale every value of their sample when call() keeps more axes.
  const Values big_t = random_values(24, -1, 1, 16), big_p = random_values(24, -1, 1, 17);
  const Values per3 =
      rowwise(big_t, big_p, 4, [](double a, double b) { return (a - b) * (a - b); });  // [2, 3]
  const double want3 = (per3[0] + per3[1] + per3[2] + 3 * (per3[3] + per3[4] + per3[5])) / 6.0;
  EXPECT_NEAR(mse(f64(big_t, {2, 3, 4}), f64(big_p, {2, 3, 4}), f64({1, 3}, {2})).item<double>(),
              want3, 1e-12);
}

TEST(Losses, EmptyBatchGivesZero) {
  const Tensor loss = MeanSquaredError()(zeros({0, 3}), zeros({0, 3}));
  EXPECT_EQ(loss.ndim(), 0);
  EXPECT_EQ(loss.item<double>(), 0.0);
  const Tensor sparse =
      SparseCategoricalCrossentropy({.from_logits = true})(zeros({0}, int64), zeros({0, 4}));
  EXPECT_EQ(sparse.item<double>(), 0.0);
}

// ---- gradients (autodiff of the composites) ----

TEST(Losses, GradcheckEveryLossWithRespectToPredictions) {
  const Values t = random_values(12, -1, 1, 20);
  const Values x = random_values(12, -3, 3, 21);
  const Values probs = random_values(12, 0.05, 0.95, 22);
  const Values binary = {0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 1};
  const std::vector<int64_t> labels = {2, 0, 3};
  const Values onehot = one_hot_rows(labels, 4);
  const Tensor weight = f64({0.5, 1.5, 2.0}, {3});

  struct Case {
    std::string what;
    std::shared_ptr<Loss> loss;
    Tensor y_true;
    Values y_pred;
  };
  const std::vector<Case> cases = {
      {"mse", std::make_shared<MeanSquaredError>(), f64(t, {3, 4}), x},
      {"mae", std::make_shared<MeanAbsoluteError>(), f64(t, {3, 4}), x},
      {"huber", std::make_shared<Huber>(HuberOptions{.delta = 1.3}), f64(t, {3, 4}), x},
      {"bce logits", std::make_shared<BinaryCrossentropy>(CrossentropyOptions{.from_logits = true}),
       f64(binary, {3, 4}), x},
      {"bce logits smoothed",
       std::make_shared<BinaryCrossentropy>(
           CrossentropyOptions{.from_logits = true, .label_smoothing = 0.2}),
       f64(binary, {3, 4}), x},
      {"bce probs", std::make_shared<BinaryCrossentropy>(), f64(binary, {3, 4}), probs},
      {"cce logits",
       std::make_shared<CategoricalCrossentropy>(CrossentropyOptions{.from_logits = true}),
       f64(onehot, {3, 4}), x},
      {"cce logits smoothed",
       std::make_shared<CategoricalCrossentropy>(
           CrossentropyOptions{.from_logits = true, .label_smoothing = 0.1}),
       f64(onehot, {3, 4}), x},
      {"cce probs", std::make_shared<CategoricalCrossentropy>(), f64(onehot, {3, 4}), probs},
      {"sparse logits",
       std::make_shared<SparseCategoricalCrossentropy>(CrossentropyOptions{.from_logits = true}),
       from_vector(labels), x},
      {"sparse probs", std::make_shared<SparseCategoricalCrossentropy>(), from_vector(labels),
       probs},
  };
  for (const Case& c : cases) {
    for (bool weighted : {false, true}) {
      const auto f = [&](const std::vector<Tensor>& in) {
        return weighted ? (*c.loss)(c.y_true, in[0], weight) : (*c.loss)(c.y_true, in[0]);
      };
      const auto result = nabla::testing::gradcheck(f, {f64(c.y_pred, {3, 4})});
      EXPECT_TRUE(result.passed) << c.what << (weighted ? " weighted" : "") << ": "
                                 << result.report;
      // The per-sample values too (a non-uniform output weighting).
      const auto per_sample = nabla::testing::gradcheck(
          [&](const std::vector<Tensor>& in) { return c.loss->call(c.y_true, in[0]); },
          {f64(c.y_pred, {3, 4})});
      EXPECT_TRUE(per_sample.passed) << c.what << " call: " << per_sample.report;
    }
  }
}

TEST(Losses, GradcheckAtExtremeAndZeroLogits) {
  const Values x = {-30, -4, 0, 0, 4, 30};
  const Tensor z = f64({1, 0, 1, 0, 1, 0}, {6});
  const BinaryCrossentropy bce({.from_logits = true});
  EXPECT_TRUE(nabla::testing::gradcheck(
                  [&](const std::vector<Tensor>& in) { return bce(z, in[0]); }, {f64(x, {6, 1})})
                  .passed);
  const CategoricalCrossentropy cce({.from_logits = true});
  const Tensor onehot = f64(one_hot_rows({0, 2}, 3), {2, 3});
  EXPECT_TRUE(
      nabla::testing::gradcheck([&](const std::vector<Tensor>& in) { return cce(onehot, in[0]); },
                                {f64(x, {2, 3})})
          .passed);
}

// ---- config and names ----

TEST(Losses, ConfigsUseKerasKeys) {
  EXPECT_EQ(MeanSquaredError().get_config(),
            (nlohmann::json{{"name", "mean_squared_error"}, {"reduction", "sum_over_batch_size"}}));
  EXPECT_EQ(MeanAbsoluteError().get_config()["name"], "mean_absolute_error");
  const nlohmann::json huber_config = Huber({.delta = 2.5}).get_config();
  EXPECT_EQ(huber_config["name"], "huber_loss");
  EXPECT_EQ(huber_config["delta"], 2.5);
  const nlohmann::json bce =
      BinaryCrossentropy({.from_logits = true, .label_smoothing = 0.1}).get_config();
  EXPECT_EQ(bce, (nlohmann::json{{"name", "binary_crossentropy"},
                                 {"reduction", "sum_over_batch_size"},
                                 {"from_logits", true},
                                 {"label_smoothing", 0.1},
                                 {"axis", -1}}));
  EXPECT_EQ(CategoricalCrossentropy().get_config()["from_logits"], false);
  EXPECT_EQ(CategoricalCrossentropy().get_config()["name"], "categorical_crossentropy");
  const nlohmann::json sparse = SparseCategoricalCrossentropy({.from_logits = true}).get_config();
  EXPECT_EQ(sparse, (nlohmann::json{{"name", "sparse_categorical_crossentropy"},
                                    {"reduction", "sum_over_batch_size"},
                                    {"from_logits", true},
                                    {"ignore_class", nullptr}}));
}

template <class T>
bool resolves_to(const LossRef& ref) {
  return ref.defined() && dynamic_cast<T*>(ref.get().get()) != nullptr;
}

TEST(Losses, LossRefResolvesKerasNamesAndAliases) {
  for (const char* name : {"mse", "MSE", "mean_squared_error", "MeanSquaredError"}) {
    EXPECT_TRUE(resolves_to<MeanSquaredError>(name)) << name;
  }
  for (const char* name : {"mae", "MAE", "mean_absolute_error", "MeanAbsoluteError"}) {
    EXPECT_TRUE(resolves_to<MeanAbsoluteError>(name)) << name;
  }
  for (const char* name : {"huber", "huber_loss", "Huber"}) {
    EXPECT_TRUE(resolves_to<Huber>(name)) << name;
  }
  for (const char* name : {"bce", "BCE", "binary_crossentropy", "BinaryCrossentropy"}) {
    EXPECT_TRUE(resolves_to<BinaryCrossentropy>(name)) << name;
  }
  EXPECT_TRUE(resolves_to<CategoricalCrossentropy>("categorical_crossentropy"));
  EXPECT_TRUE(resolves_to<CategoricalCrossentropy>(std::string("CategoricalCrossentropy")));
  EXPECT_TRUE(resolves_to<SparseCategoricalCrossentropy>("sparse_categorical_crossentropy"));
  EXPECT_TRUE(resolves_to<SparseCategoricalCrossentropy>("SparseCategoricalCrossentropy"));
  // Names resolve to the defaults (probabilities, not logits).
  EXPECT_EQ(LossRef("bce").get()->get_config()["from_logits"], false);
  // A Loss object keeps its options.
  const LossRef object = BinaryCrossentropy({.from_logits = true});
  EXPECT_EQ(object.get()->get_config()["from_logits"], true);
  EXPECT_FALSE(LossRef().defined());
  expect_error<ValueError>(
      [] { (void)LossRef("mean_squared_eror"); },
      {"mean_squared_eror", "Known names", "mse", "huber", "sparse_categorical_crossentropy"});
  expect_error<ValueError>([] { (void)LossRef(""); }, {"Could not interpret loss identifier"});
}

// ---- errors ----

TEST(Losses, ShapeMismatchesNameTheLossAndTheShapes) {
  expect_error<ShapeError>(
      [] {
        (void)MeanSquaredError()(zeros({4, 3}), zeros({4, 2}));
      },
      {"mean_squared_error", "[4, 3]", "[4, 2]"});
  expect_error<ShapeError>([] { (void)MeanAbsoluteError().call(zeros({4}), zeros({5})); },
                           {"mean_absolute_error", "[4]", "[5]"});
  expect_error<ShapeError>(
      [] {
        (void)Huber().call(zeros({2, 3}), zeros({3, 2}));
      },
      {"huber_loss", "[2, 3]", "[3, 2]"});
  expect_error<ShapeError>(
      [] {
        (void)BinaryCrossentropy()(zeros({8}), zeros({8, 2}));
      },
      {"binary_crossentropy", "[8]", "[8, 2]"});
  expect_error<ShapeError>(
      [] {
        (void)CategoricalCrossentropy()(zeros({8, 10}), zeros({8, 9}));
      },
      {"categorical_crossentropy", "[8, 10]", "[8, 9]"});
  // Sparse labels: [batch] or [batch, 1] only.
  expect_error<ShapeError>(
      [] {
        (void)SparseCategoricalCrossentropy()(zeros({8, 10}, int64), zeros({8, 10}));
      },
      {"sparse_categorical_crossentropy", "[8, 10]", "[8]"});
  expect_error<ShapeError>(
      [] {
        (void)SparseCategoricalCrossentropy()(zeros({7}, int64), zeros({8, 10}));
      },
      {"sparse_categorical_crossentropy", "[7]", "[8, 10]"});
  // A 0-d prediction has no axis to reduce.
  expect_error<ShapeError>(
      [] { (void)MeanSquaredError()(scalar_tensor(1.0, float32), scalar_tensor(1.0, float32)); },
      {"mean_squared_error", "at least one axis"});
  expect_error<ShapeError>(
      [] {
        (void)SparseCategoricalCrossentropy()(scalar_tensor(1, int64), scalar_tensor(1.0, float32));
      },
      {"sparse_categorical_crossentropy", "at least one axis"});
  // Sample weights that fit neither [batch] nor the values.
  expect_error<ShapeError>(
      [] {
        (void)MeanSquaredError()(zeros({4, 3}), zeros({4, 3}), ones({3}));
      },
      {"mean_squared_error", "sample_weight", "[3]", "[4]"});
  expect_error<ShapeError>(
      [] {
        (void)MeanSquaredError()(zeros({4, 3}), zeros({4, 3}), ones({4, 2, 2}));
      },
      {"mean_squared_error", "sample_weight", "[4, 2, 2]"});
}

TEST(Losses, BadLabelsAndOptionsAreClearErrors) {
  const Tensor probs = full({2, 3}, 1.0 / 3, float32);
  expect_error<IndexError>(
      [&] {
        (void)SparseCategoricalCrossentropy()(from_vector(std::vector<int64_t>{0, 3}), probs);
      },
      {"sparse_categorical_crossentropy", "label 3", "[0, 3)"});
  expect_error<IndexError>(
      [&] {
        (void)SparseCategoricalCrossentropy({.from_logits = true})(
            from_vector(std::vector<int32_t>{-1, 0}), probs);
      },
      {"sparse_categorical_crossentropy", "label -1"});
  expect_error<ValueError>([] { (void)BinaryCrossentropy({.label_smoothing = 1.5}); },
                           {"binary_crossentropy", "label_smoothing", "1.5"});
  expect_error<ValueError>([] { (void)CategoricalCrossentropy({.label_smoothing = -0.1}); },
                           {"categorical_crossentropy", "label_smoothing"});
  expect_error<ValueError>([] { (void)SparseCategoricalCrossentropy({.label_smoothing = 0.1}); },
                           {"sparse_categorical_crossentropy", "label_smoothing"});
  expect_error<ValueError>([] { (void)Huber({.delta = 0.0}); }, {"huber_loss", "delta"});
  expect_error<IndexError>([&] { (void)CategoricalCrossentropy({.axis = 2}).call(probs, probs); },
                           {"categorical_crossentropy", "axis 2"});
  expect_error<IndexError>([&] { (void)BinaryCrossentropy({.axis = -3}).call(probs, probs); },
                           {"binary_crossentropy", "axis -3"});
  expect_error<ValueError>([&] { (void)MeanSquaredError()(Tensor(), probs); },
                           {"mean_squared_error", "defined"});
}

}  // namespace
