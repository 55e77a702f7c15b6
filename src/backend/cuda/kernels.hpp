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
void register_fused_elementwise_kernels(KernelTable& table);  // graph mode's fused chains
void register_complex_kernels(KernelTable& table);            // complex, real, imag, conj, angle
void register_pooling_kernels(KernelTable& table);            // max/avg pooling and their gradients
void register_convolution_kernels(KernelTable& table);  // conv (cuDNN), its gradients, layouts
void register_recurrent_kernels(KernelTable& table);    // LSTM/GRU/SimpleRNN sequences
void register_sort_scan_kernels(KernelTable& table);    // sort, cumsum
void register_linalg_kernels(KernelTable& table);       // linalg_* (cuSOLVER, cuBLAS)

}  // namespace nabla::cuda
