// Graph::run's planned execution: kernels called directly when nothing records gradients, with
// results bit-identical to the dispatch path, and elementwise ops writing over inputs that die
// (Note [Planned execution], Note [In-place execution] in src/graph/graph_run.cpp).
#include <gtest/gtest.h>

#include "graph/run_plan.hpp"
#include "nabla/nabla.hpp"

namespace nabla {
namespace {

std::vector<float> values(const Tensor& t) { return t.to_vector<float>(); }

size_t donors(const Graph& g) {
  const auto plan = graph::make_run_plan(g);
  size_t n = 0;
  for (const graph::RunPlan::Step& step : plan->steps) n += step.donor >= 0 ? 1 : 0;
  return n;
}

TEST(GraphRun, KernelsCalledDirectlyGiveTheDispatchResults) {
  random::seed(4);
  Tensor w = random::normal({16, 8}, 0.0, 0.5).requires_grad_();
  Tensor b = random::normal({8}, 0.0, 0.5).requires_grad_();
  auto f = function([&](const Tensor& x) {
    Tensor h = relu(matmul(x, w) + b);
    return std::vector<Tensor>{softmax(h * 2.0 - 1.0, -1), sum(tanh(h), {0}), transpose(h)};
  });
  const Tensor x = random::normal({4, 16}, 0.0, 1.0);
  const std::vector<Tensor> recorded = f(x);  // w requires grad: through dispatch, recorded
  ASSERT_TRUE(recorded[0].requires_grad());
  std::vector<Tensor> direct;
  {
    NoGradGuard no_grad;  // nothing records: the kernels are called directly
    direct = f(x);
  }
  ASSERT_EQ(direct.size(), recorded.size());
  for (size_t k = 0; k < direct.size(); ++k) {
    EXPECT_FALSE(direct[k].requires_grad());
    EXPECT_EQ(direct[k].shape(), recorded[k].shape());
    EXPECT_EQ(values(direct[k]), values(recorded[k])) << "result " << k;
  }
  EXPECT_FALSE(direct[2].is_contiguous());  // a view stays a view
}

TEST(GraphRun, ElementwiseOpsReuseBuffersThatDie) {
  const Tensor w = random::normal({16, 8}, 0.0, 0.5);
  const Tensor b = random::normal({8}, 0.0, 0.5);
  auto body = [&](const Tensor& x) { return tanh(relu(matmul(x, w) + b) * 3.0); };
  auto raw = function(body, {.optimize = false});
  auto fused = function(body);
  const Tensor x = random::normal({4, 16}, 0.0, 1.0);
  // Unfused: add takes matmul's buffer, relu add's, mul relu's, tanh mul's.
  EXPECT_EQ(donors(raw.graph_for(x)), 4u);
  // Fused into one node, which takes matmul's buffer.
  EXPECT_EQ(fused.graph_for(x).num_ops("fused_elementwise"), 1u);
  EXPECT_EQ(donors(fused.graph_for(x)), 1u);
  const Tensor eager = body(x);
  EXPECT_EQ(values(raw(x)), values(eager));
  EXPECT_EQ(values(fused(x)), values(eager));
}

TEST(GraphRun, NoBufferIsReusedWhileSomethingElseReadsIt) {
  const Tensor w = random::normal({6, 6}, 0.0, 0.5);
  auto f = function([&](const Tensor& x) {
    Tensor h = matmul(x, w);
    Tensor a = exp(h);        // h is read again below: exp may not overwrite it
    Tensor t = transpose(a);  // a view of a: a's buffer is shared
    Tensor s = sigmoid(a);    // reads a last, but a's storage is also t's
    return std::vector<Tensor>{a + h, s + t, neg(x), -w};
  });
  const Tensor x = random::normal({6, 6}, 0.0, 1.0);
  const Tensor x_before = x.clone(), w_before = w.clone();
  std::vector<Tensor> out = f(x);
  {
    NoGradGuard no_grad;
    out = f(x);
  }
  const Tensor h = matmul(x, w), a = exp(h);
  EXPECT_EQ(values(out[0]), values(a + h));
  EXPECT_EQ(values(out[1]), values(sigmoid(a) + transpose(a)));
  EXPECT_EQ(values(x), values(x_before));  // arguments and captured tensors are never written
  EXPECT_EQ(values(w), values(w_before));
  EXPECT_EQ(values(out[2]), values(neg(x)));
  EXPECT_EQ(values(out[3]), values(-w));
}

TEST(GraphRun, ResultsAreNeverOverwritten) {
  auto f = function([](const Tensor& x) {
    Tensor e = exp(x);
    return std::vector<Tensor>{e, e * 2.0};  // e is a result: mul may not take its buffer
  });
  const Tensor x = tensor({0.f, 1.f});
  const std::vector<Tensor> out = f(x);
  EXPECT_EQ(donors(f.graph_for(x)), 0u);
  EXPECT_EQ(values(out[0]), values(exp(x)));
  EXPECT_EQ(values(out[1]), values(exp(x) * 2.0));
}

TEST(GraphRun, InPlaceWritesToCapturesAreSeen) {
  Tensor w = tensor({1.f, 2.f});
  auto f = function([&](const Tensor& x) { return x * w; });
  EXPECT_EQ(values(f(tensor({3.f, 4.f}))), (std::vector<float>{3.f, 8.f}));
  w.copy_(tensor({5.f, 6.f}));  // in place: seen by the graph
  EXPECT_EQ(values(f(tensor({3.f, 4.f}))), (std::vector<float>{15.f, 24.f}));
}

TEST(GraphRun, IndexChecksStayWhenKernelsAreCalledDirectly) {
  auto f = function([](const Tensor& v, const Tensor& i) { return take(v, i, 0) * 2.0; });
  NoGradGuard no_grad;
  EXPECT_EQ(values(f(tensor({1.f, 2.f, 3.f}), tensor({int64_t{2}, int64_t{0}}))),
            (std::vector<float>{6.f, 2.f}));
  EXPECT_THROW((void)f(tensor({1.f, 2.f, 3.f}), tensor({int64_t{3}, int64_t{0}})), IndexError);
}

}  // namespace
}  // namespace nabla
