// Layout choices for convolutions (Note [Convolution layouts] in
// src/graph/passes/convolution_layouts.cpp): BlockedLayout's offsets, the relayout op, the pass's
// before/after graphs (one relayout per value and layout, none between convolutions that share a
// layout), results bit-identical to the traced graph and to eager execution, gradients through a
// rewritten graph, and the generic path when oneDNN is switched off after the pass.
#include <gtest/gtest.h>

#include <set>
#include <utility>
#include <vector>

#include "backend/blocked_layout.hpp"
#include "nabla/graph/passes.hpp"
#include "nabla/nabla.hpp"
#include "ops/convolution_layout.hpp"
#include "unit/graph_test_util.hpp"
#include "unit/onednn_switch.hpp"

namespace nabla {
namespace {

using testing::built_with_onednn;
using testing::OneDnnSwitch;

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

/// Every logical index of `dims`, row-major.
std::vector<std::vector<int64_t>> all_indices(const std::vector<int64_t>& dims) {
  std::vector<std::vector<int64_t>> out;
  std::vector<int64_t> index(dims.size(), 0);
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  for (int64_t flat = 0; flat < n; ++flat) {
    out.push_back(index);
    for (size_t d = index.size(); d-- > 0;) {
      if (++index[d] < dims[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

// nChw4c: channels in blocks of 4, innermost; ABcd4b4a: two dims blocked.
const BlockedLayout kChannelsLast = BlockedLayout::plain({2, 8, 3, 2}, {0, 2, 3, 1});
const BlockedLayout kChannelBlocks{{2, 8, 3, 2}, {0, 1, 2, 3}, {{1, 4}}};
const BlockedLayout kTwoBlocks{{8, 8, 3, 2}, {0, 1, 2, 3}, {{1, 4}, {0, 4}}};

TEST(BlockedLayout, OffsetsFollowTheBlockedFormula) {
  for (const auto& i : all_indices(kChannelBlocks.dims)) {
    const int64_t n = i[0], c = i[1], h = i[2], w = i[3];
    EXPECT_EQ(kChannelBlocks.offset(i), (((n * 2 + c / 4) * 3 + h) * 2 + w) * 4 + c % 4);
    EXPECT_EQ(kChannelsLast.offset(i), ((n * 3 + h) * 2 + w) * 8 + c);
  }
  for (const auto& i : all_indices(kTwoBlocks.dims)) {
    const int64_t o = i[0], in = i[1], h = i[2], w = i[3];
    EXPECT_EQ(kTwoBlocks.offset(i),
              ((((o / 4) * 2 + in / 4) * 3 + h) * 2 + w) * 16 + (in % 4) * 4 + o % 4);
  }
}

TEST(BlockedLayout, EveryLayoutIsAPermutation) {
  for (const BlockedLayout& l : {kChannelsLast, kChannelBlocks, kTwoBlocks}) {
    std::set<int64_t> offsets;
    for (const auto& i : all_indices(l.dims)) offsets.insert(l.offset(i));
    EXPECT_EQ(static_cast<int64_t>(offsets.size()), l.numel());
    EXPECT_EQ(*offsets.rbegin(), l.numel() - 1);
  }
}

TEST(BlockedLayout, EncodesDecodesAndRejectsBadLists) {
  for (const BlockedLayout& l : {kChannelsLast, kChannelBlocks, kTwoBlocks}) {
    EXPECT_EQ(BlockedLayout::decode(l.encode(), "test"), l);
  }
  // A block of 3 does not divide 8 channels; an order that is not a permutation; truncated.
  const std::vector<std::vector<int64_t>> bad = {
      {4, 2, 8, 3, 2, 0, 1, 2, 3, 1, 1, 3}, {4, 2, 8, 3, 2, 0, 1, 1, 3, 0}, {4, 2, 8, 3, 2, 0, 1}};
  for (const auto& code : bad) {
    try {
      (void)BlockedLayout::decode(code, "relayout");
      ADD_FAILURE() << "accepted a bad layout";
    } catch (const ValueError& e) {
      EXPECT_NE(std::string(e.what()).find("relayout"), std::string::npos) << e.what();
    }
  }
}

TEST(BlockedLayout, NormalizedIgnoresWhereUnitDimsAre) {
  // With one channel, channels-last and channels-first are the same layout.
  const BlockedLayout a = BlockedLayout::plain({4, 1, 5, 5}, {0, 2, 3, 1});
  const BlockedLayout b = BlockedLayout::plain({4, 1, 5, 5}, {0, 1, 2, 3});
  EXPECT_NE(a, b);
  EXPECT_EQ(a.normalized(), b.normalized());
  for (const auto& i : all_indices(a.dims)) EXPECT_EQ(a.offset(i), b.offset(i));
}

/// relayout from channels-last [2, 3, 2, 8] to nChw4c and back, against the offsets.
void check_relayout(DType dtype) {
  const Tensor x = random::normal({2, 3, 2, 8}, 0.0, 1.0, dtype);
  const Tensor blocked = relayout(x, kChannelsLast, kChannelBlocks, Shape{96});
  ASSERT_EQ(blocked.shape(), Shape({96}));
  const std::vector<double> in = values(x), out = values(blocked);
  for (const auto& i : all_indices(kChannelsLast.dims)) {
    EXPECT_EQ(out[static_cast<size_t>(kChannelBlocks.offset(i))],
              in[static_cast<size_t>(kChannelsLast.offset(i))]);
  }
  EXPECT_EQ(values(relayout(blocked, kChannelBlocks, kChannelsLast, x.shape())), in);
  // A strided input is read by its logical elements.
  const Tensor t = random::normal({2, 3, 8, 2}, 0.0, 1.0, dtype).transpose(2, 3);
  EXPECT_EQ(values(relayout(t, kChannelsLast, kChannelBlocks, Shape{96})),
            values(relayout(t.contiguous(), kChannelsLast, kChannelBlocks, Shape{96})));
}

TEST(Relayout, MovesEachElementToItsOffset) {
  check_relayout(float64);
  check_relayout(float32);  // oneDNN's reorder when built with it
  const OneDnnSwitch off(false);
  check_relayout(float32);  // the generic loop
}

TEST(Relayout, GradientIsTheInversePermutation) {
  const Tensor x = random::normal({2, 3, 2, 8}, 0.0, 1.0, float64).requires_grad_();
  const Tensor weights = random::normal({96}, 0.0, 1.0, float64);
  const Tensor loss = sum(relayout(x, kChannelsLast, kChannelBlocks, Shape{96}) * weights);
  const Tensor grad = autograd::grad({loss}, {x})[0];
  EXPECT_EQ(values(grad), values(relayout(weights, kChannelBlocks, kChannelsLast, x.shape())));
}

TEST(Relayout, BadOperandsNameTheOp) {
  const Tensor x = random::normal({2, 3, 2, 8}, 0.0, 1.0, float32);
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([&] {
              (void)relayout(x, kChannelsLast, kChannelBlocks, Shape{95});
            }).find("relayout"),
            std::string::npos);
  EXPECT_NE(message([&] {
              (void)relayout(x, kChannelsLast, kTwoBlocks, Shape{96});
            }).find("relayout: the two layouts must have the same dims"),
            std::string::npos);
  EXPECT_NE(message([&] {
              (void)relayout(x.astype(int32), kChannelsLast, kChannelBlocks, Shape{96});
            }).find("relayout"),
            std::string::npos);
}

// ---- the pass ----

/// A convolution layer's training step: the loss, and the gradients for x, the kernel and the
/// bias (conv_relu forward, conv_input_grad and conv_weight_grad backward). 16 -> 32 channels,
/// 3x3, stride 1: oneDNN's Winograd convolution with blocked activations.
struct ConvStep {
  Tensor w = random::normal({3, 3, 16, 32}, 0.0, 0.1, float32).requires_grad_();
  Tensor b = random::normal({32}, 0.0, 0.1, float32).requires_grad_();

  std::vector<Tensor> operator()(const std::vector<Tensor>& args) const {
    Tensor x = args[0].detach();
    x.requires_grad_();
    const Tensor y = conv(x, w, b, {.activation = "relu"});
    const Tensor loss = sum(y * y);
    std::vector<Tensor> out{loss};
    for (const Tensor& g : autograd::grad({loss}, {x, w, b})) out.push_back(g);
    return out;
  }
};

/// The relayout nodes of `g` reading value `v`.
size_t relayouts_of(const Graph& g, GraphValue v) {
  size_t n = 0;
  for (const GraphNode& node : g.nodes) n += node.is_op("relayout") && node.inputs[0] == v;
  return n;
}

/// The conv_with_layouts node running core op `of`.
const GraphNode& laid_out_conv(const Graph& g, const std::string& of) {
  for (const GraphNode& node : g.nodes) {
    if (node.is_op("conv_with_layouts") && node.attrs->get<std::string>("of") == of) return node;
  }
  ADD_FAILURE() << "no conv_with_layouts of " << of << " in\n" << g.str();
  return g.nodes[0];
}

TEST(ConvolutionLayouts, OneRelayoutPerValueBitIdenticalResults) {
  if (!built_with_onednn()) GTEST_SKIP() << "nabla is built without oneDNN (NABLA_ONEDNN=OFF)";
  const OneDnnSwitch on(true);
  random::seed(7);
  const ConvStep step;
  const Graph before = testing::trace(step, {{Shape{8, 12, 12, 16}, float32}});
  const Graph after = passes::choose_convolution_layouts(before);
  EXPECT_EQ(before.num_ops("relayout"), 0u);
  EXPECT_EQ(after.num_ops("conv_with_layouts"), 3u) << after.str();
  EXPECT_EQ(after.num_ops("conv_relu") + after.num_ops("conv_input_grad") +
                after.num_ops("conv_weight_grad"),
            0u);
  // x is laid out once for the forward pass and the weight gradient; the output gradient once
  // for the input and weight gradients.
  const GraphValue x{after.inputs[0], 0};
  EXPECT_EQ(relayouts_of(after, x), 1u) << after.str();
  const GraphNode& forward = laid_out_conv(after, "conv_relu");
  const GraphNode& input_grad = laid_out_conv(after, "conv_input_grad");
  const GraphNode& weight_grad = laid_out_conv(after, "conv_weight_grad");
  EXPECT_EQ(forward.inputs[0], weight_grad.inputs[0]);
  EXPECT_EQ(input_grad.inputs[0], weight_grad.inputs[1]);
  EXPECT_TRUE(after.node(forward.inputs[0]).is_op("relayout"));
  EXPECT_TRUE(after.node(input_grad.inputs[0]).is_op("relayout"));
  // No value is laid out twice into one layout.
  std::set<std::pair<int32_t, std::vector<int64_t>>> seen;
  for (const GraphNode& node : after.nodes) {
    if (!node.is_op("relayout")) continue;
    EXPECT_TRUE(
        seen.insert({node.inputs[0].node, node.attrs->get<std::vector<int64_t>>("to")}).second);
  }

  const Tensor x_value = random::normal({8, 12, 12, 16}, 0.0, 1.0, float32);
  testing::expect_same_results(before, after, {x_value});
  const std::vector<Tensor> eager = step({x_value});
  const std::vector<Tensor> graph = after.run({x_value});
  for (size_t k = 0; k < eager.size(); ++k) EXPECT_EQ(values(graph[k]), values(eager[k])) << k;
  // Without autograd to record, kernels are called directly, outputs in the planned arena.
  const NoGradGuard no_grad;
  const std::vector<Tensor> direct = after.run({x_value});
  for (size_t k = 0; k < eager.size(); ++k) EXPECT_EQ(values(direct[k]), values(eager[k])) << k;
}

TEST(ConvolutionLayouts, ChainedConvolutionsPassBlockedValues) {
  if (!built_with_onednn()) GTEST_SKIP() << "nabla is built without oneDNN (NABLA_ONEDNN=OFF)";
  const OneDnnSwitch on(true);
  random::seed(8);
  const Tensor w1 = random::normal({3, 3, 16, 16}, 0.0, 0.1, float32);
  const Tensor w2 = random::normal({3, 3, 16, 32}, 0.0, 0.1, float32);
  const testing::Body body = [&](const std::vector<Tensor>& args) {
    const Tensor h = conv(args[0], w1, {.padding = "same", .activation = "relu"});
    return std::vector<Tensor>{conv(h, w2)};
  };
  const Graph before = testing::trace(body, {{Shape{4, 10, 10, 16}, float32}});
  const Graph after = passes::choose_convolution_layouts(before);
  ASSERT_EQ(after.num_ops("conv_with_layouts"), 2u) << after.str();
  const GraphNode& second = laid_out_conv(after, "conv");
  EXPECT_TRUE(after.node(second.inputs[0]).is_op("conv_with_layouts")) << after.str();
  // x in, the first kernel, the second kernel, the result out: four relayouts, none between.
  EXPECT_EQ(after.num_ops("relayout"), 4u) << after.str();
  const Tensor x = random::normal({4, 10, 10, 16}, 0.0, 1.0, float32);
  testing::expect_same_results(before, after, {x});
  EXPECT_EQ(values(after.run({x})[0]), values(body({x})[0]));
}

TEST(ConvolutionLayouts, GenericPathWhenOneDnnIsSwitchedOffAfterThePass) {
  if (!built_with_onednn()) GTEST_SKIP() << "nabla is built without oneDNN (NABLA_ONEDNN=OFF)";
  random::seed(9);
  const ConvStep step;
  Graph before, after;
  {
    const OneDnnSwitch on(true);
    before = testing::trace(step, {{Shape{4, 8, 8, 16}, float32}});
    after = passes::choose_convolution_layouts(before);
  }
  ASSERT_EQ(after.num_ops("conv_with_layouts"), 3u);
  const OneDnnSwitch off(false);
  testing::expect_same_results(before, after, {random::normal({4, 8, 8, 16}, 0.0, 1.0, float32)});
}

TEST(ConvolutionLayouts, GradientsThroughARewrittenGraphEqualEager) {
  if (!built_with_onednn()) GTEST_SKIP() << "nabla is built without oneDNN (NABLA_ONEDNN=OFF)";
  const OneDnnSwitch on(true);
  random::seed(10);
  const Tensor w = random::normal({3, 3, 16, 32}, 0.0, 0.1, float32).requires_grad_();
  const Tensor x = random::normal({4, 9, 9, 16}, 0.0, 1.0, float32);
  auto forward = [&](const Tensor& input) { return conv(input, w, {.activation = "relu"}); };
  auto traced = function([&](const Tensor& input) { return forward(input); });
  EXPECT_EQ(traced.graph_for(x).num_ops("conv_with_layouts"), 1u);
  const Tensor eager_grad = autograd::grad({sum(forward(x))}, {w})[0];
  const Tensor graph_grad = autograd::grad({sum(traced(x))}, {w})[0];
  EXPECT_EQ(values(graph_grad), values(eager_grad));
}

TEST(ConvolutionLayouts, LeavesFloat64AndOneDnnOffGraphsAlone) {
  random::seed(11);
  const Tensor w = random::normal({3, 3, 16, 32}, 0.0, 0.1, float64);
  const testing::Body body = [&](const std::vector<Tensor>& args) {
    return std::vector<Tensor>{conv(args[0], w.astype(args[0].dtype()))};
  };
  const Graph f64 = testing::trace(body, {{Shape{2, 6, 6, 16}, float64}});
  EXPECT_EQ(passes::choose_convolution_layouts(f64).str(), f64.str());
  const OneDnnSwitch off(false);
  const Graph f32 = testing::trace(body, {{Shape{2, 6, 6, 16}, float32}});
  EXPECT_EQ(passes::choose_convolution_layouts(f32).str(), f32.str());
}

TEST(ConvolutionLayouts, BadConvWithLayoutsOperandsNameTheOp) {
  const Shape x{2, 6, 6, 16}, w{3, 3, 16, 32}, y{2, 4, 4, 32};
  const Attrs plain{{"strides", std::vector<int64_t>{1, 1}},
                    {"dilation", std::vector<int64_t>{1, 1}},
                    {"pads", std::vector<int64_t>{0, 0, 0, 0}},
                    {"groups", int64_t{1}}};
  const Attrs attrs = conv_with_layouts_attrs("conv", plain, x, w, y, {{}, {}, {}});
  const Tensor xt = zeros(x, float32), wt = zeros(w, float32);
  EXPECT_EQ(conv_with_layouts({xt, wt}, attrs).shape(), y);
  try {
    (void)conv_with_layouts({zeros({2, 6, 6, 8}, float32), wt}, attrs);
    ADD_FAILURE() << "accepted a wrong operand";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("conv_with_layouts: operand 0 of conv must be"),
              std::string::npos)
        << e.what();
  }
  const Attrs bad_of = conv_with_layouts_attrs("matmul", plain, x, w, y, {{}, {}, {}});
  EXPECT_THROW((void)conv_with_layouts({xt, wt}, bad_of), ValueError);
  const Attrs bad_y =
      conv_with_layouts_attrs("conv", plain, x, w, Shape{2, 5, 5, 32}, {{}, {}, {}});
  EXPECT_THROW((void)conv_with_layouts({xt, wt}, bad_y), ShapeError);
}

}  // namespace
}  // namespace nabla
