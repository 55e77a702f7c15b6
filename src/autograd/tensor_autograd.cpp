// Tensor's autodiff methods (declared in nabla/tensor/tensor.hpp, defined here because they need
// the engine, which sits above the ops module).
#include "autograd/node.hpp"
#include "nabla/autograd/autograd.hpp"
#include "nabla/ops/creation.hpp"

namespace nabla {

Tensor& Tensor::requires_grad_(bool requires_grad) {
  TensorImpl& i = impl();
  NABLA_CHECK(!requires_grad || is_floating(i.dtype), DTypeError,
              "requires_grad_: only floating tensors can require gradients, got ", i.dtype);
  NABLA_CHECK(requires_grad || is_leaf(), ValueError,
              "requires_grad_(false): the tensor was computed by '", grad_fn_name(),
              "' and is part of a graph; use detach() to get a tensor without history");
  autograd::install_hooks();
  i.requires_grad = requires_grad;
  return *this;
}

void Tensor::backward(const Tensor& grad_output, bool retain_graph, bool create_graph) const {
  autograd::backward({*this}, {grad_output},
                     {.retain_graph = retain_graph, .create_graph = create_graph});
}

Tensor Tensor::grad() const {
  const auto& meta = impl().autograd;
  return meta == nullptr ? Tensor() : meta->grad;
}

void Tensor::zero_grad() const {
  TensorImpl& i = impl();
  if (!i.requires_grad) return;
  if (i.autograd == nullptr) i.autograd = std::make_shared<AutogradMeta>();
  i.autograd->grad = zeros(shape(), dtype(), device());
}

Tensor Tensor::detach() const {
  const TensorImpl& i = impl();
  auto out = std::make_shared<TensorImpl>();
  out->storage = i.storage;
  out->layout = i.layout;
  out->dtype = i.dtype;
  out->device = i.device;
  out->is_view = i.is_view;
  out->symbolic = i.symbolic;
  return Tensor(std::move(out));
}

bool Tensor::is_leaf() const {
  const auto& meta = impl().autograd;
  return meta == nullptr || meta->grad_fn == nullptr;
}

std::string Tensor::grad_fn_name() const {
  const auto& meta = impl().autograd;
  return meta == nullptr || meta->grad_fn == nullptr ? std::string() : meta->grad_fn->name();
}

}  // namespace nabla
