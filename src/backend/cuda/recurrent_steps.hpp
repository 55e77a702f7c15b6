// The per-thread work of the CUDA recurrence kernels: one thread per (batch row b, unit j) of one
// step, launched by the sweeps of recurrent_kernels.cpp between the steps' cuBLAS products. The
// bodies are host-device functions over plain operand structs, so a host harness can run them as
// they are; the kernels (recurrent_kernels.cu) are grid-stride loops around them.
//
// Layouts and indices are the CPU kernels' (backend/cpu/recurrent_*_kernels.cpp): gates_x, h,
// d_h and the input gradients [B, T, n] batch-major, workspaces [T, B, width] time-major, masks
// [B, T]; the math is backend/recurrent_gates.hpp. A thread reads and writes only column j (of
// each gate) of row b, so the threads of a step never depend on each other.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "backend/recurrent_gates.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla::cuda::recurrent {

/// Whether step t of row b is real: the op's optional [B, T] bool mask, all steps when absent.
NABLA_HOST_DEVICE inline bool real_step(const bool* mask, int64_t b, int64_t t, int64_t steps) {
  return mask == nullptr || mask[b * steps + t];
}

/// The state row that step t of row b starts from: h0's row at t = 0, else h[b, t - 1].
template <class T>
NABLA_HOST_DEVICE inline const T* previous_row(const T* h0, const T* h, int64_t b, int64_t t,
                                               int64_t steps, int64_t units) {
  return t == 0 ? h0 + b * units : h + (b * steps + t - 1) * units;
}

// ---- LSTM: workspace [T, B, 5U] = i, f, g, o (activated), c ----

/// Step t, after ws[t]'s rows got the recurrent products h_{t-1} @ R in their first 4U columns.
template <class T>
struct LstmForwardStep {
  const T* x;        // gates_x [B, T, 4U]
  const T *h0, *c0;  // [B, U]
  const bool* mask;  // [B, T] or nullptr
  T* h;              // [B, T, U]
  T* ws;             // [T, B, 5U]
  int64_t batch, steps, units;
};

template <class T>
NABLA_HOST_DEVICE inline void step_unit(const LstmForwardStep<T>& p, int64_t t, int64_t b,
                                        int64_t j) {
  const int64_t u = p.units, gates = 4 * u, width = 5 * u;
  T* w = p.ws + (t * p.batch + b) * width;
  const T* x = p.x + (b * p.steps + t) * gates;
  const T* c_prev = t == 0 ? p.c0 + b * u : p.ws + ((t - 1) * p.batch + b) * width + gates;
  const T z_i = x[j] + w[j], z_f = x[u + j] + w[u + j];
  const T z_g = x[2 * u + j] + w[2 * u + j], z_o = x[3 * u + j] + w[3 * u + j];
  T* h_out = p.h + (b * p.steps + t) * u + j;
  if (real_step(p.mask, b, t, p.steps)) {
    const gates::Lstm<T> cell = gates::lstm(z_i, z_f, z_g, z_o, c_prev[j]);
    w[j] = cell.i;
    w[u + j] = cell.f;
    w[2 * u + j] = cell.g;
    w[3 * u + j] = cell.o;
    w[gates + j] = cell.c;
    *h_out = cell.h;
  } else {  // a padded step: both states carry over; the CPU leaves the pre-activations there
    w[j] = z_i;
    w[u + j] = z_f;
    w[2 * u + j] = z_g;
    w[3 * u + j] = z_o;
    w[gates + j] = c_prev[j];
    *h_out = previous_row(p.h0, p.h, b, t, p.steps, u)[j];
  }
}

/// Step t of the reverse sweep. dh, dc hold the gradients reaching h_t (without this step's
/// d_h) and c_t; afterwards the parts reaching h_{t-1} directly (the product with R^T is added
/// by the sweep) and c_{t-1}.
template <class T>
struct LstmBackwardStep {
  const T* c0;       // [B, U]
  const T* ws;       // [T, B, 5U]
  const T* d_h;      // [B, T, U]
  const bool* mask;  // [B, T] or nullptr
  T* d_x;            // [B, T, 4U]
  T *dh, *dc;        // [B, U]
  int64_t batch, steps, units;
};

