// Graph passes (nabla/graph/passes.hpp): each pass is checked on traced graphs before and after
// (which ops remain, Graph::verify), and the rewritten graph must compute what the traced one
// computes on the same inputs. The negative cases pin what a pass must leave alone: random ops,
// captured variables, broadcasting identities, ops with different attributes, copies the caller
// or a later reshape relies on.
#include <gtest/gtest.h>

#include <algorithm>

#include "backend/attrs.hpp"
#include "nabla/graph/passes.hpp"
#include "nabla/nabla.hpp"
#include "unit/graph_test_util.hpp"

namespace nabla {
namespace {

using testing::expect_same_results;
using testing::trace;

size_t count(const Graph& g, GraphNode::Kind kind) {
  size_t n = 0;
  for (const GraphNode& node : g.nodes) n += node.kind == kind;
  return n;
}

/// The Op nodes' names in order, to say which remain.
std::vector<std::string> op_names(const Graph& g) {
  std::vector<std::string> names;
  for (const GraphNode& node : g.nodes) {
    if (node.kind == GraphNode::Kind::Op) names.push_back(node.name);
  }
  return names;
}

const ValueSpec kVector3{Shape{3}, float32};
const ValueSpec kMatrix23{Shape{2, 3}, float32};

Tensor matrix23() { return tensor({-1.5f, 0.f, 2.f, 3.25f, -4.f, 5.f}).reshape({2, 3}); }

// ---- dead code elimination ----

TEST(GraphPassDeadCode, RemovesUnusedNodesAndKeepsTheSignature) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        (void)(log(a[0]) * 2.0);  // computed, never used
        return std::vector<Tensor>{exp(a[0])};
      },
      {kVector3, kVector3});
  EXPECT_EQ(op_names(g), (std::vector<std::string>{"log", "fill", "mul", "exp"}));
  const Graph out = passes::eliminate_dead_code(g);
  EXPECT_EQ(op_names(out), std::vector<std::string>{"exp"});
  EXPECT_EQ(out.inputs.size(), 2u);  // the unused argument stays: the signature is unchanged
  EXPECT_EQ(count(out, GraphNode::Kind::Input), 2u);
  expect_same_results(g, out, {tensor({1.f, 2.f, 3.f}), tensor({4.f, 5.f, 6.f})});
}

TEST(GraphPassDeadCode, KeepsUsedRandomOps) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        return std::vector<Tensor>{dropout(a[0] + random::normal({3}), 0.5)};
      },
      {kVector3});
  const Graph out = passes::eliminate_dead_code(g);
  EXPECT_EQ(out.num_ops("random_normal"), 1u);
  EXPECT_EQ(out.num_ops("dropout"), 1u);
  EXPECT_EQ(out.nodes.size(), g.nodes.size());
  expect_same_results(g, out, {tensor({1.f, 2.f, 3.f})});
}

// ---- common subexpression elimination ----

TEST(GraphPassCommonSubexpressions, MergesRepeatedOps) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        return std::vector<Tensor>{exp(a[0]) * 2.0 + exp(a[0]) * 2.0, sum(exp(a[0]))};
      },
      {kMatrix23});
  EXPECT_EQ(g.num_ops("exp"), 3u);
  EXPECT_EQ(g.num_ops("mul"), 2u);
  const Graph out = passes::eliminate_dead_code(passes::eliminate_common_subexpressions(g));
  EXPECT_EQ(out.num_ops("exp"), 1u);
  EXPECT_EQ(out.num_ops("fill"), 1u);  // the two scalars 2.0 are one
  EXPECT_EQ(out.num_ops("mul"), 1u);   // and so the products are one
  EXPECT_EQ(out.num_ops("add"), 1u);
  EXPECT_EQ(out.num_ops("sum"), 1u);
  expect_same_results(g, out, {matrix23()});
}

TEST(GraphPassCommonSubexpressions, KeepsOpsWithDifferentAttributes) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        const Tensor& x = a[0];
        return std::vector<Tensor>{sum(x, {0}) + sum(x, {1}) + sum(x, {0}),
                                   softmax(x, 0) * softmax(x, 1) * 3.0 + x * 2.0};
      },
      {{Shape{3, 3}, float32}});
  EXPECT_EQ(g.num_ops("sum"), 3u);
  EXPECT_EQ(g.num_ops("fill"), 2u);
  const Graph out = passes::eliminate_dead_code(passes::eliminate_common_subexpressions(g));
  EXPECT_EQ(out.num_ops("sum"), 2u);      // sum over axis 0 twice is one, over axis 1 another
  EXPECT_EQ(out.num_ops("softmax"), 2u);  // axis 0 and axis 1
  EXPECT_EQ(out.num_ops("fill"), 2u);     // the values 3.0 and 2.0
  expect_same_results(g, out, {arange(9).astype(float32).reshape({3, 3})});
}

