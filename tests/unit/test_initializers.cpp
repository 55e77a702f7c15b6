// Initializers: Keras's fans, the statistics and bounds of every random initializer on large
// shapes, truncation, orthogonality, seeding, configs, names and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nabla/nabla.hpp>
#include <nabla/nn/initializers.hpp>

namespace {
using namespace nabla;
namespace init = nabla::nn::initializers;

struct Stats {
  double mean = 0, var = 0, min = 0, max = 0;
};
Stats stats(const Tensor& t) {
  const auto v = t.to_vector<double>();
  Stats s;
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  for (double x : v) s.var += (x - s.mean) * (x - s.mean);
  s.var /= static_cast<double>(v.size());
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  return s;
}

/// Variance of a standard normal truncated to [-2, 2]: Keras's 0.87962566103423978 squared.
constexpr double kTruncatedVariance = 0.87962566103423978 * 0.87962566103423978;

// 200 x 300 = 60000 draws: the sample variance is within ~0.6% (1 sigma) of the true one.
const Shape kLarge{200, 300};
constexpr double kVarTol = 0.03;  // relative

TEST(Initializers, FansAsKeras) {
  auto fans = [](const Shape& s) {
    const auto f = init::compute_fans(s);
    return std::pair{f.fan_in, f.fan_out};
  };
  EXPECT_EQ(fans(Shape{}), (std::pair<int64_t, int64_t>{1, 1}));
  EXPECT_EQ(fans(Shape{7}), (std::pair<int64_t, int64_t>{7, 7}));
  EXPECT_EQ(fans(Shape{3, 5}), (std::pair<int64_t, int64_t>{3, 5}));
  EXPECT_EQ(fans(Shape{5, 4, 8}), (std::pair<int64_t, int64_t>{20, 40}));  // Conv1D [k, in, out]
  EXPECT_EQ(fans(Shape{3, 3, 16, 32}), (std::pair<int64_t, int64_t>{144, 288}));  // Conv2D
}

struct Case {
  const char* name;
  std::shared_ptr<init::Initializer> initializer;
  double variance;  // scale / n for [200, 300]
  bool uniform;
};

TEST(Initializers, VarianceScalingPresetsHaveKerasStatistics) {
  random::seed(1);
  const double fan_in = 200, fan_avg = 250;
  const Case cases[] = {
      {"glorot_uniform", std::make_shared<init::GlorotUniform>(), 1 / fan_avg, true},
      {"glorot_normal", std::make_shared<init::GlorotNormal>(), 1 / fan_avg, false},
      {"he_normal", std::make_shared<init::HeNormal>(), 2 / fan_in, false},
      {"he_uniform", std::make_shared<init::HeUniform>(), 2 / fan_in, true},
      {"lecun_normal", std::make_shared<init::LecunNormal>(), 1 / fan_in, false},
      {"lecun_uniform", std::make_shared<init::LecunUniform>(), 1 / fan_in, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.initializer->name(), c.name);
    const Tensor w = (*c.initializer)(kLarge);
    EXPECT_EQ(w.shape(), kLarge);
    EXPECT_EQ(w.dtype(), float32);
    const Stats s = stats(w);
    const double sd = std::sqrt(c.variance);
    EXPECT_NEAR(s.mean, 0.0, 0.02 * sd);
    EXPECT_NEAR(s.var / c.variance, 1.0, kVarTol);
    if (c.uniform) {  // [-limit, limit) with limit = sqrt(3 scale / n), reached at both ends
      const double limit = std::sqrt(3 * c.variance);
      EXPECT_GE(s.min, -limit);
      EXPECT_LT(s.max, limit);
      EXPECT_LT(s.min, -0.999 * limit);
      EXPECT_GT(s.max, 0.999 * limit);
    } else {  // truncated at 2 stddev of the untruncated normal (stddev = sd / 0.8796...)
      const double bound = 2 * sd / 0.87962566103423978;
      EXPECT_GE(s.min, -bound * (1 + 1e-6));
      EXPECT_LE(s.max, bound * (1 + 1e-6));
      EXPECT_LT(s.min, -0.99 * bound);
      EXPECT_GT(s.max, 0.99 * bound);
    }
  }
}

TEST(Initializers, VarianceScalingModesAndConvKernels) {
  // Conv2D kernel [3, 3, 16, 32]: fan_in 144, fan_out 288.
  random::seed(3);
  const Shape kernel{3, 3, 16, 32};
  auto variance = [&](init::VarianceScalingOptions o) {
    // Average over a few draws: 4608 elements per draw is small.
    double sum = 0;
    for (int i = 0; i < 20; ++i) sum += stats(init::VarianceScaling(o)(kernel, float64)).var;
    return sum / 20;
  };
  EXPECT_NEAR(variance({.scale = 2.0, .mode = "fan_in"}) / (2.0 / 144), 1.0, kVarTol);
  EXPECT_NEAR(variance({.mode = "fan_out", .distribution = "uniform"}) / (1.0 / 288), 1.0, kVarTol);
  EXPECT_NEAR(variance({.mode = "fan_avg", .distribution = "untruncated_normal"}) / (1.0 / 216),
              1.0, kVarTol);
  // Fans below 1 count as 1 (Keras's max(1, n)): a 0-d weight draws with variance = scale.
  const Tensor scalar = init::VarianceScaling({.distribution = "uniform"})(Shape{}, float64);
  EXPECT_EQ(scalar.shape(), Shape{});
  EXPECT_LT(std::abs(scalar.item<double>()), std::sqrt(3.0));
}

TEST(Initializers, RandomNormalUniformTruncated) {
  random::seed(2);
  {
    const Stats s = stats(init::RandomNormal()(kLarge));  // Keras defaults: mean 0, stddev 0.05
    EXPECT_NEAR(s.mean, 0.0, 1e-3);
    EXPECT_NEAR(s.var / (0.05 * 0.05), 1.0, kVarTol);
  }
  {
    const Stats s = stats(init::RandomNormal({.mean = 1.0, .stddev = 2.0})(kLarge, float64));
    EXPECT_NEAR(s.mean, 1.0, 0.04);
    EXPECT_NEAR(s.var / 4.0, 1.0, kVarTol);
  }
  {
    const Stats s = stats(init::RandomUniform()(kLarge));  // [-0.05, 0.05)
    EXPECT_GE(s.min, -0.05f);
    EXPECT_LT(s.max, 0.05f);
    EXPECT_NEAR(s.var / (0.1 * 0.1 / 12), 1.0, kVarTol);
  }
  {
    const Stats s = stats(init::RandomUniform({.minval = 2.0, .maxval = 5.0})(kLarge, float64));
    EXPECT_GE(s.min, 2.0);
    EXPECT_LT(s.max, 5.0);
    EXPECT_NEAR(s.mean, 3.5, 0.02);
    EXPECT_NEAR(s.var / 0.75, 1.0, kVarTol);
  }
  {
    // Truncated at mean ± 2 stddev; the variance is the truncated normal's.
    const Stats s = stats(init::TruncatedNormal({.mean = 1.0, .stddev = 0.5})(kLarge, float64));
    EXPECT_GE(s.min, 0.0);
    EXPECT_LE(s.max, 2.0);
    EXPECT_LT(s.min, 0.01);
    EXPECT_GT(s.max, 1.99);
    EXPECT_NEAR(s.mean, 1.0, 0.01);
    EXPECT_NEAR(s.var / (0.25 * kTruncatedVariance), 1.0, kVarTol);
  }
  {
    const Stats s = stats(init::TruncatedNormal()(kLarge));  // Keras defaults: 0, 0.05
    EXPECT_GE(s.min, -0.1f);
    EXPECT_LE(s.max, 0.1f);
  }
}

TEST(Initializers, SeededInitializersRepeatTheirValuesAndLeaveTheGlobalStreamAlone) {
  const Shape shape{30, 20};
  auto values = [&](const init::Initializer& i) { return i(shape).to_vector<float>(); };
  const init::GlorotUniform a({.seed = 7}), b({.seed = 7}), c({.seed = 8});
  EXPECT_EQ(values(a), values(a));  // Keras: a seeded initializer returns the same values
  EXPECT_EQ(values(a), values(b));
  EXPECT_NE(values(a), values(c));
  const init::TruncatedNormal t({.seed = 3});
  EXPECT_EQ(values(t), values(t));
  const init::Orthogonal o({.seed = 3});
  EXPECT_EQ(values(o), values(o));

  random::seed(11);
  const auto expected = random::uniform({5}).to_vector<float>();
  random::seed(11);
  (void)init::HeNormal({.seed = 1})(shape);
  EXPECT_EQ(random::uniform({5}).to_vector<float>(), expected);
}

TEST(Initializers, UnseededInitializersDrawFromTheGlobalStream) {
  const init::HeUniform he;
  random::seed(5);
  const auto first = he({10, 10}).to_vector<float>();
  const auto second = he({10, 10}).to_vector<float>();
  EXPECT_NE(first, second);
  random::seed(5);
  EXPECT_EQ(he({10, 10}).to_vector<float>(), first);
}

/// max |M - c I| over a square matrix.
double distance_to_identity(const Tensor& m, double c) {
  const int64_t n = m.shape()[0];
  const auto v = m.to_vector<double>();
  double worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      worst = std::max(worst, std::abs(v[static_cast<size_t>(i * n + j)] - (i == j ? c : 0.0)));
    }
  }
  return worst;
}

