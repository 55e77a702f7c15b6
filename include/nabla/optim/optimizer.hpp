// Optimizers (Keras's keras.optimizers): an Optimizer turns each trainable weight's gradient
// into an in-place update. Options are C++20 designated initialisers with Keras's names and
// defaults: optim::Adam({.learning_rate = 1e-3}).
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "nabla/optim/schedules.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla::optim {

/// Gradient clipping shared by every optimizer (Keras's clipnorm / clipvalue / global_clipnorm).
/// At most one may be set, and it must be > 0 (ValueError otherwise). The members are initialised
/// so that `.clip = {.clipnorm = 1.0}` compiles without missing-field-initializers warnings.
struct ClipOptions {
  std::optional<double> clipnorm = std::nullopt;   // each gradient rescaled to <= this L2 norm
  std::optional<double> clipvalue = std::nullopt;  // each element clipped to [-v, v]
  std::optional<double> global_clipnorm = std::nullopt;  // all gradients rescaled together
};

class Optimizer {
 public:
  explicit Optimizer(LearningRate learning_rate, ClipOptions clip = {});
  virtual ~Optimizer() = default;

  /// One step: clips the gradients, then updates every weight in place (no autograd recording)
  /// and counts the step. grads[i] has weights[i]'s shape and a floating dtype (converted to the
  /// weight's). Weights without a gradient (undefined) are skipped; none having one is a
  /// ValueError, as in Keras; two empty lists are a no-op. `weights` must be the same tensors on
  /// every call (per-weight state such as Adam's moments is kept by position; another set of
  /// weights is a ValueError).
  void apply_gradients(const std::vector<Tensor>& grads, const std::vector<Tensor>& weights);
  /// apply_gradients with each weight's own grad().
  void step(const std::vector<Tensor>& weights);

  /// The learning rate for the next step (the schedule's value at iterations()).
  [[nodiscard]] double learning_rate() const;
  /// Replaces the learning rate by a constant (ReduceLROnPlateau, LearningRateScheduler).
  void set_learning_rate(double learning_rate);
  [[nodiscard]] int64_t iterations() const { return iterations_; }
  [[nodiscard]] virtual std::string name() const = 0;
  /// Keras's optimizer config: {"name", "learning_rate", "clipnorm", ...} plus each optimizer's
  /// own options. A schedule is written as the learning rate it gives now (nabla does not
  /// serialize schedules).
  [[nodiscard]] virtual nlohmann::json get_config() const;

  /// Keras's optimizer.variables, what checkpoints save: the step count (int64 scalar), the
  /// learning rate (a float64 scalar, exact where Keras keeps float32; absent when a schedule
  /// drives it from the step count), then
  /// the per-weight state in Keras's order (Adam: m and v of each weight in turn, then each
  /// v_max with amsgrad; RMSprop: every mean square, then momentums, then mean gradients).
  /// `weights` are the weights this optimizer updates; state not created yet (a weight that
  /// never had a gradient) is its initial value. Copies: changing them changes nothing.
  [[nodiscard]] std::vector<Tensor> variables(const std::vector<Tensor>& weights);
  /// Restores what variables() gave for the same `weights` (the optimizer then applies to
  /// exactly these weights). Only the step count and learning rate (an optimizer Keras saved
  /// before its first step) leave the per-weight state to be created at the next step.
  /// ValueError when the count or a shape differs; nothing changes then.
  void load_variables(const std::vector<Tensor>& values, const std::vector<Tensor>& weights);

 protected:
  /// Updates `weight` in place from `grad` (already clipped) with learning rate `lr`; `slot` is
  /// this weight's position, for per-weight state. Called under NoGradGuard.
  virtual void update(size_t slot, const Tensor& weight, const Tensor& grad, double lr) = 0;
  /// The per-weight state, for variables(): groups in Keras's order; the lists of one group are
  /// interleaved per weight ({&m_, &v_}: m0, v0, m1, v1, ...); `initial` fills missing state.
  struct StateGroup {
    std::vector<std::vector<Tensor>*> lists;
    double initial = 0.0;
  };
  [[nodiscard]] virtual std::vector<StateGroup> state_groups() { return {}; }

 private:
  /// Sizes, shapes, dtypes, devices, and that the weights are those of the first step.
  void check_inputs(const std::vector<Tensor>& grads, const std::vector<Tensor>& weights);

  LearningRate learning_rate_;
  ClipOptions clip_;
  int64_t iterations_ = 0;
  std::vector<std::weak_ptr<TensorImpl>> slots_;  // the weights of the first step, by position
};

/// An optimizer given to compile(): any optimizer object, or a Keras name ("sgd", "adam",
/// "adamw", "rmsprop", "adagrad") with default options.
class OptimizerRef {
 public:
  template <class T>
  requires std::derived_from<T, Optimizer> OptimizerRef(T optimizer)  // NOLINT: implicit
      : ptr_(std::make_shared<T>(std::move(optimizer))) {}
  explicit OptimizerRef(std::shared_ptr<Optimizer> optimizer) : ptr_(std::move(optimizer)) {}
  OptimizerRef(const char* name);         // NOLINT: implicit, like Keras's strings
  OptimizerRef(const std::string& name);  // NOLINT
  OptimizerRef() = default;
  [[nodiscard]] const std::shared_ptr<Optimizer>& get() const { return ptr_; }
  [[nodiscard]] bool defined() const { return ptr_ != nullptr; }

 private:
  std::shared_ptr<Optimizer> ptr_;
};

/// Keras's optimizers.serialize: {"module": "keras.optimizers", "class_name", "config",
/// "registered_name": null}.
[[nodiscard]] nlohmann::json serialize(const Optimizer& optimizer);
/// Keras's optimizers.deserialize: a name ("adam") or a serialize() result, for SGD, Adam, AdamW,
/// RMSprop and Adagrad. ValueError for another class or a bad option.
[[nodiscard]] std::shared_ptr<Optimizer> deserialize(const nlohmann::json& config);

}  // namespace nabla::optim
