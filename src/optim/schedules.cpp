// Learning-rate schedules with keras.optimizers.schedules' formulas, evaluated in double on the
// host: a schedule is a function of the step count, not of any tensor.
#include "nabla/optim/schedules.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>
#include <vector>

#include "nabla/util/error.hpp"

namespace nabla::optim {

ExponentialDecay::ExponentialDecay(ExponentialDecayOptions options) : options_(options) {
  NABLA_CHECK(options_.decay_steps > 0, ValueError,
              "ExponentialDecay: decay_steps must be > 0, got ", options_.decay_steps);
}

double ExponentialDecay::operator()(int64_t step) const {
  double p = static_cast<double>(step) / static_cast<double>(options_.decay_steps);
  if (options_.staircase) p = std::floor(p);
  return options_.initial_learning_rate * std::pow(options_.decay_rate, p);
}

CosineDecay::CosineDecay(CosineDecayOptions options) : options_(options) {
  NABLA_CHECK(options_.decay_steps > 0, ValueError, "CosineDecay: decay_steps must be > 0, got ",
              options_.decay_steps);
  NABLA_CHECK(options_.warmup_steps >= 0, ValueError,
              "CosineDecay: warmup_steps must be >= 0, got ", options_.warmup_steps);
  // Keras ignores warmup_steps without a warmup_target; here that is almost surely a mistake.
  NABLA_CHECK(options_.warmup_steps == 0 || options_.warmup_target != 0.0, ValueError,
              "CosineDecay: warmup_steps = ", options_.warmup_steps,
              " needs a warmup_target (the learning rate reached at the end of the warm-up)");
}

double CosineDecay::operator()(int64_t step) const {
  const double decay_steps = static_cast<double>(options_.decay_steps);
  const double warmup_steps = static_cast<double>(options_.warmup_steps);
  const bool warmup = options_.warmup_target != 0.0;  // Keras's warmup_target=None otherwise
  // After warm-up and decay the rate stays at its final value.
  const double s = std::min(static_cast<double>(step), decay_steps + (warmup ? warmup_steps : 0.0));
  const auto decayed = [&](double t, double from) {
    const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * (t / decay_steps)));
    return from * ((1.0 - options_.alpha) * cosine + options_.alpha);
  };
  if (!warmup) return decayed(s, options_.initial_learning_rate);
  if (s < warmup_steps) {  // linear from initial_learning_rate towards warmup_target
    return (options_.warmup_target - options_.initial_learning_rate) * (s / warmup_steps) +
           options_.initial_learning_rate;
  }
  return decayed(s - warmup_steps, options_.warmup_target);
}

PiecewiseConstantDecay::PiecewiseConstantDecay(std::vector<int64_t> boundaries,
                                               std::vector<double> values)
    : boundaries_(std::move(boundaries)), values_(std::move(values)) {
  NABLA_CHECK(values_.size() == boundaries_.size() + 1, ValueError,
              "PiecewiseConstantDecay: values must have one more entry than boundaries, got ",
              boundaries_.size(), " boundaries and ", values_.size(), " values");
  for (size_t i = 1; i < boundaries_.size(); ++i) {
    NABLA_CHECK(boundaries_[i - 1] < boundaries_[i], ValueError,
                "PiecewiseConstantDecay: boundaries must be strictly increasing, but boundary ",
                i - 1, " is ", boundaries_[i - 1], " and boundary ", i, " is ", boundaries_[i]);
  }
}

double PiecewiseConstantDecay::operator()(int64_t step) const {
  // values[i] for boundaries[i-1] < step <= boundaries[i]: the first boundary >= step.
  const auto it = std::lower_bound(boundaries_.begin(), boundaries_.end(), step);
  return values_[static_cast<size_t>(it - boundaries_.begin())];
}

}  // namespace nabla::optim
