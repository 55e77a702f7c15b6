// Layout choices for convolutions: operands handed to oneDNN in the blocked layouts its
// primitives choose, one relayout per value rather than one per use (contract in passes.hpp).
//
// Note [Convolution layouts]
// nabla keeps activations channels-last and kernels in Keras's layout. oneDNN's fastest float32
// convolutions (Winograd for 3x3, channels in multiples of 16) read and write blocked layouts
// instead (nChw16c: channels cut into blocks of 16, innermost), so each call reorders its
// operands in and its output out: in a training step the forward pass and the weight gradient
// both reorder x, and the input gradient and the weight gradient both reorder the output
// gradient. A call cannot know that another one made the same copy; the graph can. For each
// convolution core op (conv, conv_relu, conv_input_grad, conv_weight_grad) that oneDNN would
// run with some operand in another layout, this pass writes
//   relayout(v) {nabla's layout -> the primitive's}    per such input
//   conv_with_layouts(...)                            the same op, those operands as they are
//   relayout(y) {the primitive's -> nabla's layout}    when the output is one of them
// Common subexpression elimination then merges the relayouts of one value into one layout (the
// forward and weight-gradient calls of a Winograd convolution choose the same blocked x), and a
// relayout of a value that just came out of that layout is the value itself (a convolution
// feeding another that wants its output blocked). Relayouts are exact permutations and the
// primitives are the ones the plain ops would run, so results are bit for bit unchanged; the
// copies saved are the gain (bench/RESULTS.md). The ops keep a generic path, so a graph still
// runs, with nabla's kernels, when oneDNN is switched off after the pass, and in float64.
//
// The choice is the CPU backend's: oneDNN kernels are the only ones with layout preferences, and
// graphs run on the CPU (the pass asks the backend which layouts its primitives take, which it
// must answer per device once another backend has convolutions).
#include "backend/cpu/convolution_layouts.hpp"

#include "backend/cpu/convolution_onednn.hpp"
#include "graph/passes/rewriter.hpp"
#include "nabla/graph/passes.hpp"
#include "ops/convolution_layout.hpp"

namespace nabla::passes {
namespace {

/// nabla's shapes of a core op's x, w and y, from its operands' specs.
struct ConvShapes {
  Shape x, w, y;
};

ConvShapes conv_shapes(const Graph& g, const GraphNode& node) {
  const Shape& a = g.spec(node.inputs[0]).shape;
  const Shape& b = g.spec(node.inputs[1]).shape;
  const Shape& out = node.outputs[0].shape;
  if (node.is_op("conv_input_grad")) return {out, b, a};
  if (node.is_op("conv_weight_grad")) return {a, out, b};
  return {a, b, out};
}

class LayoutChooser {
 public:
  explicit LayoutChooser(const Graph& g) : g_(g), rewriter_(g) {}

  Graph run() {
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (!rewrite(i)) rewriter_.copy(i);
    }
    return rewriter_.finish();
  }

 private:
  /// Rewrites node i when it is a float32 convolution oneDNN runs with an operand in a blocked
  /// layout; false (nothing added) otherwise.
  bool rewrite(size_t i) {
    const GraphNode& node = g_.nodes[i];
    if (node.kind != GraphNode::Kind::Op || node.outputs.size() != 1 ||
        node.outputs[0].dtype != DType::Float32 || !node.outputs[0].device.is_cpu()) {
      return false;
    }
    const std::optional<cpu::ConvKind> kind =
        cpu::conv_kind_of(node.op->name, node.inputs.size() == 3);
    if (!kind.has_value()) return false;
    const ConvShapes shapes = conv_shapes(g_, node);
    const cpu::ConvPlan plan = cpu::make_conv_plan(shapes.x, shapes.w, shapes.y, *node.attrs);
    const auto chosen = cpu::onednn::conv_chosen_layouts(*kind, plan);
    if (!chosen.has_value() || chosen->size() != node.inputs.size() + 1) return false;
    bool any = false;
    for (const auto& l : *chosen) any |= l.has_value();
    if (!any) return false;
    const std::vector<BlockedLayout> user = cpu::conv_operand_layouts(*kind, plan);

    GraphNode conv;
    conv.kind = GraphNode::Kind::Op;
    conv.op = &conv_with_layouts_op;
    conv.name = conv_with_layouts_op.name;
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      const auto& layout = (*chosen)[k];
      const GraphValue v = rewriter_.map(node.inputs[k]);
      conv.inputs.push_back(layout.has_value() ? laid_out(v, user[k], *layout) : v);
    }
    const std::optional<BlockedLayout>& out_layout = chosen->back();
    conv.outputs = {out_layout.has_value() ? ValueSpec{Shape{out_layout->numel()}, DType::Float32}
                                           : node.outputs[0]};
    conv.attrs = std::make_shared<const Attrs>(
        conv_with_layouts_attrs(node.op->name, *node.attrs, shapes.x, shapes.w, shapes.y, *chosen));
    const GraphValue y{rewriter_.add(std::move(conv)), 0};
    rewriter_.alias(i, {out_layout.has_value()
                            ? add_relayout(y, *out_layout, user.back(), node.outputs[0].shape)
                            : y});
    return true;
  }

  /// Value v (of the new graph, in layout `from`) in layout `to`: the value it was laid out from
  /// when v is a relayout out of `to`, else a new relayout.
  GraphValue laid_out(GraphValue v, const BlockedLayout& from, const BlockedLayout& to) {
    const GraphNode& made_by = rewriter_.target().node(v);
    if (made_by.is_op("relayout") &&
        BlockedLayout::decode(made_by.attrs->get<std::vector<int64_t>>("from"), "relayout") == to &&
        BlockedLayout::decode(made_by.attrs->get<std::vector<int64_t>>("to"), "relayout") == from) {
      return made_by.inputs[0];
    }
    return add_relayout(v, from, to, Shape{to.numel()});
  }

  GraphValue add_relayout(GraphValue v, const BlockedLayout& from, const BlockedLayout& to,
                          const Shape& shape) {
    GraphNode node;
    node.kind = GraphNode::Kind::Op;
    node.op = &relayout_op;
    node.name = relayout_op.name;
    node.inputs = {v};
    node.outputs = {ValueSpec{shape, DType::Float32}};
    node.attrs = std::make_shared<const Attrs>(relayout_attrs(from, to, shape));
    return {rewriter_.add(std::move(node)), 0};
  }

  const Graph& g_;
  GraphRewriter rewriter_;
};

}  // namespace

Graph choose_convolution_layouts(const Graph& g) {
  return eliminate_dead_code(eliminate_common_subexpressions(LayoutChooser(g).run()));
}

}  // namespace nabla::passes
