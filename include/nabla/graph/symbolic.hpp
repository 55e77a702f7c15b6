// Symbolic tensors: shape and dtype without data, recording how they are computed. The
// Functional API's Input() returns one; any op or layer applied to symbolic tensors records a
// node instead of computing, and infers the output shapes with the ops' own shape rules.
// A graph of nodes can then be run on concrete tensors (graph::Executor).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

struct OpDef;
class Attrs;

namespace graph {

/// What produced a symbolic value: a graph input, an op, or an opaque call (a Keras layer or
/// model applied to symbolic tensors: its inner ops are not part of the outer graph).
struct Node {
  enum class Kind { Input, Op, Call };
  using CallFn =
      std::function<std::vector<Tensor>(const std::vector<Tensor>& inputs, bool training)>;
  Kind kind = Kind::Input;
  std::vector<Tensor> inputs;  // symbolic tensors this node consumes
  const OpDef* op = nullptr;   // Kind::Op
  std::shared_ptr<const Attrs> attrs;
  CallFn call;                    // Kind::Call
  std::shared_ptr<void> owner;    // keeps the called object alive (Kind::Call)
  std::string name;               // Input / Call: the layer's name, for summaries and errors
  Device device = Device::cpu();  // where the outputs live (set by make_outputs)
  /// Input: the shape as declared, -1 where a dimension is unknown (Keras's None; the symbolic
  /// shape holds 1 there). Empty when every dimension is known.
  std::vector<int64_t> declared_dims;
  size_t num_outputs = 1;
  std::vector<std::pair<Shape, DType>> output_specs;  // set by make_outputs
};

}  // namespace graph

/// The symbolic slot of a TensorImpl (declared in nabla/tensor/tensor.hpp).
struct SymbolicValue {
  std::shared_ptr<graph::Node> node;
  size_t output_index = 0;
};

namespace graph {

/// A symbolic graph input of `shape` (the first dimension is the batch, given as 1 and printed as
/// None by summaries).
[[nodiscard]] Tensor input(const Shape& shape, DType dtype = float32, std::string name = "",
                           Device device = Device::cpu());

/// Symbolic tensors for the outputs of `node`, with the given specs, placed on `device` (so that
/// dispatch's check that an op's inputs share a device holds while tracing as when running).
[[nodiscard]] std::vector<Tensor> make_outputs(const std::shared_ptr<Node>& node,
                                               const std::vector<std::pair<Shape, DType>>& specs,
                                               Device device = Device::cpu());

/// The node that produced a symbolic tensor (nullptr for concrete tensors).
[[nodiscard]] const std::shared_ptr<Node>& producer(const Tensor& t);

/// Installs the dispatch hook that records ops on symbolic inputs (idempotent).
void install_symbolic_hook();

/// Runs the graph from `inputs` (symbolic Input tensors) to `outputs` on concrete `values`.
class Executor {
 public:
  Executor(std::vector<Tensor> inputs, std::vector<Tensor> outputs);
  [[nodiscard]] std::vector<Tensor> run(const std::vector<Tensor>& values, bool training) const;
  /// The Call nodes in execution order (for summaries: layers and their inbound nodes).
  [[nodiscard]] const std::vector<std::shared_ptr<Node>>& order() const { return order_; }
  [[nodiscard]] const std::vector<Tensor>& inputs() const { return inputs_; }
  [[nodiscard]] const std::vector<Tensor>& outputs() const { return outputs_; }

 private:
  std::vector<Tensor> inputs_, outputs_;
  std::vector<std::shared_ptr<Node>> order_;  // every node reachable from the outputs, topological
};

}  // namespace graph
}  // namespace nabla
