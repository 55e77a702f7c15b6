// GraphRewriter and the pass pipeline.
#include "graph/passes/rewriter.hpp"

#include "nabla/graph/passes.hpp"
#include "ops/op.hpp"

namespace nabla::passes {

bool is_op(const GraphNode& node, std::string_view name) { return node.is_op(name); }

bool is_effect(const GraphNode& node) {
  return node.kind == GraphNode::Kind::Op && node.op->has_effect();
}

GraphRewriter::GraphRewriter(const Graph& source)
    : source_(source), mapping_(source.nodes.size()) {}

GraphValue GraphRewriter::map(GraphValue v) const {
  const auto& outputs = mapping_[static_cast<size_t>(v.node)];
  NABLA_ASSERT(static_cast<size_t>(v.output) < outputs.size(), "graph pass: %", v.node,
               " used before it was copied or aliased");
  return outputs[static_cast<size_t>(v.output)];
}

int32_t GraphRewriter::copy(size_t i) {
  GraphNode node = source_.nodes[i];
  for (GraphValue& v : node.inputs) v = map(v);
  const int32_t index = add(std::move(node));
  auto& outputs = mapping_[i];
  outputs.clear();
  for (size_t k = 0; k < source_.nodes[i].outputs.size(); ++k) {
    outputs.push_back({index, static_cast<int32_t>(k)});
  }
  return index;
}

void GraphRewriter::alias(size_t i, std::vector<GraphValue> values) {
  NABLA_ASSERT(values.size() == source_.nodes[i].outputs.size(), "graph pass: aliasing %", i,
               " with ", values.size(), " values");
  mapping_[i] = std::move(values);
}

int32_t GraphRewriter::add(GraphNode node) {
  const auto index = static_cast<int32_t>(target_.nodes.size());
  if (node.kind == GraphNode::Kind::Input) {
    if (target_.inputs.size() <= static_cast<size_t>(node.index)) {
      target_.inputs.resize(static_cast<size_t>(node.index) + 1, -1);
    }
    target_.inputs[static_cast<size_t>(node.index)] = index;
  }
  target_.nodes.push_back(std::move(node));
  return index;
}

Graph GraphRewriter::finish() {
  for (GraphValue v : source_.outputs) target_.outputs.push_back(map(v));
  return std::move(target_);
}

std::vector<std::vector<bool>> returned_values(const Graph& g) {
  std::vector<std::vector<bool>> returned(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) returned[i].assign(g.nodes[i].outputs.size(), false);
  for (GraphValue v : g.outputs) {
    returned[static_cast<size_t>(v.node)][static_cast<size_t>(v.output)] = true;
  }
  // Consumers come after their inputs, so one backward sweep follows every chain of views.
  for (size_t i = g.nodes.size(); i-- > 0;) {
    const GraphNode& node = g.nodes[i];
    if (node.kind == GraphNode::Kind::Op && node.op->view != nullptr && returned[i][0]) {
      const GraphValue source = node.inputs[0];
      returned[static_cast<size_t>(source.node)][static_cast<size_t>(source.output)] = true;
    }
  }
  return returned;
}

Graph eliminate_dead_code(const Graph& g) {
  std::vector<bool> live(g.nodes.size(), false);
  for (GraphValue v : g.outputs) live[static_cast<size_t>(v.node)] = true;
  for (size_t i = g.nodes.size(); i-- > 0;) {
    const GraphNode& node = g.nodes[i];
    // The signature stays, and so do effects (writes into captured tensors) and random ops: an
    // unused draw still advances the generator, so removing it would change the numbers every
    // later random op draws (Note [Random ops in graphs]).
    const bool random = node.kind == GraphNode::Kind::Op && node.op->random;
    if (node.kind == GraphNode::Kind::Input || is_effect(node) || random) live[i] = true;
    if (!live[i]) continue;
    for (GraphValue v : node.inputs) live[static_cast<size_t>(v.node)] = true;
  }
  GraphRewriter rewriter(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (live[i]) rewriter.copy(i);
  }
  return rewriter.finish();
}

Graph optimize(const Graph& g) {
  Graph current = eliminate_dead_code(g);
  for (int round = 0; round < 8; ++round) {
    const size_t before = current.nodes.size();
    current = eliminate_dead_code(
        eliminate_common_subexpressions(simplify_algebra(fold_constants(current))));
    if (current.nodes.size() == before) break;
  }
  // Then the layouts of convolutions, on the simplified graph; last, fusion, which hides the fused
  // ops from the rules above (a fused x * 1 is not simplified).
  return eliminate_dead_code(fuse_elementwise(choose_convolution_layouts(current)));
}

}  // namespace nabla::passes
