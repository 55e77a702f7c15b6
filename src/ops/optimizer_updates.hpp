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
/// `scalars` (float64 [2], read when the update runs, so a graph can feed each step's values):
/// the learning rate lr and decay = 1 - lr * weight_decay.
struct SgdUpdate {
  double momentum = 0.0;  // 0: `velocity` may be undefined
  bool nesterov = false;
};
void sgd_update_(const Tensor& weight, const Tensor& grad, const Tensor& scalars,
                 const Tensor& velocity, const SgdUpdate& update);

/// Adam (Keras 3): w *= decay; m += (g - m)(1 - beta_1); v += (g^2 - v)(1 - beta_2);
/// with AMSGrad v_max = max(v_max, v) replaces v below; w -= m * alpha / (sqrt(v) + epsilon).
/// `scalars` (float64 [2]): alpha, the learning rate with the bias correction folded in, and
/// decay = 1 - lr * weight_decay.
struct AdamUpdate {
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
};
/// `v_max` undefined: plain Adam; defined: AMSGrad.
void adam_update_(const Tensor& weight, const Tensor& grad, const Tensor& scalars, const Tensor& m,
                  const Tensor& v, const Tensor& v_max, const AdamUpdate& update);

}  // namespace nabla::detail
