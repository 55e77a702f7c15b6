// Per-weight optimizer state (moments, accumulators), created lazily on a weight's first update.
#pragma once

#include <vector>

#include "nabla/ops/creation.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla::optim::detail {

/// states[slot], created on first use with the weight's shape, dtype and device and filled with
/// `initial` (contiguous, even when the weight is a view).
inline Tensor& slot_state(std::vector<Tensor>& states, size_t slot, const Tensor& weight,
                          double initial = 0.0) {
  if (slot >= states.size()) states.resize(slot + 1);
  Tensor& state = states[slot];
  if (!state.defined()) state = full(weight.shape(), initial, weight.dtype(), weight.device());
  return state;
}

}  // namespace nabla::optim::detail
