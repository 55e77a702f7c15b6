// JAX-style function transforms: grad(f) and value_and_grad(f) for a C++ callable from a tensor
// to a one-element tensor. They compose: grad(g) where g calls grad(f) gives second derivatives.
#pragma once

#include <functional>
#include <utility>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

namespace detail {
/// {f(x), df/dx}. When x is part of a graph being recorded (a grad transform outside this one),
/// the gradient is recorded too, so the outer transform can differentiate it.
std::pair<Tensor, Tensor> value_and_grad_at(const std::function<Tensor(const Tensor&)>& f,
                                            const Tensor& x);
}  // namespace detail

/// The gradient function of f: grad(f)(x) = df/dx, of x's shape (zeros where f ignores x).
template <class F>
[[nodiscard]] auto grad(F f) {
  return [f = std::move(f)](const Tensor& x) -> Tensor {
    return detail::value_and_grad_at(std::function<Tensor(const Tensor&)>(f), x).second;
  };
}

/// value_and_grad(f)(x) = {f(x), df/dx}, from one forward and one backward pass.
template <class F>
[[nodiscard]] auto value_and_grad(F f) {
  return [f = std::move(f)](const Tensor& x) -> std::pair<Tensor, Tensor> {
    return detail::value_and_grad_at(std::function<Tensor(const Tensor&)>(f), x);
  };
}

}  // namespace nabla
