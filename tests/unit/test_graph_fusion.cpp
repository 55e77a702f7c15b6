// Elementwise fusion (passes::fuse_elementwise) and its op, fused_elementwise: which groups form
// on traced graphs, which values must stay unfused (read twice, returned, integer, broadcasting),
// the kernel's limits, bit-identical results against the unfused graph and eager code, gradients
// through fused nodes, and the op's error messages.
#include <gtest/gtest.h>

#include <cmath>

#include "nabla/graph/passes.hpp"
#include "nabla/nabla.hpp"
#include "ops/fused_elementwise.hpp"
#include "unit/graph_test_util.hpp"

namespace nabla {
namespace {

using testing::trace;

/// Fuses `g`, checks the result is well formed, and that it computes exactly what `g` computes.
Graph fuse_and_compare(const Graph& g, const std::vector<Tensor>& args) {
  Graph fused = passes::fuse_elementwise(g);
  testing::expect_same_results(g, fused, args);
  return fused;
}

std::vector<const GraphNode*> fused_nodes(const Graph& g) {
  std::vector<const GraphNode*> nodes;
  for (const GraphNode& node : g.nodes) {
    if (node.is_op("fused_elementwise")) nodes.push_back(&node);
  }
  return nodes;
}

int64_t opcode(const char* name) { return fused::opcode_of(name); }

const ValueSpec kMatrix23{Shape{2, 3}, float32};
const ValueSpec kVector3{Shape{3}, float32};

Tensor matrix() { return tensor({-1.5f, 0.f, 2.f, 3.25f, -4.f, 5.f}).reshape({2, 3}); }

// ---- groups ----

TEST(GraphFusion, BiasAndReluAfterMatmulBecomeOneNode) {
  random::seed(3);
  const Tensor w = random::normal({8, 16}, 0.0, 0.5);
  const Tensor b = random::normal({16}, 0.0, 0.5);
  auto forward = [&](const Tensor& x) { return relu(matmul(x, w) + b); };
  const Graph g = trace([&](const std::vector<Tensor>& a) { return std::vector{forward(a[0])}; },
                        {{Shape{32, 8}, float32}});
  const Tensor x = random::normal({32, 8}, 0.0, 1.0);
  const Graph fused = fuse_and_compare(g, {x});
  EXPECT_EQ(fused.num_ops(), 2u);
  EXPECT_EQ(fused.num_ops("matmul"), 1u);
  EXPECT_EQ(fused.num_ops("fused_elementwise"), 1u);
  EXPECT_EQ(fused.num_ops("add") + fused.num_ops("relu"), 0u);
  const GraphNode& node = *fused_nodes(fused).front();
  EXPECT_EQ(node.attrs->get<std::vector<int64_t>>("program"),
            (std::vector<int64_t>{opcode("add"), 0, 1, opcode("relu"), 2, -1}));
  EXPECT_EQ(node.attrs->get<std::vector<int64_t>>("shape"), (std::vector<int64_t>{32, 16}));
  EXPECT_EQ(fused.run({x})[0].to_vector<float>(), forward(x).to_vector<float>());  // = eager

  // nabla::function optimises with fusion last: the same node, the same numbers.
  auto traced = function(forward);
  EXPECT_EQ(traced(x).to_vector<float>(), forward(x).to_vector<float>());
  EXPECT_EQ(traced.graph_for(x).num_ops("fused_elementwise"), 1u);
  EXPECT_EQ(traced.graph_for(x).num_ops("relu"), 0u);
}

TEST(GraphFusion, LongerChainBecomesOneNodeInBothFloatTypes) {
  for (DType dtype : {float32, float64}) {
    const Graph g = trace(
        [](const std::vector<Tensor>& a) {
          const Tensor &x = a[0], &s = a[1], &t = a[2], &c = a[3];
          return std::vector{tanh(x * s + t) * c - x};
        },
        {{Shape{6, 7}, dtype}, {Shape{7}, dtype}, {Shape{6, 1}, dtype}, {Shape{}, dtype}});
    ASSERT_EQ(g.num_ops(), 5u);
    random::seed(1);
    const std::vector<Tensor> args = {
        random::normal({6, 7}, 0.0, 1.0, dtype), random::normal({7}, 0.0, 1.0, dtype),
        random::normal({6, 1}, 0.0, 1.0, dtype), random::normal({}, 0.0, 1.0, dtype)};
    const Graph fused = fuse_and_compare(g, args);
    EXPECT_EQ(fused.num_ops(), 1u) << dtype;
    ASSERT_EQ(fused_nodes(fused).size(), 1u);
    EXPECT_EQ(fused_nodes(fused).front()->inputs.size(), 4u);  // x once, though read twice
    const Tensor eager = tanh(args[0] * args[1] + args[2]) * args[3] - args[0];
    EXPECT_EQ(fused.run(args)[0].to_vector<double>(), eager.to_vector<double>()) << dtype;
  }
}

TEST(GraphFusion, LargeStridedAndBroadcastInputsMatchTheUnfusedOps) {
  // Rows of two blocks, several parallel chunks; inputs transposed, a row and a column.
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        return std::vector{sigmoid(exp(a[0] * a[1]) - a[2]) / (square(a[0]) + a[3])};
      },
      {{Shape{300, 1030}, float32},
       {Shape{1030}, float32},
       {Shape{300, 1}, float32},
       {Shape{300, 1030}, float32}});
  random::seed(2);
  const Tensor x = transpose(random::normal({1030, 300}, 0.0, 1.0));
  const Tensor d = transpose(random::uniform({1030, 300}, 0.5, 2.0));
  ASSERT_FALSE(x.is_contiguous());
  const Graph fused = fuse_and_compare(
      g, {x, random::normal({1030}, 0.0, 1.0), random::normal({300, 1}, 0.0, 1.0), d});
  EXPECT_EQ(fused.num_ops(), 1u);
}

