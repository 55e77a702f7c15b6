// Adam (with AMSGrad) and AdamW: Keras 3's update rule, bias correction folded into the step
// size, weight decay decoupled and applied before the moment update.
#include <string_view>
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
namespace {

void check_adam(std::string_view optimizer, const AdamOptions& options) {
  detail::check_clip(optimizer, options.clip);
  detail::check_range(optimizer, "beta_1", options.beta_1, 0.0, 1.0, /*high_inclusive=*/false);
  detail::check_range(optimizer, "beta_2", options.beta_2, 0.0, 1.0, /*high_inclusive=*/false);
  detail::check_non_negative(optimizer, "epsilon", options.epsilon);
  detail::check_non_negative(optimizer, "weight_decay", options.weight_decay);
}

AdamOptions adamw_as_adam(AdamWOptions options) {
  AdamOptions adam{.learning_rate = std::move(options.learning_rate),
                   .beta_1 = options.beta_1,
                   .beta_2 = options.beta_2,
                   .epsilon = options.epsilon,
                   .amsgrad = options.amsgrad,
                   .weight_decay = options.weight_decay,
                   .clip = options.clip};
  check_adam("AdamW", adam);  // before Adam's own check, so errors name AdamW
  return adam;
}

}  // namespace

Adam::Adam(AdamOptions options)
    : Optimizer(options.learning_rate, options.clip), options_(std::move(options)) {
  check_adam("Adam", options_);
}

AdamW::AdamW(AdamWOptions options) : Adam(adamw_as_adam(std::move(options))) {}

// Keras's step size alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t), and the decoupled decay
// 1 - lr * weight_decay.
Tensor Adam::step_scalars(const StepValues& step) const {
  const AdamOptions& o = options_;
  return detail::step_scalars_of(step, [&](const auto& lr, const auto& t) {
    using detail::power, detail::square_root;
    const auto alpha = lr * square_root(1.0 - power(o.beta_2, t)) / (1.0 - power(o.beta_1, t));
    return std::array{alpha, 1.0 - lr * o.weight_decay};
  });
}

// State is written in place: Note [Optimizer state updates] in sgd.cpp.
void Adam::update(size_t slot, const Tensor& weight, const Tensor& grad, const StepValues& step) {
  const AdamOptions& o = options_;
  Tensor w = weight;
  Tensor& m = m_[slot];
  Tensor& v = v_[slot];
  if (detail::fused_updates_enabled()) {
    const Tensor g = grad.contiguous();
    const Tensor v_max = o.amsgrad ? v_max_[slot] : Tensor();
    const std::vector<Tensor> tensors =
        o.amsgrad ? std::vector<Tensor>{w, g, m, v, v_max} : std::vector<Tensor>{w, g, m, v};
    if (nabla::detail::fused_update_supported(tensors)) {
      nabla::detail::adam_update_(w, g, step.scalars, m, v, v_max,
                                  {.beta_1 = o.beta_1, .beta_2 = o.beta_2, .epsilon = o.epsilon});
      return;
    }
  }
  // The composite update: the reference for the fused kernel, and the path for other devices,
  // dtypes and layouts.
  if (o.weight_decay != 0.0) w.mul_(astype(step.scalars[1], w.dtype()));
  m.copy_(m + (grad - m) * (1.0 - o.beta_1));
  v.copy_(v + (square(grad) - v) * (1.0 - o.beta_2));
  Tensor second_moment = v;
  if (o.amsgrad) {
    Tensor& v_max = v_max_[slot];
    v_max.copy_(maximum(v_max, v));
    second_moment = v_max;
  }
  w.sub_(m * astype(step.scalars[0], w.dtype()) / (sqrt(second_moment) + o.epsilon));
}

std::vector<Optimizer::StateGroup> Adam::state_groups() {
  // Keras: add_optimizer_variables(vars, ["momentum", "velocity"]) interleaves m and v per
  // weight; the amsgrad maxima follow as their own list.
  std::vector<StateGroup> groups{{.lists = {&m_, &v_}}};
  if (options_.amsgrad) groups.push_back({.lists = {&v_max_}});
  return groups;
}

}  // namespace nabla::optim
