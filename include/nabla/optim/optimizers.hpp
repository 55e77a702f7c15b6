// The optimizers, with Keras's option names and defaults.
#pragma once

#include "nabla/optim/optimizer.hpp"

namespace nabla::optim {

struct SGDOptions {
  LearningRate learning_rate = 0.01;
  double momentum = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;  // decoupled: w -= lr * weight_decay * w (Keras 3)
  ClipOptions clip = {};
};
class SGD : public Optimizer {
 public:
  explicit SGD(SGDOptions options = {});
  [[nodiscard]] std::string name() const override { return "SGD"; }
  [[nodiscard]] nlohmann::json get_config() const override;

 protected:
  void update(size_t slot, const Tensor& weight, const Tensor& grad,
              const StepValues& step) override;
  [[nodiscard]] Tensor step_scalars(const StepValues& step) const override;
  [[nodiscard]] std::vector<StateGroup> state_groups() override;

 private:
  SGDOptions options_;
  StateList velocity_;
};

struct AdamOptions {
  LearningRate learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
  double weight_decay = 0.0;  // Adam: none by default; AdamW: decoupled decay
  ClipOptions clip = {};
};
class Adam : public Optimizer {
 public:
  explicit Adam(AdamOptions options = {});
  [[nodiscard]] std::string name() const override { return "Adam"; }
  [[nodiscard]] nlohmann::json get_config() const override;

 protected:
  void update(size_t slot, const Tensor& weight, const Tensor& grad,
              const StepValues& step) override;
  [[nodiscard]] Tensor step_scalars(const StepValues& step) const override;
  [[nodiscard]] std::vector<StateGroup> state_groups() override;
  AdamOptions options_;

 private:
  StateList m_, v_, v_max_;  // Keras counts Adam's steps globally: iterations() + 1
};

/// Adam with decoupled weight decay (default 0.004, as Keras).
struct AdamWOptions {
  LearningRate learning_rate = 0.001;
  double weight_decay = 0.004;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
  ClipOptions clip = {};
};
class AdamW : public Adam {
 public:
  explicit AdamW(AdamWOptions options = {});
  [[nodiscard]] std::string name() const override { return "AdamW"; }
  [[nodiscard]] nlohmann::json get_config() const override;
};

struct RMSpropOptions {
  LearningRate learning_rate = 0.001;
  double rho = 0.9;
  double momentum = 0.0;
  double epsilon = 1e-7;
  bool centered = false;
  ClipOptions clip = {};
};
class RMSprop : public Optimizer {
 public:
  explicit RMSprop(RMSpropOptions options = {});
  [[nodiscard]] std::string name() const override { return "RMSprop"; }
  [[nodiscard]] nlohmann::json get_config() const override;

 protected:
  void update(size_t slot, const Tensor& weight, const Tensor& grad,
              const StepValues& step) override;
  [[nodiscard]] std::vector<StateGroup> state_groups() override;

 private:
  RMSpropOptions options_;
  StateList mean_square_, momentum_, mean_grad_;
};

struct AdagradOptions {
  LearningRate learning_rate = 0.001;
  double initial_accumulator_value = 0.1;
  double epsilon = 1e-7;
  ClipOptions clip = {};
};
class Adagrad : public Optimizer {
 public:
  explicit Adagrad(AdagradOptions options = {});
  [[nodiscard]] std::string name() const override { return "Adagrad"; }
  [[nodiscard]] nlohmann::json get_config() const override;

 protected:
  void update(size_t slot, const Tensor& weight, const Tensor& grad,
              const StepValues& step) override;
  [[nodiscard]] std::vector<StateGroup> state_groups() override;

 private:
  AdagradOptions options_;
  StateList accumulator_;
};

}  // namespace nabla::optim
