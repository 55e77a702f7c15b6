// The autograd graph (docs/autodiff.md). Recording an op creates one OpNode holding the op's VJP,
// its attributes and the tensors the VJP needs; each of its outputs points back at it through
// AutogradMeta. Edges run from a node to the nodes that produced its inputs, ending at one
// AccumulateGrad node per leaf. Ownership only runs backwards (outputs -> node -> inputs), so
// the graph has no reference cycles and is freed with the last tensor that uses it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nabla/tensor/tensor.hpp"
#include "ops/op.hpp"

namespace nabla {

namespace autograd {
class Node;

/// Where a gradient goes: input slot `input_nr` of `node` (one slot per output of the node).
struct Edge {
  std::shared_ptr<Node> node;
  uint32_t input_nr = 0;
  [[nodiscard]] bool valid() const { return node != nullptr; }
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  /// Frees long chains iteratively (a recursive release of 100k nodes overflows the stack).
  virtual ~Node();

  /// Gradients for the next edges from the gradients of this node's outputs (`grads` has one
  /// entry per output; undefined entries carry no gradient).
  [[nodiscard]] virtual std::vector<Tensor> apply(std::vector<Tensor> grads) = 0;
  [[nodiscard]] virtual std::string name() const = 0;
  /// Drops the saved tensors after a backward without retain_graph.
  virtual void release_saved() {}
  [[nodiscard]] virtual size_t num_outputs() const = 0;

  std::vector<Edge> next_edges;  // one per op input; invalid where no gradient is needed
};

/// A tensor kept for the VJP. Inputs are kept as handles (they own only older nodes); outputs as
/// storage + layout without autograd metadata, because a handle to its own output would make
/// the node own itself. The storage version at save time detects later in-place writes.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t, bool is_output);
  /// The tensor again; an error naming `op` if its memory was written in place since. A saved
  /// output gets `producer` as its grad_fn again, so a recorded backward can differentiate it.
  [[nodiscard]] Tensor unpack(const std::shared_ptr<Node>& producer, uint32_t output_nr,
                              std::string_view op, size_t index) const;
  [[nodiscard]] bool defined() const { return defined_; }
  /// Drops the tensor, moving out its producer node if this was the last reference to it.
  void release_into(std::vector<std::shared_ptr<Node>>& out);

 private:
  bool defined_ = false;
  bool is_output_ = false;
  Tensor tensor_;  // inputs: the handle; outputs: an alias without autograd metadata
  uint64_t version_ = 0;
};

/// One recorded op application.
class OpNode final : public Node {
 public:
  OpNode(const OpDef& op, const Attrs& attrs, std::span<const Tensor> inputs,
         std::span<const Tensor> outputs);
  [[nodiscard]] std::vector<Tensor> apply(std::vector<Tensor> grads) override;
  [[nodiscard]] std::string name() const override { return std::string(op_.name); }
  void release_saved() override;
  /// release_saved(), moving out the producers the saved inputs held the last references to.
  void release_saved_into(std::vector<std::shared_ptr<Node>>& out);
  [[nodiscard]] size_t num_outputs() const override { return output_specs_.size(); }

 private:
  const OpDef& op_;
  Attrs attrs_;
  std::vector<TensorSpec> input_specs_;
  std::vector<TensorSpec> output_specs_;
  std::vector<SavedTensor> saved_inputs_;
  std::vector<SavedTensor> saved_outputs_;
  Device device_;
  bool released_ = false;
};

/// The end of every path: adds the incoming gradient to a leaf's grad().
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(const std::shared_ptr<TensorImpl>& leaf) : leaf_(leaf) {}
  [[nodiscard]] std::vector<Tensor> apply(std::vector<Tensor> grads) override;
  [[nodiscard]] std::string name() const override { return "AccumulateGrad"; }
  [[nodiscard]] size_t num_outputs() const override { return 1; }
  [[nodiscard]] std::shared_ptr<TensorImpl> leaf() const { return leaf_.lock(); }

 private:
  std::weak_ptr<TensorImpl> leaf_;  // weak: the leaf owns its metadata, which points here
};

/// The edge a gradient for `t` flows into: its producer's output slot, or its leaf accumulator.
/// Invalid when t does not require grad.
[[nodiscard]] Edge gradient_edge(const Tensor& t);

/// Turns on the dispatch hook that records nodes (idempotent; called by requires_grad_()).
void install_hooks();

}  // namespace autograd

struct AutogradMeta {
  Tensor grad;                                     // leaves: the accumulated gradient
  std::shared_ptr<autograd::Node> grad_fn;         // non-leaves: the node that produced this
  uint32_t output_nr = 0;                          // which output of grad_fn
  std::weak_ptr<autograd::Node> grad_accumulator;  // leaves: shared by all ops reading it
};

}  // namespace nabla