TEST(Initializers, OrthogonalColumnsOrRowsAreOrthonormal) {
  const init::Orthogonal ortho;
  const Tensor tall = ortho({64, 32});  // orthonormal columns
  EXPECT_EQ(tall.dtype(), float32);
  EXPECT_LT(distance_to_identity(matmul(tall.transpose(), tall), 1.0), 1e-5);
  const Tensor wide = ortho({32, 64}, float64);  // orthonormal rows
  EXPECT_LT(distance_to_identity(matmul(wide, wide.transpose()), 1.0), 1e-12);
  const Tensor square = ortho({130, 130}, float64);  // three Gram-Schmidt blocks
  EXPECT_LT(distance_to_identity(matmul(square.transpose(), square), 1.0), 1e-12);
  EXPECT_LT(distance_to_identity(matmul(square, square.transpose()), 1.0), 1e-12);
  // A conv kernel is the [3*3*4, 8] matrix reshaped.
  const Tensor kernel = ortho({3, 3, 4, 8}, float64);
  EXPECT_EQ(kernel.shape(), (Shape{3, 3, 4, 8}));
  const Tensor flat = kernel.reshape({36, 8});
  EXPECT_LT(distance_to_identity(matmul(flat.transpose(), flat), 1.0), 1e-12);
  // gain scales: W^T W = gain^2 I.
  const Tensor scaled = init::Orthogonal({.gain = 2.0})({20, 10}, float64);
  EXPECT_LT(distance_to_identity(matmul(scaled.transpose(), scaled), 4.0), 1e-12);
}

