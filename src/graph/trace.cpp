// Tracing: runs a callable on symbolic stand-ins while dispatch records every op, then turns the
// recorded nodes into a Graph (inputs, captured tensors, ops in the order they were called).
#include <unordered_map>

#include "graph/trace_recording.hpp"
#include "nabla/graph/function.hpp"
#include "nabla/util/random_state.hpp"
#include "ops/dispatch.hpp"
#include "ops/op.hpp"

namespace nabla::graph {

std::vector<std::shared_ptr<Node>>*& active_trace_nodes() {
  thread_local std::vector<std::shared_ptr<Node>>* nodes = nullptr;
  return nodes;
}

bool is_tracing() { return active_trace_nodes() != nullptr; }

namespace {

/// Makes dispatch record everything into `nodes` for its lifetime (restoring the previous state,
/// so that traces nest), and leaves the random generator as it found it.
class TraceScope {
 public:
  explicit TraceScope(std::vector<std::shared_ptr<Node>>* nodes)
      : saved_nodes_(std::exchange(active_trace_nodes(), nodes)),
        saved_records_(std::exchange(dispatch_records_everything, true)),
        saved_random_(random::get_state()) {}
  ~TraceScope() {
    active_trace_nodes() = saved_nodes_;
    dispatch_records_everything = saved_records_;
    random::set_state(saved_random_);
  }
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

 private:
  std::vector<std::shared_ptr<Node>>* saved_nodes_;
  bool saved_records_;
  random::GeneratorState saved_random_;
};

/// Builds the Graph from the recorded nodes.
class GraphBuilder {
 public:
  GraphBuilder(const std::string& name, const std::vector<Tensor>& placeholders) : name_(name) {
    for (size_t k = 0; k < placeholders.size(); ++k) {
      const Tensor& p = placeholders[k];
      GraphNode node;
      node.kind = GraphNode::Kind::Input;
      node.index = static_cast<int64_t>(k);
      node.name = "x" + std::to_string(k);
      node.outputs = {{p.shape(), p.dtype(), p.device()}};
      index_[producer(p).get()] = append(std::move(node));
      graph_.inputs.push_back(static_cast<int32_t>(k));
    }
  }

  void add_op(const Node& recorded) {
    NABLA_CHECK(recorded.kind == Node::Kind::Op, ValueError, name_, ": the traced code applied '",
                recorded.name,
                "' as an opaque Functional API call; call layers and models directly");
    GraphNode node;
    node.kind = GraphNode::Kind::Op;
    node.op = recorded.op;
    node.attrs = recorded.attrs;
    node.name = recorded.name;
    for (const auto& [shape, dtype] : recorded.output_specs) {
      node.outputs.push_back({shape, dtype, recorded.device});
    }
    for (const Tensor& t : recorded.inputs) node.inputs.push_back(value_of(t));
    index_[&recorded] = append(std::move(node));
  }

  Graph finish(const std::vector<Tensor>& outputs) {
    for (const Tensor& t : outputs) {
      NABLA_CHECK(t.defined(), ValueError, name_,
                  ": the traced callable returned an undefined tensor");
      graph_.outputs.push_back(value_of(t));
    }
    return std::move(graph_);
  }

 private:
  GraphValue value_of(const Tensor& t) {
    if (t.is_symbolic()) {
      const SymbolicValue& s = *t.impl().symbolic;
      auto it = index_.find(s.node.get());
      NABLA_CHECK(it != index_.end(), ValueError, name_,
                  ": a symbolic tensor from outside the traced function (shape ", t.shape(),
                  ", made by '", s.node->name,
                  "') is used inside it; pass it as an argument instead");
      return {it->second, static_cast<int32_t>(s.output_index)};
    }
    auto [it, inserted] = captures_.try_emplace(&t.impl(), 0);
    if (inserted) {
      GraphNode node;
      node.kind = GraphNode::Kind::Capture;
      node.tensor = t;
      node.name = t.requires_grad() ? "variable" : "captured";
      node.outputs = {{t.shape(), t.dtype(), t.device()}};
      it->second = append(std::move(node));
    }
    return {it->second, 0};
  }

  int32_t append(GraphNode node) {
    graph_.nodes.push_back(std::move(node));
    return static_cast<int32_t>(graph_.nodes.size() - 1);
  }

  const std::string& name_;
  Graph graph_;
  std::unordered_map<const Node*, int32_t> index_;
  std::unordered_map<const TensorImpl*, int32_t> captures_;
};

}  // namespace

Graph trace(const TracedBody& body, const std::vector<ValueSpec>& specs, const std::string& name) {
  install_symbolic_hook();
  std::vector<Tensor> placeholders;
  for (size_t k = 0; k < specs.size(); ++k) {
    placeholders.push_back(
        input(specs[k].shape, specs[k].dtype, "x" + std::to_string(k), specs[k].device));
  }
  std::vector<std::shared_ptr<Node>> recorded;
  std::vector<Tensor> outputs;
  {
    TraceScope scope(&recorded);
    outputs = body(placeholders);
  }
  GraphBuilder builder(name, placeholders);
  for (const auto& node : recorded) builder.add_op(*node);
  return builder.finish(outputs);
}

}  // namespace nabla::graph
