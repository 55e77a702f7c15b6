// The CUDA backend's kernel families, each registered by its own file (design.md §2), mirroring
// backend/cpu/kernels.hpp. Ops without a CUDA kernel are a DeviceError naming them.
#pragma once

#include "backend/kernel_table.hpp"

namespace nabla::cuda {

void register_copy_kernels(KernelTable& table);      // to_device (copy_kernels.cpp)
void register_creation_kernels(KernelTable& table);  // fill, arange (creation_kernels.cu)

}  // namespace nabla::cuda
