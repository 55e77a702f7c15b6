#include "ops/vjp_util.hpp"

#include "nabla/ops/creation.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/ops/view.hpp"

namespace nabla {

Tensor sum_to_shape(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const int64_t leading = g.ndim() - shape.rank();
  NABLA_ASSERT(leading >= 0, "sum_to_shape: ", g.shape(), " is not a broadcast of ", shape);
  std::vector<int64_t> axes;
  for (int64_t d = 0; d < g.ndim(); ++d) {
    if (d < leading || (shape[d - leading] == 1 && g.shape()[d] != 1)) axes.push_back(d);
  }
  const Tensor summed = axes.empty() ? g : sum(g, axes, true);
  return reshape(summed, shape);
}

Tensor with_kept_dims(const Tensor& g, const Shape& input_shape, const std::vector<int64_t>& axes,
                      bool keepdims) {
  if (keepdims) return g;
  Shape kept = input_shape;
  for (int64_t axis : axes) kept[axis] = 1;
  return reshape(g, kept);
}

Tensor unreduce(const Tensor& g, const Shape& input_shape, const std::vector<int64_t>& axes,
                bool keepdims) {
  return expand(with_kept_dims(g, input_shape, axes, keepdims), input_shape);
}

Tensor zeros_for_input(const VjpContext& ctx, size_t i) {
  Device device = Device::cpu();
  for (const Tensor& g : ctx.grad_outputs) {
    if (g.defined()) device = g.device();
  }
  return zeros(ctx.input_specs[i].shape, ctx.input_specs[i].dtype, device);
}

}  // namespace nabla