TEST(Initializers, OrthogonalIsTheQOfQrWithAPositiveDiagonal) {
  // White box: a seeded initializer reads counters 0.. of its seed's stream, which is what the
  // global stream gives right after random::seed. The normal matrix is A^T ([short, long]).
  // 100 columns span two of the Gram-Schmidt blocks.
  random::seed(9);
  const Tensor a = random::normal({100, 150}, 0.0, 1.0, float64).transpose();  // [150, 100]
  const Tensor q = init::Orthogonal({.seed = 9})({150, 100}, float64);
  EXPECT_LT(distance_to_identity(matmul(q.transpose(), q), 1.0), 1e-12);
  const Tensor r = matmul(q.transpose(), a);  // A = QR: R must be upper triangular, diag > 0
  const auto rv = r.to_vector<double>();
  for (int64_t i = 0; i < 100; ++i) {
    EXPECT_GT(rv[static_cast<size_t>(i * 100 + i)], 0.0);
    for (int64_t j = 0; j < i; ++j) {
      ASSERT_NEAR(rv[static_cast<size_t>(i * 100 + j)], 0.0, 1e-11) << i << ", " << j;
    }
  }
  EXPECT_LT(max(abs(matmul(q, r) - a)).item<double>(), 1e-11);
}

TEST(Initializers, Constants) {
  EXPECT_EQ(init::Zeros()({2, 3}).to_vector<float>(), std::vector<float>(6, 0.0f));
  EXPECT_EQ(init::Ones()({4}, float64).to_vector<double>(), std::vector<double>(4, 1.0));
  const Tensor c = init::Constant(3.5)({2, 2});
  EXPECT_EQ(c.dtype(), float32);
  EXPECT_EQ(c.to_vector<float>(), std::vector<float>(4, 3.5f));
  EXPECT_EQ(init::Zeros()({3}, int64).dtype(), int64);  // constants take any dtype
  EXPECT_EQ(init::Constant()({2}).to_vector<float>(), std::vector<float>(2, 0.0f));
}

