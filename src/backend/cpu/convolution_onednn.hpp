// float32 convolutions through oneDNN (Debian's libdnnl), when nabla is built with it: its JIT
// kernels for AVX-512/AVX2 run the gemm-shaped convolutions (several input channels per group)
// 25-45% faster than im2col + OpenBLAS on nabla's own channels-last layout (bench/RESULTS.md,
// "Convolutional networks"). Each function returns false when oneDNN is not built in, is switched
// off (onednn.hpp), or declines the geometry; the caller then runs nabla's own kernels. float64
// always takes nabla's kernels (oneDNN has no f64 convolutions).
#pragma once

#include <optional>
#include <vector>

#include "backend/cpu/convolution_layouts.hpp"

namespace nabla::cpu::onednn {

/// y = conv(x, w) + bias (bias may be null), relu(...) when `relu`; the shapes of `p`.
[[nodiscard]] bool conv_forward(const ConvPlan& p, const float* x, const float* w,
                                const float* bias, bool relu, float* y);
/// dx = conv_input_grad(g, w).
[[nodiscard]] bool conv_input_grad(const ConvPlan& p, const float* g, const float* w, float* dx);
/// dw = conv_weight_grad(x, g).
[[nodiscard]] bool conv_weight_grad(const ConvPlan& p, const float* x, const float* g, float* dw);

/// Per operand of (kind, p): the layout oneDNN's primitive reads or writes it in, when that is
/// not nabla's own and is a BlockedLayout (the primitive then reorders it on every call; the
/// graph's layout pass hands it over in that layout instead). Nothing when oneDNN would not run
/// (kind, p): not built in, switched off, or a geometry it declines.
[[nodiscard]] std::optional<std::vector<std::optional<BlockedLayout>>> conv_chosen_layouts(
    ConvKind kind, const ConvPlan& p);

/// Runs (kind, p) with its operands at `data`; an operand whose `layouts` entry is set is in that
/// layout, which must be the primitive's (conv_chosen_layouts), and is used without a reorder.
/// False (nothing done) when oneDNN would not run (kind, p) or a layout is not the primitive's.
[[nodiscard]] bool conv_run(ConvKind kind, const ConvPlan& p, const std::vector<const float*>& data,
                            const std::vector<const BlockedLayout*>& layouts);

/// dst (laid out by `to`) = src (laid out by `from`) through oneDNN's reorder; false when oneDNN
/// is not built in or switched off.
[[nodiscard]] bool relayout(const BlockedLayout& from, const BlockedLayout& to, const float* src,
                            float* dst);

}  // namespace nabla::cpu::onednn
