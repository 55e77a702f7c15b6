// relayout and conv_with_layouts (convolution_layout.hpp): shape rules and gradients.
#include "ops/convolution_layout.hpp"

#include "backend/cpu/convolution_layouts.hpp"
#include "ops/convolution_internal.hpp"
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"

namespace nabla {
namespace {

/// The attr naming the layout of operand k (inputs first, then the output).
std::string conv_layout_key(size_t k) { return "layout" + std::to_string(k); }

void check_floating(const OpDef& op, std::span<const Tensor> in) {
  for (const Tensor& t : in) {
    NABLA_CHECK(t.dtype() == in[0].dtype(), DTypeError, op.name,
                ": operands must share a dtype, got ", in[0].dtype(), " and ", t.dtype());
  }
  NABLA_CHECK(is_floating(in[0].dtype()), DTypeError, op.name,
              ": expected float32 or float64 operands, got ", in[0].dtype());
}

BlockedLayout layout_attr(const OpDef& op, const Attrs& attrs, std::string_view key) {
  return BlockedLayout::decode(attrs.get<std::vector<int64_t>>(key), op.name);
}

std::vector<TensorSpec> relayout_infer(const OpDef& op, std::span<const Tensor> in,
                                       const Attrs& attrs) {
  NABLA_CHECK(in.size() == 1, ValueError, op.name, ": expected one input, got ", in.size());
  check_floating(op, in);
  const BlockedLayout from = layout_attr(op, attrs, "from"), to = layout_attr(op, attrs, "to");
  NABLA_CHECK(from.dims == to.dims, ValueError, op.name,
              ": the two layouts must have the same dims, got ", Shape(from.dims), " and ",
              Shape(to.dims));
  const Shape& shape = attrs.get<Shape>("shape");
  NABLA_CHECK(in[0].numel() == from.numel() && shape.numel() == from.numel(), ShapeError, op.name,
              ": a layout of dims ", Shape(from.dims), " holds ", from.numel(),
              " elements; got an input ", in[0].shape(), " and an output shape ", shape);
  return single(shape, in[0].dtype());
}

/// A permutation: the gradient goes back the other way.
std::vector<Tensor> relayout_vjp(const VjpContext& ctx) {
  const BlockedLayout from = layout_attr(relayout_op, ctx.attrs, "from");
  const BlockedLayout to = layout_attr(relayout_op, ctx.attrs, "to");
  return {relayout(ctx.grad_outputs[0], to, from, ctx.input_specs[0].shape)};
}

/// What conv_with_layouts is: `of`'s operands in nabla's layouts and shapes, and the layout each
/// is handed over in (nothing: nabla's own).
struct LaidOutConv {
  const OpDef* of = nullptr;
  std::vector<BlockedLayout> user;  // per operand, inputs then the output
  std::vector<Shape> user_shapes;
  std::vector<std::optional<BlockedLayout>> layouts;

