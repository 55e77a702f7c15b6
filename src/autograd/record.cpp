// The autograd side of dispatch(): after an op ran on inputs that require grad, attach an OpNode
// to its floating outputs (design.md §2, "record an autograd node holding the VJP").
#include <mutex>

#include "autograd/node.hpp"
#include "nabla/autograd/grad_mode.hpp"
#include "ops/dispatch.hpp"

namespace nabla::autograd {
namespace {

void record_gradient(const OpDef& op, std::span<const Tensor> inputs, const Attrs& attrs,
                     std::span<Tensor> outputs) {
  if (!is_grad_enabled()) return;
  // Complex autograd is not supported: complex tensors cannot require grad (requires_grad_), and
  // an op that turns a tensor requiring grad into a complex one (astype, complex, eig) raises
  // here rather than silently cutting the graph.
  for (const Tensor& out : outputs) {
    NABLA_CHECK(!is_complex(out.dtype()), DTypeError, op.name,
                ": gradients through complex tensors are not supported (an input requires grad; "
                "detach() it or compute under NoGradGuard)");
  }
  bool any_floating = false;
  for (const Tensor& out : outputs) any_floating |= is_floating(out.dtype());
  if (!any_floating) return;  // comparisons, argmax, indices: nothing to differentiate
  auto node = std::make_shared<OpNode>(op, attrs, inputs, outputs);
  for (size_t k = 0; k < outputs.size(); ++k) {
    TensorImpl& impl = outputs[k].impl();
    if (!is_floating(impl.dtype)) continue;
    impl.autograd = std::make_shared<AutogradMeta>();
    impl.autograd->grad_fn = node;
    impl.autograd->output_nr = static_cast<uint32_t>(k);
    impl.requires_grad = true;
  }
}

}  // namespace

void install_hooks() {
  static std::once_flag once;
  std::call_once(once, [] { dispatch_hooks().record_gradient = &record_gradient; });
}

}  // namespace nabla::autograd
