// Symbolic tensors and their graph: the dispatch hook that records ops applied to them, and the
// executor that replays a recorded graph on concrete tensors.
#include "nabla/graph/symbolic.hpp"

#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "graph/trace_recording.hpp"
#include "ops/dispatch.hpp"

namespace nabla::graph {
namespace {

const std::shared_ptr<Node> kNoNode;

std::vector<Tensor> record_op(const OpDef& op, std::span<const Tensor> inputs, const Attrs& attrs,
                              std::span<const TensorSpec> outputs) {
  auto node = std::make_shared<Node>();
  node->kind = Node::Kind::Op;
  node->inputs.assign(inputs.begin(), inputs.end());
  node->op = &op;
  node->attrs = std::make_shared<const Attrs>(attrs);
  node->name = std::string(op.name);
  if (auto* recording = active_trace_nodes()) recording->push_back(node);
  std::vector<std::pair<Shape, DType>> specs;
  for (const TensorSpec& s : outputs) specs.emplace_back(s.shape, s.dtype);
  const Device from =
      inputs.empty() ? attrs.get_or<Device>("device", Device::cpu()) : inputs[0].device();
  std::vector<Tensor> results = make_outputs(node, specs, op.placement(from, attrs).outputs);
  // A view keeps the layout eager execution would give it (a transpose is not contiguous), so
  // that code deciding on is_contiguous() while tracing records the copy its eager run makes.
  if (op.view != nullptr) results[0].impl().layout = op.view(inputs[0], attrs);
  return results;
}

}  // namespace

std::vector<Tensor> make_outputs(const std::shared_ptr<Node>& node,
                                 const std::vector<std::pair<Shape, DType>>& specs, Device device) {
  node->num_outputs = specs.size();
  node->device = device;
  node->output_specs = specs;
  std::vector<Tensor> out;
  for (size_t k = 0; k < specs.size(); ++k) {
    auto impl = std::make_shared<TensorImpl>();
    impl->layout = Layout(specs[k].first);
    impl->dtype = specs[k].second;
    impl->device = device;
    impl->symbolic = std::make_shared<SymbolicValue>(SymbolicValue{node, k});
    out.emplace_back(std::move(impl));
  }
  return out;
}

Tensor input(const Shape& shape, DType dtype, std::string name, Device device) {
  install_symbolic_hook();
  auto node = std::make_shared<Node>();
  node->kind = Node::Kind::Input;
  node->name = std::move(name);
  return make_outputs(node, {{shape, dtype}}, device)[0];
}

const std::shared_ptr<Node>& producer(const Tensor& t) {
  if (!t.defined() || t.impl().symbolic == nullptr) return kNoNode;
  return t.impl().symbolic->node;
}

void install_symbolic_hook() {
  static std::once_flag once;
  std::call_once(once, [] { dispatch_hooks().record_symbolic = &record_op; });
}

Executor::Executor(std::vector<Tensor> inputs, std::vector<Tensor> outputs)
    : inputs_(std::move(inputs)), outputs_(std::move(outputs)) {
  std::unordered_set<const Node*> input_nodes;
  for (const Tensor& t : inputs_) {
    NABLA_CHECK(producer(t) != nullptr && producer(t)->kind == Node::Kind::Input, ValueError,
                "Model: every input must be a symbolic tensor made by Input()");
    input_nodes.insert(producer(t).get());
  }
  // Iterative post-order DFS from the outputs: a node comes after everything it consumes.
  std::unordered_set<const Node*> done;
  struct Frame {
    std::shared_ptr<Node> node;
    size_t next = 0;
  };
  std::vector<Frame> stack;
  for (const Tensor& out : outputs_) {
    NABLA_CHECK(producer(out) != nullptr, ValueError,
                "Model: every output must be a symbolic tensor computed from the inputs");
    if (done.contains(producer(out).get())) continue;
    stack.push_back({producer(out)});
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.next < top.node->inputs.size()) {
        const auto& child = producer(top.node->inputs[top.next++]);
        if (child != nullptr && !done.contains(child.get())) stack.push_back({child});
        continue;
      }
      const std::shared_ptr<Node> node = top.node;
      stack.pop_back();
      if (!done.insert(node.get()).second) continue;
      NABLA_CHECK(node->kind != Node::Kind::Input || input_nodes.contains(node.get()), ValueError,
                  "Model: the outputs depend on an Input ('", node->name,
                  "') that is not among the model's inputs");
      order_.push_back(node);
    }
  }
}

std::vector<Tensor> Executor::run(const std::vector<Tensor>& values, bool training) const {
  NABLA_CHECK(values.size() == inputs_.size(), ValueError, "Model: expected ", inputs_.size(),
              " inputs, got ", values.size());
  std::unordered_map<const Node*, std::vector<Tensor>> results;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const Shape& want = inputs_[i].shape();
    const Shape& got = values[i].shape();
    // Dimensions declared unknown (-1: Keras's None) take any extent.
    const std::vector<int64_t>& declared = producer(inputs_[i])->declared_dims;
    auto unknown = [&](int64_t d) {
      return static_cast<size_t>(d) < declared.size() && declared[static_cast<size_t>(d)] < 0;
    };
    bool ok = got.rank() == want.rank();
    for (int64_t d = 1; ok && d < want.rank(); ++d) ok = got[d] == want[d] || unknown(d);
    NABLA_CHECK(
        ok, ShapeError, "Model: input '", producer(inputs_[i])->name, "' expects shape [None",
        [&] {
          std::string s;
          for (int64_t d = 1; d < want.rank(); ++d)
            s += ", " + (unknown(d) ? std::string("None") : std::to_string(want[d]));
          return s;
        }(),
        "], got ", got);
    results[producer(inputs_[i]).get()] = {values[i]};
  }
  auto value_of = [&](const Tensor& t) -> Tensor {
    const auto& node = producer(t);
    if (node == nullptr) return t;  // a constant captured by the graph
    return results.at(node.get())[t.impl().symbolic->output_index];
  };
  for (const auto& node : order_) {
    if (node->kind == Node::Kind::Input) continue;
    std::vector<Tensor> args;
    args.reserve(node->inputs.size());
    for (const Tensor& t : node->inputs) args.push_back(value_of(t));
    results[node.get()] = node->kind == Node::Kind::Op ? dispatch(*node->op, args, *node->attrs)
                                                       : node->call(args, training);
  }
  std::vector<Tensor> out;
  for (const Tensor& t : outputs_) out.push_back(value_of(t));
  return out;
}

}  // namespace nabla::graph
