// Pieces shared by the fused recurrence kernels (recurrent_*_kernels.cpp): gate activations, the
// step mask, the split of the batch over threads and the recurrent kernel's gradient.
//
// Note [Recurrences split by batch rows]: row b of a recurrence depends only on row b of the
// previous state, forward and backward. Each thread therefore takes a block of batch rows through
// every step on its own: per step a single-threaded gemm of [rows, U] x [U, gates * U] (inside
// the parallel region OpenBLAS and oneDNN stay on the calling thread) followed by the gate math
// of the same rows while they are in cache, with no barrier between steps. Only the recurrent
// kernel's gradient, a sum over all rows and steps, is one multi-threaded gemm after the sweep.
#pragma once

#include <cmath>
#include <cstring>
#include <span>
#include <type_traits>

#include "backend/cpu/gemm.hpp"
#include "backend/kernel_table.hpp"
#include "backend/vector_math.hpp"
#include "nabla/util/parallel.hpp"

namespace nabla::cpu::recurrent {

template <class T>
inline T sigmoid(T x) {
  if constexpr (std::is_same_v<T, float>) {
    return vector_math::sigmoid(x);
  } else {
    return T(1) / (T(1) + std::exp(-x));
  }
}

template <class T>
inline T tanh(T x) {
  if constexpr (std::is_same_v<T, float>) {
    return vector_math::tanh(x);
  } else {
    return std::tanh(x);
  }
}

/// f(T{}) with T the floating type of the op's first output (the ops accept float32 and float64).
template <class F>
void by_dtype(const KernelContext& ctx, F&& f) {
  if (ctx.outputs[0].dtype() == DType::Float64) {
    f(double{});
  } else {
    f(float{});
  }
}

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
