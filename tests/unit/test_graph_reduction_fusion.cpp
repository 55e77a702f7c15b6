// Sums fused into fused_elementwise (passes::fuse_elementwise, Note [Fused sums]): which sums join
// their group and in which output form, which stay apart, bit-identical results against the sum
// kernel on every loop path of reduction_loop.hpp and both thread counts, gradients, and a traced
// training step equal to eager execution.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "graph/run_plan.hpp"
#include "nabla/graph/passes.hpp"
#include "nabla/nabla.hpp"
#include "ops/fused_elementwise.hpp"
#include "unit/graph_test_util.hpp"

namespace nabla {
namespace {

using testing::trace;

/// Bit patterns, so that -0.0 and +0.0 (and NaN payloads) count as different.
std::vector<uint64_t> bits(const Tensor& t) {
  std::vector<uint64_t> out;
  for (double v : t.to_vector<double>()) out.push_back(std::bit_cast<uint64_t>(v));
  return out;
}

std::vector<const GraphNode*> fused_sums(const Graph& g) {
  std::vector<const GraphNode*> nodes;
  for (const GraphNode& node : g.nodes) {
    if (node.is_op("fused_elementwise") && node.attrs->has("axes")) nodes.push_back(&node);
  }
  return nodes;
}

/// Fuses `g` and expects the same bits as `g` on `args`.
Graph fuse_and_compare(const Graph& g, const std::vector<Tensor>& args) {
  Graph fused = passes::fuse_elementwise(g);
  fused.verify();
  const std::vector<Tensor> want = g.run(args), got = fused.run(args);
  EXPECT_EQ(got.size(), want.size());
  for (size_t k = 0; k < got.size() && k < want.size(); ++k) {
    EXPECT_EQ(got[k].shape(), want[k].shape()) << "output " << k;
    EXPECT_EQ(bits(got[k]), bits(want[k])) << "output " << k;
  }
  return fused;
}

const ValueSpec kMatrix{Shape{6, 40}, float32};
const ValueSpec kRow{Shape{40}, float32};

std::vector<Tensor> normal_args(const std::vector<ValueSpec>& specs, uint64_t seed) {
  random::seed(seed);
  std::vector<Tensor> args;
  for (const ValueSpec& s : specs) args.push_back(random::normal(s.shape, 0.0, 1.0, s.dtype));
  return args;
}

// ---- which sums join, and in which form ----

TEST(GraphReductionFusion, OnlyReaderSumIsTheNodesOnlyOutput) {
  // Loss-like: sum(neg(x * y)) over everything; x * y is never stored.
  const std::vector<ValueSpec> specs = {kMatrix, kMatrix};
  const Graph g =
      trace([](const std::vector<Tensor>& a) { return std::vector{sum(-(a[0] * a[1]))}; }, specs);
  const Graph fused = fuse_and_compare(g, normal_args(specs, 1));
  EXPECT_EQ(fused.num_ops(), 1u);
  ASSERT_EQ(fused_sums(fused).size(), 1u);
  const GraphNode& node = *fused_sums(fused).front();
  ASSERT_EQ(node.outputs.size(), 1u);
  EXPECT_EQ(node.outputs[0].shape, Shape{});
  EXPECT_EQ(node.attrs->get<std::vector<int64_t>>("axes"), (std::vector<int64_t>{0, 1}));
  EXPECT_FALSE(node.attrs->get<bool>("keepdims"));
  EXPECT_FALSE(node.attrs->get<bool>("keep_value"));
  EXPECT_EQ(node.attrs->get<std::vector<int64_t>>("program"),
            (std::vector<int64_t>{fused::opcode_of("mul"), 0, 1, fused::opcode_of("neg"), 2, -1}));
}

TEST(GraphReductionFusion, ValueReadElsewhereKeepsItsOwnSum) {
  // A bias gradient: relu_grad feeds its sum over the batch and a matmul. The value must be
  // stored anyway, and the two-output form measured slower than a separate sum (Note [Fused
  // sums]), so the sum stays a node of its own.
  const std::vector<ValueSpec> specs = {kMatrix, kMatrix, {Shape{40, 8}, float32}};
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        const Tensor d = relu_grad(a[0], a[1]);
        return std::vector{sum(d, {0}, true), matmul(d, a[2])};
      },
      specs);
  const Graph fused = fuse_and_compare(g, normal_args(specs, 2));
  EXPECT_EQ(fused.num_ops("sum"), 1u);
  EXPECT_TRUE(fused_sums(fused).empty());
}

