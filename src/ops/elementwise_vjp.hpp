// Gradient rules of the elementwise family (elementwise_ops.def), one function per op, and which
// forward tensors each needs saved. Non-differentiable ops (bool results) never record a node;
// their rules exist so that the X-macro can name one for every op.
#pragma once

#include "ops/op.hpp"

namespace nabla::elementwise_vjp {

#define NABLA_UNARY_OP(name, Functor, Accepts) std::vector<Tensor> name(const VjpContext& ctx);
#define NABLA_BINARY_OP(name, Functor, Accepts, Result) \
  std::vector<Tensor> name(const VjpContext& ctx);
#include "backend/elementwise_ops.def"

/// What each rule reads: inputs (x), the output (y = f(x), cheaper to reuse than recompute), or
/// nothing beyond the incoming gradient.
namespace saves {
inline constexpr Saves neg = Saves::Nothing, abs = Saves::Inputs, sign = Saves::Nothing,
                       relu = Saves::Outputs, square = Saves::Inputs, exp = Saves::Outputs,
                       log = Saves::Inputs, sqrt = Saves::Outputs, sin = Saves::Inputs,
                       cos = Saves::Inputs, tanh = Saves::Outputs, sigmoid = Saves::Outputs,
                       erf = Saves::Inputs, log1p = Saves::Inputs, expm1 = Saves::Outputs,
                       logical_not = Saves::Nothing;
inline constexpr Saves add = Saves::Nothing, sub = Saves::Nothing, mul = Saves::Inputs,
                       div = Saves::Inputs, pow = Saves::Both, maximum = Saves::Inputs,
                       minimum = Saves::Inputs, relu_grad = Saves::Inputs, equal = Saves::Nothing,
                       not_equal = Saves::Nothing, less = Saves::Nothing,
                       less_equal = Saves::Nothing, greater = Saves::Nothing,
                       greater_equal = Saves::Nothing, logical_and = Saves::Nothing,
                       logical_or = Saves::Nothing;
}  // namespace saves

}  // namespace nabla::elementwise_vjp
