// Pieces shared by the fused recurrence kernels (recurrent_*_kernels.cpp): the step mask, the
// split of the batch over threads and the recurrent kernel's gradient. The gate math itself is
// backend/recurrent_gates.hpp, shared with the CUDA kernels.
//
// Note [Recurrences split by batch rows]: row b of a recurrence depends only on row b of the
// previous state, forward and backward. Each thread therefore takes a block of batch rows through
// every step on its own: per step a single-threaded gemm of [rows, U] x [U, gates * U] (inside
// the parallel region OpenBLAS and oneDNN stay on the calling thread) followed by the gate math
// of the same rows while they are in cache, with no barrier between steps. Only the recurrent
// kernel's gradient, a sum over all rows and steps, is one multi-threaded gemm after the sweep.
#pragma once

#include <cstring>
#include <span>

#include "backend/cpu/gemm.hpp"
#include "backend/kernel_table.hpp"
#include "backend/recurrent_gates.hpp"
#include "nabla/util/parallel.hpp"

namespace nabla::cpu::recurrent {

/// Which steps are real: the op's optional [B, T] bool mask, all steps when absent.
struct StepMask {
  const bool* data = nullptr;
  int64_t steps = 0;
  [[nodiscard]] bool real(int64_t b, int64_t t) const {
    return data == nullptr || data[b * steps + t];
  }
};

[[nodiscard]] inline StepMask step_mask(std::span<const Tensor> inputs, size_t index,
                                        int64_t steps) {
  if (inputs.size() <= index) return {};
  return {inputs[index].data<bool>(), steps};
}

/// body(row_begin, row_end) on blocks of batch rows, one block per thread (Note above).
template <class Body>
void for_row_blocks(int64_t batch, Body&& body) {
  constexpr int64_t kMinRowsPerThread = 8;
  parallel_for(0, batch, kMinRowsPerThread, body);
}

template <class T>
void copy_row(const T* from, T* to, int64_t n) {
  std::memcpy(to, from, static_cast<size_t>(n) * sizeof(T));
}

/// The state row that step t of row b starts from: h0's row at t = 0, else h[b, t - 1].
template <class T>
[[nodiscard]] const T* previous_row(const T* h0, const T* h, int64_t b, int64_t t, int64_t steps,
                                    int64_t units) {
  return t == 0 ? h0 + b * units : h + (b * steps + t - 1) * units;
}

/// d_kernel [U, n] = sum over rows b and steps t of h_{t-1}[b]^T d_a[b, t] (h_{-1} = h0), as one
/// gemm over the [B * T, U] matrix of previous states. d_a: [B, T, n].
template <class T>
void recurrent_kernel_gradient(const T* h0, const T* h, const T* d_a, int64_t batch, int64_t steps,
                               int64_t units, int64_t n, T* d_kernel) {
  if (batch * steps == 0) {
    std::memset(d_kernel, 0, static_cast<size_t>(units * n) * sizeof(T));
    return;
  }
  const Tensor previous = Tensor::empty({batch * steps, units}, dtype_of<T>);
  T* p = previous.data<T>();
  parallel_for(0, batch, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      copy_row(h0 + b * units, p + b * steps * units, units);
      copy_row(h + b * steps * units, p + (b * steps + 1) * units, (steps - 1) * units);
    }
  });
  gemm<T>(true, false, units, n, batch * steps, p, units, d_a, n, T(0), d_kernel, n);
}

}  // namespace nabla::cpu::recurrent