TEST(GraphPassCommonSubexpressions, NeverMergesRandomOps) {
  Graph g = trace(
      [](const std::vector<Tensor>& a) {
        return std::vector<Tensor>{dropout(a[0], 0.5) + dropout(a[0], 0.5)};
      },
      {{Shape{64}, float32}});
  ASSERT_EQ(g.num_ops("dropout"), 2u);
  // Recorded with different counters; give both the same attributes to show that only the op's
  // random flag keeps them apart: two masks drawn per run, not one.
  std::vector<GraphNode*> dropouts;
  for (GraphNode& node : g.nodes) {
    if (node.is_op("dropout")) dropouts.push_back(&node);
  }
  dropouts[1]->attrs = dropouts[0]->attrs;
  g.verify();
  const Graph out = passes::eliminate_common_subexpressions(g);
  EXPECT_EQ(out.num_ops("dropout"), 2u);
  expect_same_results(g, out, {ones({64})});
  // Each mask keeps an element with probability 1/2 and scales it by 2: with two masks some
  // element is kept by exactly one (2), with one mask added to itself every element is 0 or 4.
  const std::vector<float> sum_of_masks = out.run({ones({64})})[0].to_vector<float>();
  EXPECT_NE(std::count(sum_of_masks.begin(), sum_of_masks.end(), 2.f), 0);
}

// ---- constant folding ----

TEST(GraphPassConstantFolding, FoldsConstantSubgraphs) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        const Tensor c = arange(6).astype(float32).reshape({2, 3}) * 2.0 + ones({2, 3});
        return std::vector<Tensor>{a[0] * c, a[0] - eye(3).slice(0, 0, 2)};
      },
      {kMatrix23});
  EXPECT_EQ(count(g, GraphNode::Kind::Constant), 0u);
  EXPECT_EQ(g.num_ops(), 11u);  // fill arange cast reshape fill mul add mul eye slice sub
  const Graph folded = passes::fold_constants(g);
  EXPECT_EQ(op_names(folded), (std::vector<std::string>{"mul", "sub"}));
  const Graph out = passes::eliminate_dead_code(folded);
  EXPECT_EQ(op_names(out), (std::vector<std::string>{"mul", "sub"}));
  ASSERT_EQ(count(out, GraphNode::Kind::Constant), 2u);
  for (const GraphNode& node : out.nodes) {
    if (node.kind != GraphNode::Kind::Constant) continue;
    EXPECT_EQ(node.outputs[0], kMatrix23);
    EXPECT_TRUE(node.tensor.is_contiguous());
    EXPECT_FALSE(node.tensor.requires_grad());
  }
  expect_same_results(g, out, {matrix23()});
}

TEST(GraphPassConstantFolding, FoldedViewsOwnTheirMemory) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        const Tensor base = arange(6).astype(float32) + 1.0;
        return std::vector<Tensor>{a[0] + base.reshape({2, 3}),
                                   a[0] * transpose(base.reshape({3, 2}))};
      },
      {kMatrix23});
  const Graph out = passes::eliminate_dead_code(passes::fold_constants(g));
  EXPECT_EQ(op_names(out), (std::vector<std::string>{"add", "mul"}));
  std::vector<Tensor> constants;
  for (const GraphNode& node : out.nodes) {
    if (node.kind == GraphNode::Kind::Constant) constants.push_back(node.tensor);
  }
  ASSERT_EQ(constants.size(), 2u);
  EXPECT_TRUE(constants[0].is_contiguous());
  EXPECT_TRUE(constants[1].is_contiguous());  // the transpose was copied, not kept as a view
  EXPECT_FALSE(constants[0].shares_storage(constants[1]));
  EXPECT_EQ(constants[1].to_vector<float>(), (std::vector<float>{1, 3, 5, 2, 4, 6}));
  expect_same_results(g, out, {matrix23()});
}

