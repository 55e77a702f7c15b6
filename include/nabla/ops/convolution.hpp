// Convolutions over 1 to 3 spatial dimensions: strides, Keras's "valid"/"same"/"causal" padding
// or explicit (PyTorch-style) pads, dilation and groups; and the transposed convolution.
// Channels-last [N, *spatial, C] by default (Keras); kernels in Keras's layout, so Keras weights
// map one to one. Inputs promote like matmul's; integer inputs compute in float64.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

struct ConvOptions {
  /// Per spatial dim; empty: all 1; one value: the same for every dim.
  std::vector<int64_t> strides = {};
  /// "valid" (no padding), "same" (TensorFlow's: pad_total = max((ceil(in / s) - 1) * s +
  /// (k - 1) * d + 1 - in, 0), half before and the odd element after) or "causal" (1-D only:
  /// (k - 1) * d on the left).
  std::string padding = "valid";
  /// (before, after) per spatial dim; when non-empty it replaces `padding`.
  std::vector<std::pair<int64_t, int64_t>> explicit_padding = {};
  /// Per spatial dim, as strides.
  std::vector<int64_t> dilation = {};
  /// Channels split into `groups` independent convolutions: output channel o reads the input
  /// channels of group o / (C_out / groups), as Keras's and TensorFlow's grouped convolution.
  int64_t groups = 1;
  /// "channels_last" ([N, *spatial, C]) or "channels_first" ([N, C, *spatial]).
  std::string data_format = "channels_last";
  /// "relu": relu applied inside the convolution, while each block of output is in cache (one
  /// pass over the output less than relu(conv(...)), same values and gradients); "linear" or
  /// "": none.
  std::string activation = "linear";
};

/// x: [N, *in, C_in], kernel: [*k, C_in / groups, C_out] -> [N, *out, C_out] with
/// out = (in + pad_before + pad_after - (k - 1) * dilation - 1) / stride + 1 per dim.
/// ShapeError for mismatched ranks or channels and kernels larger than the padded input;
/// ValueError for bad strides, dilations, groups, padding names, data formats or activations.
[[nodiscard]] Tensor conv(const Tensor& x, const Tensor& kernel, const ConvOptions& options = {});
/// conv(x, kernel) + bias, bias: [C_out], added inside the convolution (no extra pass).
[[nodiscard]] Tensor conv(const Tensor& x, const Tensor& kernel, const Tensor& bias,
                          const ConvOptions& options = {});

struct ConvTransposeOptions {
  /// Per spatial dim; empty: all 1; one value: the same for every dim.
  std::vector<int64_t> strides = {};
  /// "valid" or "same" (Keras's Conv2DTranspose).
  std::string padding = "valid";
  /// (before, after) per spatial dim of the corresponding forward convolution (PyTorch's
  /// `padding`, which may differ per side here); when non-empty it replaces `padding`.
  std::vector<std::pair<int64_t, int64_t>> explicit_padding = {};
  /// Extra output length per dim, each in [0, stride); empty: Keras's None.
  std::vector<int64_t> output_padding = {};
  std::vector<int64_t> dilation = {};
  std::string data_format = "channels_last";
};

/// The transposed convolution (TensorFlow's conv_transpose, the input-gradient of a convolution):
/// x: [N, *in, C_in], kernel: [*k, C_out, C_in] (Keras's Conv2DTranspose layout) ->
/// [N, *out, C_out]. out is Keras's deconv_output_length: with output_padding absent,
/// in * stride + max(k_eff - stride, 0) ("valid") or in * stride ("same"); with it,
/// (in - 1) * stride + k_eff - 2 * pad + output_padding (pad = k_eff / 2 for "same", 0 for
/// "valid"), k_eff = (k - 1) * dilation + 1. Explicit padding: (in - 1) * stride + k_eff -
/// before - after + output_padding (PyTorch's formula).
[[nodiscard]] Tensor conv_transpose(const Tensor& x, const Tensor& kernel,
                                    const ConvTransposeOptions& options = {});
/// conv_transpose(x, kernel) + bias, bias: [C_out].
[[nodiscard]] Tensor conv_transpose(const Tensor& x, const Tensor& kernel, const Tensor& bias,
                                    const ConvTransposeOptions& options = {});

}  // namespace nabla
