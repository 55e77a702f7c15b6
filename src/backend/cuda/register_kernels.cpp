// The CUDA backend's explicit registration of every kernel family (design.md §2).
#ifdef NABLA_HAVE_CUDA
#include "backend/cuda/kernels.hpp"

namespace nabla::cuda {

void register_kernels(KernelTable& table) {
  register_copy_kernels(table);
  register_creation_kernels(table);
  register_elementwise_kernels(table);
  register_reduction_kernels(table);
  register_contraction_kernels(table);
  register_softmax_kernels(table);
  register_optimizer_kernels(table);
  register_random_kernels(table);
  register_indexing_kernels(table);
  register_fused_elementwise_kernels(table);
  register_complex_kernels(table);
  register_pooling_kernels(table);
  register_convolution_kernels(table);
  register_recurrent_kernels(table);
  register_sort_scan_kernels(table);
  register_linalg_kernels(table);
}

}  // namespace nabla::cuda
#endif
