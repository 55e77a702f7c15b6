// Tensor's op methods, forwarding to the free functions (which dispatch).
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/ops/view.hpp"
#include "ops/copy_into.hpp"
#include "ops/dispatch.hpp"

namespace nabla {

extern const OpDef cast_op;

Tensor Tensor::clone() const { return dispatch1(cast_op, {*this}, Attrs{{"dtype", dtype()}}); }
Tensor Tensor::contiguous() const { return nabla::contiguous(*this); }
Tensor Tensor::astype(DType dtype) const { return nabla::astype(*this, dtype); }
Tensor Tensor::reshape(const Shape& shape) const { return nabla::reshape(*this, shape); }
Tensor Tensor::transpose() const { return nabla::transpose(*this); }
Tensor Tensor::transpose(int64_t axis0, int64_t axis1) const {
  return nabla::swapaxes(*this, axis0, axis1);
}
Tensor Tensor::permute(const std::vector<int64_t>& axes) const {
  return nabla::permute(*this, axes);
}
Tensor Tensor::slice(int64_t axis, int64_t start, int64_t stop, int64_t step) const {
  return nabla::slice(*this, axis, start, stop, step);
}
Tensor Tensor::operator[](int64_t index) const { return nabla::select(*this, 0, index); }
Tensor Tensor::select(int64_t axis, int64_t index) const {
  return nabla::select(*this, axis, index);
}
Tensor Tensor::expand(const Shape& shape) const { return nabla::expand(*this, shape); }
Tensor Tensor::squeeze() const { return nabla::squeeze(*this); }
Tensor Tensor::squeeze(int64_t axis) const { return nabla::squeeze(*this, axis); }
Tensor Tensor::unsqueeze(int64_t axis) const { return nabla::unsqueeze(*this, axis); }
Tensor Tensor::flatten() const { return nabla::reshape(*this, Shape{numel()}); }

}  // namespace nabla
