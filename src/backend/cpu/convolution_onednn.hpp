// float32 convolutions through oneDNN (Debian's libdnnl), when nabla is built with it: its JIT
// kernels for AVX-512/AVX2 run the gemm-shaped convolutions (several input channels per group)
// 25-45% faster than im2col + OpenBLAS on nabla's own channels-last layout (bench/RESULTS.md,
// "Convolutional networks"). Each function returns false when oneDNN is not built in, is switched
// off (onednn.hpp), or declines the geometry; the caller then runs nabla's own kernels. float64
// always takes nabla's kernels (oneDNN has no f64 convolutions).
#pragma once

#include "backend/cpu/convolution_im2col.hpp"

namespace nabla::cpu::onednn {

/// y = conv(x, w) + bias (bias may be null), relu(...) when `relu`; the shapes of `p`.
[[nodiscard]] bool conv_forward(const ConvPlan& p, const float* x, const float* w,
                                const float* bias, bool relu, float* y);
/// dx = conv_input_grad(g, w).
[[nodiscard]] bool conv_input_grad(const ConvPlan& p, const float* g, const float* w, float* dx);
/// dw = conv_weight_grad(x, g).
[[nodiscard]] bool conv_weight_grad(const ConvPlan& p, const float* x, const float* g, float* dw);

}  // namespace nabla::cpu::onednn
