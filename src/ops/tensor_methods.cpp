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

namespace detail {
void copy_into(const Tensor& dst, const Tensor& src) {
  // As astype: complex values are not silently cut down to their real part.
  NABLA_CHECK(!is_complex(src.dtype()) || is_complex(dst.dtype()), DTypeError,
              "copy: cannot write ", src.dtype(), " values into a ", dst.dtype(),
              " tensor (that would discard the imaginary part); use real(x), imag(x) or abs(x)");
  Tensor source = broadcast_to(src, dst.shape());
  if (dst.numel() == 0) return;
  Tensor outputs[] = {dst};
  Tensor inputs[] = {source};
  // The cast kernel writes through the output's strides, so any destination layout works.
  cast_op.kernel(dst.device().kind)(KernelContext{inputs, outputs, Attrs{}});
}
}  // namespace detail

}  // namespace nabla
