// The operands of a convolution kernel as BlockedLayouts (blocked_layout.hpp) over oneDNN's
// logical dims, so that a value may be handed to a convolution in the blocked layout its
// primitive prefers (Note [Convolution layouts] in src/graph/passes/convolution_layouts.cpp).
// nabla's own layouts are plain: x [N, C_in, *in] and y [N, C_out, *out] channels-last, the
// kernel [C_out, C_in, *k] (groups: [G, C_out / G, C_in / G, *k]) stored as Keras's
// [*k, C_in / G, C_out].
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/blocked_layout.hpp"
#include "backend/cpu/convolution_im2col.hpp"
#include "backend/kernel_table.hpp"

namespace nabla::cpu {

/// A convolution kernel's primitive. Operands come in the order of the kernel's pointers:
/// Forward (x, w, y), ForwardBias (x, w, bias, y), InputGrad (g, w, dx), WeightGrad (x, g, dw);
/// the relu forms like their plain ones.
enum class ConvKind : int64_t {
  Forward,
  ForwardBias,
  ForwardRelu,
  ForwardBiasRelu,
  InputGrad,
  WeightGrad
};

/// The primitive of a convolution core op ("conv", "conv_relu", "conv_input_grad",
/// "conv_weight_grad"; `bias`: a forward op with a bias input); nothing for another op.
inline std::optional<ConvKind> conv_kind_of(std::string_view op, bool bias) {
  if (op == "conv") return bias ? ConvKind::ForwardBias : ConvKind::Forward;
  if (op == "conv_relu") return bias ? ConvKind::ForwardBiasRelu : ConvKind::ForwardRelu;
  if (op == "conv_input_grad") return ConvKind::InputGrad;
  if (op == "conv_weight_grad") return ConvKind::WeightGrad;
  return std::nullopt;
}

/// x, w and y of p in nabla's own layouts.
struct ConvUserLayouts {
  BlockedLayout x, w, y;
};

inline ConvUserLayouts conv_user_layouts(const ConvPlan& p) {
  const auto s = static_cast<size_t>(p.spatial);
  ConvUserLayouts l;
  l.x.dims = {p.batch, p.c_in};
  l.y.dims = {p.batch, p.c_out};
  l.x.order = l.y.order = {0};
  const int64_t lead = p.groups > 1 ? 3 : 2;  // kernel dims before the spatial ones
  l.w.dims = p.groups > 1 ? std::vector<int64_t>{p.groups, p.group_out, p.group_in}
                          : std::vector<int64_t>{p.c_out, p.c_in};
  for (size_t d = 0; d < s; ++d) {
    l.x.dims.push_back(p.in[d]);
    l.y.dims.push_back(p.out[d]);
    l.w.dims.push_back(p.kernel[d]);
    l.x.order.push_back(2 + static_cast<int64_t>(d));
    l.w.order.push_back(lead + static_cast<int64_t>(d));
  }
  l.x.order.push_back(1);
  l.y.order = l.x.order;
  // Keras's [*k, C_in / G, C_out], output channel g * C_out / G + j.
  if (p.groups > 1) {
    l.w.order.insert(l.w.order.end(), {2, 0, 1});
  } else {
    l.w.order.insert(l.w.order.end(), {1, 0});
  }
  return {l.x.normalized(), l.w.normalized(), l.y.normalized()};
}

/// The layouts of (kind, p)'s operands in pointer order.
inline std::vector<BlockedLayout> conv_operand_layouts(ConvKind kind, const ConvPlan& p) {
  ConvUserLayouts l = conv_user_layouts(p);
  switch (kind) {
    case ConvKind::InputGrad:
      return {l.y, l.w, l.x};
    case ConvKind::WeightGrad:
      return {l.x, l.y, l.w};
    case ConvKind::ForwardBias:
    case ConvKind::ForwardBiasRelu:
      return {l.x, l.w, BlockedLayout::plain({p.c_out}, {0}).normalized(), l.y};
    case ConvKind::Forward:
    case ConvKind::ForwardRelu:
      break;
  }
  return {l.x, l.w, l.y};
}

/// nabla's shapes of (kind)'s operands in pointer order, for the convolution of x by w giving y.
inline std::vector<Shape> conv_operand_shapes(ConvKind kind, const Shape& x, const Shape& w,
                                              const Shape& y) {
  switch (kind) {
    case ConvKind::InputGrad:
      return {y, w, x};
    case ConvKind::WeightGrad:
      return {x, y, w};
    case ConvKind::ForwardBias:
    case ConvKind::ForwardBiasRelu:
      return {x, w, Shape{y[-1]}, y};
    case ConvKind::Forward:
    case ConvKind::ForwardRelu:
      break;
  }
  return {x, w, y};
}

/// conv_with_layouts' attributes: the core op `of` and its kind, the operands' layouts (pointer
/// order, output last) in nabla's own layouts (`user`) and as given (`given`; nullopt: nabla's),
/// and their shapes in nabla's layouts.
struct ConvWithLayouts {
  std::string of;
  ConvKind kind;
  ConvPlan plan;
  std::vector<BlockedLayout> user;
  std::vector<std::optional<BlockedLayout>> given;
  std::vector<Shape> shapes;

  static ConvWithLayouts of_call(const KernelContext& ctx) {
    const Attrs& attrs = ctx.attrs;
    const size_t n = ctx.inputs.size();
    const Shape &x = attrs.get<Shape>("x_shape"), &w = attrs.get<Shape>("w_shape"),
                &y = attrs.get<Shape>("y_shape");
    ConvWithLayouts c{attrs.get<std::string>("of"), {}, make_conv_plan(x, w, y, attrs), {}, {}, {}};
    c.kind = *conv_kind_of(c.of, n == 3);
    c.user = conv_operand_layouts(c.kind, c.plan);
    for (size_t k = 0; k <= n; ++k) {
      const auto& code = attrs.get<std::vector<int64_t>>("layout" + std::to_string(k));
      c.given.push_back(code.empty()
                            ? std::nullopt
                            : std::optional(BlockedLayout::decode(code, "conv_with_layouts")));
    }
    c.shapes = conv_operand_shapes(c.kind, x, w, y);
    return c;
  }
};

/// conv_with_layouts' generic path on any device: the operands given in blocked layouts are
/// brought into nabla's, the core op's own kernel for `device` runs, and the output is laid out
/// as asked. relayout(from, to, src, dst) copies between two layouts on that device.
template <class Relayout>
void conv_through_plain_layouts(const KernelContext& ctx, const ConvWithLayouts& c,
                                std::vector<Tensor> operands, DeviceKind device,
                                Relayout&& relayout) {
  const Tensor& out = ctx.outputs[0];
  const size_t n = operands.size();
  for (size_t k = 0; k < n; ++k) {
    if (!c.given[k].has_value()) continue;
    Tensor plain = Tensor::empty(c.shapes[k], out.dtype(), out.device());
    relayout(*c.given[k], c.user[k], operands[k], plain);
    operands[k] = plain;
  }
  std::vector<Tensor> result{
      c.given[n].has_value() ? Tensor::empty(c.shapes[n], out.dtype(), out.device()) : out};
  KernelTable::global().find(c.of, device)(KernelContext{operands, result, ctx.attrs});
  if (c.given[n].has_value()) relayout(c.user[n], *c.given[n], result[0], out);
}

}  // namespace nabla::cpu
