// Grad mode: whether ops record the autograd graph (per thread, on by default). NoGradGuard turns
// it off for a scope (inference, optimiser updates); EnableGradGuard turns it back on inside one.
#pragma once

namespace nabla {

[[nodiscard]] bool is_grad_enabled();
void set_grad_enabled(bool enabled);

/// Restores the previous grad mode when the scope ends.
class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled) : previous_(is_grad_enabled()) { set_grad_enabled(enabled); }
  ~GradModeGuard() { set_grad_enabled(previous_); }
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool previous_;
};

/// PyTorch's torch.no_grad(): no graph is recorded inside the scope.
class NoGradGuard : public GradModeGuard {
 public:
  NoGradGuard() : GradModeGuard(false) {}
};

/// PyTorch's torch.enable_grad(): recording on, even inside a NoGradGuard.
class EnableGradGuard : public GradModeGuard {
 public:
  EnableGradGuard() : GradModeGuard(true) {}
};

}  // namespace nabla
