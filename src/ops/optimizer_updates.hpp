// Fused optimizer updates: one pass that updates a weight and its optimizer state in place
// (Note [Fused optimizer updates] in optimizer_updates.cpp). For the optim module; the composite
// updates in src/optim/ stay the reference they are tested against.
#pragma once

#include <span>

#include "nabla/tensor/tensor.hpp"

namespace nabla::detail {

/// True when the fused kernels take these tensors: concrete, defined, one device with a kernel,
/// one float32/float64 dtype, one shape, each contiguous, no two sharing memory. Otherwise use
/// the composite update.
[[nodiscard]] bool fused_update_supported(std::span<const Tensor> tensors);

/// SGD (Keras 3): w *= decay; then without momentum w -= lr * g, else
/// v = momentum * v - lr * g and w += v (Nesterov: w += momentum * v - lr * g).
struct SgdUpdate {
  double learning_rate = 0.01;
  double momentum = 0.0;  // 0: `velocity` may be undefined
  bool nesterov = false;
  double decay = 1.0;  // 1 - learning_rate * weight_decay
};
void sgd_update_(const Tensor& weight, const Tensor& grad, const Tensor& velocity,
                 const SgdUpdate& update);

/// Adam (Keras 3): w *= decay; m += (g - m)(1 - beta_1); v += (g^2 - v)(1 - beta_2);
/// with AMSGrad v_max = max(v_max, v) replaces v below; w -= m * alpha / (sqrt(v) + epsilon).
struct AdamUpdate {
  double alpha = 0.001;  // learning rate with the bias correction folded in
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  double decay = 1.0;  // 1 - learning_rate * weight_decay
};
/// `v_max` undefined: plain Adam; defined: AMSGrad.
void adam_update_(const Tensor& weight, const Tensor& grad, const Tensor& m, const Tensor& v,
                  const Tensor& v_max, const AdamUpdate& update);

}  // namespace nabla::detail
