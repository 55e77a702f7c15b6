// dispatch(): the one function every op call passes through. Keep it lean: it is the per-op
// overhead that bench/dispatch_overhead measures (target <= 1 us for a tiny op).
#include "ops/dispatch.hpp"

#include <map>
#include <mutex>

namespace nabla {

Kernel OpDef::kernel(DeviceKind device) const {
  auto& slot = cached_kernels[static_cast<size_t>(device)];
  Kernel k = slot.load(std::memory_order_acquire);
  if (k == nullptr) {
    k = KernelTable::global().find(name, device);
    NABLA_CHECK(k != nullptr, DeviceError, "no ", Device{device, 0}.is_cpu() ? "CPU" : "CUDA",
                " kernel for '", name, "'");
    slot.store(k, std::memory_order_release);
  }
  return k;
}

namespace {
std::map<std::string_view, const OpDef*>& registry() {
  static std::map<std::string_view, const OpDef*> ops;
  return ops;
}

/// The one gate for complex dtypes: an op that does not declare OpDef::complex never sees them.
void check_real(const OpDef& op, std::span<const Tensor> inputs,
                std::span<const TensorSpec> outputs) {
  for (const Tensor& input : inputs) {
    NABLA_CHECK(!is_complex(input.dtype()), DTypeError, op.name, ": ", input.dtype(),
                " is not supported");
  }
  for (const TensorSpec& output : outputs) {
    NABLA_CHECK(!is_complex(output.dtype), DTypeError, op.name, ": ", output.dtype,
                " is not supported");
  }
}
}  // namespace

bool OpRegistry::add(const OpDef& op) {
  auto [it, inserted] = registry().emplace(op.name, &op);
  NABLA_ASSERT(inserted, "op '", op.name, "' defined twice");
  return true;
}
const OpDef* OpRegistry::find(std::string_view name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second;
}
std::vector<const OpDef*> OpRegistry::all() {
  std::vector<const OpDef*> ops;
  for (const auto& [name, op] : registry()) ops.push_back(op);
  return ops;
}

thread_local bool dispatch_records_everything = false;

DispatchHooks& dispatch_hooks() {
  static DispatchHooks hooks;
  return hooks;
}

std::vector<Tensor> dispatch(const OpDef& op, std::span<const Tensor> inputs, const Attrs& attrs) {
  bool any_symbolic = false;
  bool any_requires_grad = false;
  Device device = inputs.empty() ? attrs.get_or<Device>("device", Device::cpu()) : Device{};
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& input = inputs[i];
    NABLA_CHECK(input.defined(), ValueError, op.name, ": input ", i, " is an undefined tensor");
    if (i == 0) device = input.device();
    NABLA_CHECK(input.device() == device, DeviceError, op.name,
                ": inputs are on different devices: ", device, " vs ", input.device());
    any_symbolic |= input.is_symbolic();
    any_requires_grad |= input.requires_grad();
  }
  const bool takes_complex = op.complex || op.view != nullptr;
  if (!takes_complex) check_real(op, inputs, {});  // before infer: rules assume real dtypes
  std::vector<TensorSpec> specs = op.infer(op, inputs, attrs);
  if (!takes_complex) check_real(op, {}, specs);  // e.g. arange asked for a complex dtype

  if (op.has_effect()) {
    if (any_symbolic || dispatch_records_everything) {
      auto record = dispatch_hooks().record_symbolic;
      NABLA_CHECK(record != nullptr, ValueError, op.name,
                  ": symbolic input, but no graph module is loaded to record it");
      return record(op, inputs, attrs, specs);
    }
    if (inputs[0].numel() > 0) op.kernel(device.kind)(KernelContext{inputs, {}, attrs});
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (op.writes_input(i)) inputs[i].storage()->bump_version();
    }
    return {};
  }

  if (any_symbolic || dispatch_records_everything) {
    auto record = dispatch_hooks().record_symbolic;
    NABLA_CHECK(record != nullptr, ValueError, op.name,
                ": symbolic input, but no graph module is loaded to record it");
    std::vector<Tensor> outputs = record(op, inputs, attrs, specs);
    // Symbolic values take part in autograd too: a backward pass inside a trace (autograd::grad
    // in nabla::function) builds the backward graph from the same VJPs, recorded symbolically.
    if (any_requires_grad && dispatch_hooks().record_gradient != nullptr) {
      dispatch_hooks().record_gradient(op, inputs, attrs, outputs);
    }
    return outputs;
  }

  std::vector<Tensor> outputs;
  outputs.reserve(specs.size());
  if (op.view != nullptr) {
    outputs.push_back(Tensor::view_of(inputs[0], op.view(inputs[0], attrs)));
  } else {
    const OpDef::Placement placed = op.placement(device, attrs);
    for (const TensorSpec& spec : specs) {
      outputs.push_back(Tensor::empty(spec.shape, spec.dtype, placed.outputs));
    }
    bool any_elements = false;  // an all-empty result needs no kernel (and may have none)
    for (const Tensor& out : outputs) any_elements |= out.numel() > 0;
    if (any_elements) op.kernel(placed.kernel)(KernelContext{inputs, outputs, attrs});
  }

  if (any_requires_grad && dispatch_hooks().record_gradient != nullptr) {
    dispatch_hooks().record_gradient(op, inputs, attrs, outputs);
  }
  return outputs;
}

Tensor dispatch1(const OpDef& op, std::span<const Tensor> inputs, const Attrs& attrs) {
  std::vector<Tensor> outputs = dispatch(op, inputs, attrs);
  NABLA_ASSERT(outputs.size() == 1, "op '", op.name, "' has ", outputs.size(), " outputs");
  return std::move(outputs.front());
}

}  // namespace nabla
