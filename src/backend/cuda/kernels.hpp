// The CUDA backend's kernel families, each registered by its own file (design.md §2), mirroring
// backend/cpu/kernels.hpp. Ops without a CUDA kernel are a DeviceError naming them.
#pragma once

#include "backend/kernel_table.hpp"

namespace nabla::cuda {

void register_copy_kernels(KernelTable& table);         // to_device (copy_kernels.cpp)
void register_creation_kernels(KernelTable& table);     // fill, arange (creation_kernels.cu)
void register_elementwise_kernels(KernelTable& table);  // elementwise_ops.def, cast, where
void register_reduction_kernels(KernelTable& table);    // sum, prod, max, min, argmax, argmin
void register_contraction_kernels(KernelTable& table);  // matmul (cuBLAS; integers: a kernel)
void register_softmax_kernels(KernelTable& table);      // softmax, log_softmax
void register_optimizer_kernels(KernelTable& table);    // sgd_update, adam_update
void register_random_kernels(KernelTable& table);       // random draws, dropout, linspace, eye
void register_indexing_kernels(KernelTable& table);     // concatenate, take, gather, scatters

}  // namespace nabla::cuda
