// Common subexpression elimination: one node per (op, attributes, inputs).
#include <unordered_map>

#include "graph/passes/rewriter.hpp"
#include "nabla/graph/passes.hpp"
#include "ops/op.hpp"

namespace nabla::passes {
namespace {

size_t hash_of(const GraphNode& node) {
  size_t h = std::hash<const void*>()(node.op);
  for (GraphValue v : node.inputs) {
    h = h * 1000003u ^ (static_cast<size_t>(v.node) * 31u + static_cast<size_t>(v.output));
  }
  return h;
}

}  // namespace

Graph eliminate_common_subexpressions(const Graph& g) {
  GraphRewriter rewriter(g);
  std::unordered_multimap<size_t, int32_t> seen;  // hash -> node of the new graph
  std::unordered_map<const TensorImpl*, int32_t> constants;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const GraphNode& node = g.nodes[i];
    if (node.kind == GraphNode::Kind::Constant) {
      auto it = constants.find(&node.tensor.impl());
      if (it != constants.end()) {
        rewriter.alias(i, {{it->second, 0}});
      } else {
        constants.emplace(&node.tensor.impl(), rewriter.copy(i));
      }
      continue;
    }
    if (is_effect(node)) {
      // A write: a read after it is not the same value as the same read before it.
      rewriter.copy(i);
      seen.clear();
      continue;
    }
    if (node.kind != GraphNode::Kind::Op || node.op->random) {
      rewriter.copy(i);
      continue;
    }
    GraphNode candidate = node;
    for (GraphValue& v : candidate.inputs) v = rewriter.map(v);
    const size_t h = hash_of(candidate);
    int32_t match = -1;
    for (auto [it, end] = seen.equal_range(h); it != end && match < 0; ++it) {
      const GraphNode& other = rewriter.target().nodes[static_cast<size_t>(it->second)];
      if (other.op == candidate.op && other.inputs == candidate.inputs &&
          (other.attrs == candidate.attrs || *other.attrs == *candidate.attrs)) {
        match = it->second;
      }
    }
    if (match >= 0) {
      std::vector<GraphValue> values;
      for (size_t k = 0; k < node.outputs.size(); ++k) {
        values.push_back({match, static_cast<int32_t>(k)});
      }
      rewriter.alias(i, std::move(values));
    } else {
      seen.emplace(h, rewriter.copy(i));
    }
  }
  return rewriter.finish();
}

}  // namespace nabla::passes
