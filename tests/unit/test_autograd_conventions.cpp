// Gradients at non-differentiable points follow PyTorch, and special cases that finite
// differences cannot check (ties, zeros in prod) get exact expected values.
#include <gtest/gtest.h>

#include <cmath>
#include <nabla/nabla.hpp>

using namespace nabla;

namespace {

std::vector<double> grad_of(const std::function<Tensor(const Tensor&)>& f, const Tensor& x) {
  return grad(f)(x).astype(float64).to_vector<double>();
}

TEST(AutogradConventions, ReluAndAbsHaveZeroGradientAtZero) {
  const Tensor x = tensor<double>({-1.0, 0.0, 2.0});
  EXPECT_EQ(grad_of([](const Tensor& v) { return sum(relu(v)); }, x),
            (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(grad_of([](const Tensor& v) { return sum(abs(v)); }, x),
            (std::vector<double>{-1, 0, 1}));
}

TEST(AutogradConventions, MaxAndMinReductionsShareTheGradientAmongTies) {
  const Tensor x = tensor<double>({{1.0, 3.0, 3.0}, {5.0, 2.0, 5.0}});
  EXPECT_EQ(grad_of([](const Tensor& v) { return sum(max(v, {1})); }, x),
            (std::vector<double>{0, 0.5, 0.5, 0.5, 0, 0.5}));
  EXPECT_EQ(grad_of([](const Tensor& v) { return min(v); }, x),
            (std::vector<double>{1, 0, 0, 0, 0, 0}));
}

TEST(AutogradConventions, MaximumSplitsTheGradientBetweenTiedOperands) {
  Tensor a = tensor<double>({1.0, 2.0, 3.0}).requires_grad_();
  Tensor b = tensor<double>({2.0, 2.0, 1.0}).requires_grad_();
  sum(maximum(a, b)).backward();
  EXPECT_EQ(a.grad().to_vector<double>(), (std::vector<double>{0, 0.5, 1}));
  EXPECT_EQ(b.grad().to_vector<double>(), (std::vector<double>{1, 0.5, 0}));
}

TEST(AutogradConventions, ProdHandlesZerosExactly) {
  auto f = [](const Tensor& v) { return sum(prod(v, {1})); };
  // no zero: prod / x; one zero: the product of the others there; two zeros: all zero
  const Tensor x = tensor<double>({{2.0, 3.0, 4.0}, {2.0, 0.0, 4.0}, {0.0, 3.0, 0.0}});
  EXPECT_EQ(grad_of(f, x), (std::vector<double>{12, 8, 6, 0, 8, 0, 0, 0, 0}));
}

TEST(AutogradConventions, SqrtAtZeroIsInfiniteLikePyTorch) {
  const auto g = grad_of([](const Tensor& v) { return sum(sqrt(v)); }, tensor<double>({0.0}));
  EXPECT_TRUE(std::isinf(g[0]));
}

TEST(AutogradConventions, GatherAndTakeAccumulateRepeatedIndices) {
  const Tensor x = tensor<double>({10.0, 20.0, 30.0});
  const Tensor idx = tensor<int64_t>({2, 0, 2, 2});
  EXPECT_EQ(grad_of([&](const Tensor& v) { return sum(take(v, idx, 0)); }, x),
            (std::vector<double>{1, 0, 3}));
  EXPECT_EQ(grad_of([&](const Tensor& v) { return sum(gather(v, 0, idx)); }, x),
            (std::vector<double>{1, 0, 3}));
}

TEST(AutogradConventions, SecondDerivativesThroughSavedOutputs) {
  // d2/dx2 tanh = -2 tanh (1 - tanh^2); exp, sigmoid and sqrt save their output too.
  auto d2 = [](const std::function<Tensor(const Tensor&)>& f, const Tensor& x) {
    return grad([f](const Tensor& v) { return sum(grad(f)(v)); })(x).to_vector<double>()[0];
  };
  const Tensor x = tensor<double>({0.3});
  const double t = std::tanh(0.3), s = 1 / (1 + std::exp(-0.3));
  EXPECT_NEAR(d2([](const Tensor& v) { return sum(tanh(v)); }, x), -2 * t * (1 - t * t), 1e-12);
  EXPECT_NEAR(d2([](const Tensor& v) { return sum(exp(v)); }, x), std::exp(0.3), 1e-12);
  EXPECT_NEAR(d2([](const Tensor& v) { return sum(sigmoid(v)); }, x), s * (1 - s) * (1 - 2 * s),
              1e-12);
  EXPECT_NEAR(d2([](const Tensor& v) { return sum(sqrt(v)); }, x), -0.25 * std::pow(0.3, -1.5),
              1e-10);
}

TEST(AutogradConventions, GradientPenaltyStyleDoubleBackward) {
  // loss = |d(sum(w x^2))/dx|^2 = sum((2 w x)^2); d loss / d w = 8 w x^2
  Tensor w = tensor<double>({1.5, -0.5}).requires_grad_();
  Tensor x = tensor<double>({2.0, 3.0}).requires_grad_();
  Tensor y = sum(w * x * x);
  Tensor gx = autograd::grad({y}, {x}, {}, {.create_graph = true})[0];
  sum(gx * gx).backward();
  EXPECT_EQ(w.grad().to_vector<double>(), (std::vector<double>{8 * 1.5 * 4, 8 * -0.5 * 9}));
}

}  // namespace
