// The global kernel table and its explicit, once-only filling by the built-in backends.
#include "backend/kernel_table.hpp"

namespace nabla {
namespace {
std::string key_of(std::string_view op, DeviceKind device) {
  std::string key = device == DeviceKind::CPU ? "cpu/" : "cuda/";
  key += op;
  return key;
}
}  // namespace

KernelTable& KernelTable::global() {
  static KernelTable table = [] {
    KernelTable t;
    cpu::register_kernels(t);
#ifdef NABLA_HAVE_CUDA
    cuda::register_kernels(t);
#endif
    return t;
  }();
  return table;
}

void KernelTable::add(std::string_view op, DeviceKind device, Kernel kernel) {
  kernels_[key_of(op, device)] = kernel;
}

Kernel KernelTable::find(std::string_view op, DeviceKind device) const {
  auto it = kernels_.find(key_of(op, device));
  return it == kernels_.end() ? nullptr : it->second;
}

}  // namespace nabla