// ---- what stays unfused ----

TEST(GraphFusion, ValueReadTwiceStartsItsOwnGroup) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        const Tensor t = a[0] + a[1];  // read by relu and by tanh
        return std::vector{relu(t) * tanh(t)};
      },
      {kMatrix23, kMatrix23});
  const Graph fused = fuse_and_compare(g, {matrix(), matrix() * -0.5});
  EXPECT_EQ(fused.num_ops("add"), 1u);
  ASSERT_EQ(fused.num_ops("fused_elementwise"), 1u);
  EXPECT_EQ(fused.num_ops(), 2u);
  const GraphNode& node = *fused_nodes(fused).front();
  ASSERT_EQ(node.inputs.size(), 1u);  // t, computed once
  EXPECT_TRUE(fused.node(node.inputs[0]).is_op("add"));
}

TEST(GraphFusion, ReturnedValueIsNotSwallowed) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        const Tensor t = exp(a[0]);
        return std::vector{t, relu(t * a[1])};
      },
      {kMatrix23, kMatrix23});
  const Graph fused = fuse_and_compare(g, {matrix(), matrix()});
  EXPECT_EQ(fused.num_ops("exp"), 1u);
  EXPECT_EQ(fused.num_ops("fused_elementwise"), 1u);  // mul and relu
  EXPECT_TRUE(fused.node(fused.outputs[0]).is_op("exp"));
  EXPECT_TRUE(fused.node(fused.outputs[1]).is_op("fused_elementwise"));
}

TEST(GraphFusion, IntegerChainsAreNotFused) {
  const Graph g =
      trace([](const std::vector<Tensor>& a) { return std::vector{relu(a[0] + a[1]) * a[0]}; },
            {{Shape{4}, int32}, {Shape{4}, int32}});
  const Graph fused = fuse_and_compare(g, {tensor({1, -2, 3, -4}), tensor({-5, 1, 1, 1})});
  EXPECT_EQ(fused.num_ops("fused_elementwise"), 0u);
  EXPECT_EQ(fused.num_ops(), 3u);
}

TEST(GraphFusion, BroadcastingIntermediateIsNotMerged) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        const Tensor scale = a[1] * a[2];  // [3], broadcast by the add
        return std::vector{relu(a[0] + scale)};
      },
      {kMatrix23, {Shape{3}, float32}, {Shape{3}, float32}});
  const Graph fused =
      fuse_and_compare(g, {matrix(), tensor({1.f, -2.f, 3.f}), tensor({0.5f, 0.5f, -1.f})});
  EXPECT_EQ(fused.num_ops("mul"), 1u);
  ASSERT_EQ(fused.num_ops("fused_elementwise"), 1u);
  const GraphNode& node = *fused_nodes(fused).front();
  EXPECT_EQ(node.inputs.size(), 2u);  // a[0] and the [3] product
  EXPECT_TRUE(fused.node(node.inputs[1]).is_op("mul"));
}

