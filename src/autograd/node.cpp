// Nodes of the autograd graph: saving tensors for the VJP, running it, accumulating into leaves,
// and releasing long chains without recursion.
#include "autograd/node.hpp"

#include "nabla/autograd/grad_mode.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"

namespace nabla::autograd {
namespace {

/// Moves the node references `node` holds into `out` when they are the last ones, so that their
/// destruction happens in the caller's loop instead of recursively.
void take_last_reference(std::shared_ptr<Node>& ref, std::vector<std::shared_ptr<Node>>& out) {
  if (ref != nullptr) out.push_back(std::move(ref));
}

/// A tensor handle about to be dropped: if it holds the last reference to its producer node,
/// take that reference out of its metadata.
void take_producer(Tensor& t, std::vector<std::shared_ptr<Node>>& out) {
  if (!t.defined() || t.impl_ptr().use_count() != 1) return;
  auto& meta = t.impl().autograd;
  if (meta != nullptr && meta.use_count() == 1) take_last_reference(meta->grad_fn, out);
}

}  // namespace

Node::~Node() {
  // Iterative release: collect this node's references, then repeatedly take a node of which we
  // hold the last reference, empty it the same way and let it die with nothing left to recurse.
  std::vector<std::shared_ptr<Node>> pending;
  for (Edge& e : next_edges) take_last_reference(e.node, pending);
  next_edges.clear();
  std::vector<std::shared_ptr<Node>> stack;
  auto drain = [&] {
    for (auto& n : pending) {
      if (n.use_count() == 1) {
        stack.push_back(std::move(n));
      } else {
        n.reset();  // not the last reference: dropping it destroys nothing
      }
    }
    pending.clear();
  };
  drain();
  while (!stack.empty()) {
    std::shared_ptr<Node> n = std::move(stack.back());
    stack.pop_back();
    for (Edge& e : n->next_edges) take_last_reference(e.node, pending);
    n->next_edges.clear();
    if (auto* op_node = dynamic_cast<OpNode*>(n.get())) op_node->release_saved_into(pending);
    drain();
  }
}

SavedTensor::SavedTensor(const Tensor& t, bool is_output)
    : defined_(true), is_output_(is_output), version_(t.version()) {
  if (!is_output) {
    tensor_ = t;
    return;
  }
  auto alias = std::make_shared<TensorImpl>();
  const TensorImpl& impl = t.impl();
  alias->storage = impl.storage;
  alias->layout = impl.layout;
  alias->dtype = impl.dtype;
  alias->device = impl.device;
  alias->is_view = impl.is_view;
  alias->symbolic = impl.symbolic;  // inside a trace: the same graph value
  tensor_ = Tensor(std::move(alias));
}

Tensor SavedTensor::unpack(const std::shared_ptr<Node>& producer, uint32_t output_nr,
                           std::string_view op, size_t index) const {
  if (!defined_) return {};
  NABLA_CHECK(tensor_.version() == version_, ValueError,
              "backward: ", is_output_ ? "output " : "input ", index, " of '", op, "' (shape ",
              tensor_.shape(),
              ") was modified by an in-place operation after it was saved for the gradient (its "
              "version is ",
              tensor_.version(), ", saved at version ", version_,
              "); use an out-of-place op or clone() it before modifying it");
  if (!is_output_ || !is_grad_enabled()) return tensor_;
  // A recorded backward differentiates through this output: give it its producer back.
  auto impl = std::make_shared<TensorImpl>(tensor_.impl());
  impl->requires_grad = true;
  impl->autograd = std::make_shared<AutogradMeta>();
  impl->autograd->grad_fn = producer;
  impl->autograd->output_nr = output_nr;
  return Tensor(std::move(impl));
}

OpNode::OpNode(const OpDef& op, const Attrs& attrs, std::span<const Tensor> inputs,
               std::span<const Tensor> outputs)
    : op_(op), attrs_(attrs) {
  const bool keep_inputs = saves_inputs(op.saves), keep_outputs = saves_outputs(op.saves);
  next_edges.reserve(inputs.size());
  input_specs_.reserve(inputs.size());
  for (const Tensor& in : inputs) {
    next_edges.push_back(gradient_edge(in));
    input_specs_.push_back(TensorSpec{in.shape(), in.dtype()});
    if (keep_inputs) saved_inputs_.emplace_back(in, false);
  }
  device_ = outputs.empty() ? Device::cpu() : outputs.front().device();
  for (const Tensor& out : outputs) {
    output_specs_.push_back(TensorSpec{out.shape(), out.dtype()});
    if (keep_outputs) saved_outputs_.emplace_back(out, true);
  }
}

void OpNode::release_saved() {
  saved_inputs_.clear();
  saved_outputs_.clear();
  released_ = true;
}

void OpNode::release_saved_into(std::vector<std::shared_ptr<Node>>& out) {
  for (SavedTensor& s : saved_inputs_) s.release_into(out);
  release_saved();
}

void SavedTensor::release_into(std::vector<std::shared_ptr<Node>>& out) {
  take_producer(tensor_, out);
  tensor_ = Tensor();
}

std::vector<Tensor> OpNode::apply(std::vector<Tensor> grads) {
  NABLA_CHECK(!released_, ValueError,
              "backward: trying to backward through the graph a second "
              "time: the tensors '",
              op_.name,
              "' saved were freed after the first backward; "
              "pass retain_graph = true to the first backward to keep them");
  const size_t n_in = input_specs_.size();
  bool any_grad = false;
  for (const Tensor& g : grads) any_grad |= g.defined();
  if (!any_grad) return std::vector<Tensor>(n_in);
  NABLA_CHECK(op_.vjp != nullptr, ValueError, "backward: '", op_.name,
              "' is not differentiable (it has no gradient rule)");
  // A multi-output op may receive gradients for only some outputs: the others are zero.
  for (size_t k = 0; k < grads.size(); ++k) {
    if (!grads[k].defined() && is_floating(output_specs_[k].dtype) &&
        k < op_.differentiable_outputs) {
      grads[k] = zeros(output_specs_[k].shape, output_specs_[k].dtype, device_);
    }
  }
  const std::shared_ptr<Node> self = shared_from_this();
  std::vector<Tensor> inputs(n_in), outputs(output_specs_.size());
  for (size_t i = 0; i < saved_inputs_.size(); ++i) {
    inputs[i] = saved_inputs_[i].unpack(self, 0, op_.name, i);
  }
  for (size_t k = 0; k < saved_outputs_.size(); ++k) {
    outputs[k] = saved_outputs_[k].unpack(self, static_cast<uint32_t>(k), op_.name, k);
  }
  auto needs = std::make_unique<bool[]>(n_in);
  for (size_t i = 0; i < n_in; ++i) needs[i] = next_edges[i].valid();
  const VjpContext ctx{inputs, outputs, input_specs_,
                       grads,  attrs_,  std::span<const bool>(needs.get(), n_in)};
  std::vector<Tensor> result = op_.vjp(ctx);
  if (result.empty()) result.resize(n_in);
  NABLA_ASSERT(result.size() == n_in, "the VJP of '", op_.name, "' returned ", result.size(),
               " gradients for ", n_in, " inputs");
  for (size_t i = 0; i < n_in; ++i) {
    if (!needs[i]) {
      result[i] = Tensor();
      continue;
    }
    const Tensor& g = result[i];
    NABLA_ASSERT(
        !g.defined() || (g.shape() == input_specs_[i].shape && g.dtype() == input_specs_[i].dtype),
        "the VJP of '", op_.name, "' returned a gradient of shape ", g.shape(), " ", g.dtype(),
        " for input ", i, " of shape ", input_specs_[i].shape, " ", input_specs_[i].dtype);
  }
  return result;
}

std::vector<Tensor> AccumulateGrad::apply(std::vector<Tensor> grads) {
  const std::shared_ptr<TensorImpl> leaf = leaf_.lock();
  Tensor& g = grads.front();
  if (leaf == nullptr || !g.defined()) return {};
  NABLA_CHECK(!g.is_symbolic() || leaf->symbolic != nullptr, ValueError,
              "backward: inside nabla::function, gradients of captured tensors (shape ",
              leaf->layout.shape(),
              ") cannot be accumulated into .grad(); take them as values with autograd::grad() "
              "and return them");
  auto& meta = leaf->autograd;
  if (meta == nullptr) meta = std::make_shared<AutogradMeta>();
  if (meta->grad.defined()) {
    meta->grad = meta->grad + g;
  } else if (!is_grad_enabled() && (g.impl_ptr().use_count() > 1 || g.storage().use_count() > 1 ||
                                    g.is_contiguous() == false)) {
    // The gradient may be aliased by another leaf's (add's VJP passes one tensor to both inputs);
    // a leaf's grad is its own, so later in-place updates of it touch nothing else.
    meta->grad = g.clone();
  } else {
    meta->grad = std::move(g);
  }
  return {};
}

Edge gradient_edge(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return {};
  TensorImpl& impl = t.impl();
  if (impl.autograd != nullptr && impl.autograd->grad_fn != nullptr) {
    return Edge{impl.autograd->grad_fn, impl.autograd->output_nr};
  }
  if (impl.autograd == nullptr) impl.autograd = std::make_shared<AutogradMeta>();
  std::shared_ptr<Node> accumulator = impl.autograd->grad_accumulator.lock();
  if (accumulator == nullptr) {
    accumulator = std::make_shared<AccumulateGrad>(t.impl_ptr());
    impl.autograd->grad_accumulator = accumulator;
  }
  return Edge{std::move(accumulator), 0};
}

}  // namespace nabla::autograd
