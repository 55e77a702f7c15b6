// OpDef: everything about one op, declared once (design.md §2): its name, its shape/dtype rule,
// for view ops the layout rule, and the kernels the backends registered under its name.
#pragma once

#include <array>
#include <atomic>
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

struct OpDef {
  std::string_view name;
  InferFn infer = nullptr;
  ViewFn view = nullptr;  // set for view ops (no kernel, no allocation)
  // The VJP (gradient rule) joins these fields in the autodiff issue, written with ops.

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
