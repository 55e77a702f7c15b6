// Helpers the sequence layers share (RNN, Bidirectional).
#pragma once

#include "nabla/tensor/tensor.hpp"

namespace nabla::nn::detail {

/// x [batch, steps, ...] with the steps in reverse order (a copy; differentiable).
[[nodiscard]] inline Tensor reverse_steps(const Tensor& x) {
  const int64_t steps = x.size(1);
  return x.slice(1, steps - 1, -steps - 1, -1).contiguous();
}

}  // namespace nabla::nn::detail
