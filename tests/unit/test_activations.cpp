// Activations: values against double references (including ±1000, where the naive formulas
// overflow), gradients by gradcheck in float64 and at the special points, get() and its names.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nabla/nabla.hpp>
#include <nabla/nn/activations.hpp>
#include <numbers>

namespace {
using namespace nabla;
namespace act = nabla::nn::activations;

double sigmoid_ref(double x) {
  return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x));
}
double softplus_ref(double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}
double elu_ref(double x, double alpha) { return x > 0 ? x : alpha * std::expm1(x); }
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

struct Reference {
  const char* name;
  Tensor (*fn)(const Tensor&);
  double (*ref)(double);
  bool finite_at_extremes = true;  // exponential(1000) is inf, as it should be
};

Tensor elu_default(const Tensor& x) { return act::elu(x); }
Tensor gelu_exact(const Tensor& x) { return act::gelu(x); }
Tensor gelu_tanh(const Tensor& x) { return act::gelu(x, true); }
Tensor leaky_default(const Tensor& x) { return act::leaky_relu(x); }

const Reference kReferences[] = {
    {"relu", &act::relu, [](double x) { return x > 0 ? x : 0.0; }},
    {"relu6", &act::relu6, [](double x) { return std::min(std::max(x, 0.0), 6.0); }},
    {"sigmoid", &act::sigmoid, &sigmoid_ref},
    {"tanh", &act::tanh, [](double x) { return std::tanh(x); }},
    {"elu", &elu_default, [](double x) { return elu_ref(x, 1.0); }},
    {"selu", &act::selu, [](double x) { return kSeluScale * elu_ref(x, kSeluAlpha); }},
    // Exact GELU through erfc, which keeps Phi(x) accurate in the far left tail.
    {"gelu", &gelu_exact, [](double x) { return 0.5 * x * std::erfc(-x / std::numbers::sqrt2); }},
    {"gelu_approximate", &gelu_tanh,
     [](double x) {
       return 0.5 * x *
              (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (x + 0.044715 * x * x * x)));
     }},
    {"silu", &act::silu, [](double x) { return x * sigmoid_ref(x); }},
    {"swish", &act::swish, [](double x) { return x * sigmoid_ref(x); }},
    {"softplus", &act::softplus, &softplus_ref},
    {"softsign", &act::softsign, [](double x) { return x / (1 + std::abs(x)); }},
    {"leaky_relu", &leaky_default, [](double x) { return x > 0 ? x : 0.2 * x; }},
    {"linear", &act::linear, [](double x) { return x; }},
    {"hard_sigmoid", &act::hard_sigmoid,
     [](double x) { return std::min(std::max(x / 6 + 0.5, 0.0), 1.0); }},
    {"legacy_hard_sigmoid", &act::legacy_hard_sigmoid,
     [](double x) { return std::min(std::max(0.2 * x + 0.5, 0.0), 1.0); }},
    {"hard_silu", &act::hard_silu,
     [](double x) { return x * std::min(std::max(x / 6 + 0.5, 0.0), 1.0); }},
    {"exponential", &act::exponential, [](double x) { return std::exp(x); }, false},
    {"mish", &act::mish, [](double x) { return x * std::tanh(softplus_ref(x)); }},
    {"log_sigmoid", &act::log_sigmoid, [](double x) { return -softplus_ref(-x); }},
};

const std::vector<double> kPoints = {-1000, -50, -20, -3,  -1, -0.5, -1e-3, 0,
                                     1e-3,  0.5, 1,   2.5, 3,  20,   50,    1000};

TEST(Activations, MatchDoubleReferencesIncludingExtremes) {
  for (const Reference& r : kReferences) {
    for (DType dtype : {float32, float64}) {
      SCOPED_TRACE(std::string(r.name) + " " + std::string(dtype_name(dtype)));
      const Tensor x = from_vector(kPoints).astype(dtype);
      const Tensor y = r.fn(x);
      EXPECT_EQ(y.dtype(), dtype);
      EXPECT_EQ(y.shape(), x.shape());
      const auto got = y.to_vector<double>();
      const double tol = dtype == float32 ? 2e-6 : 1e-13;
      for (size_t i = 0; i < kPoints.size(); ++i) {
        // float32 inputs are the rounded points: compare with the reference at those.
        const double xi = dtype == float32 ? static_cast<float>(kPoints[i]) : kPoints[i];
        const double want = r.ref(xi);
        if (!r.finite_at_extremes && !std::isfinite(want)) continue;
        if (dtype == float32 && std::abs(want) > std::numeric_limits<float>::max()) continue;
        ASSERT_TRUE(std::isfinite(got[i])) << "x = " << xi << " gave " << got[i];
        EXPECT_NEAR(got[i], want, tol * (1 + std::abs(want))) << "x = " << xi;
      }
    }
  }
}

