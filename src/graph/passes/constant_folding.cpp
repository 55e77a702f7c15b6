// Constant folding: op nodes that depend on constants only are evaluated once, when the graph is
// optimised, and replaced by Constant nodes holding their values (contract in passes.hpp).
#include <string_view>
#include <unordered_map>

#include "graph/passes/rewriter.hpp"
#include "nabla/autograd/grad_mode.hpp"
#include "nabla/graph/passes.hpp"
#include "ops/dispatch.hpp"
#include "ops/op.hpp"

namespace nabla::passes {

namespace {

// A folded value is stored in the graph for as long as the graph lives. A large fill, or an
// expand of a scalar to a large shape, is cheap to recompute on every run but would pin its full
// size in memory (and make the graph heavy to keep per input signature), so above this many
// elements the op stays in the graph.
constexpr int64_t kMaxFoldedElements = int64_t{1} << 20;

bool foldable(const Graph& target, const GraphNode& node, const std::vector<bool>& returned) {
  // A random op draws fresh numbers on every run (folding would freeze one draw); an effect is
  // done for its write, on every run.
  if (node.kind != GraphNode::Kind::Op || node.op->random || is_effect(node)) return false;
  if (node.outputs.empty()) return false;
  int64_t elements = 0;
  for (size_t k = 0; k < node.outputs.size(); ++k) {
    // A result the caller receives (directly or through views) stays computed per run: a Constant
    // would hand every caller the graph's own tensor, and an in-place update of that result
    // would change what later runs return.
    if (returned[k]) return false;
    elements += node.outputs[k].shape.numel();
  }
  if (elements > kMaxFoldedElements) return false;
  for (GraphValue v : node.inputs) {
    // Captured tensors are read when the graph runs (a variable changes between runs).
    if (target.node(v).kind != GraphNode::Kind::Constant) return false;
  }
  return true;
}

/// The op's results on its constant inputs, each a contiguous tensor of its own with the recorded
/// shape and dtype; empty when the op cannot be evaluated now (the error, if any, is raised when
/// the graph runs, where the caller expects it).
std::vector<Tensor> evaluate(const Graph& target, const GraphNode& node) {
  NoGradGuard no_grad;
  PauseTracing eager;  // a pass may run while an enclosing function is being traced
  std::vector<Tensor> inputs;
  for (GraphValue v : node.inputs) inputs.push_back(target.node(v).tensor);
  std::vector<Tensor> outputs;
  try {
    outputs = dispatch(*node.op, inputs, *node.attrs);
  } catch (const Error&) {
    return {};
  }
  if (outputs.size() != node.outputs.size()) return {};
  for (size_t k = 0; k < outputs.size(); ++k) {
    Tensor& out = outputs[k];
    if (out.shape() != node.outputs[k].shape || out.dtype() != node.outputs[k].dtype) return {};
    // A view's result aliases its input: the Constant must own its memory (and be contiguous,
    // so that any op reading it, reshape included, accepts it).
    bool aliases = node.op->view != nullptr || !out.is_contiguous();
    for (const Tensor& in : inputs) aliases = aliases || out.shares_storage(in);
    if (aliases) out = out.clone();
  }
  return outputs;
}

/// The Constant nodes of the new graph by value: equal folded values (the fill of 1.0 that each
/// `x + 1.0` makes) share one node, so that CSE, which matches constants by identity, can merge
/// the ops reading them.
class ConstantPool {
 public:
  explicit ConstantPool(GraphRewriter& rewriter) : rewriter_(rewriter) {}

  /// The index of a Constant node of the new graph equal to `node`, added when there is none.
  int32_t intern(GraphNode node) {
    const Tensor& t = node.tensor;
    if (!t.device().is_cpu() || !t.is_contiguous()) return rewriter_.add(std::move(node));
    const size_t h = hash_of(t);
    for (auto [it, end] = nodes_.equal_range(h); it != end; ++it) {
      if (same_bytes(rewriter_.target().nodes[static_cast<size_t>(it->second)].tensor, t)) {
        return it->second;
      }
    }
    const int32_t index = rewriter_.add(std::move(node));
    nodes_.emplace(h, index);
    return index;
  }

 private:
  static std::string_view bytes(const Tensor& t) {
    return {static_cast<const char*>(t.data_ptr()), static_cast<size_t>(t.numel()) * t.itemsize()};
  }
  static size_t hash_of(const Tensor& t) {
    size_t h = std::hash<std::string_view>()(bytes(t));
    for (int64_t d : t.shape()) h = h * 1000003u ^ static_cast<size_t>(d);
    return h * 31u + static_cast<size_t>(t.dtype());
  }
  // Bitwise, not by value: 0.0 and -0.0 stay apart, and a NaN matches the same NaN.
  static bool same_bytes(const Tensor& a, const Tensor& b) {
    return a.dtype() == b.dtype() && a.shape() == b.shape() && a.device() == b.device() &&
           a.is_contiguous() && bytes(a) == bytes(b);
  }

  GraphRewriter& rewriter_;
  std::unordered_multimap<size_t, int32_t> nodes_;  // hash -> Constant node of the new graph
};

}  // namespace

Graph fold_constants(const Graph& g) {
  const std::vector<std::vector<bool>> returned = returned_values(g);
  GraphRewriter rewriter(g);
  ConstantPool pool(rewriter);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const GraphNode& node = g.nodes[i];
    if (node.kind == GraphNode::Kind::Constant) {
      rewriter.alias(i, {{pool.intern(node), 0}});
      continue;
    }
    GraphNode mapped = node;
    for (GraphValue& v : mapped.inputs) v = rewriter.map(v);
    std::vector<Tensor> values;
    if (foldable(rewriter.target(), mapped, returned[i]))
      values = evaluate(rewriter.target(), mapped);
    if (values.empty()) {
      rewriter.copy(i);
      continue;
    }
    std::vector<GraphValue> constants;
    for (size_t k = 0; k < values.size(); ++k) {
      GraphNode constant;
      constant.kind = GraphNode::Kind::Constant;
      constant.tensor = std::move(values[k]);
      constant.outputs = {node.outputs[k]};
      constant.name = "constant";
      constants.push_back({pool.intern(std::move(constant)), 0});
    }
    rewriter.alias(i, std::move(constants));
  }
  return rewriter.finish();
}

}  // namespace nabla::passes
