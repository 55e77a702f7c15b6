// GraphRewriter: the copy-with-substitutions loop every pass is written on. A pass walks the
// source graph in order and, per node, copies it (inputs remapped), aliases its outputs to values
// already in the new graph, or appends new nodes.
#pragma once

#include <vector>

#include "nabla/graph/graph.hpp"

namespace nabla::passes {

class GraphRewriter {
 public:
  explicit GraphRewriter(const Graph& source);

  [[nodiscard]] const Graph& source() const { return source_; }
  /// The new graph built so far.
  [[nodiscard]] const Graph& target() const { return target_; }
  /// The value of the new graph standing for value `v` of the source graph.
  [[nodiscard]] GraphValue map(GraphValue v) const;
  /// Copies source node `i` with its inputs remapped; returns its index in the new graph.
  int32_t copy(size_t i);
  /// Source node `i`'s outputs become these values of the new graph (one per output).
  void alias(size_t i, std::vector<GraphValue> values);
  /// Appends a node whose inputs already refer to the new graph; returns its index.
  int32_t add(GraphNode node);
  /// The new graph with the source's outputs remapped.
  [[nodiscard]] Graph finish();

 private:
  const Graph& source_;
  Graph target_;
  std::vector<std::vector<GraphValue>> mapping_;  // per source node, per output
};

/// True when the node is an Op of that op.
[[nodiscard]] bool is_op(const GraphNode& node, std::string_view name);
/// Per node and output: true when the caller receives the value as a result of the graph, itself
/// or through views of it (such a value must stay a fresh tensor on every run).
[[nodiscard]] std::vector<std::vector<bool>> returned_values(const Graph& g);
/// True for an op that writes into its inputs (OpDef::written_inputs): passes keep it, in order.
[[nodiscard]] bool is_effect(const GraphNode& node);

}  // namespace nabla::passes