TEST(GraphFusion, NoGroupReachesAcrossAWrite) {
  // The fused node runs where its last op was: an op reading w before the write must not join.
  Tensor w = tensor({1.f, 2.f, 3.f});
  const Graph g = trace(
      [&](const std::vector<Tensor>& a) {
        const Tensor before = tanh(w * a[0]);  // may fuse: nothing writes in between
        w.add_(a[0]);
        return std::vector{exp(before) * w};
      },
      {kVector3});
  const Graph fused = passes::fuse_elementwise(g);
  fused.verify();
  EXPECT_EQ(fused.num_ops("fused_elementwise"), 2u);  // tanh(w * x), then exp(.) * w
  const Tensor x = tensor({0.5f, -1.f, 0.25f});
  w.copy_(tensor({1.f, 2.f, 3.f}));
  const std::vector<float> want = g.run({x})[0].to_vector<float>();
  w.copy_(tensor({1.f, 2.f, 3.f}));
  EXPECT_EQ(fused.run({x})[0].to_vector<float>(), want);
  EXPECT_EQ(w.to_vector<float>(), (std::vector<float>{1.5f, 1.f, 3.25f}));
}

TEST(GraphFusion, GroupsStayWithinTheKernelsLimits) {
  // Ten inputs summed in a chain: at most 8 distinct inputs a group, so two groups.
  std::vector<ValueSpec> specs(10, ValueSpec{Shape{5}, float64});
  const Graph sums = trace(
      [](const std::vector<Tensor>& a) {
        Tensor total = a[0];
        for (size_t i = 1; i < a.size(); ++i) total = total + a[i];
        return std::vector{total};
      },
      specs);
  std::vector<Tensor> args;
  for (int i = 0; i < 10; ++i) args.push_back(arange(5).astype(float64) * (0.1 * i + 0.3));
  const Graph fused_sums = fuse_and_compare(sums, args);
  EXPECT_EQ(fused_sums.num_ops(), 2u);
  for (const GraphNode* node : fused_nodes(fused_sums)) EXPECT_LE(node->inputs.size(), 8u);

  // Forty ops in a chain: at most 32 a group.
  const Graph chain = trace(
      [](const std::vector<Tensor>& a) {
        Tensor y = a[0];
        for (int i = 0; i < 40; ++i) y = i % 2 == 0 ? sin(y) : cos(y);
        return std::vector{y};
      },
      {{Shape{5}, float64}});
  const Graph fused_chain = fuse_and_compare(chain, {arange(5).astype(float64)});
  ASSERT_EQ(fused_nodes(fused_chain).size(), 2u);
  EXPECT_EQ(fused_nodes(fused_chain)[0]->attrs->get<std::vector<int64_t>>("program").size(),
            3u * 8);
  EXPECT_EQ(fused_nodes(fused_chain)[1]->attrs->get<std::vector<int64_t>>("program").size(),
            3u * 32);
}

// ---- gradients ----

TEST(GraphFusion, GradientsThroughAFusedGraphEqualEagerOnes) {
  random::seed(7);
  const Tensor w = random::normal({5}, 0.0, 1.0).requires_grad_();
  const Tensor b = random::normal({4, 1}, 0.0, 1.0).requires_grad_();
  auto forward = [&](const Tensor& x) { return tanh(x * w + b) * x - sigmoid(x); };
  auto traced = function(forward);
  const Tensor x = random::normal({4, 5}, 0.0, 1.0).requires_grad_();
  EXPECT_EQ(traced.graph_for(x).num_ops(), 1u);  // one fused node
  auto gradients = [&](const Tensor& y) {
    for (const Tensor* t : {&w, &b, &x}) t->zero_grad();
    sum(y * cos(arange(0, y.numel()).reshape(y.shape()).astype(y.dtype()))).backward();
    return std::vector{w.grad().to_vector<float>(), b.grad().to_vector<float>(),
                       x.grad().to_vector<float>()};
  };
  const Tensor eager = forward(x);
  const Tensor graph = traced(x);
  EXPECT_EQ(graph.to_vector<float>(), eager.to_vector<float>());
  EXPECT_EQ(gradients(graph), gradients(eager));
}

TEST(GraphFusion, BackwardPassInsideAGraphIsFusedToo) {
  // autograd::grad inside the trace records the backward ops (relu_grad, mul, ...) in the graph.
  random::seed(8);
  const Tensor w = random::normal({6, 3}, 0.0, 0.5).requires_grad_();
  const Tensor b = random::normal({3}, 0.0, 0.5).requires_grad_();
  auto step = [&](const Tensor& x) {
    const Tensor loss = sum(square(relu(matmul(x, w) + b) - 0.5) * 0.25);
    return autograd::grad({loss}, {w, b});
  };
  auto traced = function(step);
  const Tensor x = random::normal({10, 6}, 0.0, 1.0);
  const Graph& g = traced.graph_for(x);
  EXPECT_GE(g.num_ops("fused_elementwise"), 2u);  // forward and backward chains
  EXPECT_NO_THROW(g.verify());
  const std::vector<Tensor> got = traced(x), want = step(x);
  ASSERT_EQ(got.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(got[k].to_vector<float>(), want[k].to_vector<float>()) << "gradient " << k;
  }
}

