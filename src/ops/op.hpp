// OpDef: everything about one op, declared once (design.md §2): its name, its shape/dtype rule,
// for view ops the layout rule, its gradient rule (VJP), and the kernels the backends registered
// under its name.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "backend/attrs.hpp"
#include "backend/kernel_table.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla {

/// Shape and dtype of one output, computed without touching data.
struct TensorSpec {
  Shape shape;
  DType dtype;
};

struct OpDef;
/// Shape/dtype rule. Validates inputs and attributes and throws ShapeError/DTypeError/ValueError
/// naming the op; runs for eager calls and symbolic ones alike.
using InferFn = std::vector<TensorSpec> (*)(const OpDef& op, std::span<const Tensor> inputs,
                                            const Attrs& attrs);
/// View rule: the layout of the single output, which aliases inputs[0]'s storage.
using ViewFn = Layout (*)(const Tensor& input, const Attrs& attrs);

/// What a VJP sees: the forward call's tensors as the autograd node saved them, and the
/// gradients flowing back. Written with public ops only, a VJP runs on every backend and is itself
/// recorded when backward(create_graph = true) asks for a differentiable backward pass.
struct VjpContext {
  std::span<const Tensor> inputs;           // undefined unless `saves` includes Inputs
  std::span<const Tensor> outputs;          // undefined unless `saves` includes Outputs
  std::span<const TensorSpec> input_specs;  // always: each input's shape and dtype
  std::span<const Tensor> grad_outputs;     // d loss / d output k; undefined for int/bool outputs
  const Attrs& attrs;
  std::span<const bool> needs_input_grad;  // only these gradients are used

  [[nodiscard]] bool needs(size_t input) const { return needs_input_grad[input]; }
};
/// Gradient rule: d loss / d input i for each input (same shape and dtype as the input), or an
/// undefined Tensor where none flows (integer inputs, inputs not needed). An empty vector means
/// no input gets a gradient.
using VjpFn = std::vector<Tensor> (*)(const VjpContext& ctx);

/// Which forward tensors the autograd node keeps alive for the VJP.
enum class Saves : uint8_t { Nothing = 0, Inputs = 1, Outputs = 2, Both = 3 };
[[nodiscard]] constexpr bool saves_inputs(Saves s) { return (static_cast<int>(s) & 1) != 0; }
[[nodiscard]] constexpr bool saves_outputs(Saves s) { return (static_cast<int>(s) & 2) != 0; }

struct OpDef {
  std::string_view name;
  InferFn infer = nullptr;
  ViewFn view = nullptr;  // set for view ops (no kernel, no allocation)
  /// Gradient rule; null for ops that are not differentiable (a backward that reaches such an op
  /// raises, naming it). Ops whose outputs are all int/bool never record a node.
  VjpFn vjp = nullptr;
  Saves saves = Saves::Both;
  /// Outputs from this index on are workspaces for the VJP (the recurrences' saved gates): no
  /// gradient flows into them, and backward passes none rather than zeros of their shape.
  size_t differentiable_outputs = SIZE_MAX;
  /// The op takes complex64/complex128 inputs (and may produce complex outputs). dispatch()
  /// refuses complex tensors to every other op with a DTypeError naming it, so their infer rules
  /// and kernels only ever see real dtypes. View ops (no kernel) always take complex tensors.
  bool complex = false;
  /// The op draws from the global Philox stream: its attrs hold "seed", "counter" and "counters"
  /// (how many it reserved). A graph reserves fresh counters on every run (Note [Random ops in
  /// graphs]), and passes never merge or fold it.
  bool random = false;
  /// Bit i set: the op writes into input i. Such an op has no outputs (optimizer updates,
  /// assign): dispatch runs its kernel for the effect and bumps the written inputs' versions, and
  /// a trace records it as an effect that graph passes keep, in order, and never merge or fold.
  uint32_t written_inputs = 0;
  [[nodiscard]] bool has_effect() const { return written_inputs != 0; }
  /// The op copies its input to the device in attrs "device" (to_device): outputs are allocated
  /// there, not on the inputs' device, and the kernel is the CUDA backend's whenever either side
  /// is a CUDA device (it alone knows both memories).
  bool transfers_device = false;

  /// Where the outputs of a call on inputs living on `inputs` go, and whose kernel runs it.
  struct Placement {
    Device outputs;
    DeviceKind kernel;
  };
  [[nodiscard]] Placement placement(Device inputs, const Attrs& attrs) const {
    if (!transfers_device) return {inputs, inputs.kind};
    const Device to = attrs.get<Device>("device");
    return {to, to.is_cuda() || inputs.is_cuda() ? DeviceKind::CUDA : DeviceKind::CPU};
  }
  [[nodiscard]] bool writes_input(size_t i) const { return i < 32 && ((written_inputs >> i) & 1u); }

  /// The kernel for `device`, looked up in KernelTable::global() once and cached here.
  [[nodiscard]] Kernel kernel(DeviceKind device) const;

  mutable std::array<std::atomic<Kernel>, kNumDeviceKinds> cached_kernels{};
};

/// Every defined op by name (for the graph IR and serialisation; ops self-register).
class OpRegistry {
 public:
  static bool add(const OpDef& op);
  [[nodiscard]] static const OpDef* find(std::string_view name);
  [[nodiscard]] static std::vector<const OpDef*> all();
};

/// Defines a registered op: NABLA_DEFINE_OP(neg_op, .name = "neg", .infer = same_as_input);
/// The object has external linkage, so other op files can `extern const OpDef neg_op;` it.
#define NABLA_DEFINE_OP(variable, ...)        \
  extern const ::nabla::OpDef variable;       \
  const ::nabla::OpDef variable{__VA_ARGS__}; \
  [[maybe_unused]] static const bool variable##_registered = ::nabla::OpRegistry::add(variable)

}  // namespace nabla
