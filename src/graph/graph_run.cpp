// Graph::run: executes the nodes in order, releasing each value after its last use. With autograd
// to record, every node goes through dispatch(), so a traced function's outputs are
// differentiable like eager ones; without (fit's steps run under NoGradGuard), kernels are called
// directly from the plan (Note [Planned execution]), their outputs placed in one arena by the
// memory plan (Note [Memory plan] in memory_plan.cpp). Independent small ops may run
// concurrently (Note [Inter-op parallelism]).
#include <algorithm>
#include <atomic>
#include <exception>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_set>

#include "graph/run_plan.hpp"
#include "nabla/autograd/grad_mode.hpp"
#include "nabla/util/parallel.hpp"
#include "nabla/util/random_state.hpp"
#include "ops/dispatch.hpp"

namespace nabla {
namespace graph {
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

// Note [Planned execution]
// dispatch() re-derives for every call what a graph already knows: the devices agree, the dtypes
// are accepted, the output shapes (the shape rule), and whether autograd must record. When
// nothing can record a gradient (grad mode off, or no argument or captured tensor requires
// grad), the runner calls each node's kernel directly with outputs of the recorded specs; view
// ops still compute their layouts (from the input's actual layout), effects still bump the
// versions of what they write, and random ops still draw fresh counters. Results are
// bit-identical to dispatch: the same kernels run on the same operands. One check stays: shape
// rules that read index values (take, gather, scatter: kernels never throw, so the rule raises
// the IndexError) still run for ops with an integer input.

// Note [In-place execution]
// An elementwise op computes output element i from input element i only, so it may write over an
// input of its own shape and dtype that nothing reads afterwards: the plan marks such an input
// (produced by a kernel, not a view, read for the last time here, not a result of the graph), and
// at run time the runner takes its buffer when no one else holds it (the tensor handle and its
// storage each have a single owner, the runner). bias + relu then makes one buffer, not two, and
// a backward chain of products reuses one gradient buffer: less memory and warmer caches. Values
// in the arena skip the run-time check: the memory plan decided their donations (Note [Memory
// plan]), and their shared storage could never pass it.

/// The elementwise families (elementwise_ops.def): their kernels read and write element i only.
/// A fused_elementwise node that also sums its value (Note [Fused sums]) is not: it writes sums
/// before it has read every element.
bool is_elementwise(const GraphNode& node) {
  if (node.attrs != nullptr && node.attrs->has("axes")) return false;
  const OpDef& op = *node.op;
  static const std::unordered_set<std::string_view> names = {
#define NABLA_UNARY_OP(name, Functor, Accepts) #name,
#define NABLA_BINARY_OP(name, Functor, Accepts, Result) #name,
#include "backend/elementwise_ops.def"
#undef NABLA_UNARY_OP
#undef NABLA_BINARY_OP
      "fused_elementwise"};
  return names.contains(op.name);
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

/// True when running `g` cannot record autograd nodes and its captured tensors still have the
/// shapes and dtypes it recorded, so kernels may be called directly (Note [Planned execution]).
bool can_call_kernels(const Graph& g, const RunPlan& plan, const std::vector<Tensor>& args) {
  if (dispatch_records_everything) return false;  // inside a trace: record through dispatch
  const bool grad = is_grad_enabled();
  for (const Tensor& arg : args) {
    if (grad && arg.requires_grad()) return false;
  }
  for (size_t i : plan.captures) {
    const GraphNode& node = g.nodes[i];
    const Tensor& t = node.tensor;
    if (t.shape() != node.outputs[0].shape || t.dtype() != node.outputs[0].dtype) return false;
    if (grad && t.requires_grad()) return false;
  }
  return true;
}

/// True when the steps run one at a time in node order (else by depth, Note [Inter-op
/// parallelism]).
bool runs_serially(const RunPlan& plan) {
  return plan.has_effects || !inter_op_enabled.load(std::memory_order_relaxed) || num_threads() < 2;
}

class GraphRunner {
 public:
  GraphRunner(const Graph& g, const RunPlan& plan, const std::vector<Tensor>& args, bool direct)
      : g_(g),
        plan_(plan),
        direct_(direct),
        serial_(runs_serially(plan)),
        // The plan's intervals follow node order: the arena serves the serial schedule only.
        arena_(direct && serial_ && plan.memory.arena_bytes > 0 && memory_planning_enabled()
                   ? plan.arena->acquire(plan.memory.arena_bytes)
                   : ArenaCache::Lease()),
        values_(g.nodes.size()),
        attrs_(plan.steps.size()) {
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const GraphNode& node = g.nodes[i];
      if (node.kind == GraphNode::Kind::Input) {
        // Arguments are traced as contiguous tensors, and views recorded on them (reshape)
        // rely on it.
        const Tensor& arg = args[static_cast<size_t>(node.index)];
        values_[i] = {arg.is_contiguous() ? arg : arg.contiguous()};
      } else if (node.kind != GraphNode::Kind::Op) {
        values_[i] = {node.tensor};
      }
    }
    if (plan.has_random) {
      for (size_t s = 0; s < plan.steps.size(); ++s) {
        const GraphNode& node = g.nodes[plan.steps[s].node];
        // In node order: Note [Random ops in graphs].
        if (node.op->random) attrs_[s] = fresh_random_attrs(*node.attrs);
      }
    }
  }

  void run() {
    if (serial_) {
      for (size_t s = 0; s < plan_.steps.size(); ++s) {
        run_step(s);
        release_after(s);
      }
      return;
    }
    run_by_depth();
  }

  [[nodiscard]] std::vector<Tensor> results() const {
    std::vector<Tensor> out;
    out.reserve(g_.outputs.size());
    for (GraphValue v : g_.outputs) {
      out.push_back(value(v));
      // The plan never places a result's storage in the arena: it is reused by the next run.
      NABLA_ASSERT(!arena_.held() || out.back().storage() != arena_.storage(),
                   "a graph result in the run's arena");
    }
    return out;
  }

 private:
  [[nodiscard]] const Tensor& value(GraphValue v) const {
    return values_[static_cast<size_t>(v.node)][static_cast<size_t>(v.output)];
  }

  [[nodiscard]] const Attrs& attrs_of(size_t s) const {
    return attrs_[s] ? *attrs_[s] : *g_.nodes[plan_.steps[s].node].attrs;
  }

  void run_step(size_t s) {
    const RunPlan::Step& step = plan_.steps[s];
    const GraphNode& node = g_.nodes[step.node];
    // Before the operands below add owners to it.
    Tensor donated;
    if (direct_ && step.donor >= 0)
      donated = donor(s, node.inputs[static_cast<size_t>(step.donor)]);
    std::vector<Tensor> operands;
    operands.reserve(node.inputs.size());
    for (GraphValue v : node.inputs) operands.push_back(value(v));
    if (!direct_) {
      values_[step.node] = dispatch(*node.op, operands, attrs_of(s));
      return;
    }
    run_kernel(s, operands, std::move(donated));
  }

  /// The tensor of step `s`'s donor `v` when its output may be written over it; else an undefined
  /// tensor (Note [In-place execution]). An arena value is donated when the memory plan says so;
  /// any other when the runner holds the only handle to it and to its storage.
  [[nodiscard]] Tensor donor(size_t s, GraphValue v) const {
    const Tensor& t = value(v);
    if (arena_.held() && t.storage() == arena_.storage())
      return plan_.memory.static_donor[s] ? t : Tensor();
    const bool sole = t.impl_ptr().use_count() == 1 && t.storage() != nullptr &&
                      t.storage().use_count() == 1 && t.layout().offset() == 0 && t.is_contiguous();
    return sole ? t : Tensor();
  }

  /// Output `k` of step `s`: at its offset in the arena when the memory plan placed it, else a
  /// fresh tensor.
  [[nodiscard]] Tensor new_output(size_t s, size_t k, Device device) const {
    const size_t i = plan_.steps[s].node;
    const ValueSpec& spec = g_.nodes[i].outputs[k];
    if (arena_.held() && device == arena_.storage()->device()) {
      const MemoryPlan::Value* planned =
          plan_.memory.find({static_cast<int32_t>(i), static_cast<int32_t>(k)});
      if (planned != nullptr) return arena_.tensor(spec, planned->offset);
    }
    return Tensor::empty(spec.shape, spec.dtype, device);
  }

  /// The body of dispatch() for a node whose output specs the graph records and for which
  /// nothing records gradients (Note [Planned execution]).
  void run_kernel(size_t s, std::span<const Tensor> operands, Tensor donated) {
    const RunPlan::Step& step = plan_.steps[s];
    const GraphNode& node = g_.nodes[step.node];
    const OpDef& op = *node.op;
    const Attrs& attrs = attrs_of(s);
    const Device device = operands.empty() ? step.device : operands[0].device();
    if (step.checks_indices) (void)op.infer(op, operands, attrs);
    if (op.has_effect()) {
      if (operands[0].numel() > 0) op.kernel(device.kind)(KernelContext{operands, {}, attrs});
      for (size_t k = 0; k < operands.size(); ++k) {
        if (op.writes_input(k)) operands[k].storage()->bump_version();
      }
      return;
    }
    std::vector<Tensor> outputs;
    if (op.view != nullptr) {
      outputs.push_back(Tensor::view_of(operands[0], op.view(operands[0], attrs)));
    } else {
      outputs.reserve(node.outputs.size());
      if (donated.defined()) outputs.push_back(std::move(donated));
      const OpDef::Placement placed = op.placement(device, attrs);
      for (size_t k = outputs.size(); k < node.outputs.size(); ++k) {
        outputs.push_back(new_output(s, k, placed.outputs));
      }
      if (step.has_elements) op.kernel(placed.kernel)(KernelContext{operands, outputs, attrs});
    }
    values_[step.node] = std::move(outputs);
  }

  void release_after(size_t s) {
    for (int32_t v : plan_.steps[s].last_reads) values_[static_cast<size_t>(v)].clear();
  }

  /// Steps grouped by depth (longest path from a graph input); steps of one depth are
  /// independent, so their small ones run concurrently.
  void run_by_depth() {
    std::vector<size_t> concurrent;
    for (const std::vector<size_t>& level : plan_.levels) {
      concurrent.clear();
      for (size_t s : level) {
        if (plan_.steps[s].small) {
          concurrent.push_back(s);
        } else {
          run_step(s);
        }
      }
      run_concurrently(concurrent);
      for (size_t s : level) release_after(s);
    }
  }

  void run_concurrently(const std::vector<size_t>& steps) {
    if (steps.size() < 2) {
      for (size_t s : steps) run_step(s);
      return;
    }
    // An exception cannot leave an OpenMP region: keep the first and rethrow it after.
    std::vector<std::exception_ptr> errors(steps.size());
    const auto n = static_cast<int64_t>(steps.size());
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t k = 0; k < n; ++k) {
      try {
        run_step(steps[static_cast<size_t>(k)]);
      } catch (...) {
        errors[static_cast<size_t>(k)] = std::current_exception();
      }
    }
    for (const std::exception_ptr& e : errors) {
      if (e) std::rethrow_exception(e);
    }
  }

