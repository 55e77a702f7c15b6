// The convolution core ops: forward, input-gradient and weight-gradient, each the others' VJP.
//
// Note [Convolution core ops]
// A convolution y = conv(x, w) is linear in x and in w. Its input-gradient
// conv_input_grad(g, w) = (d y / d x)^T g is the transposed convolution, and its weight-gradient
// conv_weight_grad(x, g) = (d y / d w)^T g. For <u, v> the sum of products,
//   <conv(x, w), g> = <x, conv_input_grad(g, w)> = <w, conv_weight_grad(x, g)>,
// so differentiating any of the three gives the other two: no fourth op is ever needed, and
// gradients of gradients (to any order) stay within these three ops. All three take channels-last
// data and explicit pads; channels-first and the padding names are resolved by the public
// functions (convolution_api.cpp).
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduction.hpp"
#include "ops/convolution_internal.hpp"
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"

namespace nabla {
namespace {

void check_operands(const OpDef& op, std::span<const Tensor> in) {
  for (size_t i = 0; i < in.size(); ++i) {
    NABLA_CHECK(in[i].dtype() == in[0].dtype(), DTypeError, op.name,
                ": operands must share a dtype, got ", in[0].dtype(), " and ", in[i].dtype());
    NABLA_CHECK(in[i].ndim() == in[0].ndim() || i == 2, ShapeError, op.name,  // 2: the bias
                ": operands must have the same rank, got ", in[0].shape(), " and ", in[i].shape());
  }
  NABLA_CHECK(is_floating(in[0].dtype()), DTypeError, op.name,
              ": expected float32 or float64 operands, got ", in[0].dtype());
  NABLA_CHECK(in[0].ndim() >= 3 && in[0].ndim() <= 5, ShapeError, op.name,
              ": expected operands with 1 to 3 spatial dims, got ", in[0].shape());
}

/// The spatial dims of a channels-last tensor [N, *spatial, C].
std::vector<int64_t> spatial_of(const Shape& s) { return {s.begin() + 1, s.end() - 1}; }
/// The spatial dims of a kernel [*k, C_in / G, C_out].
std::vector<int64_t> kernel_spatial_of(const Shape& s) { return {s.begin(), s.end() - 2}; }

/// x [N, *in, C_in], w [*k, C_in / G, C_out] [, b [C_out]] -> [N, *out, C_out].
std::vector<TensorSpec> conv_infer(const OpDef& op, std::span<const Tensor> in,
                                   const Attrs& attrs) {
  NABLA_CHECK(in.size() == 2 || in.size() == 3, ValueError, op.name,
              ": expected x, kernel and an optional bias, got ", in.size(), " inputs");
  check_operands(op, in);
  const Shape y =
      conv_output_shape(op.name, in[0].shape(), in[1].shape(), ConvParams::from_attrs(attrs));
  if (in.size() == 3) {
    NABLA_CHECK(in[2].shape() == Shape{y[-1]}, ShapeError, op.name, ": the bias must be [", y[-1],
                "] for the kernel ", in[1].shape(), ", got ", in[2].shape());
  }
  return single(y, in[0].dtype());
}

/// g [N, *out, C_out], w [*k, C_in / G, C_out]; attr input_spatial -> [N, *in, C_in].
std::vector<TensorSpec> conv_input_grad_infer(const OpDef& op, std::span<const Tensor> in,
                                              const Attrs& attrs) {
  check_operands(op, in);
  const ConvParams params = ConvParams::from_attrs(attrs);
  const Tensor &g = in[0], &w = in[1];
  std::vector<int64_t> x{g.size(0)};
  for (int64_t d : attrs.get<std::vector<int64_t>>("input_spatial")) x.push_back(d);
  x.push_back(w.size(-2) * params.groups);
  const Shape y = conv_output_shape(op.name, Shape(x), w.shape(), params);
  NABLA_CHECK(y == g.shape(), ShapeError, op.name, ": the output gradient has shape ", g.shape(),
              " but the convolution of an input ", Shape(x), " by the kernel ", w.shape(),
              " gives ", y);
  return single(Shape(std::move(x)), g.dtype());
}

/// x [N, *in, C_in], g [N, *out, C_out]; attr kernel_spatial -> [*k, C_in / G, C_out].
std::vector<TensorSpec> conv_weight_grad_infer(const OpDef& op, std::span<const Tensor> in,
                                               const Attrs& attrs) {
  check_operands(op, in);
  const ConvParams params = ConvParams::from_attrs(attrs);
  const Tensor &x = in[0], &g = in[1];
  std::vector<int64_t> w = attrs.get<std::vector<int64_t>>("kernel_spatial");
  w.push_back(params.groups >= 1 ? x.size(-1) / params.groups : 0);
  w.push_back(g.size(-1));
  const Shape y = conv_output_shape(op.name, x.shape(), Shape(w), params);
  NABLA_CHECK(y == g.shape(), ShapeError, op.name, ": the output gradient has shape ", g.shape(),
              " but the convolution of ", x.shape(), " by a kernel ", Shape(w), " gives ", y);
  return single(Shape(std::move(w)), x.dtype());
}

/// The gradients of conv(x, w[, b]) for the output gradient g.
std::vector<Tensor> conv_grads(const VjpContext& ctx, const Tensor& g) {
  const ConvParams params = ConvParams::from_attrs(ctx.attrs);
  const Tensor &x = ctx.inputs[0], &w = ctx.inputs[1];
  std::vector<Tensor> out(ctx.input_specs.size());
  if (ctx.needs(0)) out[0] = conv_input_grad_core(g, w, spatial_of(x.shape()), params);
  if (ctx.needs(1)) out[1] = conv_weight_grad_core(x, g, kernel_spatial_of(w.shape()), params);
  if (out.size() == 3 && ctx.needs(2)) {
    std::vector<int64_t> axes(static_cast<size_t>(g.ndim() - 1));
    for (size_t d = 0; d < axes.size(); ++d) axes[d] = static_cast<int64_t>(d);
    out[2] = sum(g, axes);
  }
  return out;
}

std::vector<Tensor> conv_vjp(const VjpContext& ctx) { return conv_grads(ctx, ctx.grad_outputs[0]); }

/// y = relu(conv(x, w[, b])): the convolution's gradients for relu's backward step of g.
std::vector<Tensor> conv_relu_vjp(const VjpContext& ctx) {
  return conv_grads(ctx, relu_grad(ctx.grad_outputs[0], ctx.outputs[0]));
}

/// y = conv_input_grad(g, w), linear in each: dg = conv(gy, w), dw = conv_weight_grad(gy, g).
std::vector<Tensor> conv_input_grad_vjp(const VjpContext& ctx) {
  const ConvParams params = ConvParams::from_attrs(ctx.attrs);
  const Tensor &g = ctx.inputs[0], &w = ctx.inputs[1], &gy = ctx.grad_outputs[0];
  std::vector<Tensor> out(2);
  if (ctx.needs(0)) out[0] = conv_core(gy, w, Tensor(), params);
  if (ctx.needs(1)) out[1] = conv_weight_grad_core(gy, g, kernel_spatial_of(w.shape()), params);
  return out;
}

/// y = conv_weight_grad(x, g): dx = conv_input_grad(g, gy), dg = conv(x, gy).
std::vector<Tensor> conv_weight_grad_vjp(const VjpContext& ctx) {
  const ConvParams params = ConvParams::from_attrs(ctx.attrs);
  const Tensor &x = ctx.inputs[0], &g = ctx.inputs[1], &gy = ctx.grad_outputs[0];
  std::vector<Tensor> out(2);
  if (ctx.needs(0)) out[0] = conv_input_grad_core(g, gy, spatial_of(x.shape()), params);
  if (ctx.needs(1)) out[1] = conv_core(x, gy, Tensor(), params);
  return out;
}

}  // namespace

NABLA_DEFINE_OP(conv_op, .name = "conv", .infer = &conv_infer, .vjp = &conv_vjp,
                .saves = Saves::Inputs);
// relu fused into the forward pass (the activation applied while the output is in cache); the
// same shape rule, kernel family and gradients as conv, after relu's backward step.
NABLA_DEFINE_OP(conv_relu_op, .name = "conv_relu", .infer = &conv_infer, .vjp = &conv_relu_vjp,
                .saves = Saves::Both);
NABLA_DEFINE_OP(conv_input_grad_op, .name = "conv_input_grad", .infer = &conv_input_grad_infer,
                .vjp = &conv_input_grad_vjp, .saves = Saves::Inputs);
NABLA_DEFINE_OP(conv_weight_grad_op, .name = "conv_weight_grad", .infer = &conv_weight_grad_infer,
                .vjp = &conv_weight_grad_vjp, .saves = Saves::Inputs);

Tensor conv_core(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& params,
                 bool relu) {
  const OpDef& op = relu ? conv_relu_op : conv_op;
  if (b.defined()) return dispatch1(op, {x, w, b}, params.to_attrs());
  return dispatch1(op, {x, w}, params.to_attrs());
}

Tensor conv_input_grad_core(const Tensor& g, const Tensor& w,
                            const std::vector<int64_t>& input_spatial, const ConvParams& params) {
  return dispatch1(conv_input_grad_op, {g, w},
                   params.to_attrs().set("input_spatial", input_spatial));
}

Tensor conv_weight_grad_core(const Tensor& x, const Tensor& g,
                             const std::vector<int64_t>& kernel_spatial, const ConvParams& params) {
  return dispatch1(conv_weight_grad_op, {x, g},
                   params.to_attrs().set("kernel_spatial", kernel_spatial));
}

}  // namespace nabla
