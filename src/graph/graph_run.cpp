// Graph::run: executes the nodes through dispatch(), so eager autograd records the ops (a traced
// function's outputs are differentiable like eager ones), releasing each value after its last
// use, and running independent small ops concurrently (Note [Inter-op parallelism]).
#include <algorithm>
#include <atomic>
#include <exception>
#include <optional>

#include "nabla/graph/graph.hpp"
#include "nabla/util/parallel.hpp"
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

// Note [Inter-op parallelism]
// Kernels parallelise inside themselves (parallel_for, OpenBLAS) once their work is big enough;
// a small op runs on one thread while the other cores wait. Small ops that do not depend on each
// other (the same depth in the graph) therefore run concurrently, on the same OpenMP pool: the
// kernels they call see omp_in_parallel() and stay single-threaded (parallel_for checks it, and
// so does OpenMP OpenBLAS), so the cores are never oversubscribed. Big ops keep their intra-op
// parallelism and run one at a time. Results do not depend on the schedule: random ops reserve
// their counters in node order before anything runs, and a graph with effects (writes into
// captured tensors) runs strictly in node order.
//
// Off by default, on measurements (bench_graph, two branches of 8 matmul + tanh layers at batch
// 32, 2 cores): with width 64 the concurrent run took 66 us against 78 us serial, but with width
// 128 it took 228 against 214 (OpenBLAS already used both cores), and with
// OMP_WAIT_POLICY=passive, where every fork wakes sleeping threads, 752 against 78 us. The
// per-level fork and join costs more than the small ops it overlaps unless the threads spin.

/// Ops whose inputs and outputs hold fewer elements than this in total run on one thread (the
/// elementwise engine's chunk is 32768 elements), so running several at once costs nothing.
constexpr int64_t kSmallOpElements = 65536;

std::atomic<bool> inter_op_enabled{false};

class GraphRunner {
 public:
  GraphRunner(const Graph& g, const std::vector<Tensor>& args)
      : g_(g), values_(g.nodes.size()), reads_(g.nodes.size(), 0), attrs_(g.nodes.size()) {
    for (const GraphNode& node : g.nodes) {
      for (GraphValue v : node.inputs) ++reads_[static_cast<size_t>(v.node)];
    }
    for (GraphValue v : g.outputs) ++reads_[static_cast<size_t>(v.node)];
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const GraphNode& node = g.nodes[i];
      if (node.kind == GraphNode::Kind::Input) {
        // Arguments are traced as contiguous tensors, and views recorded on them (reshape)
        // rely on it.
        const Tensor& arg = args[static_cast<size_t>(node.index)];
        values_[i] = {arg.is_contiguous() ? arg : arg.contiguous()};
      } else if (node.kind != GraphNode::Kind::Op) {
        values_[i] = {node.tensor};
      } else if (node.op->random) {
        attrs_[i] = fresh_random_attrs(*node.attrs);  // in node order: Note [Random ops in graphs]
      }
    }
  }

  void run() {
    std::vector<size_t> ops;
    bool effects = false;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (g_.nodes[i].kind != GraphNode::Kind::Op) continue;
      ops.push_back(i);
      effects |= g_.nodes[i].op->has_effect();
    }
    if (effects || !inter_op_enabled.load(std::memory_order_relaxed) || num_threads() < 2) {
      for (size_t i : ops) {
        run_node(i);
        release_inputs(i);
      }
      return;
    }
    run_by_depth(ops);
  }

  [[nodiscard]] std::vector<Tensor> results() const {
    std::vector<Tensor> out;
    out.reserve(g_.outputs.size());
    for (GraphValue v : g_.outputs) out.push_back(value(v));
    return out;
  }

 private:
  [[nodiscard]] const Tensor& value(GraphValue v) const {
    return values_[static_cast<size_t>(v.node)][static_cast<size_t>(v.output)];
  }

  void run_node(size_t i) {
    const GraphNode& node = g_.nodes[i];
    std::vector<Tensor> operands;
    operands.reserve(node.inputs.size());
    for (GraphValue v : node.inputs) operands.push_back(value(v));
    values_[i] = dispatch(*node.op, operands, attrs_[i] ? *attrs_[i] : *node.attrs);
  }

  void release_inputs(size_t i) {
    for (GraphValue v : g_.nodes[i].inputs) {
      if (--reads_[static_cast<size_t>(v.node)] == 0) values_[static_cast<size_t>(v.node)].clear();
    }
  }

  [[nodiscard]] bool small(size_t i) const {
    const GraphNode& node = g_.nodes[i];
    if (node.op->random) return false;
    int64_t elements = 0;
    for (GraphValue v : node.inputs) elements += g_.spec(v).shape.numel();
    for (const ValueSpec& s : node.outputs) elements += s.shape.numel();
    return elements < kSmallOpElements;
  }

  /// Nodes grouped by depth (longest path from a graph input); nodes of one depth are
  /// independent, so their small ones run concurrently.
  void run_by_depth(const std::vector<size_t>& ops) {
    std::vector<int32_t> depth(g_.nodes.size(), 0);
    int32_t deepest = 0;
    for (size_t i : ops) {
      for (GraphValue v : g_.nodes[i].inputs) {
        depth[i] = std::max(depth[i], depth[static_cast<size_t>(v.node)] + 1);
      }
      deepest = std::max(deepest, depth[i]);
    }
    std::vector<std::vector<size_t>> levels(static_cast<size_t>(deepest) + 1);
    for (size_t i : ops) levels[static_cast<size_t>(depth[i])].push_back(i);
    std::vector<size_t> concurrent;
    for (const std::vector<size_t>& level : levels) {
      concurrent.clear();
      for (size_t i : level) {
        if (small(i)) {
          concurrent.push_back(i);
        } else {
          run_node(i);
        }
      }
      run_concurrently(concurrent);
      for (size_t i : level) release_inputs(i);
    }
  }

  void run_concurrently(const std::vector<size_t>& nodes) {
    if (nodes.size() < 2) {
      for (size_t i : nodes) run_node(i);
      return;
    }
    // An exception cannot leave an OpenMP region: keep the first and rethrow it after.
    std::vector<std::exception_ptr> errors(nodes.size());
    const auto n = static_cast<int64_t>(nodes.size());
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t k = 0; k < n; ++k) {
      try {
        run_node(nodes[static_cast<size_t>(k)]);
      } catch (...) {
        errors[static_cast<size_t>(k)] = std::current_exception();
      }
    }
    for (const std::exception_ptr& e : errors) {
      if (e) std::rethrow_exception(e);
    }
  }

  const Graph& g_;
  std::vector<std::vector<Tensor>> values_;
  std::vector<int32_t> reads_;  // reads of each node still to come; outputs hold one to the end
  std::vector<std::optional<Attrs>> attrs_;  // random ops: the counters of this run
};

}  // namespace

void graph::set_inter_op_parallelism(bool enabled) {
  inter_op_enabled.store(enabled, std::memory_order_relaxed);
}

std::vector<Tensor> Graph::run(const std::vector<Tensor>& args) const {
  check_args(*this, args);
  GraphRunner runner(*this, args);
  runner.run();
  return runner.results();
}

}  // namespace nabla
