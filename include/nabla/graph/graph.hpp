// Graph: the static data-flow graph that nabla::function traces and its passes rewrite. Nodes are
// graph inputs, captured tensors (variables, by reference), constants and op calls (op + attrs +
// inputs), kept in topological order; every value carries its shape and dtype (docs/graph.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

struct OpDef;
class Attrs;

/// Output `output` of node `node` of a Graph.
struct GraphValue {
  int32_t node = -1;
  int32_t output = 0;
  friend bool operator==(const GraphValue&, const GraphValue&) = default;
};

/// Shape and dtype of one value, known without computing it.
struct ValueSpec {
  Shape shape;
  DType dtype = float32;
  /// Where the value lives: passes only write ops that have a kernel there, and the memory plan
  /// places CPU values only (its arena is host memory).
  Device device = Device::cpu();
  friend bool operator==(const ValueSpec&, const ValueSpec&) = default;
};

struct GraphNode {
  enum class Kind {
    Input,     // argument `index` of the traced function
    Capture,   // a tensor from outside, read when the graph runs (a layer weight, a variable)
    Constant,  // a tensor owned by the graph (a folded subgraph); never changes
    Op,        // op(inputs, attrs)
  };
  Kind kind = Kind::Op;
  const OpDef* op = nullptr;           // Op
  std::shared_ptr<const Attrs> attrs;  // Op
  std::vector<GraphValue> inputs;      // Op
  std::vector<ValueSpec> outputs;      // one for Input, Capture and Constant
  Tensor tensor;                       // Capture (aliased, so updates are seen) and Constant
  int64_t index = 0;                   // Input: which argument
  std::string name;                    // Input: "x0"...; Capture: "variable"...; Op: the op's name

  [[nodiscard]] bool is_op(std::string_view op_name) const;
};

/// A traced computation. Nodes are topologically ordered: a node's inputs come before it.
class Graph {
 public:
  std::vector<GraphNode> nodes;
  std::vector<int32_t> inputs;      // the Input nodes, by argument index
  std::vector<GraphValue> outputs;  // the results, in order

  [[nodiscard]] const GraphNode& node(GraphValue v) const {
    return nodes[static_cast<size_t>(v.node)];
  }
  [[nodiscard]] const ValueSpec& spec(GraphValue v) const {
    return node(v).outputs[static_cast<size_t>(v.output)];
  }
  /// Number of Op nodes (of op `op_name` when given).
  [[nodiscard]] size_t num_ops(std::string_view op_name = {}) const;

  /// Throws ValueError naming the node when the graph is malformed: inputs not before their
  /// consumer, dangling values, or recorded shapes that the ops' shape rules do not reproduce.
  void verify() const;
  /// A text listing, one node per line: "%3 = matmul(%0, %1) : [32, 10] float32".
  [[nodiscard]] std::string str() const;
  /// Graphviz source: inputs, captured variables, constants and ops, with shapes on the edges.
  [[nodiscard]] std::string to_dot(std::string_view title = "graph") const;
  /// Renders to_dot() with Graphviz's `dot -Tsvg` (IOError when `dot` is not installed). Written
  /// to a temporary file and renamed, so a failure leaves an existing file intact.
  void save_svg(const std::string& path, std::string_view title = "graph") const;

  /// Runs the graph on concrete inputs (shapes and dtypes as the Input nodes record), through the
  /// ordinary dispatch: outputs are differentiable from eager code like the ops' own results.
  /// Intermediate values are released after their last use; random ops draw fresh numbers.
  /// With graph::set_inter_op_parallelism(true), independent small ops run concurrently on
  /// nabla's thread pool (docs/graph.md).
  [[nodiscard]] std::vector<Tensor> run(const std::vector<Tensor>& args) const;
};

namespace graph {
/// Whether Graph::run executes independent small ops concurrently. Off by default: on 2 cores it
/// gains only when the ops are tiny and OpenMP threads spin (Note [Inter-op parallelism]).
/// Results are the same either way.
void set_inter_op_parallelism(bool enabled);
/// Whether runs that call kernels directly (no autograd to record) place the intermediate values
/// in one arena laid out by liveness, reused across runs (Note [Memory plan] in
/// src/graph/memory_plan.cpp). On by default; the environment variable NABLA_MEMORY_PLANNING=0
/// turns it off at startup. Results are the same either way.
void set_memory_planning(bool enabled);
}  // namespace graph

}  // namespace nabla