TEST(GraphPassConstantFolding, MultiOutputOpsFoldIntoOneConstantPerOutput) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        const Tensor c = arange(3.0, 0.0, -1.0).astype(float32);  // [3, 2, 1]
        return std::vector<Tensor>{a[0] + sort(c), a[0] * argsort(c).astype(float32)};
      },
      {kVector3});
  EXPECT_EQ(g.num_ops("sort"), 2u);  // sort and argsort each read one output of a sort node
  const Graph merged = passes::eliminate_common_subexpressions(g);
  ASSERT_EQ(merged.num_ops("sort"), 1u);  // one node, both outputs used
  const Graph folded = passes::fold_constants(merged);
  EXPECT_EQ(folded.num_ops("sort"), 0u);
  std::vector<std::vector<float>> float_constants;
  size_t int_constants = 0;
  for (const GraphNode& node : folded.nodes) {
    if (node.kind != GraphNode::Kind::Constant) continue;
    int_constants += node.outputs[0].dtype == int64;  // the sort's indices
    if (node.outputs[0].dtype == float32) float_constants.push_back(node.tensor.to_vector<float>());
  }
  EXPECT_EQ(int_constants, 1u);
  EXPECT_EQ(float_constants, (std::vector<std::vector<float>>{{3, 2, 1}, {1, 2, 3}, {2, 1, 0}}));
  const Graph out = passes::eliminate_dead_code(folded);
  EXPECT_EQ(op_names(out), (std::vector<std::string>{"add", "mul"}));
  expect_same_results(g, out, {tensor({1.f, 2.f, 3.f})});
}

TEST(GraphPassConstantFolding, CapturesAreNotConstants) {
  Tensor w = tensor({1.f, 2.f, 3.f});
  const Graph g = trace(
      [&](const std::vector<Tensor>& a) {
        return std::vector<Tensor>{a[0] + w * 2.0 + sum(reshape(w, {3, 1}))};
      },
      {kVector3});
  const Graph out = passes::eliminate_dead_code(passes::fold_constants(g));
  EXPECT_EQ(out.num_ops("mul"), 1u);
  EXPECT_EQ(out.num_ops("reshape"), 1u);
  EXPECT_EQ(out.num_ops("sum"), 1u);
  EXPECT_EQ(count(out, GraphNode::Kind::Capture), 1u);
  const Tensor x = tensor({0.f, 0.f, 0.f});
  expect_same_results(g, out, {x});
  w.mul_(10.0);  // the variable changes between runs: the folded graph sees it
  EXPECT_EQ(out.run({x})[0].to_vector<float>(), (std::vector<float>{80, 100, 120}));
  expect_same_results(g, out, {x});
}

TEST(GraphPassConstantFolding, RandomOpsAreNotFolded) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        return std::vector<Tensor>{a[0] + random::uniform({3}) * 2.0 + dropout(ones({3}), 0.5)};
      },
      {kVector3});
  const Graph out = passes::eliminate_dead_code(passes::fold_constants(g));
  EXPECT_EQ(out.num_ops("random_uniform"), 1u);
  EXPECT_EQ(out.num_ops("dropout"), 1u);
  EXPECT_EQ(out.num_ops("fill"), 0u);  // ones(3) and 2.0 fold; the ops reading a draw do not
  EXPECT_EQ(out.num_ops("mul"), 1u);
  expect_same_results(g, out, {zeros({3})});
  const Tensor first = out.run({zeros({3})})[0];
  const Tensor second = out.run({zeros({3})})[0];
  EXPECT_NE(first.to_vector<float>(), second.to_vector<float>());  // fresh numbers every run
}

TEST(GraphPassConstantFolding, LargeResultsStayOps) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        return std::vector<Tensor>{a[0] + zeros({2048, 1024}) + 1.0};
      },
      {{Shape{1024}, float32}});
  const Graph out = passes::eliminate_dead_code(passes::fold_constants(g));
  EXPECT_EQ(out.num_ops("fill"), 1u);  // 2M elements: recomputed per run rather than stored
  EXPECT_EQ(count(out, GraphNode::Kind::Constant), 1u);  // the scalar 1.0
  expect_same_results(g, out, {ones({1024})});
}

