// FunctionCore: traced graphs cached by input signature; batch templates for an unknown batch
// dimension (Note [Unknown batch dimension] in batch_template.cpp); the retracing warning.
#include "nabla/graph/function.hpp"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <mutex>
#include <optional>

#include "graph/batch_template.hpp"
#include "graph/run_plan.hpp"
#include "nabla/graph/passes.hpp"
#include "ops/dispatch.hpp"

namespace nabla::detail {

struct FunctionSignature {
  std::vector<ValueSpec> specs;
  std::vector<Device> devices;
  friend bool operator==(const FunctionSignature&, const FunctionSignature&) = default;
};

namespace {

// Like tf.function: more traces than this for one function usually means its inputs change
// shape on every call (each new shape traces again), which costs far more than eager execution.
constexpr size_t kRetraceWarningThreshold = 5;

// The probe batch size of Note [Unknown batch dimension]: a prime, so that no non-linear use of
// B (B / 2) gives a multiple of it, and large, so that no constant of a body equals it by chance;
// the other one when a call's batch size is the first.
constexpr int64_t kProbeBatch = 1000003;
constexpr int64_t kOtherProbeBatch = 1000033;

// NABLA_DUMP_GRAPHS=1 prints every graph a function runs, for debugging a trace.
bool dump_graphs() {
  static const bool dump = std::getenv("NABLA_DUMP_GRAPHS") != nullptr;
  return dump;
}

FunctionSignature signature_of(const std::vector<Tensor>& args, const std::string& name) {
  FunctionSignature s;
  for (size_t k = 0; k < args.size(); ++k) {
    NABLA_CHECK(args[k].defined(), ValueError, name, ": argument ", k, " is undefined");
    s.specs.push_back({args[k].shape(), args[k].dtype(), args[k].device()});
    s.devices.push_back(args[k].device());
  }
  return s;
}

/// The batch size of a call: dimension 0 of every argument of rank >= 1. Nothing when they
/// disagree, when every argument is a scalar, or when it is 0 (nothing scales with an empty
/// batch, so a trace at 0 could not be generalized).
std::optional<int64_t> batch_size_of(const FunctionSignature& s) {
  std::optional<int64_t> batch;
  for (const ValueSpec& spec : s.specs) {
    if (spec.shape.rank() == 0) continue;
    if (batch.has_value() && *batch != spec.shape[0]) return std::nullopt;
    batch = spec.shape[0];
  }
  return batch.has_value() && *batch > 0 ? batch : std::nullopt;
}

/// The signature with dimension 0 of every argument of rank >= 1 set to `batch` (-1: the
/// batch-free signature that keys a template).
FunctionSignature with_batch(FunctionSignature s, int64_t batch) {
  for (ValueSpec& spec : s.specs) {
    if (spec.shape.rank() > 0) spec.shape[0] = batch;
  }
  return s;
}

}  // namespace

struct FunctionCore::CacheEntry {
  FunctionSignature signature;
  Graph graph;
  std::shared_ptr<const graph::RunPlan> plan;  // worked out once: Note [Planned execution]
};

struct FunctionCore::Cache {
  /// unknown_batch: the calls sharing a batch-free signature, and their template (none when
  /// the traces did not generalize or the template failed at a batch size: exact traces then).
  struct BatchFamily {
    FunctionSignature batch_free;
    std::optional<graph::BatchTemplate> batch_template;
  };
  std::mutex mutex;
  std::vector<std::unique_ptr<CacheEntry>>
      entries;  // stable addresses: graph_for returns references
  std::vector<BatchFamily> families;
  /// One arena for every graph of the function (a partial last batch reuses the full batch's).
  std::shared_ptr<graph::ArenaCache> arena = std::make_shared<graph::ArenaCache>();
  size_t traces = 0;             // runs of the body (probe traces included)
  size_t counted_for_storm = 0;  // the same without probe traces: the retracing warning's count
  bool warned = false;
};

FunctionCore::FunctionCore(graph::TracedBody body, FunctionOptions options)
    : body_(std::move(body)), options_(std::move(options)), cache_(std::make_unique<Cache>()) {}

FunctionCore::~FunctionCore() = default;

const Graph& FunctionCore::graph_for(const std::vector<Tensor>& args) {
  return entry_for(args).graph;
}

FunctionCore::CacheEntry& FunctionCore::entry_for(const std::vector<Tensor>& args) {
  FunctionSignature signature = signature_of(args, options_.name);
  std::lock_guard lock(cache_->mutex);
  for (const auto& entry : cache_->entries) {
    if (entry->signature == signature) return *entry;
  }
  if (options_.unknown_batch) {
    if (CacheEntry* entry = batch_entry_for(signature)) return *entry;
  }
  Graph g = trace_counted(signature.specs, /*probe=*/false);
  return add_entry(std::move(signature), std::move(g), "traced");
}

FunctionCore::CacheEntry* FunctionCore::batch_entry_for(const FunctionSignature& signature) {
  const std::optional<int64_t> batch = batch_size_of(signature);
  if (!batch.has_value()) return nullptr;
  FunctionSignature batch_free = with_batch(signature, -1);
  auto family =
      std::find_if(cache_->families.begin(), cache_->families.end(),
                   [&](const Cache::BatchFamily& f) { return f.batch_free == batch_free; });
  if (family == cache_->families.end()) {
    // The trace at this batch size is the graph this call runs, as without the option; the
    // probe trace only serves to generalize it.
    Graph g = trace_counted(signature.specs, /*probe=*/false);
    const int64_t probe = *batch == kProbeBatch ? kOtherProbeBatch : kProbeBatch;
    graph::BatchTemplate::Generalized generalized;
    try {
      const Graph at_probe = trace_counted(with_batch(signature, probe).specs, /*probe=*/true);
      generalized = graph::BatchTemplate::generalize(g, *batch, at_probe, probe);
    } catch (const std::exception& e) {
      generalized.failure = str_cat("the trace at batch ", probe, " failed: ", e.what());
    }
    if (dump_graphs()) {
      std::cerr << "nabla::function '" << options_.name << "': "
                << (generalized.batch_template.has_value()
                        ? str_cat("one trace serves every batch size (",
                                  generalized.batch_template->sites().size(),
                                  " batch-dependent values)")
                        : "not batch-polymorphic, traced per batch size: " + generalized.failure)
                << "\n";
    }
    cache_->families.push_back({std::move(batch_free), std::move(generalized.batch_template)});
    return &add_entry(signature, std::move(g), "traced");
  }
  if (!family->batch_template.has_value()) return nullptr;
  Graph g;
  try {
    g = family->batch_template->specialize(*batch);
    g.verify();  // the shape rules at the new size: a template wrong there fails here
  } catch (const Error& e) {
    family->batch_template.reset();
    if (dump_graphs()) {
      std::cerr << "nabla::function '" << options_.name << "': the batch template fails at batch "
                << *batch << ", traced per batch size from now on: " << e.what() << "\n";
    }
    return nullptr;
  }
  return &add_entry(signature, std::move(g), "specialized from the batch template");
}

Graph FunctionCore::trace_counted(const std::vector<ValueSpec>& specs, bool probe) {
  ++cache_->traces;  // the body runs, even when the trace then fails
  if (probe) return graph::trace(body_, specs, options_.name);  // one more for a first call
  ++cache_->counted_for_storm;
  if (cache_->counted_for_storm > kRetraceWarningThreshold && !cache_->warned) {
    cache_->warned = true;
    std::cerr << "WARNING: nabla::function '" << options_.name << "' has been traced "
              << cache_->traces
              << " times: every new input signature (shapes, dtypes, device) traces it again, "
                 "which is slower than running it eagerly. Keep argument shapes fixed (e.g. drop "
                 "or pad the last partial batch)"
              << (options_.unknown_batch
                      ? "; unknown_batch did not serve these calls (NABLA_DUMP_GRAPHS=1 says why)"
                      : "")
              << ".\n";
  }
  return graph::trace(body_, specs, options_.name);
}

FunctionCore::CacheEntry& FunctionCore::add_entry(FunctionSignature signature, Graph g,
                                                  const char* how) {
  if (options_.optimize) g = passes::optimize(g);
  if (dump_graphs())
    std::cerr << "nabla::function '" << options_.name << "' (" << how << "):\n" << g.str();
  auto plan = graph::make_run_plan(g, cache_->arena);
  if (dump_graphs())
    std::cerr << "nabla::function '" << options_.name << "': " << plan->memory.summary() << "\n";
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
