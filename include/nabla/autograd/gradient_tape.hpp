// TensorFlow's tf.GradientTape on nabla's engine, for users coming from TensorFlow:
//   GradientTape tape;  tape.watch(x);  Tensor y = f(x);  Tensor dx = tape.gradient(y, {x})[0];
// Ops on watched tensors are recorded while the tape lives (there is no `with` block in C++: the
// tape's scope is its lifetime). A tape answers gradient() once unless it is persistent.
#pragma once

#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

class GradientTape {
 public:
  explicit GradientTape(bool persistent = false) : persistent_(persistent) {}
  /// Watched leaves that the tape switched to requires_grad are switched back.
  ~GradientTape();
  GradientTape(const GradientTape&) = delete;
  GradientTape& operator=(const GradientTape&) = delete;

  /// Records the ops that use `x` from now on (x must be a floating tensor).
  void watch(const Tensor& x);
  /// d target / d source for each source (target summed when it has several elements, as in
  /// TensorFlow; or weighted by output_gradients). Sources the target does not depend on get an
  /// undefined Tensor (TensorFlow's None).
  [[nodiscard]] std::vector<Tensor> gradient(const Tensor& target,
                                             const std::vector<Tensor>& sources,
                                             const Tensor& output_gradients = {});
  [[nodiscard]] bool persistent() const { return persistent_; }

 private:
  bool persistent_;
  bool used_ = false;
  std::vector<Tensor> switched_on_;  // leaves whose requires_grad this tape turned on
};

}  // namespace nabla
