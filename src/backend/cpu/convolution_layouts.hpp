// The operands of a convolution kernel as BlockedLayouts (blocked_layout.hpp) over oneDNN's
// logical dims, so that a value may be handed to a convolution in the blocked layout its
// primitive prefers (Note [Convolution layouts] in src/graph/passes/convolution_layouts.cpp).
// nabla's own layouts are plain: x [N, C_in, *in] and y [N, C_out, *out] channels-last, the
// kernel [C_out, C_in, *k] (groups: [G, C_out / G, C_in / G, *k]) stored as Keras's
// [*k, C_in / G, C_out].
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "backend/blocked_layout.hpp"
#include "backend/cpu/convolution_im2col.hpp"

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

}  // namespace nabla::cpu