  [[nodiscard]] Shape shape(size_t k) const {
    return layouts[k].has_value() ? Shape{layouts[k]->numel()} : user_shapes[k];
  }
};

LaidOutConv laid_out_conv(const OpDef& op, size_t inputs, const Attrs& attrs) {
  LaidOutConv c;
  const std::string& of = attrs.get<std::string>("of");
  const std::optional<cpu::ConvKind> kind = cpu::conv_kind_of(of, inputs == 3);
  NABLA_CHECK(kind.has_value(), ValueError, op.name, ": '", of,
              "' is not a convolution core op (conv, conv_relu, conv_input_grad, "
              "conv_weight_grad)");
  const bool forward = of == "conv" || of == "conv_relu";
  NABLA_CHECK(inputs == 2 || (forward && inputs == 3), ValueError, op.name, ": ", of, " takes ",
              forward ? "2 or 3" : "2", " inputs, got ", inputs);
  c.of = OpRegistry::find(of);
  const Shape &x = attrs.get<Shape>("x_shape"), &w = attrs.get<Shape>("w_shape"),
              &y = attrs.get<Shape>("y_shape");
  const Shape got = conv_output_shape(op.name, x, w, ConvParams::from_attrs(attrs));
  NABLA_CHECK(got == y, ShapeError, op.name, ": the convolution of ", x, " by ", w, " gives ", got,
              ", not ", y);
  switch (*kind) {
    case cpu::ConvKind::InputGrad:
      c.user_shapes = {y, w, x};
      break;
    case cpu::ConvKind::WeightGrad:
      c.user_shapes = {x, y, w};
      break;
    default:
      c.user_shapes =
          inputs == 3 ? std::vector<Shape>{x, w, Shape{y[-1]}, y} : std::vector<Shape>{x, w, y};
  }
  c.user = cpu::conv_operand_layouts(*kind, cpu::make_conv_plan(x, w, y, attrs));
  for (size_t k = 0; k < c.user.size(); ++k) {
    const auto& code = attrs.get<std::vector<int64_t>>(conv_layout_key(k));
    if (code.empty()) {
      c.layouts.emplace_back();
      continue;
    }
    BlockedLayout l = BlockedLayout::decode(code, op.name);
    NABLA_CHECK(l.dims == c.user[k].dims, ValueError, op.name, ": operand ", k, " of ", of,
                " has dims ", Shape(c.user[k].dims), " in a blocked layout, got a layout of dims ",
                Shape(l.dims));
    c.layouts.emplace_back(std::move(l));
  }
  return c;
}

std::vector<TensorSpec> conv_with_layouts_infer(const OpDef& op, std::span<const Tensor> in,
                                                const Attrs& attrs) {
  NABLA_CHECK(!in.empty(), ValueError, op.name, ": expected the operands of a convolution");
  check_floating(op, in);
  const LaidOutConv c = laid_out_conv(op, in.size(), attrs);
  for (size_t k = 0; k < in.size(); ++k) {
    NABLA_CHECK(in[k].shape() == c.shape(k), ShapeError, op.name, ": operand ", k, " of ",
                c.of->name, " must be ", c.shape(k), ", got ", in[k].shape());
  }
  return single(c.shape(in.size()), in[0].dtype());
}

/// `of`'s gradients, between relayouts: the operands and the output gradient in nabla's layouts,
/// then each input's gradient in the layout that input came in.
std::vector<Tensor> conv_with_layouts_vjp(const VjpContext& ctx) {
  const size_t n = ctx.input_specs.size();
  const LaidOutConv c = laid_out_conv(conv_with_layouts_op, n, ctx.attrs);
  auto to_user = [&](const Tensor& t, size_t k) {
    return c.layouts[k].has_value() && t.defined()
               ? relayout(t, *c.layouts[k], c.user[k], c.user_shapes[k])
               : t;
  };
  std::vector<Tensor> inputs, outputs, grad_outputs{to_user(ctx.grad_outputs[0], n)};
  std::vector<TensorSpec> specs;
  for (size_t k = 0; k < n; ++k) {
    inputs.push_back(to_user(ctx.inputs[k], k));
    specs.push_back({c.user_shapes[k], ctx.input_specs[k].dtype});
  }
  outputs.push_back(to_user(ctx.outputs[0], n));
  const VjpContext plain{inputs, outputs, specs, grad_outputs, ctx.attrs, ctx.needs_input_grad};
  std::vector<Tensor> grads = c.of->vjp(plain);
  for (size_t k = 0; k < grads.size(); ++k) {
    if (grads[k].defined() && c.layouts[k].has_value())
      grads[k] = relayout(grads[k], c.user[k], *c.layouts[k], c.shape(k));
  }
  return grads;
}

}  // namespace

NABLA_DEFINE_OP(relayout_op, .name = "relayout", .infer = &relayout_infer, .vjp = &relayout_vjp,
                .saves = Saves::Nothing);
NABLA_DEFINE_OP(conv_with_layouts_op, .name = "conv_with_layouts",
                .infer = &conv_with_layouts_infer, .vjp = &conv_with_layouts_vjp,
                .saves = Saves::Both);

Attrs relayout_attrs(const BlockedLayout& from, const BlockedLayout& to, const Shape& shape) {
  return Attrs{{"from", from.encode()}, {"to", to.encode()}, {"shape", shape}};
}

Tensor relayout(const Tensor& t, const BlockedLayout& from, const BlockedLayout& to,
                const Shape& shape) {
  return dispatch1(relayout_op, {t}, relayout_attrs(from, to, shape));
}

Attrs conv_with_layouts_attrs(std::string_view of, Attrs attrs, const Shape& x, const Shape& w,
                              const Shape& y,
                              const std::vector<std::optional<BlockedLayout>>& layouts) {
  attrs.set("of", std::string(of)).set("x_shape", x).set("w_shape", w).set("y_shape", y);
  for (size_t k = 0; k < layouts.size(); ++k) {
    attrs.set(conv_layout_key(k),
              layouts[k].has_value() ? layouts[k]->encode() : std::vector<int64_t>{});
  }
  return attrs;
}

Tensor conv_with_layouts(const std::vector<Tensor>& operands, const Attrs& attrs) {
  return dispatch1(conv_with_layouts_op, operands, attrs);
}

}  // namespace nabla