template <class T>
NABLA_HOST_DEVICE inline void step_unit(const LstmBackwardStep<T>& p, int64_t t, int64_t b,
                                        int64_t j) {
  const int64_t u = p.units, gates = 4 * u, width = 5 * u, at = b * u + j;
  const T g = p.dh[at] + p.d_h[(b * p.steps + t) * u + j];
  T* d_z = p.d_x + (b * p.steps + t) * gates;
  if (!real_step(p.mask, b, t, p.steps)) {  // the states passed through: their gradients too
    d_z[j] = d_z[u + j] = d_z[2 * u + j] = d_z[3 * u + j] = T(0);
    p.dh[at] = g;
    return;
  }
  const T* w = p.ws + (t * p.batch + b) * width;
  const T* c_prev = t == 0 ? p.c0 + b * u : p.ws + ((t - 1) * p.batch + b) * width + gates;
  const gates::LstmGradient<T> d = gates::lstm_backward(w[j], w[u + j], w[2 * u + j], w[3 * u + j],
                                                        w[gates + j], c_prev[j], g, p.dc[at]);
  d_z[j] = d.i;
  d_z[u + j] = d.f;
  d_z[2 * u + j] = d.g;
  d_z[3 * u + j] = d.o;
  p.dc[at] = d.c_prev;
  p.dh[at] = T(0);
}

// ---- GRU: workspace [T, B, 4U] = z, r, hh (activated), a_h (zeros at padded steps) ----

/// Step t, after ws[t]'s rows got the recurrent products h_{t-1} @ R (without bias) in their
/// first 3U columns.
template <class T>
struct GruForwardStep {
  const T* x;        // gates_x [B, T, 3U]
  const T* bias;     // recurrent bias [3U]
  const T* h0;       // [B, U]
  const bool* mask;  // [B, T] or nullptr
  T* h;              // [B, T, U]
  T* ws;             // [T, B, 4U]
  int64_t batch, steps, units;
};

template <class T>
NABLA_HOST_DEVICE inline void step_unit(const GruForwardStep<T>& p, int64_t t, int64_t b,
                                        int64_t j) {
  const int64_t u = p.units;
  T* w = p.ws + (t * p.batch + b) * 4 * u;
  const T* h_prev = previous_row(p.h0, p.h, b, t, p.steps, u);
  T* h_out = p.h + (b * p.steps + t) * u + j;
  if (!real_step(p.mask, b, t, p.steps)) {  // a padded step: the state carries over
    w[j] = w[u + j] = w[2 * u + j] = w[3 * u + j] = T(0);
    *h_out = h_prev[j];
    return;
  }
  const T* x = p.x + (b * p.steps + t) * 3 * u;
  const gates::Gru<T> cell = gates::gru(x[j], x[u + j], x[2 * u + j], w[j], w[u + j], w[2 * u + j],
                                        p.bias[j], p.bias[u + j], p.bias[2 * u + j], h_prev[j]);
  w[j] = cell.z;
  w[u + j] = cell.r;
  w[2 * u + j] = cell.hh;
  w[3 * u + j] = cell.a_h;
  *h_out = cell.h;
}

/// Step t of the reverse sweep: d_x and d_a get the gradients of the step's input projections
/// and recurrent product (plus bias); dh as for the LSTM.
template <class T>
struct GruBackwardStep {
  const T *h0, *h;   // [B, U], [B, T, U]
  const T* ws;       // [T, B, 4U]
  const T* d_h;      // [B, T, U]
  const bool* mask;  // [B, T] or nullptr
  T *d_x, *d_a;      // [B, T, 3U]
  T* dh;             // [B, U]
  int64_t batch, steps, units;
};

template <class T>
NABLA_HOST_DEVICE inline void step_unit(const GruBackwardStep<T>& p, int64_t t, int64_t b,
                                        int64_t j) {
  const int64_t u = p.units, at = b * u + j, row = (b * p.steps + t) * 3 * u;
  const T g = p.dh[at] + p.d_h[(b * p.steps + t) * u + j];
  T* d_x = p.d_x + row;
  T* d_a = p.d_a + row;
  if (!real_step(p.mask, b, t, p.steps)) {  // the state passed through: its gradient too
    d_x[j] = d_x[u + j] = d_x[2 * u + j] = T(0);
    d_a[j] = d_a[u + j] = d_a[2 * u + j] = T(0);
    p.dh[at] = g;
    return;
  }
  const T* w = p.ws + (t * p.batch + b) * 4 * u;
  const gates::GruGradient<T> d = gates::gru_backward(
      w[j], w[u + j], w[2 * u + j], w[3 * u + j], previous_row(p.h0, p.h, b, t, p.steps, u)[j], g);
  d_x[j] = d.z;
  d_x[u + j] = d.r;
  d_x[2 * u + j] = d.hh;
  d_a[j] = d.z;
  d_a[u + j] = d.r;
  d_a[2 * u + j] = d.a_h;
  p.dh[at] = d.h_prev;
}

