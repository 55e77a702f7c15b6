// Op-table rows for the convolutions: conv over 1-3 spatial dims with strides, valid/same/causal
// and explicit padding, dilation, groups (depthwise included), bias and channels_first;
// conv_transpose; and the input- and weight-gradients taken through autograd (the rows that run
// conv_input_grad and conv_weight_grad forward). All against the direct convolution of
// unit/convolution_reference.hpp, and gradchecked to second order.
#include <algorithm>

#include "optable/op_table.hpp"
#include "unit/convolution_reference.hpp"

namespace optable {
namespace {

using namespace nabla;
using conv_test::Geometry;

conv_test::Ref to_conv(const Ref& r) { return {r.shape, r.data}; }
Ref from_conv(const conv_test::Ref& r) { return {r.shape, r.data}; }

std::vector<int64_t> expand(const std::vector<int64_t>& v, size_t n) {
  if (v.empty()) return std::vector<int64_t>(n, 1);
  if (v.size() == 1) return std::vector<int64_t>(n, v[0]);
  return v;
}

/// The reference's geometry for `o` on the channels-last input shape x and kernel w, derived
/// here independently of nabla's own option handling.
Geometry geometry_of(const ConvOptions& o, const std::vector<int64_t>& x,
                     const std::vector<int64_t>& w) {
  const size_t s = w.size() - 2;
  Geometry g{expand(o.strides, s), expand(o.dilation, s), {}, o.groups};
  for (size_t d = 0; d < s; ++d) {
    std::pair<int64_t, int64_t> pad{0, 0};
    if (!o.explicit_padding.empty()) {
      pad = o.explicit_padding[d];
    } else if (o.padding == "same") {
      pad = conv_test::same_pads(x[d + 1], w[d], g.strides[d], g.dilation[d]);
    } else if (o.padding == "causal") {
      pad = {(w[d] - 1) * g.dilation[d], 0};
    }
    g.pads.push_back(pad.first);
    g.pads.push_back(pad.second);
  }
  return g;
}

OpCase conv_case(std::string name, Shape x_shape, Shape w_shape, bool bias, DType dtype,
                 ConvOptions o, double tolerance = 1e-5) {
  std::vector<InputSpec> inputs{{x_shape, dtype}, {w_shape, dtype}};
  if (bias) inputs.push_back({Shape{w_shape[-1]}, dtype});
  const bool channels_first = o.data_format == "channels_first";
  return OpCase{
      .name = std::move(name),
      .inputs = std::move(inputs),
      .run =
          [o](const std::vector<Tensor>& t) {
            return t.size() == 3 ? conv(t[0], t[1], t[2], o) : conv(t[0], t[1], o);
          },
      .reference =
          [o, channels_first](const std::vector<Ref>& r) {
            conv_test::Ref x = to_conv(r[0]);
            if (channels_first) x = conv_test::move_axis(x, 1, x.shape.size() - 1);
            const conv_test::Ref b = r.size() == 3 ? to_conv(r[2]) : conv_test::Ref{};
            conv_test::Ref y = conv_test::conv(x, to_conv(r[1]), r.size() == 3 ? &b : nullptr,
                                               geometry_of(o, x.shape, r[1].shape));
            if (o.activation == "relu") {
              for (double& v : y.data) v = std::max(v, 0.0);
            }
            if (channels_first) y = conv_test::move_axis(y, y.shape.size() - 1, 1);
            return from_conv(y);
          },
      .expected_dtype = dtype,
      .tolerance = tolerance,
      .grad_order = 2,
  };
}

/// A row whose operands have other dtypes than its result.
OpCase with_dtypes(OpCase c, DType x, DType w) {
  c.inputs[0].dtype = x;
  c.inputs[1].dtype = w;
  return c;
}

/// conv_transpose(x, w [*k, C_out, C_in]) against the input-gradient of the convolution whose
/// input has spatial extent `lengths` under `pads` (worked out by hand for each row).
OpCase transpose_case(std::string name, Shape x, Shape w, bool bias, DType dtype,
                      ConvTransposeOptions o, std::vector<int64_t> lengths,
                      std::vector<int64_t> pads) {
  std::vector<InputSpec> inputs{{x, dtype}, {w, dtype}};
  if (bias) inputs.push_back({Shape{w[-2]}, dtype});
  const size_t s = static_cast<size_t>(w.rank()) - 2;
  const Geometry g{expand(o.strides, s), expand(o.dilation, s), std::move(pads), 1};
  return OpCase{
      .name = std::move(name),
      .inputs = std::move(inputs),
      .run =
          [o](const std::vector<Tensor>& t) {
            return t.size() == 3 ? conv_transpose(t[0], t[1], t[2], o)
                                 : conv_transpose(t[0], t[1], o);
          },
      .reference =
          [g, lengths](const std::vector<Ref>& r) {
            conv_test::Ref y = conv_test::input_grad(to_conv(r[0]), to_conv(r[1]), lengths, g);
            if (r.size() == 3) {
              for (size_t i = 0; i < y.data.size(); ++i)
                y.data[i] += r[2].data[i % r[2].data.size()];
            }
            return from_conv(y);
          },
      .expected_dtype = dtype,
      .tolerance = dtype == float64 ? 1e-12 : 1e-5,
      .grad_order = 2,
  };
}

/// d<conv(x, w), g>/dw (the weight-gradient op) through autograd, as a function of x and g.
OpCase weight_grad_case(std::string name, Shape x, Shape g, Shape w, ConvOptions o) {
  return OpCase{
      .name = std::move(name),
      .inputs = {{x, float64}, {g, float64}},
      .run =
          [o, w](const std::vector<Tensor>& t) {
            Tensor w0 = zeros(w, t[0].dtype()).requires_grad_();
            const Tensor y = conv(t[0], w0, o);
            return autograd::grad({y}, {w0}, {t[1]}, {.create_graph = true})[0];
          },
      .reference =
          [o, w](const std::vector<Ref>& r) {
            const std::vector<int64_t> k(w.begin(), w.end() - 2);
            return from_conv(conv_test::weight_grad(to_conv(r[0]), to_conv(r[1]), k,
                                                    geometry_of(o, r[0].shape, w.dims())));
          },
      .expected_dtype = float64,
      .tolerance = 1e-12,
      .grad_order = 2,
  };
}

/// d<conv(x, w), g>/dx (the input-gradient op) through autograd, as a function of w and g.
OpCase input_grad_case(std::string name, Shape x, Shape w, Shape g, ConvOptions o) {
  return OpCase{
      .name = std::move(name),
      .inputs = {{w, float64}, {g, float64}},
      .run =
          [o, x](const std::vector<Tensor>& t) {
            Tensor x0 = zeros(x, t[0].dtype()).requires_grad_();
            const Tensor y = conv(x0, t[0], o);
            return autograd::grad({y}, {x0}, {t[1]}, {.create_graph = true})[0];
          },
      .reference =
          [o, x](const std::vector<Ref>& r) {
            const std::vector<int64_t> spatial(x.begin() + 1, x.end() - 1);
            return from_conv(conv_test::input_grad(to_conv(r[1]), to_conv(r[0]), spatial,
                                                   geometry_of(o, x.dims(), r[0].shape)));
          },
      .expected_dtype = float64,
      .tolerance = 1e-12,
      .grad_order = 2,
  };
}

NABLA_OP_CASES({
    conv_case("conv1d_valid_f32", {2, 7, 3}, {3, 3, 4}, false, float32, {}),
    conv_case("conv1d_causal_dilated_bias", {2, 9, 2}, {3, 2, 3}, true, float64,
              {.padding = "causal", .dilation = {2}}, 1e-12),
    conv_case("conv1d_same_stride2_even_kernel", {2, 8, 3}, {4, 3, 2}, false, float64,
              {.strides = {2}, .padding = "same"}, 1e-12),
    conv_case("conv2d_valid_f32", {2, 5, 6, 3}, {3, 3, 3, 4}, false, float32, {}),
    conv_case("conv2d_same_bias_f64", {2, 5, 5, 2}, {3, 3, 2, 3}, true, float64,
              {.padding = "same"}, 1e-12),
    conv_case("conv2d_same_strides_odd_sizes", {1, 7, 6, 2}, {3, 2, 2, 3}, false, float64,
              {.strides = {2, 3}, .padding = "same"}, 1e-12),
    conv_case("conv2d_dilation", {2, 7, 7, 2}, {2, 3, 2, 2}, false, float64, {.dilation = {2, 1}},
              1e-12),
    conv_case("conv2d_dilation_same_f32", {1, 6, 7, 3}, {3, 3, 3, 2}, true, float32,
              {.padding = "same", .dilation = {2}}),
    conv_case("conv2d_groups", {2, 5, 5, 4}, {3, 3, 2, 6}, true, float64, {.groups = 2}, 1e-12),
    // The direct kernels: one input channel (and a partial 32-channel block), depthwise with
    // enough channels for whole vector blocks, and a small grouped convolution.
    conv_case("conv2d_one_channel_direct", {2, 6, 7, 1}, {3, 3, 1, 40}, true, float64,
              {.padding = "same"}, 1e-12),
    conv_case("conv2d_depthwise_direct_f32", {2, 5, 6, 36}, {3, 3, 1, 36}, false, float32,
              {.strides = {2, 1}, .padding = "same", .groups = 36}),
    conv_case("conv1d_three_channels_direct", {2, 9, 3}, {3, 3, 5}, true, float64,
              {.padding = "causal", .dilation = {2}}, 1e-12),
    conv_case("conv2d_depthwise_multiplier2", {2, 5, 5, 3}, {3, 3, 1, 6}, false, float64,
              {.padding = "same", .groups = 3}, 1e-12),
    conv_case("conv2d_explicit_padding_strided", {2, 6, 5, 2}, {3, 3, 2, 3}, false, float64,
              {.strides = {2}, .explicit_padding = {{1, 0}, {2, 1}}}, 1e-12),
    conv_case("conv2d_channels_first_bias", {2, 3, 5, 4}, {3, 3, 3, 2}, true, float32,
              {.padding = "same", .data_format = "channels_first"}),
    conv_case("conv2d_pointwise_bias", {2, 4, 3, 5}, {1, 1, 5, 3}, true, float64, {}, 1e-12),
    conv_case("conv2d_pointwise_strided", {2, 5, 4, 3}, {1, 1, 3, 2}, false, float64,
              {.strides = {2}}, 1e-12),
    conv_case("conv2d_many_rows_f32", {3, 12, 11, 4}, {3, 3, 4, 5}, true, float32,
              {.padding = "same"}),
    // relu fused into the convolution (the conv_relu op), in both kernel paths.
    conv_case("conv2d_relu_bias", {2, 5, 5, 3}, {3, 3, 3, 4}, true, float64,
              {.padding = "same", .activation = "relu"}, 1e-12),
    conv_case("conv2d_relu_direct_f32", {2, 6, 5, 1}, {3, 3, 1, 33}, true, float32,
              {.activation = "relu"}),
    conv_case("conv3d_same_strided", {1, 4, 3, 5, 2}, {2, 3, 2, 2, 3}, true, float64,
              {.strides = {1, 2, 1}, .padding = "same"}, 1e-12),
    conv_case("conv3d_channels_first_groups", {2, 4, 3, 4, 3}, {2, 2, 2, 2, 4}, false, float64,
              {.groups = 2, .data_format = "channels_first"}, 1e-12),
    // Integers promote like matmul's operands: int32 with float32 computes in float64.
    with_dtypes(conv_case("conv2d_int32_input_promotes", {1, 4, 4, 2}, {2, 2, 2, 3}, false, float64,
                          {}, 1e-12),
                int32, float32),
    // Keras's deconv_output_length: valid: in * s + max(k - s, 0); same: in * s; with
    // output_padding: (in - 1) * s + k - 2 * (k / 2 for same) + output_padding. Pads: TF's
    // SAME for that length.
    transpose_case("conv_transpose2d_valid_stride2", {2, 3, 4, 3}, {3, 3, 2, 3}, false, float64,
                   {.strides = {2}}, {7, 9}, {0, 0, 0, 0}),
    transpose_case("conv_transpose2d_valid_kernel_smaller_than_stride", {1, 3, 2, 2}, {2, 1, 2, 2},
                   true, float32, {.strides = {3, 2}}, {9, 4}, {0, 0, 0, 0}),
    transpose_case("conv_transpose2d_same_stride2_output_padding", {2, 3, 3, 2}, {3, 3, 3, 2}, true,
                   float64, {.strides = {2}, .padding = "same", .output_padding = {1}}, {6, 6},
                   {0, 1, 0, 1}),
    transpose_case("conv_transpose2d_same_stride2_even_kernel", {1, 3, 4, 2}, {4, 4, 2, 2}, false,
                   float64, {.strides = {2}, .padding = "same"}, {6, 8}, {1, 1, 1, 1}),
    transpose_case(
        "conv_transpose2d_explicit_padding", {1, 3, 3, 2}, {3, 3, 2, 2}, false, float64,
        {.strides = {2, 1}, .explicit_padding = {{1, 1}, {0, 0}}, .output_padding = {1, 0}}, {6, 5},
        {1, 1, 0, 0}),
    transpose_case("conv_transpose1d_dilated_same_bias", {2, 5, 3}, {3, 2, 3}, true, float64,
                   {.padding = "same", .dilation = {2}}, {5}, {2, 2}),
    weight_grad_case("conv2d_weight_gradient_strided_same", {2, 5, 6, 3}, {2, 3, 3, 4},
                     {3, 3, 3, 4}, {.strides = {2}, .padding = "same"}),
    weight_grad_case("conv2d_weight_gradient_groups_dilated", {2, 6, 6, 4}, {2, 2, 5, 6},
                     {3, 2, 2, 6}, {.dilation = {2, 1}, .groups = 2}),
    input_grad_case("conv2d_input_gradient_groups_strided", {2, 6, 5, 4}, {3, 3, 2, 4},
                    {2, 2, 2, 4}, {.strides = {2}, .groups = 2}),
    input_grad_case("conv1d_input_gradient_causal", {2, 7, 2}, {3, 2, 3}, {2, 7, 3},
                    {.padding = "causal"}),
});

}  // namespace
}  // namespace optable