TEST(Activations, TailsKeepRelativePrecision) {
  // softplus(-50) = e^-50 (1 - ...): log(1 + exp(x)) would round to 0 here.
  const Tensor x = tensor({-50.0, -30.0, -15.0});
  const auto sp = act::softplus(x).to_vector<double>();
  const auto ls = act::log_sigmoid(-x).to_vector<double>();
  const auto elu = act::elu(tensor({-1e-10, 1e-10}) * -1.0).to_vector<double>();
  for (size_t i = 0; i < 3; ++i) {
    const double xi = x.to_vector<double>()[i];
    EXPECT_NEAR(sp[i] / std::log1p(std::exp(xi)), 1.0, 1e-14);
    EXPECT_NEAR(ls[i] / -std::log1p(std::exp(xi)), 1.0, 1e-14);
  }
  EXPECT_NEAR(elu[0] / 1e-10, 1.0, 1e-14);               // x > 0 branch
  EXPECT_NEAR(elu[1] / std::expm1(-1e-10), 1.0, 1e-14);  // expm1, not exp(x) - 1
}

TEST(Activations, SoftmaxAndLogSoftmaxAtExtremeLogits) {
  for (DType dtype : {float32, float64}) {
    SCOPED_TRACE(dtype_name(dtype));
    const Tensor x =
        tensor({{-1000.0, 0.0, 1000.0}, {1000.0, 1000.0, 1000.0}, {-1000.0, -1000.0, -1000.0}})
            .astype(dtype);
    const auto p = act::softmax(x).to_vector<double>();
    const std::vector<double> want_p = {0,       0,       1,       1.0 / 3, 1.0 / 3,
                                        1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3};
    const auto lp = act::log_softmax(x).to_vector<double>();
    const double third = std::log(1.0 / 3);
    const std::vector<double> want_lp = {-2000, -1000, 0, third, third, third, third, third, third};
    for (size_t i = 0; i < p.size(); ++i) {
      ASSERT_TRUE(std::isfinite(p[i]) && std::isfinite(lp[i])) << i;
      EXPECT_NEAR(p[i], want_p[i], 1e-6);
      EXPECT_NEAR(lp[i], want_lp[i], 1e-6 * (1 + std::abs(want_lp[i])));
    }
    // Gradients through the max shift and logsumexp stay finite too.
    Tensor leaf = x.clone().requires_grad_();
    (sum(act::softmax(leaf) * tensor({1.0, 2.0, 3.0}).astype(dtype)) + sum(act::log_softmax(leaf)))
        .backward();
    for (double g : leaf.grad().to_vector<double>()) EXPECT_TRUE(std::isfinite(g));
  }
}

TEST(Activations, SoftmaxAxes) {
  random::seed(3);
  const Tensor x = random::normal({3, 4}, 0.0, 2.0, float64);
  const auto xv = x.to_vector<double>();
  for (int64_t axis : {0, 1, -1}) {
    SCOPED_TRACE(axis);
    const auto p = act::softmax(x, axis).to_vector<double>();
    const auto lp = act::log_softmax(x, axis).to_vector<double>();
    const int64_t a = axis < 0 ? axis + 2 : axis;
    for (int64_t i = 0; i < 3; ++i) {
      for (int64_t j = 0; j < 4; ++j) {
        double total = 0;
        const int64_t n = a == 0 ? 3 : 4;
        for (int64_t k = 0; k < n; ++k) {
          total += std::exp(xv[static_cast<size_t>(a == 0 ? k * 4 + j : i * 4 + k)]);
        }
        const size_t at = static_cast<size_t>(i * 4 + j);
        EXPECT_NEAR(p[at], std::exp(xv[at]) / total, 1e-14);
        EXPECT_NEAR(lp[at], xv[at] - std::log(total), 1e-14);
      }
    }
  }
  EXPECT_THROW((void)act::softmax(x, 2), IndexError);
  EXPECT_THROW((void)act::log_softmax(x, -3), IndexError);
}

TEST(Activations, GradcheckFirstAndSecondOrder) {
  random::seed(17);
  // Random points in [-4, 4] (the kinks at 0, ±3 and 6 of the piecewise-linear ones are hit
  // with probability 0); float64, as gradcheck requires.
  const Tensor x = random::uniform({3, 5}, -4.0, 4.0, float64);
  for (const Reference& r : kReferences) {
    SCOPED_TRACE(r.name);
    auto f = [&](const std::vector<Tensor>& in) { return r.fn(in[0]); };
    const auto first = nabla::testing::gradcheck(f, {x});
    EXPECT_TRUE(first) << first.report;
    const auto second = nabla::testing::gradgradcheck(f, {x});
    EXPECT_TRUE(second) << second.report;
  }
  for (int64_t axis : {0, 1}) {
    SCOPED_TRACE(axis);
    auto sm = [&](const std::vector<Tensor>& in) { return act::softmax(in[0], axis); };
    auto lsm = [&](const std::vector<Tensor>& in) { return act::log_softmax(in[0], axis); };
    EXPECT_TRUE(nabla::testing::gradcheck(sm, {x}));
    EXPECT_TRUE(nabla::testing::gradgradcheck(sm, {x}));
    EXPECT_TRUE(nabla::testing::gradcheck(lsm, {x}));
    EXPECT_TRUE(nabla::testing::gradgradcheck(lsm, {x}));
  }
  auto elu2 = [](const std::vector<Tensor>& in) { return act::elu(in[0], 2.0); };
  EXPECT_TRUE(nabla::testing::gradcheck(elu2, {x}));
  auto leaky = [](const std::vector<Tensor>& in) { return act::leaky_relu(in[0], 0.01); };
  EXPECT_TRUE(nabla::testing::gradcheck(leaky, {x}));
}