TEST(GraphPassConstantFolding, ResultsReturnedToTheCallerStayOps) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        return std::vector<Tensor>{a[0] * 2.0, zeros({3}) + 1.0, reshape(arange(4), {2, 2})};
      },
      {kVector3});
  const Graph out = passes::eliminate_dead_code(passes::fold_constants(g));
  EXPECT_EQ(out.num_ops("add"), 1u);
  EXPECT_EQ(out.num_ops("arange"), 1u);
  EXPECT_EQ(out.num_ops("reshape"), 1u);
  expect_same_results(g, out, {ones({3})});
  // Each run hands out fresh tensors: updating one in place leaves the graph intact.
  std::vector<Tensor> first = out.run({ones({3})});
  first[1].add_(tensor({5.f, 5.f, 5.f}));
  first[2].mul_(full({2, 2}, 3, int64));
  const std::vector<Tensor> second = out.run({ones({3})});
  EXPECT_EQ(second[1].to_vector<float>(), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(second[2].to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3}));
}

TEST(GraphPassConstantFolding, EqualConstantsShareOneNode) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        return std::vector<Tensor>{exp(a[0] + 1.0) * exp(a[0] + 1.0) + 1.0};
      },
      {kVector3});
  const Graph out = passes::optimize(g);
  EXPECT_EQ(count(out, GraphNode::Kind::Constant), 1u);
  // add, exp, mul, add: one chain, which the last step of optimize() fuses; it reads the
  // constant once.
  EXPECT_EQ(op_names(out), std::vector<std::string>{"fused_elementwise"});
  EXPECT_EQ(out.nodes.back().inputs.size(), 2u);
  expect_same_results(g, out, {tensor({0.f, 1.f, -1.f})});
}

// ---- algebraic simplification ----

TEST(GraphPassAlgebra, NeutralOperandsDisappear) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        const Tensor& x = a[0];
        const Tensor y = ((1.0 * (x * 1.0)) / 1.0 + 0.0) - 0.0;
        return std::vector<Tensor>{exp(0.0 + y), exp(y * ones({3}))};
      },
      {kMatrix23});
  EXPECT_EQ(g.num_ops("mul"), 3u);
  // Without folding the scalars are fill ops, which the pass reads too.
  const Graph out = passes::eliminate_dead_code(passes::simplify_algebra(g));
  EXPECT_EQ(op_names(out), (std::vector<std::string>{"exp", "exp"}));
  EXPECT_EQ(out.nodes[1].inputs[0], (GraphValue{0, 0}));
  expect_same_results(g, out, {matrix23()});
  // After folding they are Constant nodes (of any shape, all values equal).
  const Graph folded = passes::fold_constants(g);
  EXPECT_EQ(op_names(passes::eliminate_dead_code(passes::simplify_algebra(folded))),
            (std::vector<std::string>{"exp", "exp"}));
}

TEST(GraphPassAlgebra, KeepsIdentitiesThatBroadcastOrPromote) {
  Tensor w = ones({3});
  const Graph g = trace(
      [&](const std::vector<Tensor>& a) {
        const Tensor& x = a[0];
        return std::vector<Tensor>{exp(x + zeros({2, 3})),  // broadcasts [3] to [2, 3]
                                   exp(x * ones({1, 3})),   // [3] to [1, 3]
                                   exp(x * w),              // a variable, not a constant
                                   exp(x * (arange(3).astype(float32) + 1.0)),  // not all ones
                                   exp(x - zeros({3}, float64))};  // promotes to float64
      },
      {kVector3});
  const Graph out =
      passes::eliminate_dead_code(passes::simplify_algebra(passes::fold_constants(g)));
  EXPECT_EQ(out.num_ops("add"), 1u);
  EXPECT_EQ(out.num_ops("mul"), 3u);
  EXPECT_EQ(out.num_ops("cast"), 1u);  // x to float64 stays; the sub of zeros goes
  EXPECT_EQ(out.num_ops("sub"), 0u);
  expect_same_results(g, out, {tensor({-1.f, 0.5f, 2.f})});
}

