// Learning-rate schedules (keras.optimizers.schedules) and LearningRate, which an optimizer's
// options accept as either a number or a schedule.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <vector>

namespace nabla::optim {

class LearningRateSchedule {
 public:
  virtual ~LearningRateSchedule() = default;
  /// The learning rate at optimizer step `step` (0-based).
  [[nodiscard]] virtual double operator()(int64_t step) const = 0;
};

/// initial_learning_rate * decay_rate ^ (step / decay_steps), floored when staircase.
struct ExponentialDecayOptions {
  double initial_learning_rate = 0.01;
  int64_t decay_steps = 1000;
  double decay_rate = 0.96;
  bool staircase = false;
};
class ExponentialDecay : public LearningRateSchedule {
 public:
  explicit ExponentialDecay(ExponentialDecayOptions options);
  [[nodiscard]] double operator()(int64_t step) const override;

 private:
  ExponentialDecayOptions options_;
};

/// Cosine decay from initial_learning_rate to initial * alpha over decay_steps (optional linear
/// warm-up first), as keras.optimizers.schedules.CosineDecay.
struct CosineDecayOptions {
  double initial_learning_rate = 0.01;
  int64_t decay_steps = 1000;
  double alpha = 0.0;
  int64_t warmup_steps = 0;
  double warmup_target = 0.0;  // 0: no warm-up (warmup_steps must be 0; decay starts at initial)
};
class CosineDecay : public LearningRateSchedule {
 public:
  explicit CosineDecay(CosineDecayOptions options);
  [[nodiscard]] double operator()(int64_t step) const override;

 private:
  CosineDecayOptions options_;
};

/// values[i] while step <= boundaries[i] (values has one more entry than boundaries).
class PiecewiseConstantDecay : public LearningRateSchedule {
 public:
  PiecewiseConstantDecay(std::vector<int64_t> boundaries, std::vector<double> values);
  [[nodiscard]] double operator()(int64_t step) const override;

 private:
  std::vector<int64_t> boundaries_;
  std::vector<double> values_;
};

/// A constant or a schedule: `.learning_rate = 1e-3` or `.learning_rate = CosineDecay({...})`.
class LearningRate {
 public:
  LearningRate(double value) : value_(value) {}  // NOLINT: implicit by design
  template <class S>
  requires std::derived_from<S, LearningRateSchedule> LearningRate(S schedule)  // NOLINT
      : schedule_(std::make_shared<S>(std::move(schedule))) {}
  [[nodiscard]] double at(int64_t step) const { return schedule_ ? (*schedule_)(step) : value_; }
  [[nodiscard]] bool is_schedule() const { return schedule_ != nullptr; }

 private:
  double value_ = 0.001;
  std::shared_ptr<LearningRateSchedule> schedule_;
};

}  // namespace nabla::optim
