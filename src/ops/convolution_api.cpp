// The public convolutions: options (per-dim strides and dilations, padding names, data format,
// output lengths of the transposed convolution) resolved into the channels-last core ops of
// convolution.cpp, with matmul's dtype promotion.
#include <algorithm>
#include <string_view>

#include "nabla/ops/convolution.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/view.hpp"
#include "ops/convolution_internal.hpp"

namespace nabla {
namespace {

/// One value per spatial dim from Keras's spellings: empty -> all 1, one value -> repeated.
std::vector<int64_t> per_dim(std::string_view op, std::string_view what,
                             const std::vector<int64_t>& values, int64_t spatial) {
  const auto n = static_cast<size_t>(spatial);
  if (values.empty()) return std::vector<int64_t>(n, 1);
  if (values.size() == 1) return std::vector<int64_t>(n, values[0]);
  NABLA_CHECK(values.size() == n, ValueError, op, ": expected 1 or ", spatial, " ", what, " for ",
              spatial, " spatial dims, got ", Shape(values));
  return values;
}

std::vector<int64_t> positive_per_dim(std::string_view op, std::string_view what,
                                      const std::vector<int64_t>& values, int64_t spatial) {
  std::vector<int64_t> out = per_dim(op, what, values, spatial);
  for (int64_t v : out) {
    NABLA_CHECK(v >= 1, ValueError, op, ": ", what, " must be positive, got ", Shape(values));
  }
  return out;
}

bool is_channels_first(std::string_view op, const std::string& data_format) {
  NABLA_CHECK(data_format == "channels_last" || data_format == "channels_first", ValueError, op,
              ": data_format must be \"channels_last\" or \"channels_first\", got \"", data_format,
              "\"");
  return data_format == "channels_first";
}

/// [N, C, *spatial] -> [N, *spatial, C] (a view).
Tensor to_channels_last(const Tensor& x) {
  std::vector<int64_t> axes{0};
  for (int64_t d = 2; d < x.ndim(); ++d) axes.push_back(d);
  axes.push_back(1);
  return permute(x, axes);
}

/// [N, *spatial, C] -> [N, C, *spatial] (a view).
Tensor to_channels_first(const Tensor& y) {
  std::vector<int64_t> axes{0, y.ndim() - 1};
  for (int64_t d = 1; d + 1 < y.ndim(); ++d) axes.push_back(d);
  return permute(y, axes);
}

/// Checks x [N, *spatial, C] against a kernel of 1 to 3 spatial dims; returns the spatial rank.
int64_t check_ranks(std::string_view op, const Tensor& x, const Tensor& kernel, const Tensor* bias,
                    std::string_view kernel_layout) {
  NABLA_CHECK(x.defined() && kernel.defined() && (bias == nullptr || bias->defined()), ValueError,
              op, ": undefined operand");
  NABLA_CHECK(kernel.ndim() >= 3 && kernel.ndim() <= 5, ShapeError, op, ": expected a kernel ",
              kernel_layout, " with 1 to 3 spatial dims, got ", kernel.shape());
  NABLA_CHECK(x.ndim() == kernel.ndim(), ShapeError, op, ": expected an input of rank ",
              kernel.ndim(), " for the kernel ", kernel.shape(), ", got ", x.shape());
  return kernel.ndim() - 2;
}

/// TensorFlow's "SAME": the total padding that gives ceil(in / stride) outputs.
int64_t same_pad_total(int64_t in, int64_t k, int64_t stride, int64_t dilation) {
  const int64_t out = (in + stride - 1) / stride;
  return std::max<int64_t>((out - 1) * stride + (k - 1) * dilation + 1 - in, 0);
}

void push_split(std::vector<int64_t>& pads, int64_t total) {
  pads.push_back(total / 2);  // the odd element goes after, as TensorFlow's
  pads.push_back(total - total / 2);
}

std::vector<int64_t> flatten_explicit(std::string_view op,
                                      const std::vector<std::pair<int64_t, int64_t>>& padding,
                                      int64_t spatial) {
  NABLA_CHECK(static_cast<int64_t>(padding.size()) == spatial, ValueError, op,
              ": explicit_padding needs one (before, after) pair per spatial dim (", spatial,
              "), got ", padding.size());
  std::vector<int64_t> pads;
  for (const auto& [before, after] : padding) {
    NABLA_CHECK(before >= 0 && after >= 0, ValueError, op,
                ": explicit_padding must be non-negative, got (", before, ", ", after, ")");
    pads.push_back(before);
    pads.push_back(after);
  }
  return pads;
}

/// The forward convolution's pads for `padding` over channels-last x.
std::vector<int64_t> conv_pads(const ConvOptions& o, const Shape& x, const Shape& kernel,
                               const ConvParams& p) {
  const int64_t spatial = kernel.rank() - 2;
  if (!o.explicit_padding.empty()) return flatten_explicit("conv", o.explicit_padding, spatial);
  std::vector<int64_t> pads;
  for (int64_t d = 0; d < spatial; ++d) {
    const auto u = static_cast<size_t>(d);
    const int64_t window = (kernel[d] - 1) * p.dilation[u];
    if (o.padding == "valid") {
      push_split(pads, 0);
    } else if (o.padding == "same") {
      push_split(pads, same_pad_total(x[d + 1], kernel[d], p.strides[u], p.dilation[u]));
    } else if (o.padding == "causal") {
      NABLA_CHECK(spatial == 1, ValueError,
                  "conv: \"causal\" padding is for 1-D convolutions, got the kernel ", kernel);
      pads.push_back(window);
      pads.push_back(0);
    } else {
      NABLA_CHECK(false, ValueError,
                  "conv: padding must be \"valid\", \"same\" or \"causal\", got \"", o.padding,
                  "\"");
    }
  }
  return pads;
}

/// NumPy's promotion, then a floating type (integers compute in float64).
DType compute_dtype(const Tensor& x, const Tensor& kernel, const Tensor* bias) {
  DType dtype = promote_types(x.dtype(), kernel.dtype());
  if (bias != nullptr) dtype = promote_types(dtype, bias->dtype());
  return float_type_for(dtype);
}

Tensor conv_impl(const Tensor& x, const Tensor& kernel, const Tensor* bias, const ConvOptions& o) {
  constexpr std::string_view op = "conv";
  const int64_t spatial = check_ranks(op, x, kernel, bias, "[*k, C_in / groups, C_out]");
  const bool channels_first = is_channels_first(op, o.data_format);
  const Tensor xl = channels_first ? to_channels_last(x) : x;
  ConvParams p{.strides = positive_per_dim(op, "strides", o.strides, spatial),
               .dilation = positive_per_dim(op, "dilation", o.dilation, spatial),
               .pads = {},
               .groups = o.groups};
  p.pads = conv_pads(o, xl.shape(), kernel.shape(), p);
  NABLA_CHECK(o.activation == "relu" || o.activation == "linear" || o.activation.empty(),
              ValueError, "conv: the fused activation must be \"relu\" or \"linear\", got \"",
              o.activation, "\"");
  const DType dtype = compute_dtype(x, kernel, bias);
  const Tensor y =
      conv_core(astype(xl, dtype), astype(kernel, dtype),
                bias != nullptr ? astype(*bias, dtype) : Tensor(), p, o.activation == "relu");
  return channels_first ? to_channels_first(y) : y;
}

/// The transposed convolution's output length in one dim and the forward convolution's pads
/// (Keras's deconv_output_length; "same" pads as TensorFlow derives them from that length).
int64_t transpose_length(const ConvTransposeOptions& o, int64_t d, int64_t in, int64_t k,
                         const ConvParams& p, const std::vector<int64_t>& output_padding,
                         std::vector<int64_t>& pads) {
  const auto u = static_cast<size_t>(d);
  const int64_t s = p.strides[u], window = (k - 1) * p.dilation[u] + 1;
  const bool has_output_padding = !output_padding.empty();
  const int64_t extra = has_output_padding ? output_padding[u] : 0;
  if (!o.explicit_padding.empty()) {
    const int64_t before = o.explicit_padding[u].first, after = o.explicit_padding[u].second;
    pads.push_back(before);
    pads.push_back(after);
    return (in - 1) * s + window - before - after + extra;
  }
  if (o.padding == "valid") {
    push_split(pads, 0);
    return has_output_padding ? (in - 1) * s + window + extra
                              : in * s + std::max<int64_t>(window - s, 0);
  }
  NABLA_CHECK(o.padding == "same", ValueError,
              "conv_transpose: padding must be \"valid\" or \"same\", got \"", o.padding, "\"");
  const int64_t length =
      has_output_padding ? (in - 1) * s + window - 2 * (window / 2) + extra : in * s;
  push_split(pads, same_pad_total(length, k, s, p.dilation[u]));
  return length;
}

Tensor conv_transpose_impl(const Tensor& x, const Tensor& kernel, const Tensor* bias,
                           const ConvTransposeOptions& o) {
  constexpr std::string_view op = "conv_transpose";
  const int64_t spatial = check_ranks(op, x, kernel, bias, "[*k, C_out, C_in]");
  const bool channels_first = is_channels_first(op, o.data_format);
  const Tensor xl = channels_first ? to_channels_last(x) : x;
  NABLA_CHECK(xl.size(-1) == kernel.size(-1), ShapeError, op, ": the input has ", xl.size(-1),
              " channels but the kernel ", kernel.shape(), " ([*k, C_out, C_in]) expects ",
              kernel.size(-1), "; input ", x.shape());
  ConvParams p{.strides = positive_per_dim(op, "strides", o.strides, spatial),
               .dilation = positive_per_dim(op, "dilation", o.dilation, spatial),
               .pads = {},
               .groups = 1};
  const std::vector<int64_t> output_padding =
      o.output_padding.empty() ? std::vector<int64_t>{}
                               : per_dim(op, "output_padding", o.output_padding, spatial);
  for (size_t d = 0; d < output_padding.size(); ++d) {
    NABLA_CHECK(output_padding[d] >= 0 && output_padding[d] < p.strides[d], ValueError, op,
                ": output_padding must be in [0, stride), got ", Shape(output_padding),
                " for strides ", Shape(p.strides));
  }
  if (!o.explicit_padding.empty()) (void)flatten_explicit(op, o.explicit_padding, spatial);
  std::vector<int64_t> lengths;
  for (int64_t d = 0; d < spatial; ++d) {
    const int64_t in = xl.size(d + 1), k = kernel.size(d);
    const int64_t length = transpose_length(o, d, in, k, p, output_padding, p.pads);
    const auto u = static_cast<size_t>(d);
    NABLA_CHECK(length >= 1 && conv_output_length(length, k, p.strides[u], p.dilation[u],
                                                  p.pads[2 * u], p.pads[2 * u + 1]) == in,
                ValueError, op, ": the output length ", length, " of spatial dim ", d,
                " does not convolve back to the input's ", in, " (kernel ", kernel.shape(),
                ", strides ", Shape(p.strides), ", pads ", Shape(p.pads), ")");
    lengths.push_back(length);
  }
  const DType dtype = compute_dtype(x, kernel, bias);
  Tensor y = conv_input_grad_core(astype(xl, dtype), astype(kernel, dtype), lengths, p);
  if (bias != nullptr) {
    NABLA_CHECK(bias->shape() == Shape{kernel.size(-2)}, ShapeError, op, ": the bias must be [",
                kernel.size(-2), "] for the kernel ", kernel.shape(), ", got ", bias->shape());
    y = add(y, astype(*bias, dtype));
  }
  return channels_first ? to_channels_first(y) : y;
}

}  // namespace

Tensor conv(const Tensor& x, const Tensor& kernel, const ConvOptions& options) {
  return conv_impl(x, kernel, nullptr, options);
}

Tensor conv(const Tensor& x, const Tensor& kernel, const Tensor& bias, const ConvOptions& options) {
  return conv_impl(x, kernel, &bias, options);
}

Tensor conv_transpose(const Tensor& x, const Tensor& kernel, const ConvTransposeOptions& options) {
  return conv_transpose_impl(x, kernel, nullptr, options);
}

Tensor conv_transpose(const Tensor& x, const Tensor& kernel, const Tensor& bias,
                      const ConvTransposeOptions& options) {
  return conv_transpose_impl(x, kernel, &bias, options);
}

}  // namespace nabla