TEST(GraphPassAlgebra, TransposesAndReshapesCollapse) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        const Tensor& x = a[0];  // [2, 3, 4]
        return std::vector<Tensor>{
            exp(transpose(transpose(x))),
            exp(permute(permute(x, {1, 2, 0}), {1, 2, 0})),  // one permute {2, 0, 1}
            exp(reshape(reshape(x, {6, 4}), {4, -1})),       // one reshape to [4, 6]
            exp(reshape(reshape(x, {24}), {2, 3, 4})),       // x
            exp(reshape(x, {2, 3, 4})),                      // x
            exp(broadcast_to(x, {2, 3, 4}))};                // x
      },
      {{Shape{2, 3, 4}, float32}});
  EXPECT_EQ(g.num_ops("permute"), 4u);
  EXPECT_EQ(g.num_ops("reshape"), 5u);
  EXPECT_EQ(g.num_ops("expand"), 1u);
  const Graph out = passes::eliminate_dead_code(passes::simplify_algebra(g));
  EXPECT_EQ(out.num_ops("permute"), 1u);
  EXPECT_EQ(out.num_ops("reshape"), 1u);
  EXPECT_EQ(out.num_ops("expand"), 0u);
  for (const GraphNode& node : out.nodes) {
    if (node.is_op("permute")) {
      EXPECT_EQ(node.attrs->get<std::vector<int64_t>>("axes"), (std::vector<int64_t>{2, 0, 1}));
      EXPECT_EQ(node.inputs[0], (GraphValue{0, 0}));
    }
    if (node.is_op("reshape")) {
      EXPECT_EQ(node.attrs->get<Shape>("shape"), (Shape{4, 6}));
      EXPECT_EQ(node.inputs[0], (GraphValue{0, 0}));
    }
  }
  expect_same_results(g, out, {arange(24).astype(float32).reshape({2, 3, 4})});
}

TEST(GraphPassAlgebra, DoubleNegationsAndSameDtypeCastsDisappear) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        const Tensor& x = a[0];
        return std::vector<Tensor>{exp(-(-x)), exp(-(-(-x))), exp(x.clone()),
                                   exp(astype(x.astype(float64), float32))};
      },
      {kMatrix23});
  EXPECT_EQ(g.num_ops("neg"), 5u);
  EXPECT_EQ(g.num_ops("cast"), 3u);
  const Graph out = passes::eliminate_dead_code(passes::simplify_algebra(g));
  EXPECT_EQ(out.num_ops("neg"), 1u);
  EXPECT_EQ(out.num_ops("cast"), 2u);  // float32 -> float64 -> float32 rounds: it stays
  expect_same_results(g, out, {matrix23()});
}

TEST(GraphPassAlgebra, KeepsCopiesThatReshapesOrTheCallerNeed) {
  const Graph g = trace(
      [](const std::vector<Tensor>& a) {
        const Tensor& x = a[0];
        return std::vector<Tensor>{
            reshape(transpose(x), {6}),  // the clone that makes the transpose contiguous
            exp(reshape(transpose(x) * 1.0, {3, 2})),  // the product is contiguous, x.T is not
            x.clone(),                                 // the caller's own copy of the argument
            x * 1.0};
      },
      {kMatrix23});
  EXPECT_EQ(g.num_ops("cast"), 2u);
  const Graph out = passes::eliminate_dead_code(passes::simplify_algebra(g));
  EXPECT_EQ(out.num_ops("cast"), 2u);
  EXPECT_EQ(out.num_ops("mul"), 2u);
  expect_same_results(g, out, {matrix23()});
  const Tensor x = matrix23();
  std::vector<Tensor> results = out.run({x});
  EXPECT_FALSE(results[2].shares_storage(x));
  EXPECT_FALSE(results[3].shares_storage(x));
}

// ---- effects (writes into captured tensors) ----

