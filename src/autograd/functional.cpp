// grad(f) / value_and_grad(f) and GradientTape, both thin layers over autograd::grad.
#include "nabla/autograd/functional.hpp"

#include "autograd/node.hpp"
#include "nabla/autograd/autograd.hpp"
#include "nabla/autograd/gradient_tape.hpp"
#include "nabla/ops/creation.hpp"

namespace nabla {

std::pair<Tensor, Tensor> detail::value_and_grad_at(const std::function<Tensor(const Tensor&)>& f,
                                                    const Tensor& x) {
  NABLA_CHECK(x.defined(), ValueError, "grad: undefined argument");
  NABLA_CHECK(is_floating(x.dtype()), DTypeError, "grad: the argument must be floating, got ",
              x.dtype());
  autograd::install_hooks();
  // Nested inside another transform (x is being recorded): differentiate through x itself and
  // record the backward pass, so that the outer transform sees how the gradient depends on x.
  const bool nested = x.requires_grad() && is_grad_enabled();
  EnableGradGuard enable;
  Tensor v = nested ? x : x.detach().requires_grad_();
  Tensor y = f(v);
  NABLA_CHECK(y.defined() && y.numel() == 1, ValueError,
              "grad: f must return a tensor with one element, got shape ",
              y.defined() ? y.shape() : Shape{});
  NABLA_CHECK(is_floating(y.dtype()), DTypeError, "grad: f must return a floating tensor, got ",
              y.dtype());
  Tensor g;
  if (y.requires_grad()) {
    g = autograd::grad({y}, {v}, {}, {.retain_graph = nested, .create_graph = nested})[0];
  }
  if (!g.defined()) g = zeros_like(x);
  return {nested ? y : y.detach(), g};
}

GradientTape::~GradientTape() {
  for (const Tensor& t : switched_on_) t.impl().requires_grad = false;
}

void GradientTape::watch(const Tensor& x) {
  NABLA_CHECK(x.defined(), ValueError, "GradientTape.watch: undefined tensor");
  NABLA_CHECK(is_floating(x.dtype()), DTypeError,
              "GradientTape.watch: only floating tensors can be watched, got ", x.dtype());
  autograd::install_hooks();
  if (x.requires_grad()) return;
  x.impl().requires_grad = true;
  switched_on_.push_back(x);
}

std::vector<Tensor> GradientTape::gradient(const Tensor& target, const std::vector<Tensor>& sources,
                                           const Tensor& output_gradients) {
  NABLA_CHECK(persistent_ || !used_, ValueError,
              "GradientTape.gradient can only be called once on a non-persistent tape; "
              "construct GradientTape(true) to call it several times");
  used_ = true;
  NABLA_CHECK(target.defined(), ValueError, "GradientTape.gradient: undefined target");
  if (!target.requires_grad()) return std::vector<Tensor>(sources.size());
  const Tensor seed = output_gradients.defined() ? output_gradients : ones_like(target);
  return autograd::grad({target}, sources, {seed}, {.retain_graph = persistent_});
}

}  // namespace nabla
