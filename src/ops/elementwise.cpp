// The elementwise ops: core definitions generated from elementwise_ops.def (same-dtype inputs,
// broadcast shapes), plus cast and where; and the public functions, which apply NumPy's type
// promotion before calling the core op so the kernels only ever see one dtype.
#include "nabla/ops/elementwise.hpp"

#include "backend/scalar_functors.hpp"
#include "nabla/ops/creation.hpp"
#include "ops/dispatch.hpp"
#include "ops/elementwise_vjp.hpp"
#include "ops/infer_util.hpp"
#include "ops/vjp_util.hpp"

namespace nabla {
namespace {

using scalar::Accepts;
using scalar::ComplexResult;
using scalar::Result;

std::string_view accepts_name(Accepts a) {
  switch (a) {
    case Accepts::All:
      return "any dtype";
    case Accepts::Numeric:
      return "a numeric (non-bool) dtype";
    case Accepts::Floating:
      return "a floating dtype";
    case Accepts::Boolean:
      return "bool";
  }
  return "";
}

template <Accepts A, ComplexResult C>
std::vector<TensorSpec> unary_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  NABLA_CHECK(scalar::accepts(A, in[0].dtype()), DTypeError, op.name, ": expected ",
              accepts_name(A), ", got ", in[0].dtype());
  return single(in[0].shape(), C == ComplexResult::Real ? real_of(in[0].dtype()) : in[0].dtype());
}

template <Accepts A, Result R>
std::vector<TensorSpec> binary_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  NABLA_CHECK(in[0].dtype() == in[1].dtype(), DTypeError, op.name,
              ": operands must share a dtype, got ", in[0].dtype(), " and ", in[1].dtype());
  NABLA_CHECK(scalar::accepts(A, in[0].dtype()), DTypeError, op.name, ": expected ",
              accepts_name(A), ", got ", in[0].dtype());
  return single(broadcast_shapes(in[0].shape(), in[1].shape(), op.name),
                R == Result::Bool ? DType::Bool : in[0].dtype());
}

std::vector<TensorSpec> cast_infer(const OpDef& op, std::span<const Tensor> in,
                                   const Attrs& attrs) {
  const DType to = attrs.get<DType>("dtype");
  // NumPy drops the imaginary part with a ComplexWarning; nabla asks for the intent instead.
  NABLA_CHECK(!is_complex(in[0].dtype()) || is_complex(to), DTypeError, op.name,
              ": cannot convert ", in[0].dtype(), " to ", to,
              " (that would discard the imaginary part); use real(x), imag(x) or abs(x)");
  return single(in[0].shape(), to);
}

std::vector<TensorSpec> where_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  NABLA_CHECK(in[0].dtype() == DType::Bool, DTypeError, op.name, ": condition must be bool, got ",
              in[0].dtype());
  NABLA_CHECK(in[1].dtype() == in[2].dtype(), DTypeError, op.name,
              ": x and y must share a dtype, got ", in[1].dtype(), " and ", in[2].dtype());
  Shape shape = broadcast_shapes(in[0].shape(), in[1].shape(), op.name);
  return single(broadcast_shapes(shape, in[2].shape(), op.name), in[1].dtype());
}

/// A cast's gradient is the gradient cast back (none flows into integer inputs).
std::vector<Tensor> cast_vjp(const VjpContext& ctx) {
  if (!is_floating(ctx.input_specs[0].dtype)) return {};
  return {astype(ctx.grad_outputs[0], ctx.input_specs[0].dtype)};
}

/// The gradient goes to x where the condition holds and to y elsewhere.
std::vector<Tensor> where_vjp(const VjpContext& ctx) {
  const Tensor &cond = ctx.inputs[0], &g = ctx.grad_outputs[0];
  std::vector<Tensor> out(3);
  if (ctx.needs(1)) out[1] = sum_to_shape(where(cond, g, 0.0), ctx.input_specs[1].shape);
  if (ctx.needs(2)) out[2] = sum_to_shape(where(cond, 0.0, g), ctx.input_specs[2].shape);
  return out;
}

}  // namespace

