// In-place ops: the new value is computed out of place (so it is recorded like any op), written
// into this tensor's memory, and the storage's version is bumped so that a backward needing the
// old value refuses instead of returning wrong gradients. A non-leaf modified in place takes the
// new value's place in the graph ("history rebasing").
#include "autograd/node.hpp"
#include "nabla/autograd/grad_mode.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/view.hpp"
#include "ops/copy_into.hpp"

namespace nabla {
namespace {

void check_target(const Tensor& self, const Tensor* other, std::string_view op) {
  NABLA_CHECK(self.defined(), ValueError, op, ": undefined tensor");
  NABLA_CHECK(!self.is_symbolic(), ValueError, op, ": in-place ops need a concrete tensor");
  if (!is_grad_enabled()) return;
  NABLA_CHECK(!(self.requires_grad() && self.is_leaf()), ValueError, op,
              ": a leaf tensor that requires grad (shape ", self.shape(),
              ") is used in an in-place operation; wrap updates such as optimiser steps in "
              "NoGradGuard");
  const bool tracked = self.requires_grad() || (other != nullptr && other->requires_grad());
  NABLA_CHECK(!(tracked && self.impl().is_view), ValueError, op,
              ": in-place write into a view "
              "(shape ",
              self.shape(),
              ") while recording gradients is not supported; compute "
              "the new tensor out of place instead");
}

/// Writes `value` (already of self's shape) into self and updates version and history. Only
/// copy_ converts any dtype (like PyTorch); arithmetic refuses to drop a fraction (like NumPy).
Tensor& write(Tensor& self, Tensor value, std::string_view op, bool any_dtype = false) {
  NABLA_CHECK(value.shape() == self.shape(), ShapeError, op, ": the result has shape ",
              value.shape(), ", which cannot be written into a tensor of shape ", self.shape());
  NABLA_CHECK(any_dtype || is_floating(self.dtype()) || !is_floating(value.dtype()), DTypeError, op,
              ": the result is ", value.dtype(), ", which cannot be stored in a ", self.dtype(),
              " tensor without losing its fraction");
  value = astype(value, self.dtype());
  // Inside nabla::function the write is recorded as the graph's effect (ops/assign.cpp); the
  // captured tensor cannot also take over a symbolic history.
  NABLA_CHECK(!(value.is_symbolic() && value.requires_grad()), ValueError, op,
              ": inside nabla::function, an in-place write of a value that requires grad into a "
              "captured tensor (shape ",
              self.shape(), ") is not supported; wrap state updates in NoGradGuard");
  detail::copy_into(self, value);
  self.storage()->bump_version();
  TensorImpl& impl = self.impl();
  if (value.requires_grad() && !value.is_leaf()) {
    impl.autograd = value.impl().autograd;
    impl.requires_grad = true;
  } else if (!self.is_leaf() && is_grad_enabled()) {
    impl.autograd = nullptr;  // overwritten by a constant: no gradient flows to its past
    impl.requires_grad = false;
  }
  return self;
}

template <Tensor (*Fn)(const Tensor&, const Tensor&)>
Tensor& binary_inplace(Tensor& self, const Tensor& other, std::string_view op) {
  check_target(self, &other, op);
  return write(self, Fn(self, other), op);  // write() rejects a result broadcast beyond self
}

Tensor scalar_like(Scalar s, const Tensor& like) {
  return scalar_tensor(s, s.promote_with(like.dtype()), like.device());
}

}  // namespace

Tensor& Tensor::add_(const Tensor& other) { return binary_inplace<&add>(*this, other, "add_"); }
Tensor& Tensor::sub_(const Tensor& other) { return binary_inplace<&sub>(*this, other, "sub_"); }
Tensor& Tensor::mul_(const Tensor& other) { return binary_inplace<&mul>(*this, other, "mul_"); }
Tensor& Tensor::div_(const Tensor& other) { return binary_inplace<&div>(*this, other, "div_"); }
Tensor& Tensor::add_(Scalar other) { return add_(scalar_like(other, *this)); }
Tensor& Tensor::sub_(Scalar other) { return sub_(scalar_like(other, *this)); }
Tensor& Tensor::mul_(Scalar other) { return mul_(scalar_like(other, *this)); }
Tensor& Tensor::div_(Scalar other) { return div_(scalar_like(other, *this)); }

Tensor& Tensor::copy_(const Tensor& source) {
  check_target(*this, &source, "copy_");
  NABLA_CHECK(source.defined(), ValueError, "copy_: undefined source");
  // The written value must be a recorded result (not the source leaf itself) to take its place.
  Tensor value = broadcast_to(source, shape());
  if (value.requires_grad() && value.is_leaf()) value = value.clone();
  return write(*this, value, "copy_", true);
}

Tensor& Tensor::fill_(Scalar value) {
  check_target(*this, nullptr, "fill_");
  return write(*this, broadcast_to(scalar_tensor(value, dtype(), device()), shape()), "fill_");
}

Tensor& Tensor::zero_() { return fill_(0); }

}  // namespace nabla
