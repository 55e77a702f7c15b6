// dropout: one pass that draws the keep mask from the Philox stream and scales the kept elements.
// The mask is never stored: it is a pure function of (seed, counter, element index), so the VJP
// is the same op on the gradient with the same key (dropout is linear in x for a fixed mask),
// which also makes it differentiable any number of times.
//
// Note [Dropout keys]: the (seed, counter) pair is an input tensor made by the random op
// `random_key`, not an attribute. A traced graph reserves fresh counters for each random op on
// every run (Note [Random ops in graphs]); with the key as an input, the backward pass in the
// same graph reads the key the forward pass drew, so both use one mask.
#include <cmath>

#include "nabla/ops/random.hpp"
#include "nabla/util/random_state.hpp"
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"

namespace nabla {
namespace {

std::vector<TensorSpec> dropout_infer(const OpDef& op, std::span<const Tensor> in,
                                      const Attrs& attrs) {
  const Tensor& x = in[0];
  NABLA_CHECK(in.size() == 2 && in[1].dtype() == DType::Int64 && in[1].shape() == Shape{2},
              ValueError, op.name, ": expected the input and an int64 [2] key");
  NABLA_CHECK(is_floating(x.dtype()), DTypeError, op.name, ": expected a floating dtype, got ",
              x.dtype());
  const double rate = attrs.get<double>("rate");
  NABLA_CHECK(rate >= 0 && rate < 1, ValueError, op.name, ": rate must be in [0, 1), got ", rate);
  const Shape& mask = attrs.get<Shape>("mask_shape");
  NABLA_CHECK(mask.rank() == x.ndim(), ShapeError, op.name, ": noise shape ", mask,
              " does not match the input's rank (input ", x.shape(), ")");
  for (int64_t d = 0; d < x.ndim(); ++d) {
    NABLA_CHECK(mask[d] == x.shape()[d] || mask[d] == 1, ShapeError, op.name, ": noise shape ",
                mask, " does not broadcast to the input's shape ", x.shape());
  }
  return single(x.shape(), x.dtype());
}

std::vector<Tensor> dropout_vjp(const VjpContext& ctx);

std::vector<TensorSpec> random_key_infer(const OpDef&, std::span<const Tensor>, const Attrs&) {
  return single(Shape{2}, DType::Int64);
}

}  // namespace

// inputs: x, key (int64 [2], from random_key); attrs: rate, mask_shape. Saves its inputs for the
// key (x is not read by the VJP).
NABLA_DEFINE_OP(dropout_op, .name = "dropout", .infer = &dropout_infer, .vjp = &dropout_vjp,
                .saves = Saves::Inputs);
// attrs: seed, counter, counters (as every random op); output: int64 [2] {seed, counter}.
NABLA_DEFINE_OP(random_key_op, .name = "random_key", .infer = &random_key_infer, .random = true);

namespace {

// The kernel reads its input contiguous (the mask index of an element is its position in the
// broadcast mask, computed from contiguous coordinates).
Tensor apply_dropout(const Tensor& x, const Tensor& key, const Attrs& attrs) {
  return dispatch1(dropout_op, {x.contiguous(), key}, attrs);
}

std::vector<Tensor> dropout_vjp(const VjpContext& ctx) {
  return {apply_dropout(ctx.grad_outputs[0], ctx.inputs[1], ctx.attrs), Tensor()};
}

}  // namespace

Tensor dropout(const Tensor& x, double rate, const std::vector<int64_t>& noise_shape) {
  NABLA_CHECK(x.defined(), ValueError, "dropout: undefined input");
  Shape mask = x.shape();
  if (!noise_shape.empty()) {
    NABLA_CHECK(static_cast<int64_t>(noise_shape.size()) == x.ndim(), ShapeError,
                "dropout: noise shape ", Shape(noise_shape),
                " does not match the input's rank (input ", x.shape(), ")");
    for (int64_t d = 0; d < x.ndim(); ++d) {
      const int64_t n = noise_shape[static_cast<size_t>(d)];
      mask[d] = n == -1 ? x.shape()[d] : n;
    }
  }
  // One 32-bit Philox word per mask element, four words per counter.
  const int64_t counters = (mask.numel() + 3) / 4;
  const auto range = random::reserve_counters(static_cast<uint64_t>(counters));
  const Tensor key = dispatch1(random_key_op, {},
                               Attrs{{"seed", static_cast<int64_t>(range.seed)},
                                     {"counter", static_cast<int64_t>(range.first)},
                                     {"counters", counters},
                                     {"device", x.device()}});
  return apply_dropout(x, key, Attrs{{"rate", rate}, {"mask_shape", mask}});
}

}  // namespace nabla