#define NABLA_UNARY_OP(op_name, Functor, A)                                                   \
  NABLA_DEFINE_OP(op_name##_op, .name = #op_name,                                             \
                  .infer = &unary_infer<Accepts::A, scalar::complex_result(#op_name)>,        \
                  .vjp = &elementwise_vjp::op_name, .saves = elementwise_vjp::saves::op_name, \
                  .complex = scalar::complex_result(#op_name) != ComplexResult::None);
#define NABLA_BINARY_OP(op_name, Functor, A, R)                                                  \
  NABLA_DEFINE_OP(op_name##_op, .name = #op_name, .infer = &binary_infer<Accepts::A, Result::R>, \
                  .vjp = &elementwise_vjp::op_name, .saves = elementwise_vjp::saves::op_name,    \
                  .complex = scalar::complex_result(#op_name) != ComplexResult::None);
#include "backend/elementwise_ops.def"
NABLA_DEFINE_OP(cast_op, .name = "cast", .infer = &cast_infer, .vjp = &cast_vjp,
                .saves = Saves::Nothing, .complex = true);
NABLA_DEFINE_OP(where_op, .name = "where", .infer = &where_infer, .vjp = &where_vjp,
                .saves = Saves::Inputs, .complex = true);

// ---- public API: promotion, then the core op ----

Tensor astype(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  return dispatch1(cast_op, {x}, Attrs{{"dtype", dtype}});
}

Tensor scalar_tensor(Scalar value, DType dtype, Device device) {
  return full(Shape{}, value, dtype, device);
}

namespace {

/// Converts a unary op's input to the dtype family its core op accepts.
Tensor unary_input(const Tensor& x, Accepts accepts, std::string_view op) {
  switch (accepts) {
    case Accepts::Floating:
      return astype(x, float_type_for(x.dtype()));
    case Accepts::Boolean:
      return astype(x, DType::Bool);
    case Accepts::Numeric:
      NABLA_CHECK(x.dtype() != DType::Bool, DTypeError, op,
                  ": not supported for bool tensors (convert with astype first)");
      return x;
    case Accepts::All:
      return x;
  }
  return x;
}

/// The common dtype both operands of a binary op are converted to.
DType binary_dtype(DType a, DType b, Accepts accepts, std::string_view op) {
  const DType common = promote_types(a, b);
  switch (accepts) {
    case Accepts::Floating:  // NumPy's true_divide: bool and ints (even bool / bool) -> float64
      return is_floating(common) || is_complex(common) ? common : DType::Float64;
    case Accepts::Boolean:
      return DType::Bool;
    case Accepts::Numeric:
      NABLA_CHECK(common != DType::Bool, DTypeError, op,
                  ": not supported for bool tensors (convert with astype first)");
      return common;
    case Accepts::All:
      return common;
  }
  return common;
}

Tensor binary(const OpDef& op, Accepts accepts, const Tensor& a, const Tensor& b) {
  NABLA_CHECK(a.defined() && b.defined(), ValueError, op.name, ": undefined operand");
  const DType dtype = binary_dtype(a.dtype(), b.dtype(), accepts, op.name);
  return dispatch1(op, {astype(a, dtype), astype(b, dtype)});
}

/// A weak scalar operand: takes the tensor's dtype unless it is of a higher kind (NEP 50).
Tensor weak_scalar(Scalar s, const Tensor& like) {
  return scalar_tensor(s, s.promote_with(like.dtype()), like.device());
}

}  // namespace

#define NABLA_UNARY_OP(name, Functor, A) \
  Tensor name(const Tensor& x) { return dispatch1(name##_op, {unary_input(x, Accepts::A, #name)}); }
#define NABLA_BINARY_OP(name, Functor, A, R) \
  Tensor name(const Tensor& a, const Tensor& b) { return binary(name##_op, Accepts::A, a, b); }
#include "backend/elementwise_ops.def"

Tensor pow(const Tensor& a, Scalar exponent) { return pow(a, weak_scalar(exponent, a)); }

Tensor where(const Tensor& cond, const Tensor& x, const Tensor& y) {
  const DType dtype = promote_types(x.dtype(), y.dtype());
  return dispatch1(where_op, {astype(cond, DType::Bool), astype(x, dtype), astype(y, dtype)});
}
Tensor where(const Tensor& cond, const Tensor& x, Scalar y) {
  return where(cond, x, weak_scalar(y, x));
}
Tensor where(const Tensor& cond, Scalar x, const Tensor& y) {
  return where(cond, weak_scalar(x, y), y);
}

Tensor clip(const Tensor& x, Scalar low, Scalar high) {
  return minimum(maximum(x, weak_scalar(low, x)), weak_scalar(high, x));
}

#define NABLA_DEFINE_BINARY_OPERATOR(symbol, function)                                         \
  Tensor operator symbol(const Tensor& a, const Tensor& b) { return function(a, b); }          \
  Tensor operator symbol(const Tensor& a, Scalar b) { return function(a, weak_scalar(b, a)); } \
  Tensor operator symbol(Scalar a, const Tensor& b) { return function(weak_scalar(a, b), b); }
NABLA_DEFINE_BINARY_OPERATOR(+, add)
NABLA_DEFINE_BINARY_OPERATOR(-, sub)
NABLA_DEFINE_BINARY_OPERATOR(*, mul)
NABLA_DEFINE_BINARY_OPERATOR(/, div)
NABLA_DEFINE_BINARY_OPERATOR(==, equal)
NABLA_DEFINE_BINARY_OPERATOR(!=, not_equal)
NABLA_DEFINE_BINARY_OPERATOR(<, less)
NABLA_DEFINE_BINARY_OPERATOR(<=, less_equal)
NABLA_DEFINE_BINARY_OPERATOR(>, greater)
NABLA_DEFINE_BINARY_OPERATOR(>=, greater_equal)
NABLA_DEFINE_BINARY_OPERATOR(&&, logical_and)
NABLA_DEFINE_BINARY_OPERATOR(||, logical_or)
#undef NABLA_DEFINE_BINARY_OPERATOR

Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator!(const Tensor& x) { return logical_not(x); }

}  // namespace nabla
