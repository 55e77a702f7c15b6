// FunctionCore: traced graphs cached by input signature; the retracing warning.
#include "nabla/graph/function.hpp"

#include <cstdlib>
#include <iostream>
#include <mutex>

#include "graph/run_plan.hpp"
#include "nabla/graph/passes.hpp"
#include "ops/dispatch.hpp"

namespace nabla::detail {
namespace {

// Like tf.function: more traces than this for one function usually means its inputs change
// shape on every call (each new shape traces again), which costs far more than eager execution.
constexpr size_t kRetraceWarningThreshold = 5;

struct Signature {
  std::vector<ValueSpec> specs;
  std::vector<Device> devices;
  friend bool operator==(const Signature&, const Signature&) = default;
};

Signature signature_of(const std::vector<Tensor>& args, const std::string& name) {
  Signature s;
  for (size_t k = 0; k < args.size(); ++k) {
    NABLA_CHECK(args[k].defined(), ValueError, name, ": argument ", k, " is undefined");
    s.specs.push_back({args[k].shape(), args[k].dtype()});
    s.devices.push_back(args[k].device());
  }
  return s;
}

}  // namespace

struct FunctionCore::CacheEntry {
  Signature signature;
  Graph graph;
  std::shared_ptr<const graph::RunPlan> plan;  // worked out once: Note [Planned execution]
};

struct FunctionCore::Cache {
  std::mutex mutex;
  std::vector<std::unique_ptr<CacheEntry>>
      entries;  // stable addresses: graph_for returns references
  size_t traces = 0;
  bool warned = false;
};

FunctionCore::FunctionCore(graph::TracedBody body, FunctionOptions options)
    : body_(std::move(body)), options_(std::move(options)), cache_(std::make_unique<Cache>()) {}

FunctionCore::~FunctionCore() = default;

const Graph& FunctionCore::graph_for(const std::vector<Tensor>& args) {
  return entry_for(args).graph;
}

FunctionCore::CacheEntry& FunctionCore::entry_for(const std::vector<Tensor>& args) {
  Signature signature = signature_of(args, options_.name);
  std::lock_guard lock(cache_->mutex);
  for (const auto& entry : cache_->entries) {
    if (entry->signature == signature) return *entry;
  }
  Graph g = graph::trace(body_, signature.specs, options_.name);
  if (options_.optimize) g = passes::optimize(g);
  // NABLA_DUMP_GRAPHS=1 prints every graph a function runs, for debugging a trace.
  static const bool dump = std::getenv("NABLA_DUMP_GRAPHS") != nullptr;
  if (dump) std::cerr << "nabla::function '" << options_.name << "':\n" << g.str();
  ++cache_->traces;
  if (cache_->traces > kRetraceWarningThreshold && !cache_->warned) {
    cache_->warned = true;
    std::cerr << "WARNING: nabla::function '" << options_.name << "' has been traced "
              << cache_->traces
              << " times: every new input signature (shapes, dtypes, device) traces it again, "
                 "which is slower than running it eagerly. Keep argument shapes fixed (e.g. drop "
                 "or pad the last partial batch).\n";
  }
  auto plan = graph::make_run_plan(g);
  cache_->entries.push_back(std::make_unique<CacheEntry>(
      CacheEntry{std::move(signature), std::move(g), std::move(plan)}));
  return *cache_->entries.back();
}

std::vector<Tensor> FunctionCore::call(const std::vector<Tensor>& args) {
  // Called while another function traces (or with symbolic arguments): the body is inlined into
  // the enclosing graph, as tf.function inlines nested functions.
  bool symbolic = dispatch_records_everything;
  for (const Tensor& t : args) symbolic |= t.defined() && t.is_symbolic();
  if (symbolic) return body_(args);
  const CacheEntry& entry = entry_for(args);
  return graph::run_with_plan(entry.graph, *entry.plan, args);
}

size_t FunctionCore::num_traces() const {
  std::lock_guard lock(cache_->mutex);
  return cache_->traces;
}

}  // namespace nabla::detail
