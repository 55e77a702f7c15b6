// SGD with optional (Nesterov) momentum and decoupled weight decay: Keras 3's update rule.
#include <utility>
#include <vector>

#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/optim/optimizers.hpp"
#include "ops/optimizer_updates.hpp"
#include "optim/fused_updates.hpp"
#include "optim/option_checks.hpp"
#include "optim/slot_state.hpp"
#include "optim/step_scalars.hpp"

namespace nabla::optim {

SGD::SGD(SGDOptions options)
    : Optimizer(options.learning_rate, options.clip), options_(std::move(options)) {
  detail::check_clip("SGD", options_.clip);
  detail::check_range("SGD", "momentum", options_.momentum, 0.0, 1.0);
  detail::check_non_negative("SGD", "weight_decay", options_.weight_decay);
}

// Note [Optimizer state updates]: SGD and Adam first try the fused kernel
// (ops/optimizer_updates.hpp), which updates weight and state in place in one pass (~4-8x
// faster on a 784x512 float32 weight). The composite update below is its reference and the path
// for everything the kernel does not take. Both write the state in place (copy_), never rebind
// the optimizer's handle: a traced training step captured the state tensors by reference. The
// per-step values (learning rate, decay) arrive as float64 scalar tensors and meet the weight's
// dtype as a C++ double scalar would (weak scalars: rounded to the weight's dtype), so eager
// results are those of the earlier double arithmetic.
Tensor SGD::step_scalars(const StepValues& step) const {
  return detail::step_scalars_of(step, [&](const auto& lr, const auto&) {
    return std::array{lr, 1.0 - lr * options_.weight_decay};
  });
}

void SGD::update(size_t slot, const Tensor& weight, const Tensor& grad, const StepValues& step) {
  Tensor w = weight;
  const bool momentum = options_.momentum != 0.0;
  if (detail::fused_updates_enabled()) {
    const Tensor g = grad.contiguous();
    const Tensor velocity = momentum ? velocity_[slot] : Tensor();
    const std::vector<Tensor> tensors =
        momentum ? std::vector<Tensor>{w, g, velocity} : std::vector<Tensor>{w, g};
    if (nabla::detail::fused_update_supported(tensors)) {
      nabla::detail::sgd_update_(w, g, step.scalars, velocity,
                                 {.momentum = options_.momentum, .nesterov = options_.nesterov});
      return;
    }
  }
  // The composite update: the reference for the fused kernel, and the path for other devices,
  // dtypes and layouts.
  const Tensor lr = astype(step.learning_rate, w.dtype());
  if (options_.weight_decay != 0.0) w.mul_(astype(step.scalars[1], w.dtype()));
  if (!momentum) {
    w.sub_(grad * lr);
    return;
  }
  Tensor& velocity = velocity_[slot];
  velocity.copy_(velocity * options_.momentum - grad * lr);  // v = momentum * v - lr * g
  if (options_.nesterov) {
    w.add_(velocity * options_.momentum - grad * lr);  // w += momentum * v - lr * g
  } else {
    w.add_(velocity);
  }
}

std::vector<Optimizer::StateGroup> SGD::state_groups() {
  // Keras creates momentums only with momentum != 0.
  if (options_.momentum == 0.0) return {};
  return {{.lists = {&velocity_}}};
}

}  // namespace nabla::optim