TEST(GraphReductionFusion, GroupOfOneOpAndAReturnedValue) {
  const std::vector<ValueSpec> specs = {kMatrix};
  const Graph one =
      trace([](const std::vector<Tensor>& a) { return std::vector{sum(exp(a[0]), {1})}; }, specs);
  const Graph fused = fuse_and_compare(one, normal_args(specs, 3));
  EXPECT_EQ(fused.num_ops(), 1u);
  ASSERT_EQ(fused_sums(fused).size(), 1u);
  EXPECT_EQ(fused_sums(fused).front()->outputs.size(), 1u);
  // A value the caller receives is stored: its sum stays apart.
  const Graph returned = trace(
      [](const std::vector<Tensor>& a) {
        const Tensor e = exp(a[0]);
        return std::vector{e, sum(e, {1})};
      },
      specs);
  EXPECT_TRUE(fused_sums(fuse_and_compare(returned, normal_args(specs, 3))).empty());
}

TEST(GraphReductionFusion, TwoSumsOfOneValueStayApart) {
  const std::vector<ValueSpec> specs = {kMatrix, kRow};
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        const Tensor t = tanh(a[0] + a[1]);
        return std::vector{sum(t, {0}), sum(t, {1}, true)};
      },
      specs);
  const Graph fused = fuse_and_compare(g, normal_args(specs, 4));
  EXPECT_EQ(fused.num_ops("sum"), 2u);
  EXPECT_TRUE(fused_sums(fused).empty());
}

TEST(GraphReductionFusion, SumsThatStayApart) {
  // Middle axes: the sum kernel walks them in another order than any one range of the value.
  const std::vector<ValueSpec> cube = {{Shape{4, 5, 6}, float32}};
  for (const std::vector<int64_t>& axes :
       {std::vector<int64_t>{1}, std::vector<int64_t>{0, 2}, std::vector<int64_t>{1, 2, 0}}) {
    const Graph g = trace(
        [&](const std::vector<Tensor>& a) { return std::vector{sum(square(a[0]) * 2.0f, axes)}; },
        cube);
    const Graph fused = fuse_and_compare(g, normal_args(cube, 5));
    const bool whole = axes.size() == 3;  // {1, 2, 0} is every axis: trailing
    EXPECT_EQ(fused.num_ops("sum"), whole ? 0u : 1u) << Shape(axes);
    EXPECT_EQ(fused.num_ops("fused_elementwise"), 1u);
  }

  // A sum of a value from outside any group: an argument, a matmul.
  const std::vector<ValueSpec> specs = {kMatrix, {Shape{40, 8}, float32}};
  const Graph outside = trace(
      [](const std::vector<Tensor>& a) {
        return std::vector{sum(a[0], {0}), sum(matmul(a[0], a[1]), {1})};
      },
      specs);
  const Graph kept = fuse_and_compare(outside, normal_args(specs, 6));
  EXPECT_EQ(kept.num_ops("sum"), 2u);
  EXPECT_EQ(kept.num_ops("fused_elementwise"), 0u);

  // Integers: no group forms, the sum (to int64) stays.
  const Graph ints =
      trace([](const std::vector<Tensor>& a) { return std::vector{sum(a[0] * a[1], {0})}; },
            {{Shape{3, 4}, int32}, {Shape{3, 4}, int32}});
  const Tensor i = arange(0, 12).astype(int32).reshape({3, 4});
  const Graph fused_ints = fuse_and_compare(ints, {i, i - 5});
  EXPECT_EQ(fused_ints.num_ops("sum"), 1u);
  EXPECT_EQ(fused_ints.num_ops("fused_elementwise"), 0u);
}

