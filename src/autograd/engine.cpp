// The backward pass: discover the graph reachable from the roots, count each node's consumers,
// then run nodes in an order where every node runs after all the nodes that feed it gradients
// (a topological order by dependency counting), summing gradients that meet at a node.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "autograd/node.hpp"
#include "nabla/autograd/autograd.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"

namespace nabla::autograd {
namespace {

struct Graph {
  std::unordered_map<Node*, int> dependencies;  // how many edges reach each node
  std::unordered_set<Node*> needed;             // for grad(): nodes that lead to an input
};

/// Iterative post-order walk: counts dependencies and, when `targets` is given, marks the
/// nodes from which a target node can be reached.
Graph discover(const std::vector<Edge>& roots, const std::unordered_set<Node*>* targets) {
  Graph g;
  std::unordered_set<Node*> visited;
  struct Frame {
    Node* node;
    size_t next = 0;
  };
  std::vector<Frame> stack;
  for (const Edge& root : roots) {
    if (!visited.insert(root.node.get()).second) continue;
    stack.push_back({root.node.get()});
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.next < top.node->next_edges.size()) {
        Node* child = top.node->next_edges[top.next++].node.get();
        if (child == nullptr) continue;
        ++g.dependencies[child];
        if (visited.insert(child).second) stack.push_back({child});
        continue;
      }
      Node* done = top.node;
      stack.pop_back();
      if (targets != nullptr) {
        bool leads = targets->contains(done);
        for (const Edge& e : done->next_edges) leads |= e.node && g.needed.contains(e.node.get());
        if (leads) g.needed.insert(done);
      }
    }
  }
  return g;
}

void accumulate(Tensor& slot, Tensor grad) {
  slot = slot.defined() ? slot + grad : std::move(grad);
}

/// Runs the backward pass. With `capture`, returns the total gradient reaching each captured
/// edge and leaves grad() alone; otherwise accumulates into the leaves.
std::vector<Tensor> run_backward(const std::vector<Edge>& roots, std::vector<Tensor> root_grads,
                                 BackwardOptions options, const std::vector<Edge>* capture) {
  const bool keep_graph = options.retain_graph || options.create_graph;
  std::unordered_set<Node*> targets;
  if (capture != nullptr) {
    for (const Edge& e : *capture) {
      if (e.valid()) targets.insert(e.node.get());
    }
  }
  Graph graph = discover(roots, capture != nullptr ? &targets : nullptr);

  GradModeGuard mode(options.create_graph);
  std::unordered_map<Node*, std::vector<Tensor>> buffers;
  auto buffer_of = [&](Node* n) -> std::vector<Tensor>& {
    auto& b = buffers[n];
    if (b.empty()) b.resize(n->num_outputs());
    return b;
  };
  std::vector<std::shared_ptr<Node>> ready;
  for (size_t i = 0; i < roots.size(); ++i) {
    accumulate(buffer_of(roots[i].node.get())[roots[i].input_nr], std::move(root_grads[i]));
    const bool queued =
        std::any_of(ready.begin(), ready.end(), [&](const auto& n) { return n == roots[i].node; });
    if (!queued && graph.dependencies[roots[i].node.get()] == 0) ready.push_back(roots[i].node);
  }

  std::vector<Tensor> captured(capture != nullptr ? capture->size() : 0);
  while (!ready.empty()) {
    std::shared_ptr<Node> node = std::move(ready.back());
    ready.pop_back();
    std::vector<Tensor> grads = std::move(buffer_of(node.get()));
    buffers.erase(node.get());

    std::vector<Tensor> next;
    if (capture != nullptr) {
      for (size_t j = 0; j < capture->size(); ++j) {
        if ((*capture)[j].node == node) captured[j] = grads[(*capture)[j].input_nr];
      }
      const bool is_accumulator = dynamic_cast<AccumulateGrad*>(node.get()) != nullptr;
      if (!is_accumulator && graph.needed.contains(node.get()))
        next = node->apply(std::move(grads));
    } else {
      next = node->apply(std::move(grads));
    }
    if (!keep_graph) node->release_saved();

    for (size_t k = 0; k < node->next_edges.size(); ++k) {
      const Edge& edge = node->next_edges[k];
      if (!edge.valid()) continue;
      if (k < next.size() && next[k].defined()) {
        accumulate(buffer_of(edge.node.get())[edge.input_nr], std::move(next[k]));
      }
      if (--graph.dependencies[edge.node.get()] == 0) ready.push_back(edge.node);
    }
  }
  return captured;
}

/// The root edges and their initial gradients (ones for one-element outputs).
std::pair<std::vector<Edge>, std::vector<Tensor>> roots_of(const std::vector<Tensor>& outputs,
                                                           const std::vector<Tensor>& grad_outputs,
                                                           std::string_view caller) {
  NABLA_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(), ValueError, caller,
              ": got ", grad_outputs.size(), " gradients for ", outputs.size(), " outputs");
  std::vector<Edge> edges;
  std::vector<Tensor> grads;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& y = outputs[i];
    NABLA_CHECK(y.defined(), ValueError, caller, ": output ", i, " is an undefined tensor");
    NABLA_CHECK(y.requires_grad(), ValueError, caller, ": output ", i, " (shape ", y.shape(),
                ") does not require grad: no tensor it was computed from called "
                "requires_grad_() (or grad mode was off)");
    const Tensor given = grad_outputs.empty() ? Tensor() : grad_outputs[i];
    Tensor g;
    if (given.defined()) {
      NABLA_CHECK(given.shape() == y.shape(), ShapeError, caller, ": the gradient for output ", i,
                  " has shape ", given.shape(), " but the output has shape ", y.shape());
      g = astype(given, y.dtype());
    } else {
      NABLA_CHECK(y.numel() == 1, ValueError, caller, ": output ", i, " has shape ", y.shape(),
                  "; a gradient is implicit only for one-element outputs, pass grad_output");
      g = ones_like(y);
    }
    edges.push_back(gradient_edge(y));
    grads.push_back(std::move(g));
  }
  return {std::move(edges), std::move(grads)};
}

}  // namespace

void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
              BackwardOptions options) {
  auto [edges, grads] = roots_of(outputs, grad_outputs, "backward");
  (void)run_backward(edges, std::move(grads), options, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, BackwardOptions options) {
  auto [edges, grads] = roots_of(outputs, grad_outputs, "grad");
  std::vector<Edge> capture;
  capture.reserve(inputs.size());
  for (const Tensor& x : inputs) {
    NABLA_CHECK(x.defined(), ValueError, "grad: an input is an undefined tensor");
    capture.push_back(gradient_edge(x));
  }
  return run_backward(edges, std::move(grads), options, &capture);
}

}  // namespace nabla::autograd
