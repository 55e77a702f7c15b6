// The CPU kernel families; each registers its kernels in its own file.
#pragma once

#include "backend/kernel_table.hpp"

namespace nabla::cpu {

void register_elementwise_kernels(KernelTable& table);
void register_fused_elementwise_kernels(KernelTable& table);
void register_creation_kernels(KernelTable& table);
void register_reduction_kernels(KernelTable& table);
void register_contraction_kernels(KernelTable& table);
void register_manipulation_kernels(KernelTable& table);
void register_scatter_kernels(KernelTable& table);
void register_optimizer_kernels(KernelTable& table);
void register_softmax_kernels(KernelTable& table);
void register_dropout_kernels(KernelTable& table);
void register_convolution_kernels(KernelTable& table);
void register_convolution_layout_kernels(KernelTable& table);
void register_pooling_kernels(KernelTable& table);
void register_recurrent_lstm_kernels(KernelTable& table);
void register_recurrent_gru_kernels(KernelTable& table);
void register_recurrent_simple_kernels(KernelTable& table);
void register_complex_kernels(KernelTable& table);
void register_linalg_eig_kernels(KernelTable& table);
void register_linalg_decomposition_kernels(KernelTable& table);
void register_linalg_solve_kernels(KernelTable& table);

}  // namespace nabla::cpu