TEST(GraphReductionFusion, SumNodeNeverWritesOverAnInput) {
  // sum(x * exp(b), axis 1): exp(b) has the sum's spec [40], is made by a kernel and read last by
  // the fused node, so an elementwise node could write over it (Note [In-place execution]); but
  // every row of the sum reads all of it, so the plan must not give the summing node its buffer.
  const std::vector<ValueSpec> specs = {{Shape{40, 40}, float32}, kRow};
  const Graph g = trace(
      [](const std::vector<Tensor>& a) { return std::vector{sum(a[0] * exp(a[1]), {1})}; }, specs);
  const Graph fused = passes::fuse_elementwise(g);
  ASSERT_EQ(fused_sums(fused).size(), 1u);
  const auto plan = graph::make_run_plan(fused);
  bool donated = false;
  for (const graph::RunPlan::Step& step : plan->steps) {
    donated |= fused.nodes[step.node].is_op("fused_elementwise") && step.donor >= 0;
  }
  EXPECT_FALSE(donated);
  const bool planning = graph::memory_planning_enabled();
  for (bool arena : {false, true}) {
    graph::set_memory_planning(arena);
    (void)fuse_and_compare(g, normal_args(specs, 7));
  }
  graph::set_memory_planning(planning);
}

TEST(GraphReductionFusion, NoSumAcrossAWrite) {
  Tensor w = tensor({1.f, 2.f, 3.f});
  const Graph g = trace(
      [&](const std::vector<Tensor>& a) {
        const Tensor t = exp(w * a[0]);
        w.add_(a[0]);
        return std::vector{sum(t)};
      },
      {{Shape{3}, float32}});
  const Graph fused = passes::fuse_elementwise(g);
  fused.verify();
  EXPECT_EQ(fused.num_ops("sum"), 1u);
  const Tensor x = tensor({0.5f, -1.f, 0.25f});
  w.copy_(tensor({1.f, 2.f, 3.f}));
  const std::vector<uint64_t> want = bits(g.run({x})[0]);
  w.copy_(tensor({1.f, 2.f, 3.f}));
  EXPECT_EQ(bits(fused.run({x})[0]), want);
}

// ---- bit-identity on every loop path, both thread counts ----

struct SumCase {
  Shape shape;
  std::vector<int64_t> axes;
  bool keepdims;
  const char* path;  // which loop of reduction_loop.hpp the sum kernel takes
};

/// x * s + t then tanh, times x: s broadcast along the last axis, t a transposed (strided)
/// argument, so inputs are read in place, gathered and broadcast.
Shape last_axis(const Shape& shape) {
  return shape.rank() > 0 ? Shape{shape[shape.rank() - 1]} : Shape{};
}

std::vector<Tensor> chain_args(const Shape& shape, DType dtype, uint64_t seed) {
  random::seed(seed);
  Shape reversed;
  std::vector<int64_t> order;
  for (int64_t d = shape.rank(); d-- > 0;) {
    reversed.push_back(shape[d]);
    order.push_back(d);
  }
  return {random::normal(shape, 0.0, 1.0, dtype), random::normal(last_axis(shape), 0.0, 1.0, dtype),
          permute(random::normal(reversed, 0.0, 1.0, dtype), order)};
}

/// tanh(x * s + t) * x as a fused program (inputs 0-2, then one value per instruction).
std::vector<int64_t> chain_program() {
  return {fused::opcode_of("mul"),  0, 1,  fused::opcode_of("add"), 3, 2,
          fused::opcode_of("tanh"), 4, -1, fused::opcode_of("mul"), 5, 0};
}

