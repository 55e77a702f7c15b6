// Convolutions with operands in blocked layouts (Note [Convolution layouts] in
// src/graph/passes/convolution_layouts.cpp): the two ops the layout pass writes into a graph.
//   relayout(t) {from, to, shape}   t's elements, laid out by `from`, laid out by `to`; a
//                                   value in a blocked layout is a 1-D tensor of its elements
//   conv_with_layouts(operands) {of, x_shape, w_shape, y_shape, layout0.., the op's attrs}
//                                   the convolution core op `of` with operand k (inputs, then
//                                   the output) in BlockedLayout `layout<k>` (an empty list:
//                                   nabla's own layout, the shape it has in `of`)
// Both are differentiable (relayout is a permutation; conv_with_layouts is `of` between
// relayouts), so a graph the pass rewrote still differentiates from eager code.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backend/blocked_layout.hpp"
#include "ops/op.hpp"

namespace nabla {

extern const OpDef relayout_op;
extern const OpDef conv_with_layouts_op;

/// The attrs of relayout: from `from` to `to`, giving a tensor of shape `shape`.
[[nodiscard]] Attrs relayout_attrs(const BlockedLayout& from, const BlockedLayout& to,
                                   const Shape& shape);
/// relayout(t) with those attrs.
[[nodiscard]] Tensor relayout(const Tensor& t, const BlockedLayout& from, const BlockedLayout& to,
                              const Shape& shape);

/// The attrs of conv_with_layouts running the core op `of` (whose attrs are `attrs`) on x, w and
/// y of these shapes, operand k (inputs, then the output) in layouts[k] (nothing: nabla's own).
[[nodiscard]] Attrs conv_with_layouts_attrs(
    std::string_view of, Attrs attrs, const Shape& x, const Shape& w, const Shape& y,
    const std::vector<std::optional<BlockedLayout>>& layouts);
/// conv_with_layouts(operands) with those attrs.
[[nodiscard]] Tensor conv_with_layouts(const std::vector<Tensor>& operands, const Attrs& attrs);

}  // namespace nabla
