// The three convolution core ops, shared by the public functions and by each other's VJPs. They
// work on channels-last data with explicit per-dim pads (Note [Convolution core ops]):
//   conv             (x [N, *in, C_in], w [*k, C_in / G, C_out] [, b [C_out]]) -> [N, *out, C_out]
//   conv_relu        the same, relu applied in the kernel
//   conv_input_grad  (g [N, *out, C_out], w)  -> [N, *in, C_in]   (the transposed convolution)
//   conv_weight_grad (x, g [N, *out, C_out])  -> [*k, C_in / G, C_out]
#pragma once

#include <string_view>
#include <vector>

#include "ops/op.hpp"

namespace nabla {

/// Geometry shared by the three ops (their attrs "strides", "dilation", "pads", "groups").
struct ConvParams {
  std::vector<int64_t> strides, dilation;
  std::vector<int64_t> pads;  // before_0, after_0, before_1, after_1, ...
  int64_t groups = 1;

  [[nodiscard]] Attrs to_attrs() const;
  [[nodiscard]] static ConvParams from_attrs(const Attrs& attrs);
};

/// Output spatial extent of one dim: (in + before + after - (k - 1) * d - 1) / s + 1; assumes the
/// padded input holds the dilated kernel.
[[nodiscard]] int64_t conv_output_length(int64_t in, int64_t k, int64_t stride, int64_t dilation,
                                         int64_t before, int64_t after);

/// The output shape of conv(x, w) under `params`, validating everything (ranks, channels,
/// groups, strides, dilations, pads, kernel not larger than the padded input); errors start with
/// `op` and print both shapes.
[[nodiscard]] Shape conv_output_shape(std::string_view op, const Shape& x, const Shape& w,
                                      const ConvParams& params);

/// Runs the core ops (same-dtype floating inputs; b may be undefined). `relu`: relu(conv(...))
/// as one op (conv_relu).
[[nodiscard]] Tensor conv_core(const Tensor& x, const Tensor& w, const Tensor& b,
                               const ConvParams& params, bool relu = false);
/// The gradient of conv(x, w) with respect to x of spatial extent `input_spatial`, for the
/// output gradient g.
[[nodiscard]] Tensor conv_input_grad_core(const Tensor& g, const Tensor& w,
                                          const std::vector<int64_t>& input_spatial,
                                          const ConvParams& params);
/// The gradient of conv(x, w) with respect to w of spatial extent `kernel_spatial`.
[[nodiscard]] Tensor conv_weight_grad_core(const Tensor& x, const Tensor& g,
                                           const std::vector<int64_t>& kernel_spatial,
                                           const ConvParams& params);

}  // namespace nabla