/// The fused sum against the sum kernel, with 1 and 2 threads. The sum-only form through the
/// pass; the two-output form, which the pass does not make, through the op itself.
void expect_bit_identical(const SumCase& c, DType dtype, bool keep_value) {
  const std::string what = std::string(c.path) + " " + std::string(dtype_name(dtype)) +
                           (keep_value ? " two outputs" : " sum only");
  const Shape s_shape = last_axis(c.shape);
  const Graph g = trace(
      [&](const std::vector<Tensor>& a) {
        return std::vector{sum(tanh(a[0] * a[1] + a[2]) * a[0], c.axes, c.keepdims)};
      },
      {{c.shape, dtype}, {s_shape, dtype}, {c.shape, dtype}});
  const Graph fused = passes::fuse_elementwise(g);
  fused.verify();
  ASSERT_EQ(fused.num_ops("sum"), 0u) << what;
  ASSERT_EQ(fused_sums(fused).size(), 1u) << what;
  const std::vector<Tensor> args = chain_args(c.shape, dtype, 11);
  const int threads = num_threads();
  set_num_threads(1);
  const Tensor value = tanh(args[0] * args[1] + args[2]) * args[0];
  const std::vector<Tensor> want = keep_value ? std::vector{value, sum(value, c.axes, c.keepdims)}
                                              : std::vector{sum(value, c.axes, c.keepdims)};
  for (int n : {1, 2}) {
    set_num_threads(n);
    const std::vector<Tensor> got =
        keep_value ? fused_elementwise_sum(args, chain_program(), c.shape, c.axes, c.keepdims, true)
                   : fused.run(args);
    ASSERT_EQ(got.size(), want.size());
    for (size_t k = 0; k < got.size(); ++k) {
      EXPECT_EQ(got[k].shape(), want[k].shape()) << what;
      EXPECT_EQ(bits(got[k]), bits(want[k])) << what << ", " << n << " threads, output " << k;
    }
  }
  set_num_threads(threads);
}

const std::vector<SumCase>& sum_cases() {
  static const std::vector<SumCase> cases = {
      // inner loop: trailing axes
      {Shape{64}, {0}, false, "inner, one run of lane blocks"},
      {Shape{10, 20}, {1}, false, "inner, runs shorter than the lanes"},
      {Shape{37, 1500}, {1}, true, "inner, runs across kLaneBlock"},
      {Shape{300, 1030}, {0, 1}, false, "inner, whole value in chunks of kReduceChunk"},
      {Shape{2, 65537}, {1}, false, "inner, a last chunk of one element"},
      {Shape{3, 70000}, {-1}, true, "inner, chunks in parallel tasks"},
      {Shape{5, 6, 7}, {1, 2}, false, "inner, two trailing axes merged"},
      {Shape{}, {}, false, "inner, a scalar"},
      // outer loop: leading axes, or short trailing runs across many columns
      {Shape{32, 512}, {0}, true, "outer, the MLP bias gradient"},
      {Shape{5, 64}, {0}, false, "outer, fewer rows than the lanes"},
      {Shape{3000, 300}, {0}, false, "outer, column blocks and row chunks"},
      {Shape{100, 7, 40}, {0}, true, "outer, two kept axes merged"},
      {Shape{40, 10}, {0}, false, "outer, folded narrow rows"},
      {Shape{70000, 3}, {0}, true, "outer, folded rows in chunks"},
      {Shape{200, 10}, {1}, false, "outer, strided columns of short runs"},
      {Shape{40, 1}, {1}, true, "outer, a size-1 reduced axis"},
  };
  return cases;
}

TEST(GraphReductionFusion, BitIdenticalToTheSumKernelFloat32) {
  for (const SumCase& c : sum_cases()) {
    for (bool keep_value : {false, true}) expect_bit_identical(c, float32, keep_value);
  }
}

