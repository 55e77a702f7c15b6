#include "nabla/nn/deferred_sum.hpp"

#include "nabla/autograd/grad_mode.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/util/error.hpp"

namespace nabla::nn {

void DeferredSum::add(const Tensor& value, double scale) {
  NABLA_ASSERT(value.numel() == 1, "DeferredSum::add takes one value");
  if (value.device().is_cpu()) {
    host_ += value.item<double>() * scale;
    return;
  }
  NoGradGuard no_grad;
  const Tensor v = astype(value.detach().reshape({}), float64) * scale;
  device_ = device_.defined() ? device_ + v : v;
}

double DeferredSum::value() const {
  return device_.defined() ? host_ + device_.cpu().item<double>() : host_;
}

}  // namespace nabla::nn
