// The CPU backend's explicit registration of every kernel family (design.md §2).
#include "backend/cpu/kernels.hpp"

namespace nabla::cpu {

void register_kernels(KernelTable& table) {
  register_elementwise_kernels(table);
  register_fused_elementwise_kernels(table);
  register_creation_kernels(table);
  register_reduction_kernels(table);
  register_contraction_kernels(table);
  register_manipulation_kernels(table);
  register_scatter_kernels(table);
  register_optimizer_kernels(table);
  register_softmax_kernels(table);
  register_dropout_kernels(table);
  register_convolution_kernels(table);
  register_convolution_layout_kernels(table);
  register_pooling_kernels(table);
  register_recurrent_lstm_kernels(table);
  register_recurrent_gru_kernels(table);
  register_recurrent_simple_kernels(table);
  register_complex_kernels(table);
  register_linalg_eig_kernels(table);
  register_linalg_decomposition_kernels(table);
  register_linalg_solve_kernels(table);
}

}  // namespace nabla::cpu