TEST(Initializers, ZeroSizeShapes) {
  EXPECT_EQ(init::GlorotUniform()({0, 5}).shape(), (Shape{0, 5}));
  EXPECT_EQ(init::TruncatedNormal({.seed = 1})({0}).numel(), 0);
  EXPECT_EQ(init::Orthogonal()({0, 3}).shape(), (Shape{0, 3}));
}

TEST(Initializers, Configs) {
  using nlohmann::json;
  EXPECT_EQ(init::GlorotUniform({.seed = 3}).get_config(), json({{"seed", 3}}));
  EXPECT_EQ(init::HeNormal().get_config(), json({{"seed", nullptr}}));
  EXPECT_EQ(init::RandomNormal().get_config(),
            json({{"mean", 0.0}, {"stddev", 0.05}, {"seed", nullptr}}));
  EXPECT_EQ(init::RandomUniform({.seed = 1}).get_config(),
            json({{"minval", -0.05}, {"maxval", 0.05}, {"seed", 1}}));
  EXPECT_EQ(init::TruncatedNormal().get_config(),
            json({{"mean", 0.0}, {"stddev", 0.05}, {"seed", nullptr}}));
  EXPECT_EQ(init::VarianceScaling({.distribution = "Normal"}).get_config(),
            json({{"scale", 1.0},
                  {"mode", "fan_in"},
                  {"distribution", "truncated_normal"},
                  {"seed", nullptr}}));
  EXPECT_EQ(init::Orthogonal().get_config(), json({{"gain", 1.0}, {"seed", nullptr}}));
  EXPECT_EQ(init::Constant(2.0).get_config(), json({{"value", 2.0}}));
  EXPECT_EQ(init::Zeros().get_config(), json::object());
}

TEST(Initializers, RefFromNamesAndObjects) {
  for (const std::string& name : init::names()) {
    const init::InitializerRef ref(name);
    ASSERT_TRUE(ref.defined()) << name;
    EXPECT_EQ(ref.get()->name(), name);
  }
  const char* required[] = {"glorot_uniform",   "glorot_normal", "he_normal",     "he_uniform",
                            "lecun_normal",     "lecun_uniform", "random_normal", "random_uniform",
                            "truncated_normal", "zeros",         "ones",          "orthogonal"};
  for (const char* name : required) EXPECT_EQ(init::InitializerRef(name).get()->name(), name);
  EXPECT_EQ(init::InitializerRef("normal").get()->name(), "random_normal");  // Keras aliases
  EXPECT_EQ(init::InitializerRef("uniform").get()->name(), "random_uniform");
  EXPECT_EQ(init::InitializerRef("zero").get()->name(), "zeros");
  EXPECT_EQ(init::InitializerRef("one").get()->name(), "ones");
  EXPECT_EQ(init::InitializerRef("GlorotUniform").get()->name(), "glorot_uniform");
  const init::InitializerRef from_object = init::HeNormal({.seed = 1});
  EXPECT_EQ(from_object.get()->name(), "he_normal");
  EXPECT_EQ(from_object.get()->get_config(), nlohmann::json({{"seed", 1}}));
  EXPECT_FALSE(init::InitializerRef().defined());
}

TEST(Initializers, Errors) {
  try {
    const init::InitializerRef ref("glorot_unifrom");
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("glorot_unifrom"), std::string::npos) << message;
    EXPECT_NE(message.find("he_normal"), std::string::npos) << message;
  }
  EXPECT_THROW((void)init::GlorotUniform()({3, 3}, int32), DTypeError);
  EXPECT_THROW((void)init::Orthogonal()({5}), ValueError);
  EXPECT_THROW(init::VarianceScaling({.scale = 0.0}), ValueError);
  EXPECT_THROW(init::VarianceScaling({.mode = "fan_sum"}), ValueError);
  EXPECT_THROW(init::VarianceScaling({.distribution = "cauchy"}), ValueError);
  EXPECT_THROW(init::RandomNormal({.stddev = -1.0}), ValueError);
  EXPECT_THROW(init::TruncatedNormal({.stddev = -1.0}), ValueError);
  EXPECT_THROW(init::RandomUniform({.minval = 1.0, .maxval = 0.0}), ValueError);
  EXPECT_THROW((void)init::RandomNormal({.seed = 1})({2, -1}), ValueError);
}

}  // namespace
