// The single dispatch entry point (design.md §2). Every op call goes through dispatch():
//   check devices -> infer shapes/dtypes -> symbolic inputs? record a graph node (hook)
//   -> else allocate outputs (or make the view) and run the device's kernel
//   -> an input requires grad? record the autograd node (hook).
// Eager mode, autodiff, the Functional API and graph tracing all hook in here.
#pragma once

#include <span>
#include <utility>
#include <vector>

#include "ops/op.hpp"

namespace nabla {

/// Extension points filled by higher modules at load time; null until those modules exist.
struct DispatchHooks {
  /// graph/ (Functional API, nabla::function): called instead of running kernels when any input
  /// is symbolic. Receives the inferred output specs; returns symbolic output tensors.
  std::vector<Tensor> (*record_symbolic)(const OpDef& op, std::span<const Tensor> inputs,
                                         const Attrs& attrs,
                                         std::span<const TensorSpec> outputs) = nullptr;
  /// autograd/: called after the kernel ran when any input requires grad; it checks grad mode,
  /// attaches the op's VJP node to the outputs and marks them as requiring grad.
  void (*record_gradient)(const OpDef& op, std::span<const Tensor> inputs, const Attrs& attrs,
                          std::span<Tensor> outputs) = nullptr;
};
[[nodiscard]] DispatchHooks& dispatch_hooks();

/// True while nabla::function traces on this thread: then every op goes to record_symbolic, also
/// one whose inputs are all concrete (they become the graph's captured values) or that has none.
/// Set by the graph module's tracer; read once per dispatch.
extern thread_local bool dispatch_records_everything;

/// Runs ops eagerly again inside a trace, for state that must exist as concrete tensors (a layer
/// building its weights on the first traced call, an optimizer creating its slots).
class PauseTracing {
 public:
  PauseTracing() : saved_(std::exchange(dispatch_records_everything, false)) {}
  ~PauseTracing() { dispatch_records_everything = saved_; }
  PauseTracing(const PauseTracing&) = delete;
  PauseTracing& operator=(const PauseTracing&) = delete;

 private:
  bool saved_;
};

/// Runs `op`. Creation ops (no inputs) take their device from attrs "device" (default CPU).
[[nodiscard]] std::vector<Tensor> dispatch(const OpDef& op, std::span<const Tensor> inputs,
                                           const Attrs& attrs = {});
/// dispatch() for single-output ops.
[[nodiscard]] Tensor dispatch1(const OpDef& op, std::span<const Tensor> inputs,
                               const Attrs& attrs = {});
[[nodiscard]] inline Tensor dispatch1(const OpDef& op, std::initializer_list<Tensor> inputs,
                                      const Attrs& attrs = {}) {
  return dispatch1(op, std::span<const Tensor>(inputs.begin(), inputs.size()), attrs);
}

}  // namespace nabla