TEST(GraphReductionFusion, BitIdenticalToTheSumKernelFloat64) {
  for (const SumCase& c : sum_cases()) {
    for (bool keep_value : {false, true}) expect_bit_identical(c, float64, keep_value);
  }
}

TEST(GraphReductionFusion, EmptyValues) {
  for (const Shape& shape : {Shape{0, 5}, Shape{5, 0}}) {
    for (const std::vector<int64_t>& axes : {std::vector<int64_t>{0}, std::vector<int64_t>{1}}) {
      const Graph g =
          trace([&](const std::vector<Tensor>& a) { return std::vector{sum(exp(a[0]), axes)}; },
                {{shape, float32}});
      const Graph fused = fuse_and_compare(g, {zeros(shape)});
      EXPECT_EQ(fused_sums(fused).size(), 1u);
    }
  }
  // Empty dims among several summed or kept ones merge into geometries that have no loop.
  for (const auto& c : std::vector<std::pair<Shape, std::vector<int64_t>>>{
           {Shape{3, 6, 0}, {1, 2}}, {Shape{8, 8, 0}, {0, 1, 2}}, {Shape{0, 4, 4}, {0}}}) {
    SCOPED_TRACE(to_string(c.first));
    const Graph g =
        trace([&](const std::vector<Tensor>& a) { return std::vector{sum(exp(a[0]), c.second)}; },
              {{c.first, float32}});
    const Graph fused = fuse_and_compare(g, {zeros(c.first)});
    EXPECT_EQ(fused_sums(fused).size(), 1u);
  }
}

// ---- the op: gradients and errors ----

std::vector<int64_t> tanh_mul_program() {
  // tanh(x * y) * x
  return {fused::opcode_of("mul"), 0, 1, fused::opcode_of("tanh"), 2, -1,
          fused::opcode_of("mul"), 3, 0};
}

TEST(FusedElementwiseSum, MatchesFiniteDifferencesInFloat64) {
  random::seed(12);
  const std::vector<Tensor> inputs = {random::normal({4, 5}, 0.0, 1.0, float64),
                                      random::normal({5}, 0.0, 1.0, float64)};
  for (bool keep_value : {false, true}) {
    for (const std::vector<int64_t>& axes : {std::vector<int64_t>{0}, std::vector<int64_t>{1}}) {
      // One tensor to check: the outputs combined, the sum squared so that gradgradcheck sees
      // its second derivative.
      const Tensor k = cos(arange(0, 20).reshape({4, 5}).astype(float64));
      auto f = [&](const std::vector<Tensor>& in) {
        const std::vector<Tensor> out =
            fused_elementwise_sum(in, tanh_mul_program(), Shape{4, 5}, axes, true, keep_value);
        const Tensor total = sum(out.back() * out.back());
        return keep_value ? total + sum(out[0] * k) : total;
      };
      const auto first = testing::gradcheck(f, inputs);
      EXPECT_TRUE(first.passed) << first.report;
      const auto second = testing::gradgradcheck(f, inputs);
      EXPECT_TRUE(second.passed) << second.report;
    }
  }
}

TEST(FusedElementwiseSum, UnsupportedAxesAreAClearError) {
  const std::vector<Tensor> in = {ones({2, 3, 4}), ones({4})};
  try {
    (void)fused_elementwise_sum(in, tanh_mul_program(), Shape{2, 3, 4}, {1}, false, false);
    FAIL() << "no error";
  } catch (const ValueError& e) {
    EXPECT_EQ(std::string(e.what()),
              "fused_elementwise: the sum over axes [1] of shape [2, 3, 4] is not supported (the "
              "reduced axes must be the leading or the trailing ones)");
  }
  EXPECT_TRUE(fused_sum_supported(3, {0, 1}));
  EXPECT_TRUE(fused_sum_supported(3, {2, 1}));
  EXPECT_TRUE(fused_sum_supported(0, {}));
  EXPECT_FALSE(fused_sum_supported(3, {0, 2}));
}

