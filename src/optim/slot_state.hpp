// Per-weight optimizer state (moments, accumulators), created by Optimizer::build (or the first
// step) with the weight's shape, dtype and device.
#pragma once

#include "nabla/ops/creation.hpp"
#include "nabla/optim/optimizer.hpp"

namespace nabla::optim::detail {

/// states[slot], created filled with `initial` when missing or when it no longer matches the
/// weight's shape, dtype or device (contiguous, even when the weight is a view).
inline Tensor& slot_state(StateList& states, size_t slot, const Tensor& weight,
                          double initial = 0.0) {
  if (slot >= states.size()) states.resize(slot + 1);
  Tensor& state = states[slot];
  if (!state.defined() || state.shape() != weight.shape() || state.dtype() != weight.dtype() ||
      state.device() != weight.device()) {
    state = full(weight.shape(), initial, weight.dtype(), weight.device());
  }
  return state;
}

}  // namespace nabla::optim::detail
