// The CUDA kernels of relayout and conv_with_layouts (src/ops/convolution_layout.hpp), registered
// with the convolution family (convolution_kernels.cu).
#pragma once

#include "backend/kernel_table.hpp"

namespace nabla::cuda {

void register_convolution_layout_kernels(KernelTable& table);

}  // namespace nabla::cuda
