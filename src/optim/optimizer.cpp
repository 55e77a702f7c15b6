// Optimizer base: the checks and gradient clipping every optimizer shares (Keras 3's
// BaseOptimizer.apply), the step counter and learning rate, and optimizers by Keras name.
#include "nabla/optim/optimizer.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <utility>

#include "nabla/autograd/grad_mode.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/optim/optimizers.hpp"
#include "ops/dispatch.hpp"
#include "optim/option_checks.hpp"
#include "optim/slot_state.hpp"

namespace nabla::optim {

namespace detail {

void check_clip(std::string_view optimizer, const ClipOptions& clip) {
  const int set = int{clip.clipnorm.has_value()} + int{clip.clipvalue.has_value()} +
                  int{clip.global_clipnorm.has_value()};
  NABLA_CHECK(set <= 1, ValueError, optimizer,
              ": only one of clipnorm, clipvalue and global_clipnorm can be set");
  // Keras silently ignores a bound <= 0; a typo that disables clipping deserves an error.
  const std::pair<const char*, const std::optional<double>*> bounds[] = {
      {"clipnorm", &clip.clipnorm},
      {"clipvalue", &clip.clipvalue},
      {"global_clipnorm", &clip.global_clipnorm}};
  for (const auto& [option, bound] : bounds) {
    NABLA_CHECK(!bound->has_value() || **bound > 0.0, ValueError, optimizer, ": ", option,
                " must be > 0, got ", **bound);
  }
}

void check_range(std::string_view optimizer, std::string_view option, double value, double low,
                 double high, bool high_inclusive) {
  const bool ok = value >= low && (high_inclusive ? value <= high : value < high);
  NABLA_CHECK(ok, ValueError, optimizer, ": ", option, " must be in [", low, ", ", high,
              high_inclusive ? "]" : ")", ", got ", value);
}

void check_non_negative(std::string_view optimizer, std::string_view option, double value) {
  NABLA_CHECK(value >= 0.0, ValueError, optimizer, ": ", option, " must be >= 0, got ", value);
}

}  // namespace detail

namespace {

// Note [Clipping as ops]: the norms are computed with ops (float64 scalars), not read into C++,
// so that a traced step clips every run's own gradients. Each float64 op rounds like the C++
// double arithmetic it replaced, and the scale reaches the gradient as a scalar of its dtype,
// as a C++ double scalar would (weak scalars), so eager results did not change.

/// sum(g^2) as a float64 scalar.
[[nodiscard]] Tensor squared_norm(const Tensor& g) { return astype(sum(square(g)), float64); }

[[nodiscard]] Tensor scaled(const Tensor& g, const Tensor& scale) {
  return g * astype(scale, g.dtype());
}

/// Keras's _clip_by_norm: g * c / max(|g|, c), so a gradient within the bound is unchanged.
[[nodiscard]] Tensor clip_by_norm(const Tensor& g, double clipnorm) {
  return scaled(g, clipnorm / maximum(sqrt(squared_norm(g)), scalar_tensor(clipnorm, float64)));
}

/// Keras's clip_by_global_norm: every gradient scaled by c * min(1/norm, 1/c); a non-finite
/// global norm makes the scale NaN (norm - norm), so a diverged step is visible, not hidden.
void clip_by_global_norm(std::vector<Tensor>& grads, double clipnorm) {
  Tensor total;
  for (const Tensor& g : grads) {
    if (g.defined()) total = total.defined() ? total + squared_norm(g) : squared_norm(g);
  }
  const Tensor norm = sqrt(total);
  const Tensor scale =
      clipnorm * minimum(1.0 / norm, scalar_tensor(1.0 / clipnorm, float64)) + (norm - norm);
  for (Tensor& g : grads) {
    if (g.defined()) g = scaled(g, scale);
  }
}

[[nodiscard]] Tensor new_step_count() {
  PauseTracing concrete;  // an optimizer made inside a traced function still owns real state
  return full(Shape{}, int64_t{0}, int64);
}

}  // namespace

StateList::StateList(const StateList& other) : std::vector<Tensor>() {
  reserve(other.size());
  for (const Tensor& t : other) push_back(t.defined() ? t.clone() : Tensor());
}

StateList& StateList::operator=(const StateList& other) {
  if (this != &other) *this = StateList(other);
  return *this;
}

Optimizer::Optimizer(LearningRate learning_rate, ClipOptions clip)
    : learning_rate_(std::move(learning_rate)), clip_(clip), iterations_(new_step_count()) {}

Optimizer::Optimizer(const Optimizer& other)
    : learning_rate_(other.learning_rate_),
      clip_(other.clip_),
      iterations_(other.iterations_.clone()),
      slots_(other.slots_) {}

Optimizer& Optimizer::operator=(const Optimizer& other) {
  if (this != &other) {
    learning_rate_ = other.learning_rate_;
    clip_ = other.clip_;
    iterations_ = other.iterations_.clone();
    slots_ = other.slots_;
  }
  return *this;
}

void Optimizer::bind(const std::vector<Tensor>& weights) {
  const std::string who = name();
  // Per-weight state is kept by position, so the weights must be the same tensors every step
  // (Keras: "can only be called for the variables it was originally built with").
  const bool first = slots_.empty();
  NABLA_CHECK(first || weights.size() == slots_.size(), ValueError, who, ": got ", weights.size(),
              " weights, but this optimizer was first applied to ", slots_.size(),
              "; use a new optimizer for another set of weights");
  for (size_t i = 0; i < weights.size(); ++i) {
    const Tensor& w = weights[i];
    NABLA_CHECK(w.defined() && !w.is_symbolic(), ValueError, who, ": weight ", i,
                " is undefined or symbolic");
    NABLA_CHECK(is_floating(w.dtype()), DTypeError, who, ": weight ", i, " is ", w.dtype(),
                "; only floating weights can be trained");
    NABLA_CHECK(first || slots_[i].lock() == w.impl_ptr(), ValueError, who, ": weight ", i,
                " (shape ", w.shape(), ") is not the tensor this optimizer updated at position ", i,
                " before; use a new optimizer for another set of weights");
  }
  if (first) {
    slots_.reserve(weights.size());
    for (const Tensor& w : weights) slots_.push_back(w.impl_ptr());
  }
}

void Optimizer::check_inputs(const std::vector<Tensor>& grads, const std::vector<Tensor>& weights) {
  const std::string who = name();
  NABLA_CHECK(grads.size() == weights.size(), ValueError, who, ": got ", grads.size(),
              " gradients for ", weights.size(), " weights");
  bind(weights);
  bool any_grad = false;
  for (size_t i = 0; i < weights.size(); ++i) {
    const Tensor& w = weights[i];
    const Tensor& g = grads[i];
    if (!g.defined()) continue;
    any_grad = true;
    NABLA_CHECK(g.shape() == w.shape(), ShapeError, who, ": gradient ", i, " has shape ", g.shape(),
                " but its weight has shape ", w.shape());
    NABLA_CHECK(is_floating(g.dtype()), DTypeError, who, ": gradient ", i, " is ", g.dtype(),
                "; gradients must be floating");
    NABLA_CHECK(g.device() == w.device(), DeviceError, who, ": gradient ", i, " is on ", g.device(),
                " but its weight is on ", w.device());
  }
  NABLA_CHECK(any_grad, ValueError, who, ": no gradient for any of the ", weights.size(),
              " weights (call backward() on the loss first)");
}

void Optimizer::build(const std::vector<Tensor>& weights) {
  bind(weights);
  create_state(weights);
}

void Optimizer::create_state(const std::vector<Tensor>& weights) {
  PauseTracing concrete;  // the state is real even when the first step is being traced
  NoGradGuard no_grad;
  for (const StateGroup& group : state_groups()) {
    for (StateList* list : group.lists) {
      for (size_t slot = 0; slot < weights.size(); ++slot) {
        (void)detail::slot_state(*list, slot, weights[slot], group.initial);
      }
    }
  }
}

void Optimizer::apply_gradients(const std::vector<Tensor>& grads,
                                const std::vector<Tensor>& weights) {
  if (weights.empty() && grads.empty()) return;  // Keras: nothing to apply is a no-op
  for (size_t i = 0; i < grads.size(); ++i) {
    // A trace would freeze the learning rate (a C++ value) into the graph.
    NABLA_CHECK(!grads[i].defined() || !grads[i].is_symbolic(), ValueError, name(), ": gradient ",
                i,
                " is symbolic; inside a traced function pass learning_rate_tensor() as an "
                "argument and call apply_gradients(grads, weights, learning_rate)");
  }
  apply_gradients(grads, weights, learning_rate_tensor());
}

void Optimizer::apply_gradients(const std::vector<Tensor>& grads,
                                const std::vector<Tensor>& weights, const Tensor& learning_rate) {
  if (weights.empty() && grads.empty()) return;
  NABLA_CHECK(
      learning_rate.defined() && learning_rate.numel() == 1 && is_floating(learning_rate.dtype()),
      ValueError, name(), ": the learning rate must be a floating scalar tensor, got ",
      learning_rate.defined() ? learning_rate.shape() : Shape{});
  check_inputs(grads, weights);  // binds the weights
  create_state(weights);
  NoGradGuard no_grad;
  std::vector<Tensor> clipped(grads.size());
  for (size_t i = 0; i < grads.size(); ++i) {
    if (grads[i].defined()) clipped[i] = astype(grads[i], weights[i].dtype());
  }
  // Keras's order of precedence; the constructors allow at most one of the three.
  if (clip_.clipnorm) {
    for (Tensor& g : clipped) {
      if (g.defined()) g = clip_by_norm(g, *clip_.clipnorm);
    }
  } else if (clip_.global_clipnorm) {
    clip_by_global_norm(clipped, *clip_.global_clipnorm);
  } else if (clip_.clipvalue) {
    for (Tensor& g : clipped) {
      if (g.defined()) g = clip(g, -*clip_.clipvalue, *clip_.clipvalue);
    }
  }
  // Keras counts steps globally (iterations + 1), not per weight.
  StepValues step;
  if (!learning_rate.is_symbolic() && !dispatch_records_everything) {
    // Eager: the same values from C++ arithmetic (optim/step_scalars.hpp).
    const int64_t count = iterations();
    step.values = StepValues::Values{.learning_rate = learning_rate.astype(float64).item<double>(),
                                     .step = static_cast<double>(count + 1)};
    step.learning_rate = scalar_tensor(step.values->learning_rate, float64);
    step.step = scalar_tensor(step.values->step, float64);
  } else {
    step.learning_rate = astype(learning_rate.reshape(Shape{}), float64);
    step.step = astype(iterations_ + 1, float64);
  }
  // The step values are computed on the host (from the learning rate and the step count, which
  // live there) and read by the updates where the weights are: one small copy per step.
  step.scalars = step_scalars(step);  // undefined for optimizers without fused updates
  if (step.scalars.defined()) step.scalars = step.scalars.to(weights.front().device());
  for (size_t i = 0; i < weights.size(); ++i) {
    if (clipped[i].defined()) update(i, weights[i], clipped[i], step);
  }
  iterations_.add_(1);  // an effect of the graph when traced
}

void Optimizer::step(const std::vector<Tensor>& weights) {
  std::vector<Tensor> grads;
  grads.reserve(weights.size());
  for (size_t i = 0; i < weights.size(); ++i) {
    NABLA_CHECK(weights[i].defined(), ValueError, name(), ": weight ", i, " is undefined");
    grads.push_back(weights[i].grad());
  }
  apply_gradients(grads, weights);
}

double Optimizer::learning_rate() const { return learning_rate_.at(iterations()); }

Tensor Optimizer::learning_rate_tensor() const { return scalar_tensor(learning_rate(), float64); }

int64_t Optimizer::iterations() const { return iterations_.item<int64_t>(); }

void Optimizer::set_learning_rate(double learning_rate) { learning_rate_ = learning_rate; }

std::vector<Tensor> Optimizer::variables(const std::vector<Tensor>& weights) {
  std::vector<Tensor> out{iterations_.clone()};
  if (!learning_rate_.is_schedule()) out.push_back(full(Shape{}, learning_rate(), float64));
  for (const StateGroup& group : state_groups()) {
    for (size_t slot = 0; slot < weights.size(); ++slot) {
      for (StateList* list : group.lists) {
        const Tensor& state = detail::slot_state(*list, slot, weights[slot], group.initial);
        out.push_back(state.clone());
      }
    }
  }
  return out;
}

void Optimizer::load_variables(const std::vector<Tensor>& values,
                               const std::vector<Tensor>& weights) {
  const std::string who = name() + ".load_variables";
  const std::vector<StateGroup> groups = state_groups();
  const size_t base = learning_rate_.is_schedule() ? 1 : 2;
  size_t expected = base;
  for (const StateGroup& group : groups) expected += group.lists.size() * weights.size();
  // An optimizer saved before its first step (Keras: not built) has only the base variables.
  const bool unbuilt = values.size() == base && expected > base;
  NABLA_CHECK(values.size() == expected || unbuilt, ValueError, who, ": expected ", expected,
              " variables for ", weights.size(), " weights, got ", values.size());
  NABLA_CHECK(values[0].numel() == 1, ValueError, who, ": the step count must be a scalar, got ",
              values[0].shape());
  size_t k = base;
  for (const StateGroup& group : groups) {
    if (unbuilt) break;
    for (size_t slot = 0; slot < weights.size(); ++slot) {
      for (size_t l = 0; l < group.lists.size(); ++l, ++k) {
        NABLA_CHECK(values[k].shape() == weights[slot].shape(), ValueError, who, ": variable ", k,
                    " (state of weight ", slot, ") has shape ", values[k].shape(),
                    ", the weight has shape ", weights[slot].shape());
      }
    }
  }
  std::vector<std::weak_ptr<TensorImpl>> previous = std::exchange(slots_, {});
  try {
    bind(weights);
  } catch (...) {
    slots_ = std::move(previous);
    throw;
  }
  // Everything fits: apply, into the existing tensors (a traced step captured them).
  PauseTracing concrete;
  NoGradGuard no_grad;
  iterations_.copy_(values[0].astype(int64).reshape(Shape{}));
  if (!learning_rate_.is_schedule()) learning_rate_ = values[1].astype(float64).item<double>();
  k = base;
  for (const StateGroup& group : groups) {
    for (size_t slot = 0; slot < weights.size(); ++slot) {
      for (StateList* list : group.lists) {
        Tensor& state = detail::slot_state(*list, slot, weights[slot], group.initial);
        // Unbuilt in the file: the initial value, as a new optimizer starts from.
        if (unbuilt) {
          state.fill_(group.initial);
        } else {
          state.copy_(values[k++]);
        }
      }
    }
  }
}

namespace {

constexpr const char* kKnownNames = "sgd, adam, adamw, rmsprop, adagrad";

std::shared_ptr<Optimizer> optimizer_by_name(const std::string& name) {
  std::string key = name;
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (key == "sgd") return std::make_shared<SGD>();
  if (key == "adam") return std::make_shared<Adam>();
  if (key == "adamw") return std::make_shared<AdamW>();
  if (key == "rmsprop") return std::make_shared<RMSprop>();
  if (key == "adagrad") return std::make_shared<Adagrad>();
  NABLA_CHECK(false, ValueError, "optimizer: unknown name '", name, "'; known: ", kKnownNames);
  return nullptr;
}

}  // namespace

OptimizerRef::OptimizerRef(const char* name) {
  NABLA_CHECK(name != nullptr, ValueError, "optimizer: null name; known: ", kKnownNames);
  ptr_ = optimizer_by_name(name);
}

OptimizerRef::OptimizerRef(const std::string& name) : ptr_(optimizer_by_name(name)) {}

}  // namespace nabla::optim