// ---- Simple RNN: the hidden states are the whole workspace ----

/// Step t, after h[:, t] got the recurrent products h_{t-1} @ R.
template <class T>
struct SimpleForwardStep {
  const T* x;        // inputs_x [B, T, U]
  const T* h0;       // [B, U]
  const bool* mask;  // [B, T] or nullptr
  T* h;              // [B, T, U]
  gates::Activation activation;
  int64_t batch, steps, units;
};

template <class T>
NABLA_HOST_DEVICE inline void step_unit(const SimpleForwardStep<T>& p, int64_t t, int64_t b,
                                        int64_t j) {
  const int64_t at = (b * p.steps + t) * p.units + j;
  if (real_step(p.mask, b, t, p.steps)) {
    p.h[at] = gates::activate(p.activation, p.x[at] + p.h[at]);
  } else {  // a padded step: the state carries over
    p.h[at] = previous_row(p.h0, p.h, b, t, p.steps, p.units)[j];
  }
}

template <class T>
struct SimpleBackwardStep {
  const T* h;        // [B, T, U]
  const T* d_h;      // [B, T, U]
  const bool* mask;  // [B, T] or nullptr
  T* d_x;            // [B, T, U]
  T* dh;             // [B, U]
  gates::Activation activation;
  int64_t batch, steps, units;
};

template <class T>
NABLA_HOST_DEVICE inline void step_unit(const SimpleBackwardStep<T>& p, int64_t t, int64_t b,
                                        int64_t j) {
  const int64_t at = (b * p.steps + t) * p.units + j, state = b * p.units + j;
  const T g = p.dh[state] + p.d_h[at];
  if (real_step(p.mask, b, t, p.steps)) {
    p.d_x[at] = gates::activation_backward(p.activation, p.h[at], g);
    p.dh[state] = T(0);
  } else {
    p.d_x[at] = T(0);
    p.dh[state] = g;
  }
}

// ---- After the reverse sweep ----

/// Element `index` of the [B * T, U] matrix whose row b * T + t is the state step t of row b
/// started from: the recurrent kernel's gradient is its transpose times the product gradients.
template <class T>
NABLA_HOST_DEVICE inline void previous_state_element(const T* h0, const T* h, int64_t steps,
                                                     int64_t units, T* out, int64_t index) {
  const int64_t row = index / units, j = index - row * units;
  const int64_t b = row / steps, t = row - b * steps;
  out[index] = previous_row(h0, h, b, t, steps, units)[j];
}

/// Rows of a column sum are split into kColumnSumSlices interleaved sets (row % slices), each
/// summed in row order by one thread; the partial sums are then added in slice order (a fixed
/// order: the sums are deterministic).
inline constexpr int kColumnSumSlices = 16;

template <class T>
NABLA_HOST_DEVICE inline T column_partial_sum(const T* x, int64_t rows, int64_t cols, int64_t j,
                                              int64_t slice, int64_t slices) {
  T sum(0);
  for (int64_t row = slice; row < rows; row += slices) sum += x[row * cols + j];
  return sum;
}

// ---- Launchers (recurrent_kernels.cu), all queued on stream `s` ----

/// One thread per (b, j) runs step_unit(p, t, b, j); instantiated for the six step structs and
/// float and double.
template <class Step>
void launch_step(const Step& p, int64_t t, cudaStream_t s);
/// out [B * T, U] (previous_state_element), for B * T * U > 0.
template <class T>
void launch_previous_states(const T* h0, const T* h, int64_t batch, int64_t steps, int64_t units,
                            T* out, cudaStream_t s);
/// out[j] = sum over rows of x[row, j] for x [rows, cols] (column_partial_sum), for cols > 0.
template <class T>
void launch_column_sums(const T* x, int64_t rows, int64_t cols, T* out, cudaStream_t s);
/// dst (contiguous, row-major) = src's elements, for a non-empty src of any layout and dtype.
void launch_dense_copy(const Tensor& src, void* dst, cudaStream_t s);

}  // namespace nabla::cuda::recurrent