TEST(GraphReductionFusion, GradientsThroughATracedFunctionEqualEagerOnes) {
  random::seed(13);
  const Tensor w = random::normal({40}, 0.0, 1.0).requires_grad_();
  const Tensor b = random::normal({40}, 0.0, 1.0).requires_grad_();
  const Tensor c = random::normal({6, 40}, 0.0, 1.0);
  // The bias-gradient shape: the value read by its sum and by a product (not fused); and a
  // sum-only loss (fused).
  // (Each tensor gets at most two gradient terms, which add up to the same bits in any order.)
  auto forward = [&](const Tensor& x) {
    const Tensor y = tanh(x * w + b);
    return std::vector{sum(y, {0}, true), y * c, sum(-(x * c))};
  };
  auto traced = function([&](const std::vector<Tensor>& a) { return forward(a[0]); });
  const Tensor x = random::normal({6, 40}, 0.0, 1.0).requires_grad_();
  const Graph& g = traced.graph_for(std::vector{x});
  ASSERT_EQ(fused_sums(g).size(), 1u);
  auto gradients = [&](const std::vector<Tensor>& out) {
    for (const Tensor* t : {&w, &b, &x}) t->zero_grad();
    const Tensor weights = cos(arange(0, 240).reshape({6, 40}).astype(float32));
    sum(out[0] * sin(arange(0, 40).reshape({1, 40}).astype(float32)) + sum(out[1] * weights) +
        out[2] * 0.5f)
        .backward();
    return std::vector{bits(w.grad()), bits(b.grad()), bits(x.grad())};
  };
  const std::vector<Tensor> eager = forward(x);
  const std::vector<Tensor> graph = traced(std::vector{x});
  ASSERT_EQ(graph.size(), 3u);
  for (size_t k = 0; k < 3; ++k) EXPECT_EQ(bits(graph[k]), bits(eager[k])) << "output " << k;
  EXPECT_EQ(gradients(graph), gradients(eager));
}

// ---- a traced training step ----

TEST(GraphReductionFusion, MlpTrainingStepEqualsEagerBitForBit) {
  random::seed(14);
  auto model = nn::Sequential({nn::Input({20}), nn::Dense(64, {.activation = "relu"}),
                               nn::Dense(48, {.activation = "relu"}), nn::Dense(3)});
  const std::vector<Tensor> weights = model.trainable_weights();
  std::vector<Tensor> initial;
  for (const Tensor& w : weights) initial.push_back(w.clone());
  const testing::Body step = testing::sgd_step(model);  // returns the loss and a gradient
  std::vector<std::vector<Tensor>> batches;
  for (int i = 0; i < 3; ++i) {
    batches.push_back({random::normal({32, 20}), random::randint(0, 3, Shape{32})});
  }
  auto train = [&](bool traced_step) {
    NoGradGuard no_grad;
    for (size_t k = 0; k < weights.size(); ++k) Tensor(weights[k]).copy_(initial[k]);
    auto traced = function(step);
    std::vector<std::vector<uint64_t>> seen;
    for (const std::vector<Tensor>& batch : batches) {
      for (const Tensor& t : traced_step ? traced(batch) : step(batch)) seen.push_back(bits(t));
    }
    for (const Tensor& w : weights) seen.push_back(bits(w));
    if (traced_step) {
      // The loss's sum is fused (the bias gradients' values also feed matmuls: not fused).
      EXPECT_GE(fused_sums(traced.graph_for(batches[0])).size(), 1u);
    }
    return seen;
  };
  const auto eager = train(false);
  const auto graph = train(true);
  ASSERT_EQ(graph.size(), eager.size());
  for (size_t k = 0; k < graph.size(); ++k) EXPECT_EQ(graph[k], eager[k]) << "tensor " << k;
}

}  // namespace
}  // namespace nabla
