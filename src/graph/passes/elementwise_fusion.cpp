// Elementwise fusion: groups of elementwise ops whose intermediate values nothing else reads
// become one fused_elementwise node, which makes one pass over memory instead of one per op, and
// computes a sum of the group's value in the same pass (contract in passes.hpp, docs/graph.md).
#include <algorithm>

#include "backend/kernel_table.hpp"
#include "graph/passes/rewriter.hpp"
#include "nabla/graph/passes.hpp"
#include "ops/fused_elementwise.hpp"

namespace nabla::passes {
namespace {

/// An op the fused kernel runs: in its instruction set, one float32 or float64 output of its
/// inputs' dtype, neither random nor an effect, on a device with a fused kernel.
bool is_fusable(const Graph& g, const GraphNode& node) {
  if (node.kind != GraphNode::Kind::Op || node.op->random || node.op->has_effect()) return false;
  if (fused_opcode(*node.op) < 0 || node.outputs.size() != 1) return false;
  if (KernelTable::global().find("fused_elementwise", node.outputs[0].device.kind) == nullptr) {
    return false;
  }
  const DType dtype = node.outputs[0].dtype;
  if (dtype != DType::Float32 && dtype != DType::Float64) return false;
  return std::all_of(node.inputs.begin(), node.inputs.end(),
                     [&](GraphValue v) { return g.spec(v).dtype == dtype; });
}

/// The node's input values, each once, in order.
std::vector<GraphValue> distinct_inputs(const GraphNode& node) {
  std::vector<GraphValue> values;
  for (GraphValue v : node.inputs) {
    if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
  }
  return values;
}

class Fuser {
 public:
  explicit Fuser(const Graph& g)
      : g_(g),
        fusable_(g.nodes.size()),
        readers_(g.nodes.size(), 0),
        effects_before_(g.nodes.size() + 1, 0),
        root_(g.nodes.size(), -1),
        leaves_(g.nodes.size()),
        sizes_(g.nodes.size(), 0),
        sum_of_(g.nodes.size(), -1),
        fused_at_(g.nodes.size(), -1) {
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      fusable_[i] = is_fusable(g, g.nodes[i]);
      effects_before_[i + 1] = effects_before_[i] + (is_effect(g.nodes[i]) ? 1 : 0);
      for (GraphValue v : distinct_inputs(g.nodes[i])) {
        if (v.output == 0) ++readers_[static_cast<size_t>(v.node)];
      }
    }
  }

