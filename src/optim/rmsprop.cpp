// RMSprop (plain or centered, with optional momentum): Keras 3's update rule, epsilon inside
// the square root.
#include <utility>

#include "nabla/ops/elementwise.hpp"
#include "nabla/optim/optimizers.hpp"
#include "optim/option_checks.hpp"

namespace nabla::optim {

RMSprop::RMSprop(RMSpropOptions options)
    : Optimizer(options.learning_rate, options.clip), options_(std::move(options)) {
  detail::check_clip("RMSprop", options_.clip);
  detail::check_range("RMSprop", "rho", options_.rho, 0.0, 1.0);
  detail::check_range("RMSprop", "momentum", options_.momentum, 0.0, 1.0);
  detail::check_non_negative("RMSprop", "epsilon", options_.epsilon);
}

// State is written in place: Note [Optimizer state updates] in sgd.cpp.
void RMSprop::update(size_t slot, const Tensor& weight, const Tensor& grad,
                     const StepValues& step) {
  const RMSpropOptions& o = options_;
  Tensor w = weight;
  const Tensor lr = astype(step.learning_rate, w.dtype());
  Tensor& mean_square = mean_square_[slot];
  mean_square.copy_(mean_square * o.rho + square(grad) * (1.0 - o.rho));
  Tensor denominator;
  if (o.centered) {  // variance instead of the raw second moment
    Tensor& mean_grad = mean_grad_[slot];
    mean_grad.copy_(mean_grad * o.rho + grad * (1.0 - o.rho));
    denominator = mean_square - square(mean_grad) + o.epsilon;
  } else {
    denominator = mean_square + o.epsilon;
  }
  Tensor increment = grad * lr / sqrt(denominator);
  if (o.momentum > 0.0) {
    Tensor& momentum = momentum_[slot];
    momentum.copy_(momentum * o.momentum + increment);
    w.sub_(momentum);
  } else {
    w.sub_(increment);
  }
}

std::vector<Optimizer::StateGroup> RMSprop::state_groups() {
  // Keras: velocities, then momentums (momentum > 0), then average gradients (centered).
  std::vector<StateGroup> groups{{.lists = {&mean_square_}}};
  if (options_.momentum > 0.0) groups.push_back({.lists = {&momentum_}});
  if (options_.centered) groups.push_back({.lists = {&mean_grad_}});
  return groups;
}

}  // namespace nabla::optim