/// d/dx sum(f(x)) at each of `points` (float64).
std::vector<double> derivative(Tensor (*f)(const Tensor&), const std::vector<double>& points) {
  Tensor x = from_vector(points).requires_grad_();
  sum(f(x)).backward();
  return x.grad().to_vector<double>();
}

TEST(Activations, GradientsAtSpecialPointsAndExtremes) {
  // Smooth at 0: softplus'(0) = sigmoid(0) = 1/2, gelu'(0) = 1/2, silu'(0) = 1/2.
  EXPECT_DOUBLE_EQ(derivative(&act::softplus, {0.0})[0], 0.5);
  EXPECT_DOUBLE_EQ(derivative(&gelu_exact, {0.0})[0], 0.5);
  EXPECT_DOUBLE_EQ(derivative(&act::silu, {0.0})[0], 0.5);
  // Kinks follow PyTorch: relu'(0) = 0, elu'(0) = alpha (the left branch), leaky'(0) = slope.
  EXPECT_EQ(derivative(&act::relu, {0.0})[0], 0.0);
  EXPECT_DOUBLE_EQ(derivative(&elu_default, {0.0})[0], 1.0);
  EXPECT_DOUBLE_EQ(derivative(&leaky_default, {0.0})[0], 0.2);
  // No NaN from the branch not taken (exp overflow times a zero gradient).
  const std::vector<double> extremes = {-1000.0, 1000.0};
  for (const Reference& r : kReferences) {
    if (!r.finite_at_extremes) continue;
    SCOPED_TRACE(r.name);
    for (double g : derivative(r.fn, extremes)) EXPECT_TRUE(std::isfinite(g)) << g;
  }
  EXPECT_EQ(derivative(&act::softplus, extremes), (std::vector<double>{0.0, 1.0}));
  EXPECT_EQ(derivative(&elu_default, extremes), (std::vector<double>{0.0, 1.0}));
  EXPECT_EQ(derivative(&act::sigmoid, extremes), (std::vector<double>{0.0, 0.0}));
}

TEST(Activations, KerasDocumentedValues) {
  const Tensor x = tensor({-10.0f, -5.0f, 0.0f, 5.0f, 10.0f});
  EXPECT_EQ(act::relu(x).to_vector<float>(), (std::vector<float>{0, 0, 0, 5, 10}));
  EXPECT_EQ(act::leaky_relu(x).to_vector<float>(), (std::vector<float>{-2, -1, 0, 5, 10}));
  EXPECT_EQ(act::hard_sigmoid(tensor({-3.5f, -3.0f, 0.0f, 3.0f, 4.0f})).to_vector<float>(),
            (std::vector<float>{0, 0, 0.5f, 1, 1}));
  EXPECT_EQ(act::relu6(x).to_vector<float>(), (std::vector<float>{0, 0, 0, 5, 6}));
}

TEST(Activations, GetByName) {
  const Tensor x = tensor({{-2.0f, 0.5f, 3.0f}});
  const char* required[] = {"relu",        "sigmoid", "tanh",         "softmax",
                            "log_softmax", "elu",     "selu",         "gelu",
                            "swish",       "silu",    "softplus",     "softsign",
                            "leaky_relu",  "linear",  "hard_sigmoid", "exponential"};
  for (const char* name : required) {
    SCOPED_TRACE(name);
    const act::Activation f = act::get(name);
    ASSERT_TRUE(static_cast<bool>(f));
    EXPECT_EQ(f(x).shape(), x.shape());
  }
  for (const std::string& name : act::names()) EXPECT_TRUE(static_cast<bool>(act::get(name)));
  EXPECT_TRUE(act::get("")(x).is_same(x));  // "" and "linear" return the input itself
  EXPECT_TRUE(act::get("linear")(x).is_same(x));
  EXPECT_EQ(act::get("swish")(x).to_vector<float>(), act::silu(x).to_vector<float>());
  EXPECT_EQ(act::get("leaky_relu")(x).to_vector<float>()[0], -0.4f);   // slope 0.2
  EXPECT_NEAR(sum(act::get("softmax")(x)).item<double>(), 1.0, 1e-6);  // last axis
  EXPECT_EQ(act::get("gelu")(x).to_vector<float>(), act::gelu(x, false).to_vector<float>());
  try {
    (void)act::get("relu7");
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'relu7'"), std::string::npos) << message;
    EXPECT_NE(message.find("softmax"), std::string::npos) << message;
  }
}

}  // namespace
