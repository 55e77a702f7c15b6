// The autodiff issue's API snippet, as written, plus the engine's bookkeeping: accumulation,
// graph release, version counters, grad mode, detach and in-place rules.
#include <gtest/gtest.h>

#include <cmath>
#include <nabla/nabla.hpp>

using namespace nabla;

namespace {

void expect_close(const Tensor& got, const Tensor& want, double tol = 1e-5) {
  ASSERT_EQ(got.shape(), want.shape());
  const auto g = got.astype(float64).to_vector<double>();
  const auto w = want.astype(float64).to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    EXPECT_NEAR(g[i], w[i], tol * (1 + std::abs(w[i]))) << "element " << i;
  }
}

TEST(AutogradApi, IssueSnippet) {
  Tensor x = random::normal({3, 4}, 0.0, 1.0).requires_grad_();
  Tensor w = random::normal({4, 2}, 0.0, 1.0).requires_grad_();
  Tensor loss = mean(tanh(matmul(x, w)) * 2.0f);
  loss.backward();
  Tensor gx = x.grad(), gw = w.grad();
  EXPECT_EQ(gx.shape(), Shape({3, 4}));
  EXPECT_EQ(gw.shape(), Shape({4, 2}));
  // d/dx mean(2 tanh(xw)) = (2/6) (1 - tanh^2(xw)) w^T
  {
    NoGradGuard no_grad;
    const Tensor t = tanh(matmul(x, w));
    expect_close(gx, matmul((1.0f - t * t) * (2.0f / 6.0f), transpose(w)));
    expect_close(gw, matmul(transpose(x), (1.0f - t * t) * (2.0f / 6.0f)));
  }

  auto f = [](const Tensor& v) { return sum(exp(v) * v); };
  Tensor g = grad(f)(x.detach());  // exp(v) * (v + 1)
  expect_close(g, exp(x.detach()) * (x.detach() + 1.0f));

  GradientTape tape;
  Tensor z = x.detach();
  tape.watch(z);
  Tensor y = sum(z * z);
  Tensor dz = tape.gradient(y, {z})[0];  // 2 z
  expect_close(dz, z.detach() * 2.0f);

  const Tensor w_before = w.detach().clone();
  {
    NoGradGuard no_grad;
    w.sub_(w.grad() * 0.1f);
  }
  expect_close(w.detach(), w_before - gw * 0.1f);
  w.zero_grad();
  expect_close(w.grad(), zeros({4, 2}));

  auto hvp = grad([&](const Tensor& v) { return sum(grad(f)(v) * v); })(x.detach());
  // d/dv sum(g(v) v) = g(v) + v g'(v) with g(v) = e^v (v + 1), g'(v) = e^v (v + 2)
  const Tensor v = x.detach();
  expect_close(hvp, exp(v) * (v + 1.0f) + v * exp(v) * (v + 2.0f), 1e-4);
}

TEST(AutogradApi, GradientsAccumulateAcrossBackwardCalls) {
  Tensor x = tensor<float>({1, 2, 3}).requires_grad_();
  sum(x * x).backward();
  sum(x * 3.0f).backward();
  expect_close(x.grad(), tensor<float>({5, 7, 9}));
}

TEST(AutogradApi, GraphIsFreedUnlessRetained) {
  Tensor x = tensor<double>({1.0, 2.0}).requires_grad_();
  Tensor y = sum(exp(x));
  y.backward();
  EXPECT_THROW(y.backward(), ValueError);
  Tensor z = sum(exp(x));
  z.backward({}, true);
  z.backward();
  expect_close(x.grad(), exp(x.detach()) * 3.0);
}

TEST(AutogradApi, InPlaceModificationOfSavedTensorIsDetected) {
  Tensor x = tensor<float>({1, 2, 3}).requires_grad_();
  Tensor y = x * 2.0f;
  Tensor z = sum(y * y);  // mul saves y
  {
    NoGradGuard no_grad;
    y.add_(1.0f);
  }
  try {
    z.backward();
    FAIL() << "expected a version-counter error";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("modified by an in-place operation"), std::string::npos)
        << e.what();
  }
}

TEST(AutogradApi, InPlaceOnLeafRequiringGradIsRefusedInGradMode) {
  Tensor w = tensor<float>({1, 2}).requires_grad_();
  EXPECT_THROW(w.sub_(1.0f), ValueError);
  NoGradGuard no_grad;
  w.sub_(1.0f);
  expect_close(w.detach(), tensor<float>({0, 1}));
}

TEST(AutogradApi, InPlaceOnNonLeafRebasesHistory) {
  Tensor x = tensor<double>({1.0, 2.0}).requires_grad_();
  Tensor y = x * 3.0;
  y.add_(x * x);  // y = 3x + x^2
  sum(y).backward();
  expect_close(x.grad(), tensor<double>({5.0, 7.0}));
  EXPECT_EQ(y.grad_fn_name(), "add");
}