TEST(FusedElementwise, MatchesFiniteDifferencesInFloat64) {
  // exp(x) * y + maximum(x, z) / y, with z broadcast: x read three times, y twice.
  const std::vector<int64_t> program = {opcode("exp"),     0, -1, opcode("mul"), 3, 1,
                                        opcode("maximum"), 0, 2,  opcode("div"), 5, 1,
                                        opcode("add"),     4, 6};
  auto f = [&](const std::vector<Tensor>& in) {
    return fused_elementwise(in, program, Shape{3, 4});
  };
  random::seed(9);
  const std::vector<Tensor> inputs = {random::normal({3, 4}, 0.0, 1.0, float64),
                                      random::uniform({3, 4}, 0.5, 2.0, float64),
                                      random::normal({4}, 0.0, 1.0, float64)};
  const auto first = testing::gradcheck(f, inputs);
  EXPECT_TRUE(first.passed) << first.report;
  const auto second = testing::gradgradcheck(f, inputs);
  EXPECT_TRUE(second.passed) << second.report;
}

TEST(FusedElementwise, ScalarAndEmptyOutputs) {
  // A one-element output has no unit-stride row: the result goes through a scratch block.
  const std::vector<int64_t> program = {opcode("mul"), 0, 1, opcode("exp"), 2, -1};
  const Tensor a = tensor({0.5}).reshape({}), b = tensor({-3.0}).reshape({});
  const Tensor scalar = fused_elementwise(std::vector{a, b}, program, Shape{});
  EXPECT_EQ(scalar.shape(), Shape{});
  EXPECT_EQ(scalar.item<double>(), exp(a * b).item<double>());
  const Tensor empty =
      fused_elementwise(std::vector{zeros({0, 3}), ones({3})}, program, Shape{0, 3});
  EXPECT_EQ(empty.shape(), (Shape{0, 3}));
  EXPECT_EQ(empty.dtype(), float32);
}

// ---- errors ----

std::string error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(FusedElementwise, BadProgramsAndInputsAreClearErrors) {
  const Tensor x = ones({2, 3}), y = ones({3});
  const std::vector<Tensor> xy = {x, y};
  const Shape shape{2, 3};
  auto run = [&](const std::vector<Tensor>& in, const std::vector<int64_t>& program) {
    return [=] { (void)fused_elementwise(in, program, shape); };
  };
  EXPECT_THROW(run(xy, {opcode("add"), 0, 2})(), ValueError);  // value 2 does not exist yet
  EXPECT_NE(error_of(run(xy, {opcode("add"), 0, 2}))
                .find("fused_elementwise: instruction 0 (add) "
                      "reads value 2"),
            std::string::npos);
  EXPECT_THROW(run(xy, {99, 0, 1})(), ValueError);
  EXPECT_NE(error_of(run(xy, {99, 0, 1})).find("fused_elementwise: instruction 0 has opcode 99"),
            std::string::npos);
  EXPECT_THROW(run(xy, {opcode("exp"), 0, 1})(), ValueError);  // unary with a second operand
  EXPECT_THROW(run(xy, {opcode("exp"), 0})(), ValueError);     // not a whole instruction
  EXPECT_THROW(run(xy, {})(), ValueError);

  const std::vector<Tensor> nine(9, x);
  EXPECT_THROW(run(nine, {opcode("neg"), 0, -1})(), ValueError);
  EXPECT_NE(error_of(run(nine, {opcode("neg"), 0, -1})).find("expected 1 to 8 inputs, got 9"),
            std::string::npos);

  const std::vector<Tensor> mixed = {x, ones({3}, float64)};
  EXPECT_THROW(run(mixed, {opcode("add"), 0, 1})(), DTypeError);
  EXPECT_NE(
      error_of(run(mixed, {opcode("add"), 0, 1})).find("fused_elementwise: inputs must share"),
      std::string::npos);
  EXPECT_THROW(run({ones({2, 3}, int32)}, {opcode("neg"), 0, -1})(), DTypeError);

  const std::vector<Tensor> wrong_shape = {x, ones({4})};
  EXPECT_THROW(run(wrong_shape, {opcode("add"), 0, 1})(), ShapeError);
  EXPECT_EQ(
      error_of(run(wrong_shape, {opcode("add"), 0, 1})),
      "fused_elementwise: input 1 of shape [4] does not broadcast to the output shape [2, 3]");
}

}  // namespace
}  // namespace nabla