  Graph run() {
    const std::vector<std::vector<bool>> returned = returned_values(g_);
    form_groups(returned);
    choose_sums(returned);
    std::vector<std::vector<int32_t>> members(g_.nodes.size());
    std::vector<int32_t> summed(g_.nodes.size(), -1);  // per fused sum: the root it reads
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (root_[i] >= 0) members[static_cast<size_t>(root_[i])].push_back(static_cast<int32_t>(i));
      if (sum_of_[i] >= 0) summed[static_cast<size_t>(sum_of_[i])] = static_cast<int32_t>(i);
    }
    GraphRewriter rewriter(g_);
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const int32_t root = root_[i];
      if (summed[i] >= 0) {  // computed by its group's node, which comes earlier
        const auto group = static_cast<size_t>(summed[i]);
        rewriter.alias(i, {GraphValue{fused_at_[group], 0}});
      } else if (root < 0 || (members[static_cast<size_t>(root)].size() < 2 &&
                              sum_of_[static_cast<size_t>(root)] < 0)) {
        rewriter.copy(i);
      } else if (root == static_cast<int32_t>(i)) {  // members come before their root
        emit(rewriter, members[i]);
      }
    }
    return rewriter.finish();
  }

 private:
  /// Walks the graph backwards: an unclaimed fusable node starts a group (it is the root, whose
  /// value leaves the group); a member's producer joins when the member is its only reader, its
  /// value is not returned and has the root's shape (only the leaves broadcast), no effect lies
  /// between it and the root (the fused node reads its inputs at the root's place: a variable
  /// written in between would show its new value), and the group stays within the kernel's
  /// limits.
  void form_groups(const std::vector<std::vector<bool>>& returned) {
    for (size_t i = g_.nodes.size(); i-- > 0;) {
      if (!fusable_[i]) continue;
      if (root_[i] < 0) {
        root_[i] = static_cast<int32_t>(i);
        leaves_[i] = distinct_inputs(g_.nodes[i]);
        sizes_[i] = 1;
      }
      const auto root = static_cast<size_t>(root_[i]);
      for (GraphValue v : distinct_inputs(g_.nodes[i])) {
        const auto p = static_cast<size_t>(v.node);
        if (!fusable_[p] || readers_[p] != 1 || returned[p][0] ||
            g_.nodes[p].outputs[0].shape != g_.nodes[root].outputs[0].shape ||
            effects_before_[root] != effects_before_[p + 1]) {
          continue;
        }
        std::vector<GraphValue> leaves = leaves_[root];
        leaves.erase(std::find(leaves.begin(), leaves.end(), v));
        for (GraphValue w : distinct_inputs(g_.nodes[p])) {
          if (std::find(leaves.begin(), leaves.end(), w) == leaves.end()) leaves.push_back(w);
        }
        if (static_cast<int64_t>(leaves.size()) > fused::kMaxInputs ||
            sizes_[root] + 1 > fused::kMaxInstructions) {
          continue;
        }
        root_[p] = static_cast<int32_t>(root);
        leaves_[root] = std::move(leaves);
        ++sizes_[root];
      }
    }
  }

  /// A sum of a group's value joins the group (a group of one op too) when the fused kernel can
  /// add its elements in the sum kernel's order: the value is float (as is every fusable op's),
  /// its reduced axes are its leading or trailing ones (fused_sum_supported; other layouts group
  /// the additions differently), and no effect lies between the group's root and the sum (the
  /// fused node computes the sum at the root's place), and the sum is the value's only reader,
  /// so the value is never materialised. One sum a group.
  void choose_sums(const std::vector<std::vector<bool>>& returned) {
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const GraphNode& node = g_.nodes[i];
      if (node.kind != GraphNode::Kind::Op || !node.is_op("sum")) continue;
      const GraphValue v = node.inputs[0];
      const auto root = static_cast<size_t>(v.node);
      if (!fusable_[root] || root_[root] != v.node || sum_of_[root] >= 0) continue;
      const ValueSpec& value = g_.spec(v);
      if (node.outputs[0].dtype != value.dtype ||
          !fused_sum_supported(value.shape.rank(), node.attrs->get<std::vector<int64_t>>("axes")) ||
          effects_before_[root + 1] != effects_before_[i]) {
        continue;
      }
      // Only a value the sum alone reads: the op's two-output form measured slower than a
      // separate sum (docs/graph.md, "Sums in the same pass").
      if (readers_[root] > 1 || returned[root][0]) continue;
      sum_of_[root] = static_cast<int32_t>(i);
    }
  }

  /// One fused_elementwise node for a group (members in graph order, the root last).
  void emit(GraphRewriter& rewriter, const std::vector<int32_t>& members) {
    const int32_t root = members.back();
    auto is_member = [&](GraphValue v) { return root_[static_cast<size_t>(v.node)] == root; };
    std::vector<GraphValue> leaves;
    for (int32_t m : members) {
      for (GraphValue v : g_.nodes[static_cast<size_t>(m)].inputs) {
        if (!is_member(v) && std::find(leaves.begin(), leaves.end(), v) == leaves.end()) {
          leaves.push_back(v);
        }
      }
    }
    auto ref = [&](GraphValue v) -> int64_t {
      if (is_member(v)) {
        const auto position = std::find(members.begin(), members.end(), v.node) - members.begin();
        return static_cast<int64_t>(leaves.size()) + position;
      }
      return std::find(leaves.begin(), leaves.end(), v) - leaves.begin();
    };
    std::vector<int64_t> program;
    for (int32_t m : members) {
      const GraphNode& node = g_.nodes[static_cast<size_t>(m)];
      program.push_back(fused_opcode(*node.op));
      program.push_back(ref(node.inputs[0]));
      program.push_back(node.inputs.size() > 1 ? ref(node.inputs[1]) : -1);
    }
    const auto r = static_cast<size_t>(root);
    const GraphNode& root_node = g_.nodes[r];
    GraphNode fused;
    fused.kind = GraphNode::Kind::Op;
    fused.op = &fused_elementwise_op;
    Attrs attrs{{"shape", root_node.outputs[0].shape.dims()}, {"program", std::move(program)}};
    const bool sums = sum_of_[r] >= 0;  // then the node's one output is the sum
    if (!sums) fused.outputs.push_back(root_node.outputs[0]);
    if (sums) {
      const GraphNode& sum = g_.nodes[static_cast<size_t>(sum_of_[r])];
      attrs.set("axes", sum.attrs->get<std::vector<int64_t>>("axes"));
      attrs.set("keepdims", sum.attrs->get<bool>("keepdims"));
      attrs.set("keep_value", false);
      fused.outputs.push_back(sum.outputs[0]);
    }
    fused.attrs = std::make_shared<Attrs>(std::move(attrs));
    for (GraphValue v : leaves) fused.inputs.push_back(rewriter.map(v));
    fused.name = std::string(fused_elementwise_op.name);
    const int32_t index = rewriter.add(std::move(fused));
    fused_at_[r] = index;
    if (!sums) rewriter.alias(r, {GraphValue{index, 0}});
  }

  const Graph& g_;
  std::vector<bool> fusable_;
  std::vector<int32_t> readers_;         // per node: how many nodes read its output 0
  std::vector<int32_t> effects_before_;  // per node index: effects earlier in the graph
  std::vector<int32_t> root_;            // per node: the root of its group, -1 when not fused
  std::vector<std::vector<GraphValue>> leaves_;  // per root: the group's distinct inputs
  std::vector<int64_t> sizes_;                   // per root: the group's op count
  std::vector<int32_t> sum_of_;                  // per root: the sum it computes, or -1
  std::vector<int32_t> fused_at_;                // per root: its node in the new graph
};

}  // namespace

Graph fuse_elementwise(const Graph& g) { return Fuser(g).run(); }

}  // namespace nabla::passes
