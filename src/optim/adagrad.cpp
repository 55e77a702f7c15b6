// Adagrad: Keras 3's update rule, the accumulator starting at initial_accumulator_value and
// epsilon inside the square root.
#include <utility>

#include "nabla/ops/elementwise.hpp"
#include "nabla/optim/optimizers.hpp"
#include "optim/option_checks.hpp"
#include "optim/slot_state.hpp"

namespace nabla::optim {

Adagrad::Adagrad(AdagradOptions options)
    : Optimizer(options.learning_rate, options.clip), options_(std::move(options)) {
  detail::check_clip("Adagrad", options_.clip);
  detail::check_non_negative("Adagrad", "initial_accumulator_value",
                             options_.initial_accumulator_value);
  detail::check_non_negative("Adagrad", "epsilon", options_.epsilon);
}

// State updates rebind the optimizer's own tensors: Note [Optimizer state updates] in sgd.cpp.
void Adagrad::update(size_t slot, const Tensor& weight, const Tensor& grad, double lr) {
  Tensor w = weight;
  Tensor& accumulator =
      detail::slot_state(accumulator_, slot, w, options_.initial_accumulator_value);
  accumulator = accumulator + square(grad);
  w.sub_(grad * lr / sqrt(accumulator + options_.epsilon));
}

std::vector<Optimizer::StateGroup> Adagrad::state_groups() {
  return {{.lists = {&accumulator_}, .initial = options_.initial_accumulator_value}};
}

}  // namespace nabla::optim
