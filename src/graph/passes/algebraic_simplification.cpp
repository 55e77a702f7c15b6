// Algebraic simplification: ops that return their input unchanged (x * 1, x + 0, neg(neg(x)), a
// reshape or cast to x's own shape or dtype) are replaced by that input, and chains of reshapes or
// permutes collapse into one (contract in passes.hpp).
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "graph/passes/rewriter.hpp"
#include "nabla/graph/passes.hpp"
#include "ops/op.hpp"

namespace nabla::passes {

namespace {

/// Axes of a permute with negative ones counted from the end.
std::vector<int64_t> permute_axes(const GraphNode& node, int64_t rank) {
  std::vector<int64_t> axes = node.attrs->get<std::vector<int64_t>>("axes");
  for (int64_t& a : axes) a = a < 0 ? a + rank : a;
  return axes;
}

/// The node whose memory v is: v's own, or through views the tensor they view.
const GraphNode& storage_root(const Graph& g, GraphValue v) {
  while (g.node(v).kind == GraphNode::Kind::Op && g.node(v).op->view != nullptr) {
    v = g.node(v).inputs[0];
  }
  return g.node(v);
}

/// The storages of the captured tensors that effects (assign, optimizer updates) write into.
std::unordered_set<const Storage*> written_storages(const Graph& g) {
  std::unordered_set<const Storage*> written;
  for (const GraphNode& node : g.nodes) {
    if (!is_effect(node)) continue;
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      if (!node.op->writes_input(k)) continue;
      const GraphNode& root = storage_root(g, node.inputs[k]);
      if (root.kind == GraphNode::Kind::Capture) written.insert(root.tensor.storage().get());
    }
  }
  return written;
}

bool is_identity(const std::vector<int64_t>& axes) {
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

class Simplifier {
 public:
  explicit Simplifier(const Graph& g)
      : rewriter_(g), returned_(returned_values(g)), written_(written_storages(g)) {}

  Graph run() {
    const Graph& g = rewriter_.source();
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const GraphNode& node = g.nodes[i];
      std::optional<GraphValue> replacement;
      if (node.kind == GraphNode::Kind::Op && node.outputs.size() == 1) replacement = simplify(i);
      if (replacement.has_value()) {
        rewriter_.alias(i, {*replacement});
      } else {
        rewriter_.copy(i);
      }
    }
    return rewriter_.finish();
  }

 private:
  [[nodiscard]] const Graph& target() const { return rewriter_.target(); }

  /// The value standing for source node i in the new graph, when a rule applies.
  std::optional<GraphValue> simplify(size_t i) {
    const GraphNode& node = rewriter_.source().nodes[i];
    std::vector<GraphValue> in;
    for (GraphValue v : node.inputs) in.push_back(rewriter_.map(v));
    const std::string_view name = node.op->name;
    if (in.size() == 2 && (name == "mul" || name == "div" || name == "add" || name == "sub")) {
      return binary_identity(i, name, in[0], in[1]);
    }
    if (name == "neg" && target().node(in[0]).is_op("neg")) {
      return unchanged(i, target().node(in[0]).inputs[0]);
    }
    if (name == "cast") return unchanged(i, in[0]);
    if (name == "reshape") return reshape(i, in[0]);
    if (name == "permute") return permute(i, in[0]);
    // An expand to x's own shape (broadcast_to in an in-place write) keeps x's strides: x itself.
    if (name == "expand" && target().spec(in[0]) == node.outputs[0]) return in[0];
    return std::nullopt;
  }

  /// x * 1, 1 * x, x / 1, x + 0, 0 + x, x - 0.
  std::optional<GraphValue> binary_identity(size_t i, std::string_view name, GraphValue a,
                                            GraphValue b) {
    const double neutral = name == "mul" || name == "div" ? 1.0 : 0.0;
    const bool commutes = name == "mul" || name == "add";
    if (uniform_value(b) == neutral) {
      if (auto x = unchanged(i, a)) return x;
    }
    if (commutes && uniform_value(a) == neutral) return unchanged(i, b);
    return std::nullopt;
  }

  /// `x` in place of source node i, an op that computes a copy of x (x * 1, neg(neg(x)), a cast
  /// to x's dtype: Tensor::clone() is one), when that changes nothing the graph's readers see.
  std::optional<GraphValue> unchanged(size_t i, GraphValue x) {
    // A different shape or dtype means broadcasting or promotion happened: the op is needed.
    if (target().spec(x) != rewriter_.source().nodes[i].outputs[0]) return std::nullopt;
    // The copy is the caller's own tensor; x may be an argument, a variable or a constant of the
    // graph, which an in-place update of the result must not change.
    if (returned_[i][0]) return std::nullopt;
    // The copy is contiguous; x may be a view (the clone that makes a transpose contiguous before
    // a reshape), and reshape only views contiguous tensors.
    if (!known_contiguous(x)) return std::nullopt;
    // The copy holds x's value at its place in the graph; a variable written later (an effect:
    // `old = w.clone(); w.add_(g)`) would show its new value to the copy's readers.
    const GraphNode& root = storage_root(target(), x);
    if (root.kind == GraphNode::Kind::Capture && written_.contains(root.tensor.storage().get())) {
      return std::nullopt;
    }
    return x;
  }

  /// reshape(reshape(x)) is one reshape, and a reshape to x's own shape is x. A reshape's input
  /// is contiguous, so the result has the same layout either way.
  std::optional<GraphValue> reshape(size_t i, GraphValue x) {
    const GraphNode& node = rewriter_.source().nodes[i];
    const bool chained = target().node(x).is_op("reshape");
    if (chained) x = target().node(x).inputs[0];
    if (target().spec(x) == node.outputs[0]) return x;
    if (!chained) return std::nullopt;
    auto attrs = std::make_shared<Attrs>(*node.attrs);
    attrs->set("shape", node.outputs[0].shape);  // resolved: no -1
    return add_like(node, x, std::move(attrs));
  }

  /// permute(permute(x, p), q) is permute(x, p[q]), and x when that is the identity (a transpose
  /// of a transpose). Strides are permuted exactly, so the layout is the same either way.
  std::optional<GraphValue> permute(size_t i, GraphValue x) {
    const GraphNode& node = rewriter_.source().nodes[i];
    const int64_t rank = node.outputs[0].shape.rank();
    std::vector<int64_t> axes = permute_axes(node, rank);
    const GraphNode& inner = target().node(x);
    const bool chained = inner.is_op("permute");
    if (chained) {
      const std::vector<int64_t> first = permute_axes(inner, rank);
      for (int64_t& a : axes) a = first[static_cast<size_t>(a)];
      x = inner.inputs[0];
    }
    if (is_identity(axes) && target().spec(x) == node.outputs[0]) return x;
    if (!chained) return std::nullopt;
    auto attrs = std::make_shared<Attrs>(*node.attrs);
    attrs->set("axes", axes);
    return add_like(node, x, std::move(attrs));
  }

  /// A copy of `node` (same op and output spec) reading x, with new attributes.
  GraphValue add_like(const GraphNode& node, GraphValue x, std::shared_ptr<const Attrs> attrs) {
    GraphNode replacement = node;
    replacement.inputs = {x};
    replacement.attrs = std::move(attrs);
    return {rewriter_.add(std::move(replacement)), 0};
  }

  /// Whether x is contiguous whenever the graph runs. Arguments are assumed contiguous as the
  /// tracer's stand-ins are; a view other than reshape may not be.
  [[nodiscard]] bool known_contiguous(GraphValue x) const {
    const GraphNode& node = target().node(x);
    switch (node.kind) {
      case GraphNode::Kind::Input:
        return true;
      case GraphNode::Kind::Capture:
      case GraphNode::Kind::Constant:
        return node.tensor.is_contiguous();
      case GraphNode::Kind::Op:
        return node.op->view == nullptr || node.is_op("reshape");
    }
    return false;
  }

  /// The value every element of v holds when v is a constant: a Constant node, or a fill (this
  /// pass may run before folding). Not for captures (a variable may change), nor complex dtypes
  /// (x * (1 + 0i) is not x when x has an infinite part).
  std::optional<double> uniform_value(GraphValue v) {
    const GraphNode& node = target().node(v);
    if (is_complex(target().spec(v).dtype)) return std::nullopt;
    if (node.is_op("fill")) return node.attrs->get<Scalar>("value").to<double>();
    // A constant in device memory is not read back to the host for this.
    if (node.kind != GraphNode::Kind::Constant || !node.tensor.device().is_cpu())
      return std::nullopt;
    auto [it, inserted] = uniform_.try_emplace(v.node);
    if (inserted && node.tensor.numel() > 0) {
      // Converting to double is exact for 0 and 1 and never turns another value into them.
      const std::vector<double> values = node.tensor.to_vector<double>();
      bool same = true;
      for (double value : values) same = same && value == values.front();
      if (same) it->second = values.front();
    }
    return it->second;
  }

  GraphRewriter rewriter_;
  std::vector<std::vector<bool>> returned_;
  std::unordered_set<const Storage*> written_;
  std::unordered_map<int32_t, std::optional<double>> uniform_;  // by Constant node of the target
};

}  // namespace

// x + 0 turns -0.0 into +0.0; dropping it keeps -0.0, which compares equal (as compilers do
// under -fno-signed-zeros). Every other identity here is exact, NaN and infinities included.
Graph simplify_algebra(const Graph& g) { return Simplifier(g).run(); }

}  // namespace nabla::passes
