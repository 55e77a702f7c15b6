// VJPs of the elementwise ops, written with ops so that they run on every backend and can be
// differentiated again. Binary ops sum their gradients back over broadcast axes. At
// non-differentiable points they follow PyTorch: relu'(0) = 0, |x|'(0) = 0, and maximum/minimum
// split the gradient evenly between tied operands.
#include "ops/elementwise_vjp.hpp"

#include <cmath>
#include <numbers>

#include "nabla/ops/elementwise.hpp"
#include "ops/vjp_util.hpp"

namespace nabla::elementwise_vjp {
namespace {

const Tensor& x(const VjpContext& c) { return c.inputs[0]; }
const Tensor& y(const VjpContext& c) { return c.outputs[0]; }
const Tensor& g(const VjpContext& c) { return c.grad_outputs[0]; }

/// {d/da, d/db}, each summed back to its input's shape and computed only when needed.
template <class Fa, class Fb>
std::vector<Tensor> binary_grads(const VjpContext& c, Fa grad_a, Fb grad_b) {
  std::vector<Tensor> out(2);
  if (c.needs(0)) out[0] = sum_to_shape(grad_a(), c.input_specs[0].shape);
  if (c.needs(1)) out[1] = sum_to_shape(grad_b(), c.input_specs[1].shape);
  return out;
}

/// Gradient share of `a` in maximum/minimum: 1 where it wins, 1/2 where tied, else 0.
Tensor winner_share(const Tensor& wins, const Tensor& ties, const Tensor& grad) {
  return where(wins, grad, where(ties, grad * 0.5, 0.0));
}

}  // namespace

std::vector<Tensor> neg(const VjpContext& c) { return {-g(c)}; }
std::vector<Tensor> abs(const VjpContext& c) { return {g(c) * nabla::sign(x(c))}; }
std::vector<Tensor> sign(const VjpContext& c) { return {zeros_for_input(c, 0)}; }
std::vector<Tensor> relu(const VjpContext& c) { return {relu_grad(g(c), y(c))}; }
std::vector<Tensor> square(const VjpContext& c) { return {g(c) * (x(c) * 2.0)}; }
std::vector<Tensor> exp(const VjpContext& c) { return {g(c) * y(c)}; }
std::vector<Tensor> log(const VjpContext& c) { return {g(c) / x(c)}; }
std::vector<Tensor> sqrt(const VjpContext& c) { return {g(c) / (y(c) * 2.0)}; }
std::vector<Tensor> sin(const VjpContext& c) { return {g(c) * nabla::cos(x(c))}; }
std::vector<Tensor> cos(const VjpContext& c) { return {-(g(c) * nabla::sin(x(c)))}; }
std::vector<Tensor> tanh(const VjpContext& c) { return {g(c) * (1.0 - nabla::square(y(c)))}; }
std::vector<Tensor> sigmoid(const VjpContext& c) { return {g(c) * (y(c) * (1.0 - y(c)))}; }
std::vector<Tensor> erf(const VjpContext& c) {  // d/dx erf(x) = 2/sqrt(pi) exp(-x^2)
  return {g(c) * (nabla::exp(-nabla::square(x(c))) * (2.0 / std::sqrt(std::numbers::pi)))};
}
std::vector<Tensor> log1p(const VjpContext& c) { return {g(c) / (x(c) + 1.0)}; }
std::vector<Tensor> expm1(const VjpContext& c) { return {g(c) * (y(c) + 1.0)}; }
std::vector<Tensor> logical_not(const VjpContext&) { return {}; }

std::vector<Tensor> add(const VjpContext& c) {
  return binary_grads(
      c, [&] { return g(c); }, [&] { return g(c); });
}
std::vector<Tensor> sub(const VjpContext& c) {
  return binary_grads(
      c, [&] { return g(c); }, [&] { return -g(c); });
}
std::vector<Tensor> mul(const VjpContext& c) {
  const Tensor &a = c.inputs[0], &b = c.inputs[1];
  return binary_grads(
      c, [&] { return g(c) * b; }, [&] { return g(c) * a; });
}
std::vector<Tensor> div(const VjpContext& c) {
  const Tensor &a = c.inputs[0], &b = c.inputs[1];
  return binary_grads(
      c, [&] { return g(c) / b; }, [&] { return -(g(c) * a) / (b * b); });
}
std::vector<Tensor> pow(const VjpContext& c) {
  const Tensor &a = c.inputs[0], &b = c.inputs[1];
  // PyTorch's conventions: d/da is 0 where b == 0 (even at a == 0); d/db is 0 where a == 0 and
  // b >= 0 (the limit of a^b log a), and NaN for negative a.
  return binary_grads(
      c, [&] { return where(b == 0.0, 0.0, g(c) * (b * nabla::pow(a, b - 1.0))); },
      [&] { return where((a == 0.0) && (b >= 0.0), 0.0, g(c) * (y(c) * nabla::log(a))); });
}
std::vector<Tensor> maximum(const VjpContext& c) {
  const Tensor &a = c.inputs[0], &b = c.inputs[1];
  const Tensor ties = a == b;
  return binary_grads(
      c, [&] { return winner_share(a > b, ties, g(c)); },
      [&] { return winner_share(b > a, ties, g(c)); });
}
std::vector<Tensor> minimum(const VjpContext& c) {
  const Tensor &a = c.inputs[0], &b = c.inputs[1];
  const Tensor ties = a == b;
  return binary_grads(
      c, [&] { return winner_share(a < b, ties, g(c)); },
      [&] { return winner_share(b < a, ties, g(c)); });
}

// relu_grad is linear in g and piecewise constant in y.
std::vector<Tensor> relu_grad(const VjpContext& c) {
  return binary_grads(
      c, [&] { return nabla::relu_grad(g(c), c.inputs[1]); },
      [&] { return zeros_for_input(c, 1); });
}

// Bool results: never differentiated (record_gradient skips ops without floating outputs).
#define NABLA_NO_GRADIENT(name) \
  std::vector<Tensor> name(const VjpContext&) { return {}; }
NABLA_NO_GRADIENT(equal)
NABLA_NO_GRADIENT(not_equal)
NABLA_NO_GRADIENT(less)
NABLA_NO_GRADIENT(less_equal)
NABLA_NO_GRADIENT(greater)
NABLA_NO_GRADIENT(greater_equal)
NABLA_NO_GRADIENT(logical_and)
NABLA_NO_GRADIENT(logical_or)
#undef NABLA_NO_GRADIENT

}  // namespace nabla::elementwise_vjp
