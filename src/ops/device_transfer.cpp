// to_device: a tensor's copy on another device (Tensor::to, cpu(), cuda()). The copy is an op
// like any other, so autodiff and tracing see it: its gradient is the gradient copied back to
// the device the input came from.
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"

namespace nabla {
namespace {

std::vector<TensorSpec> to_device_infer(const OpDef& op, std::span<const Tensor> inputs,
                                        const Attrs& attrs) {
  const Tensor& x = inputs[0];
  // The kernels copy bytes; Tensor::to hands them a contiguous tensor.
  NABLA_CHECK(x.is_symbolic() || x.is_contiguous(), ValueError, op.name,
              ": the input must be contiguous (Tensor::to makes it so), got shape ", x.shape(),
              " with strides ", Shape(x.strides()));
  (void)attrs.get<Device>("device");  // required: a clear error when missing
  return single(x.shape(), x.dtype());
}

std::vector<Tensor> to_device_vjp(const VjpContext& ctx) {
  return {ctx.grad_outputs[0].to(ctx.attrs.get<Device>("from"))};
}

}  // namespace

NABLA_DEFINE_OP(to_device_op, .name = "to_device", .infer = &to_device_infer, .vjp = &to_device_vjp,
                .saves = Saves::Nothing, .complex = true, .transfers_device = true);

Tensor Tensor::to(Device device) const {
  if (this->device() == device) return *this;  // as PyTorch's .to: no copy
  return dispatch1(to_device_op, {contiguous()},
                   Attrs{{"device", device}, {"from", this->device()}});
}
Tensor Tensor::cpu() const { return to(Device::cpu()); }
Tensor Tensor::cuda(int index) const { return to(Device::cuda(static_cast<int16_t>(index))); }

}  // namespace nabla