TEST(GraphPassEffects, WritesAreKeptAndSeparateReads) {
  Tensor w = tensor({1.f, 2.f, 3.f});
  const Graph g = trace(
      [&](const std::vector<Tensor>& a) {
        const Tensor before = w * 2.0;
        const Tensor old = w.clone();  // a snapshot: the pass must not read w after the write
        const Tensor negated = -(-w);
        w.add_(a[0]);  // recorded as an assign into w, which nothing reads
        const Tensor after = w * 2.0;
        return std::vector<Tensor>{exp(before + after), exp(old), exp(negated)};
      },
      {kVector3});
  ASSERT_EQ(g.num_ops("assign"), 1u);
  const Graph out = passes::optimize(g);
  EXPECT_EQ(out.num_ops("assign"), 1u);
  // w * 2 before and after the write are different values: the one after it is fused into
  // exp(before + after), the one before stays a node of its own before the write.
  EXPECT_EQ(out.num_ops("mul"), 1u);
  EXPECT_EQ(out.num_ops("cast"), 1u);  // the snapshot stays a copy
  // -(-w) stays two negs (one fused node, before the write); exp(negated) comes after it.
  EXPECT_EQ(out.num_ops("neg"), 0u);
  EXPECT_EQ(out.num_ops("fused_elementwise"), 2u);
  std::vector<std::string> before_write;
  for (const std::string& name : op_names(out)) {
    if (name == "assign") break;
    before_write.push_back(name);
  }
  EXPECT_EQ(std::count(before_write.begin(), before_write.end(), "mul"), 1);
  EXPECT_EQ(std::count(before_write.begin(), before_write.end(), "fused_elementwise"), 1);
  out.verify();

  const Tensor x = tensor({10.f, 20.f, 30.f});
  w.copy_(tensor({1.f, 2.f, 3.f}));
  const std::vector<Tensor> expected = g.run({x});
  const std::vector<float> w_expected = w.to_vector<float>();
  w.copy_(tensor({1.f, 2.f, 3.f}));
  const std::vector<Tensor> got = out.run({x});
  EXPECT_EQ(w.to_vector<float>(), w_expected);
  EXPECT_EQ(w_expected, (std::vector<float>{11, 22, 33}));
  for (size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].to_vector<float>(), expected[k].to_vector<float>()) << "output " << k;
  }
}

// ---- the pipeline ----

TEST(GraphPassOptimize, CombinesThePasses) {
  Tensor w = tensor({0.5f, -1.f, 2.f});
  const Graph g = trace(
      [&](const std::vector<Tensor>& a) {
        const Tensor& x = a[0];
        const Tensor scale = (ones({3}) * 2.0 - 1.0) * w;  // folds to 1 * w: w remains
        (void)sum(exp(x));                                 // dead
        return std::vector<Tensor>{relu(transpose(transpose(x)) * scale + 0.0),
                                   exp(relu(x * scale) - zeros({3}))};
      },
      {kVector3});
  EXPECT_EQ(g.num_ops(), 19u);
  const Graph out = passes::optimize(g);
  // mul and relu, fused (the relu is returned and read by exp, which stays apart).
  EXPECT_EQ(op_names(out), (std::vector<std::string>{"fused_elementwise", "exp"}));
  EXPECT_EQ(count(out, GraphNode::Kind::Constant), 0u);
  EXPECT_EQ(out.outputs[1].node - 1, out.outputs[0].node);  // exp reads the one relu
  expect_same_results(g, out, {tensor({1.f, -2.f, 3.f})});
}

TEST(GraphPassOptimize, MlpForwardKeepsItsResults) {
  random::seed(5);
  const Tensor w1 = random::normal({8, 16}, 0.0, 0.5).requires_grad_();
  const Tensor b1 = random::normal({16}, 0.0, 0.1).requires_grad_();
  const Tensor w2 = random::normal({16, 4}, 0.0, 0.5).requires_grad_();
  const Tensor b2 = zeros({4}).requires_grad_();
  auto forward = [&](const Tensor& x) {
    return softmax(matmul(relu(matmul(x, w1) + b1), w2) + b2, -1);
  };
  const Graph g =
      trace([&](const std::vector<Tensor>& a) { return std::vector<Tensor>{forward(a[0])}; },
            {{Shape{5, 8}, float32}});
  const Graph out = passes::optimize(g);
  EXPECT_EQ(out.num_ops("matmul"), 2u);
  EXPECT_EQ(out.num_ops("add"), 1u);  // b2 is a variable (zeros now, trained later): it stays
  EXPECT_EQ(out.num_ops("fused_elementwise"), 1u);  // + b1 and relu
  EXPECT_EQ(out.num_ops("relu"), 0u);
  EXPECT_EQ(out.num_ops("softmax"), 1u);
  EXPECT_EQ(count(out, GraphNode::Kind::Capture), 4u);
  EXPECT_LE(out.nodes.size(), g.nodes.size());
  const Tensor x = random::uniform({5, 8}, -1.0, 1.0);
  expect_same_results(g, out, {x});
  EXPECT_EQ(out.run({x})[0].to_vector<float>(), forward(x).to_vector<float>());

  // The same through nabla::function, optimised or not.
  auto optimized = function(forward);
  auto plain = function(forward, {.optimize = false});
  EXPECT_EQ(optimized(x).to_vector<float>(), plain(x).to_vector<float>());
}

}  // namespace
}  // namespace nabla
