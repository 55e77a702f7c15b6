// Graph::run: executes the nodes in order through dispatch(), so eager autograd records the ops
// (a traced function's outputs are differentiable like eager ones), releasing each value after
// its last use.
#include "nabla/graph/graph.hpp"
#include "nabla/util/random_state.hpp"
#include "ops/dispatch.hpp"

namespace nabla {
namespace {

// Note [Random ops in graphs]
// A random op's attrs hold the (seed, counter) range it reserved when it was recorded. Replaying
// those attrs would draw the same numbers on every run (a dropout mask frozen at trace time), so
// each run reserves a fresh range of the recorded size, in node order: a graph draws exactly the
// numbers its eager run would draw, and the tracer restores the generator after tracing.
Attrs fresh_random_attrs(const Attrs& recorded) {
  const auto counters = recorded.get<int64_t>("counters");
  const auto range = random::reserve_counters(static_cast<uint64_t>(counters));
  Attrs attrs = recorded;
  attrs.set("seed", static_cast<int64_t>(range.seed));
  attrs.set("counter", static_cast<int64_t>(range.first));
  return attrs;
}

void check_args(const Graph& g, const std::vector<Tensor>& args) {
  NABLA_CHECK(args.size() == g.inputs.size(), ValueError, "Graph::run: expected ", g.inputs.size(),
              " arguments, got ", args.size());
  for (size_t k = 0; k < args.size(); ++k) {
    const GraphNode& node = g.nodes[static_cast<size_t>(g.inputs[k])];
    const ValueSpec& want = node.outputs[0];
    NABLA_CHECK(args[k].defined(), ValueError, "Graph::run: argument ", k, " is undefined");
    NABLA_CHECK(!args[k].is_symbolic(), ValueError, "Graph::run: argument ", k,
                " is symbolic; a graph runs on concrete tensors");
    NABLA_CHECK(args[k].shape() == want.shape && args[k].dtype() == want.dtype, ShapeError,
                "Graph::run: argument ", k, " (", node.name, ") was traced as ", want.shape, " ",
                want.dtype, ", got ", args[k].shape(), " ", args[k].dtype());
  }
}

}  // namespace

std::vector<Tensor> Graph::run(const std::vector<Tensor>& args) const {
  check_args(*this, args);
  // How many reads of each node remain; outputs hold one read until the end.
  std::vector<int32_t> reads(nodes.size(), 0);
  for (const GraphNode& node : nodes) {
    for (GraphValue v : node.inputs) ++reads[static_cast<size_t>(v.node)];
  }
  for (GraphValue v : outputs) ++reads[static_cast<size_t>(v.node)];

  std::vector<std::vector<Tensor>> values(nodes.size());
  std::vector<Tensor> operands;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const GraphNode& node = nodes[i];
    switch (node.kind) {
      case GraphNode::Kind::Input: {
        // Arguments are traced as contiguous tensors, and views recorded on them (reshape)
        // rely on it.
        const Tensor& arg = args[static_cast<size_t>(node.index)];
        values[i] = {arg.is_contiguous() ? arg : arg.contiguous()};
        break;
      }
      case GraphNode::Kind::Capture:
      case GraphNode::Kind::Constant:
        values[i] = {node.tensor};
        break;
      case GraphNode::Kind::Op: {
        operands.clear();
        for (GraphValue v : node.inputs) {
          operands.push_back(values[static_cast<size_t>(v.node)][static_cast<size_t>(v.output)]);
        }
        values[i] = node.op->random ? dispatch(*node.op, operands, fresh_random_attrs(*node.attrs))
                                    : dispatch(*node.op, operands, *node.attrs);
        for (GraphValue v : node.inputs) {
          if (--reads[static_cast<size_t>(v.node)] == 0)
            values[static_cast<size_t>(v.node)].clear();
        }
        break;
      }
    }
  }
  std::vector<Tensor> results;
  results.reserve(outputs.size());
  for (GraphValue v : outputs) {
    results.push_back(values[static_cast<size_t>(v.node)][static_cast<size_t>(v.output)]);
  }
  return results;
}

}  // namespace nabla