TEST(AutogradApi, NoGradGuardStopsRecordingAndEnableGradGuardRestartsIt) {
  Tensor x = tensor<float>({1, 2}).requires_grad_();
  {
    NoGradGuard no_grad;
    EXPECT_FALSE((x * 2.0f).requires_grad());
    {
      EnableGradGuard enable;
      EXPECT_TRUE((x * 2.0f).requires_grad());
    }
    EXPECT_FALSE(is_grad_enabled());
  }
  EXPECT_TRUE(is_grad_enabled());
}

TEST(AutogradApi, DetachCutsTheGraphButSharesData) {
  Tensor x = tensor<float>({1, 2}).requires_grad_();
  Tensor y = x * 2.0f;
  Tensor d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  EXPECT_TRUE(d.shares_storage(y));
  sum(d * x).backward();
  expect_close(x.grad(), tensor<float>({2, 4}));
}

TEST(AutogradApi, BadUsesNameTheProblem) {
  EXPECT_THROW((void)tensor<int64_t>({1, 2}).requires_grad_(), DTypeError);
  Tensor x = tensor<float>({1, 2}).requires_grad_();
  EXPECT_THROW((x * 2.0f).backward(), ValueError);             // two elements, no grad_output
  EXPECT_THROW(tensor<float>({1.0f}).backward(), ValueError);  // does not require grad
  EXPECT_THROW((x * 2.0f).backward(ones({3})), ShapeError);
  EXPECT_THROW((void)grad([](const Tensor& v) { return v * 2.0f; })(x.detach()), ValueError);
}

TEST(AutogradApi, NonScalarBackwardWithGradOutput) {
  Tensor x = tensor<float>({1, 2, 3}).requires_grad_();
  (x * x).backward(tensor<float>({1, 0, 2}));
  expect_close(x.grad(), tensor<float>({2, 0, 12}));
}

TEST(AutogradApi, GradOfIntermediateWithAutogradGrad) {
  Tensor x = tensor<double>({1.0, 2.0}).requires_grad_();
  Tensor h = x * x;
  Tensor y = sum(h * 3.0);
  auto grads = autograd::grad({y}, {h, x});
  expect_close(grads[0], tensor<double>({3.0, 3.0}));
  expect_close(grads[1], tensor<double>({6.0, 12.0}));
  EXPECT_FALSE(x.grad().defined());  // grad() is left alone
}

TEST(AutogradApi, TapeIsSingleUseUnlessPersistent) {
  Tensor z = tensor<float>({1, 2});
  {
    GradientTape tape;
    tape.watch(z);
    Tensor y = sum(z * z);
    (void)tape.gradient(y, {z});
    EXPECT_THROW((void)tape.gradient(y, {z}), ValueError);
  }
  EXPECT_FALSE(z.requires_grad());  // the tape switched watching off when it ended
  GradientTape tape(true);
  tape.watch(z);
  Tensor y = sum(z * z * z);
  expect_close(tape.gradient(y, {z})[0], tensor<float>({3, 12}));
  expect_close(tape.gradient(y, {z})[0], tensor<float>({3, 12}));
  Tensor unrelated = tensor<float>({5});
  tape.watch(unrelated);
  EXPECT_FALSE(tape.gradient(y, {unrelated})[0].defined());
}

TEST(AutogradApi, LongChainsAreFreedWithoutRecursion) {
  Tensor x = tensor<float>({1.0f}).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 200000; ++i) y = y * 1.0f;
  y = Tensor();  // would overflow the stack if nodes were released recursively
  SUCCEED();
}

TEST(AutogradApi, GraphHasNoReferenceCycles) {
  // exp saves its own output: if the node owned that output's handle, output and node would keep
  // each other alive. Dropping the last tensor must free the output's memory.
  Tensor x = tensor<float>({1, 2}).requires_grad_();
  std::weak_ptr<Storage> memory;
  {
    Tensor y = exp(x);
    Tensor z = tanh(y) * y;
    memory = y.storage();
    EXPECT_FALSE(memory.expired());
  }
  EXPECT_TRUE(memory.expired());
}

TEST(AutogradApi, CreateGraphGivesDifferentiableGradients) {
  Tensor x = tensor<double>({0.5, -1.0}).requires_grad_();
  Tensor y = sum(x * x * x);
  Tensor g = autograd::grad({y}, {x}, {}, {.create_graph = true})[0];  // 3x^2
  EXPECT_TRUE(g.requires_grad());
  sum(g).backward();  // d/dx sum(3x^2) = 6x
  expect_close(x.grad(), tensor<double>({3.0, -6.0}));
}

}  // namespace
