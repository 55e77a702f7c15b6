// KernelTable: (op name, device kind) -> kernel. Each backend fills it explicitly in its
// register_kernels(table) (design.md §2); ops look kernels up once and cache them in the OpDef.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "backend/attrs.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla {

/// What a kernel sees: inputs (any layout), outputs (allocated contiguous by dispatch, or views
/// for view ops) and the op's attributes. Kernels never throw (design.md §5.3): every check that
/// can fail belongs in the op's infer rule.
struct KernelContext {
  std::span<const Tensor> inputs;
  std::span<Tensor> outputs;
  const Attrs& attrs;
};
using Kernel = void (*)(const KernelContext&);

class KernelTable {
 public:
  /// The process-wide table, filled on first use by every backend built in.
  static KernelTable& global();
  /// Registers `kernel` for `op` on `device`; a second registration replaces the first.
  void add(std::string_view op, DeviceKind device, Kernel kernel);
  /// The kernel or nullptr.
  [[nodiscard]] Kernel find(std::string_view op, DeviceKind device) const;
  [[nodiscard]] size_t size() const { return kernels_.size(); }

 private:
  std::unordered_map<std::string, Kernel> kernels_;  // key: "<device>/<op>"
};

namespace cpu {
/// Registers every CPU kernel (backend/cpu/register_kernels.cpp).
void register_kernels(KernelTable& table);
}  // namespace cpu

namespace cuda {
/// Registers every CUDA kernel (backend/cuda/register_kernels.cpp; built with the CUDA backend).
void register_kernels(KernelTable& table);
}  // namespace cuda

}  // namespace nabla
