// Adagrad: Keras 3's update rule, the accumulator starting at initial_accumulator_value and
// epsilon inside the square root.
#include <utility>

#include "nabla/ops/elementwise.hpp"
#include "nabla/optim/optimizers.hpp"
#include "optim/option_checks.hpp"

namespace nabla::optim {

Adagrad::Adagrad(AdagradOptions options)
    : Optimizer(options.learning_rate, options.clip), options_(std::move(options)) {
  detail::check_clip("Adagrad", options_.clip);
  detail::check_non_negative("Adagrad", "initial_accumulator_value",
                             options_.initial_accumulator_value);
  detail::check_non_negative("Adagrad", "epsilon", options_.epsilon);
}

// State is written in place: Note [Optimizer state updates] in sgd.cpp.
void Adagrad::update(size_t slot, const Tensor& weight, const Tensor& grad,
                     const StepValues& step) {
  Tensor w = weight;
  const Tensor lr = astype(step.learning_rate, w.dtype());
  Tensor& accumulator = accumulator_[slot];
  accumulator.copy_(accumulator + square(grad));
  w.sub_(grad * lr / sqrt(accumulator + options_.epsilon));
}

std::vector<Optimizer::StateGroup> Adagrad::state_groups() {
  return {{.lists = {&accumulator_}, .initial = options_.initial_accumulator_value}};
}

}  // namespace nabla::optim
