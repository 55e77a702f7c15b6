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

/// Per-weight optimizer state (moments, accumulators): a list of tensors that copying an
/// optimizer clones. Updates write the state in place (a traced training step captures it by
/// reference), so two optimizers must never share it.
class StateList : public std::vector<Tensor> {
 public:
  StateList() = default;
  StateList(const StateList& other);
  StateList& operator=(const StateList& other);
  StateList(StateList&&) noexcept = default;
  StateList& operator=(StateList&&) noexcept = default;
  ~StateList() = default;
};

/// What update() reads that changes from step to step, as float64 tensors (symbolic inside a
/// trace, so a graph reads them at run time rather than freezing them).
struct StepValues {
  Tensor learning_rate;  // scalar
  Tensor step;           // scalar: the 1-based number of this step (Adam's bias correction)
  Tensor scalars;        // step_scalars(): the fused update kernels' per-step values
  /// learning_rate and step as C++ values, when the step runs eagerly (not inside a trace).
  struct Values {
    double learning_rate = 0.0;
    double step = 0.0;
  };
  std::optional<Values> values;
};

class Optimizer {
 public:
  explicit Optimizer(LearningRate learning_rate, ClipOptions clip = {});
  Optimizer(const Optimizer& other);  // copies the step count, not shares it
  Optimizer& operator=(const Optimizer& other);
  Optimizer(Optimizer&&) noexcept = default;
  Optimizer& operator=(Optimizer&&) noexcept = default;
  virtual ~Optimizer() = default;

  /// One step: clips the gradients, then updates every weight in place (no autograd recording)
  /// and counts the step. grads[i] has weights[i]'s shape and a floating dtype (converted to the
  /// weight's). Weights without a gradient (undefined) are skipped; none having one is a
  /// ValueError, as in Keras; two empty lists are a no-op. `weights` must be the same tensors on
  /// every call (per-weight state such as Adam's moments is kept by position; another set of
  /// weights is a ValueError).
  void apply_gradients(const std::vector<Tensor>& grads, const std::vector<Tensor>& weights);
  /// The same step with the learning rate given as a float64 scalar tensor: the form a traced
  /// training step uses (docs/graph.md). Inside nabla::function, pass learning_rate_tensor()
  /// as an argument of each call and apply the gradients with it: the update, the step count and
  /// the clipping are then recorded into the graph, and every run applies them.
  void apply_gradients(const std::vector<Tensor>& grads, const std::vector<Tensor>& weights,
                       const Tensor& learning_rate);
  /// apply_gradients with each weight's own grad().
  void step(const std::vector<Tensor>& weights);
  /// Creates the per-weight state of `weights` now (Keras's optimizer.build) and binds the
  /// optimizer to them; the first step does it otherwise. A traced step needs it done first (its
  /// graph captures the state), and apply_gradients does it, with recording paused, when called
  /// inside a trace.
  void build(const std::vector<Tensor>& weights);

  /// The learning rate for the next step (the schedule's value at iterations()).
  [[nodiscard]] double learning_rate() const;
  /// learning_rate() as a float64 scalar tensor, the argument of a traced step.
  [[nodiscard]] Tensor learning_rate_tensor() const;
  /// Replaces the learning rate by a constant (ReduceLROnPlateau, LearningRateScheduler).
  void set_learning_rate(double learning_rate);
  /// Steps taken. Kept in an int64 scalar tensor that each update increments, in a graph too.
  [[nodiscard]] int64_t iterations() const;
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
  /// before its first step) reset the per-weight state to its initial value. The values are
  /// written into the existing state tensors, so a traced step keeps seeing them.
  /// ValueError when the count or a shape differs; nothing changes then.
  void load_variables(const std::vector<Tensor>& values, const std::vector<Tensor>& weights);

 protected:
  /// Updates `weight` in place from `grad` (already clipped, maybe symbolic); `slot` is this
  /// weight's position, for per-weight state, which build() has created. Called under
  /// NoGradGuard. State is written in place (copy_, the fused kernels), never rebound: a graph
  /// holds it by reference.
  virtual void update(size_t slot, const Tensor& weight, const Tensor& grad,
                      const StepValues& step) = 0;
  /// Worked out once per step before the updates: the float64 vector of per-step values the
  /// optimizer's fused kernel reads (ops/optimizer_updates.hpp), from the learning rate and the
  /// step number (optim/step_scalars.hpp). Undefined when the optimizer has no fused kernel.
  [[nodiscard]] virtual Tensor step_scalars(const StepValues& step) const {
    (void)step;
    return {};
  }
  /// The per-weight state, for variables(): groups in Keras's order; the lists of one group are
  /// interleaved per weight ({&m_, &v_}: m0, v0, m1, v1, ...); `initial` fills missing state.
  /// Every list of every group is created by build(); state_groups() lists them all.
  struct StateGroup {
    std::vector<StateList*> lists;
    double initial = 0.0;
  };
  [[nodiscard]] virtual std::vector<StateGroup> state_groups() { return {}; }

 private:
  /// Sizes, shapes, dtypes, devices, and that the weights are those of the first step.
  void check_inputs(const std::vector<Tensor>& grads, const std::vector<Tensor>& weights);
  /// Binds the optimizer to `weights` on first use; afterwards checks they are the same tensors.
  void bind(const std::vector<Tensor>& weights);
  /// Creates the per-weight state still missing for the bound `weights` (build() without bind).
  void create_state(const std::vector<Tensor>& weights);

  LearningRate learning_rate_;
  ClipOptions clip_;
  Tensor iterations_;                             // int64 scalar, updated in place
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