  const Graph& g_;
  const RunPlan& plan_;
  bool direct_;
  bool serial_;
  ArenaCache::Lease arena_;  // before values_: given back after the arena tensors are dropped
  std::vector<std::vector<Tensor>> values_;
  std::vector<std::optional<Attrs>> attrs_;  // per step; random ops: the counters of this run
};

}  // namespace

std::shared_ptr<const RunPlan> make_run_plan(const Graph& g, std::shared_ptr<ArenaCache> arena) {
  auto plan = std::make_shared<RunPlan>();
  if (arena != nullptr) plan->arena = std::move(arena);
  const size_t n = g.nodes.size();
  std::vector<bool> returned(n, false);
  for (GraphValue v : g.outputs) returned[static_cast<size_t>(v.node)] = true;
  std::vector<int32_t> step_of(n, -1);
  std::vector<int32_t> last_reader(n, -1);  // step reading the node's values last
  for (size_t i = 0; i < n; ++i) {
    const GraphNode& node = g.nodes[i];
    if (node.kind == GraphNode::Kind::Capture) plan->captures.push_back(i);
    if (node.kind != GraphNode::Kind::Op) continue;
    const auto s = static_cast<int32_t>(plan->steps.size());
    step_of[i] = s;
    for (GraphValue v : node.inputs) last_reader[static_cast<size_t>(v.node)] = s;
    RunPlan::Step step;
    step.node = i;
    plan->has_effects |= node.op->has_effect();
    plan->has_random |= node.op->random;
    if (node.inputs.empty()) step.device = node.attrs->get_or<Device>("device", Device::cpu());
    int64_t elements = 0;
    bool any_elements = false;
    for (GraphValue v : node.inputs) {
      elements += g.spec(v).shape.numel();
      step.checks_indices |= is_integral(g.spec(v).dtype);
    }
    for (const ValueSpec& out : node.outputs) {
      elements += out.shape.numel();
      any_elements |= out.shape.numel() > 0;
    }
    step.has_elements = any_elements;
    step.small = !node.op->random && elements < kSmallOpElements;
    plan->steps.push_back(std::move(step));
  }
  for (size_t i = 0; i < n; ++i) {
    if (returned[i]) continue;
    // A value nothing reads dies with the step that made it (inputs and captures stay).
    const int32_t s = last_reader[i] >= 0 ? last_reader[i] : step_of[i];
    if (s >= 0) plan->steps[static_cast<size_t>(s)].last_reads.push_back(static_cast<int32_t>(i));
  }
  for (size_t s = 0; s < plan->steps.size(); ++s) {
    RunPlan::Step& step = plan->steps[s];
    const GraphNode& node = g.nodes[step.node];
    if (!is_elementwise(node) || node.outputs.size() != 1) continue;
    for (size_t k = 0; k < node.inputs.size() && step.donor < 0; ++k) {
      const GraphValue v = node.inputs[k];
      const auto producer = static_cast<size_t>(v.node);
      const GraphNode& made_by = g.nodes[producer];
      const bool kernel_output = made_by.kind == GraphNode::Kind::Op && made_by.op->view == nullptr;
      if (kernel_output && !returned[producer] &&
          last_reader[producer] == static_cast<int32_t>(s) && g.spec(v) == node.outputs[0]) {
        step.donor = static_cast<int32_t>(k);
      }
    }
  }
  std::vector<int32_t> depth(n, 0);
  int32_t deepest = 0;
  for (const RunPlan::Step& step : plan->steps) {
    for (GraphValue v : g.nodes[step.node].inputs) {
      depth[step.node] = std::max(depth[step.node], depth[static_cast<size_t>(v.node)] + 1);
    }
    deepest = std::max(deepest, depth[step.node]);
  }
  plan->levels.resize(static_cast<size_t>(deepest) + 1);
  for (size_t s = 0; s < plan->steps.size(); ++s) {
    plan->levels[static_cast<size_t>(depth[plan->steps[s].node])].push_back(s);
  }
  plan->memory = make_memory_plan(g, *plan);
  return plan;
}

std::vector<Tensor> run_with_plan(const Graph& g, const RunPlan& plan,
                                  const std::vector<Tensor>& args) {
  check_args(g, args);
  GraphRunner runner(g, plan, args, can_call_kernels(g, plan, args));
  runner.run();
  return runner.results();
}

void set_inter_op_parallelism(bool enabled) {
  inter_op_enabled.store(enabled, std::memory_order_relaxed);
}

}  // namespace graph

std::vector<Tensor> Graph::run(const std::vector<Tensor>& args) const {
  const std::shared_ptr<const graph::RunPlan> plan = graph::make_run_plan(*this);
  return graph::run_with_plan(*this, *plan, args);
}

}  // namespace nabla
