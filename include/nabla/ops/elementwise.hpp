// Elementwise math with NumPy broadcasting and type promotion, and the operators NumPy has.
// Scalars are weak (NEP 50): float32 tensor * 2.0 stays float32; int32 tensor * 0.5 is float64.
#pragma once

#include "nabla/tensor/tensor.hpp"

namespace nabla {

// Unary. exp..sigmoid compute in float (ints -> float64, bool -> float32).
[[nodiscard]] Tensor neg(const Tensor& x);
[[nodiscard]] Tensor exp(const Tensor& x);
[[nodiscard]] Tensor log(const Tensor& x);
[[nodiscard]] Tensor sqrt(const Tensor& x);
[[nodiscard]] Tensor sin(const Tensor& x);
[[nodiscard]] Tensor cos(const Tensor& x);
[[nodiscard]] Tensor tanh(const Tensor& x);
[[nodiscard]] Tensor sigmoid(const Tensor& x);
[[nodiscard]] Tensor erf(const Tensor& x);    // Gauss error function
[[nodiscard]] Tensor log1p(const Tensor& x);  // log(1 + x), accurate near 0
[[nodiscard]] Tensor expm1(const Tensor& x);  // exp(x) - 1, accurate near 0
[[nodiscard]] Tensor abs(const Tensor& x);
[[nodiscard]] Tensor sign(const Tensor& x);
[[nodiscard]] Tensor relu(const Tensor& x);
[[nodiscard]] Tensor square(const Tensor& x);
[[nodiscard]] Tensor logical_not(const Tensor& x);

// Binary, broadcasting. div is true division (ints -> float64).
[[nodiscard]] Tensor add(const Tensor& a, const Tensor& b);
[[nodiscard]] Tensor sub(const Tensor& a, const Tensor& b);
[[nodiscard]] Tensor mul(const Tensor& a, const Tensor& b);
[[nodiscard]] Tensor div(const Tensor& a, const Tensor& b);
[[nodiscard]] Tensor pow(const Tensor& a, const Tensor& b);
[[nodiscard]] Tensor pow(const Tensor& a, Scalar exponent);
[[nodiscard]] Tensor maximum(const Tensor& a, const Tensor& b);  // NaN-propagating
/// relu's backward step from its output y = relu(x): grad where y > 0, else 0 (one pass).
[[nodiscard]] Tensor relu_grad(const Tensor& grad, const Tensor& y);
[[nodiscard]] Tensor minimum(const Tensor& a, const Tensor& b);
[[nodiscard]] Tensor equal(const Tensor& a, const Tensor& b);
[[nodiscard]] Tensor not_equal(const Tensor& a, const Tensor& b);
[[nodiscard]] Tensor less(const Tensor& a, const Tensor& b);
[[nodiscard]] Tensor less_equal(const Tensor& a, const Tensor& b);
[[nodiscard]] Tensor greater(const Tensor& a, const Tensor& b);
[[nodiscard]] Tensor greater_equal(const Tensor& a, const Tensor& b);
[[nodiscard]] Tensor logical_and(const Tensor& a, const Tensor& b);
[[nodiscard]] Tensor logical_or(const Tensor& a, const Tensor& b);

/// Elements of x where cond is true, else of y; the three broadcast together.
[[nodiscard]] Tensor where(const Tensor& cond, const Tensor& x, const Tensor& y);
[[nodiscard]] Tensor where(const Tensor& cond, const Tensor& x, Scalar y);
[[nodiscard]] Tensor where(const Tensor& cond, Scalar x, const Tensor& y);
/// min(max(x, low), high).
[[nodiscard]] Tensor clip(const Tensor& x, Scalar low, Scalar high);
[[nodiscard]] Tensor astype(const Tensor& x, DType dtype);

/// A 0-d tensor of `value` with dtype `dtype` (for scalar operands).
[[nodiscard]] Tensor scalar_tensor(Scalar value, DType dtype, Device device = Device::cpu());

#define NABLA_DECLARE_BINARY_OPERATOR(op)                             \
  [[nodiscard]] Tensor operator op(const Tensor& a, const Tensor& b); \
  [[nodiscard]] Tensor operator op(const Tensor& a, Scalar b);        \
  [[nodiscard]] Tensor operator op(Scalar a, const Tensor& b);
NABLA_DECLARE_BINARY_OPERATOR(+)
NABLA_DECLARE_BINARY_OPERATOR(-)
NABLA_DECLARE_BINARY_OPERATOR(*)
NABLA_DECLARE_BINARY_OPERATOR(/)
NABLA_DECLARE_BINARY_OPERATOR(==)
NABLA_DECLARE_BINARY_OPERATOR(!=)
NABLA_DECLARE_BINARY_OPERATOR(<)
NABLA_DECLARE_BINARY_OPERATOR(<=)
NABLA_DECLARE_BINARY_OPERATOR(>)
NABLA_DECLARE_BINARY_OPERATOR(>=)
NABLA_DECLARE_BINARY_OPERATOR(&&)
NABLA_DECLARE_BINARY_OPERATOR(||)
#undef NABLA_DECLARE_BINARY_OPERATOR
[[nodiscard]] Tensor operator-(const Tensor& x);
[[nodiscard]] Tensor operator!(const Tensor& x);

}  // namespace nabla
