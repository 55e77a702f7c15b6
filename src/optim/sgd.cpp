// SGD with optional (Nesterov) momentum and decoupled weight decay: Keras 3's update rule.
#include <utility>
#include <vector>

#include "nabla/ops/elementwise.hpp"
#include "nabla/optim/optimizers.hpp"
#include "ops/optimizer_updates.hpp"
#include "optim/fused_updates.hpp"
#include "optim/option_checks.hpp"
#include "optim/slot_state.hpp"

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
// for everything the kernel does not take. There the state tensors belong to the optimizer
// alone, so a new state value is computed out of place and the handle rebound (`v = ...`): an
// in-place op (`v.mul_(...)`) computes the same value out of place and then copies it. Only the
// weight, shared with the model, is written in place (`w.sub_`), which keeps its identity and
// bumps its version.
void SGD::update(size_t slot, const Tensor& weight, const Tensor& grad, double lr) {
  Tensor w = weight;
  const bool momentum = options_.momentum != 0.0;
  if (detail::fused_updates_enabled()) {
    const Tensor g = grad.contiguous();
    const Tensor velocity = momentum ? detail::slot_state(velocity_, slot, w) : Tensor();
    const std::vector<Tensor> tensors =
        momentum ? std::vector<Tensor>{w, g, velocity} : std::vector<Tensor>{w, g};
    if (nabla::detail::fused_update_supported(tensors)) {
      nabla::detail::sgd_update_(w, g, velocity,
                                 {.learning_rate = lr,
                                  .momentum = options_.momentum,
                                  .nesterov = options_.nesterov,
                                  .decay = 1.0 - lr * options_.weight_decay});
      return;
    }
  }
  // The composite update: the reference for the fused kernel, and the path for other devices,
  // dtypes and layouts.
  if (options_.weight_decay != 0.0) w.mul_(1.0 - lr * options_.weight_decay);
  if (!momentum) {
    w.sub_(grad * lr);
    return;
  }
  Tensor& velocity = detail::slot_state(velocity_, slot, w);
  velocity = velocity * options_.momentum - grad * lr;  // v = momentum * v - lr * g
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
