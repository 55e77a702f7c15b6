// CPU kernels of lstm_sequence and its backward sweep (ops/recurrent.cpp). Workspace layout
// [T, B, 5U]: per step and row the activated gates i, f, g, o, then the cell state c (the gate
// math: backend/recurrent_gates.hpp; the CUDA kernels keep the same layout).
#include "backend/cpu/kernels.hpp"
#include "backend/cpu/recurrent_common.hpp"

namespace nabla::cpu {
namespace {

using recurrent::copy_row;
using recurrent::previous_row;

/// One row of one step: z (pre-activations, activated in place) -> c, h.
template <class T>
void lstm_row(T* __restrict z, const T* __restrict c_prev, T* __restrict c, T* __restrict h,
              int64_t units) {
  T* zi = z;
  T* zf = z + units;
  T* zg = z + 2 * units;
  T* zo = z + 3 * units;
  for (int64_t j = 0; j < units; ++j) {
    const gates::Lstm<T> u = gates::lstm(zi[j], zf[j], zg[j], zo[j], c_prev[j]);
    zi[j] = u.i;
    zf[j] = u.f;
    zg[j] = u.g;
    zo[j] = u.o;
    c[j] = u.c;
    h[j] = u.h;
  }
}

template <class T>
void lstm_forward(const KernelContext& ctx) {
  const Tensor &gates_x = ctx.inputs[0], &kernel = ctx.inputs[1];
  const int64_t batch = gates_x.size(0), steps = gates_x.size(1), units = kernel.size(0);
  const int64_t gates = 4 * units, width = 5 * units;
  const recurrent::StepMask mask = recurrent::step_mask(ctx.inputs, 4, steps);
  const T* x = gates_x.data<T>();
  const T* r = kernel.data<T>();
  const T* h0 = ctx.inputs[2].data<T>();
  const T* c0 = ctx.inputs[3].data<T>();
  T* h = ctx.outputs[0].data<T>();
  T* c_last = ctx.outputs[1].data<T>();
  T* ws = ctx.outputs[2].data<T>();
  recurrent::for_row_blocks(batch, [&](int64_t b0, int64_t b1) {
    const int64_t rows = b1 - b0;
    for (int64_t t = 0; t < steps; ++t) {
      T* ws_t = ws + (t * batch + b0) * width;
      for (int64_t b = b0; b < b1; ++b) {
        copy_row(x + (b * steps + t) * gates, ws_t + (b - b0) * width, gates);
      }
      const T* h_prev = previous_row(h0, h, b0, t, steps, units);
      gemm<T>(false, false, rows, gates, units, h_prev, t == 0 ? units : steps * units, r, gates,
              T(1), ws_t, width);
      for (int64_t b = b0; b < b1; ++b) {
        T* z = ws_t + (b - b0) * width;
        const T* c_prev = t == 0 ? c0 + b * units : ws + ((t - 1) * batch + b) * width + gates;
        T* h_out = h + (b * steps + t) * units;
        if (mask.real(b, t)) {
          lstm_row(z, c_prev, z + gates, h_out, units);
        } else {  // a padded step: both states carry over
          copy_row(previous_row(h0, h, b, t, steps, units), h_out, units);
          copy_row(c_prev, z + gates, units);
        }
      }
    }
    for (int64_t b = b0; b < b1; ++b) {
      const T* c_end = steps == 0 ? c0 + b * units : ws + ((steps - 1) * batch + b) * width + gates;
      copy_row(c_end, c_last + b * units, units);
    }
  });
}

/// One row of one step backwards: dh, dc (the gradients reaching h_t, c_t) -> d_z, and dc
/// becomes the gradient reaching c_{t-1}.
template <class T>
void lstm_row_backward(const T* __restrict z, const T* __restrict c_prev, const T* __restrict dh,
                       T* __restrict dc, T* __restrict d_z, int64_t units) {
  const T* cell = z + 4 * units;
  for (int64_t j = 0; j < units; ++j) {
    const gates::LstmGradient<T> d = gates::lstm_backward(
        z[j], z[units + j], z[2 * units + j], z[3 * units + j], cell[j], c_prev[j], dh[j], dc[j]);
    d_z[j] = d.i;
    d_z[units + j] = d.f;
    d_z[2 * units + j] = d.g;
    d_z[3 * units + j] = d.o;
    dc[j] = d.c_prev;
  }
}

// inputs (recurrent_kernel, h0, c0, h, workspace, d_h, d_c_last[, mask])
// outputs (d_gates_x, d_kernel, d_h0, d_c0)
template <class T>
void lstm_backward(const KernelContext& ctx) {
  const Tensor &kernel = ctx.inputs[0], &h_seq = ctx.inputs[3];
  const int64_t batch = h_seq.size(0), steps = h_seq.size(1), units = kernel.size(0);
  const int64_t gates = 4 * units, width = 5 * units;
  const recurrent::StepMask mask = recurrent::step_mask(ctx.inputs, 7, steps);
  const T* r = kernel.data<T>();
  const T* h0 = ctx.inputs[1].data<T>();
  const T* c0 = ctx.inputs[2].data<T>();
  const T* h = h_seq.data<T>();
  const T* ws = ctx.inputs[4].data<T>();
  const T* d_h = ctx.inputs[5].data<T>();
  const T* d_c_last = ctx.inputs[6].data<T>();
  T* d_x = ctx.outputs[0].data<T>();
  T* dh = ctx.outputs[2].data<T>();  // the running gradients of h and c, ending as d_h0, d_c0
  T* dc = ctx.outputs[3].data<T>();
  recurrent::for_row_blocks(batch, [&](int64_t b0, int64_t b1) {
    const int64_t rows = b1 - b0;
    std::memset(dh + b0 * units, 0, static_cast<size_t>(rows * units) * sizeof(T));
    copy_row(d_c_last + b0 * units, dc + b0 * units, rows * units);
    for (int64_t t = steps - 1; t >= 0; --t) {
      for (int64_t b = b0; b < b1; ++b) {
        T* dh_row = dh + b * units;
        const T* incoming = d_h + (b * steps + t) * units;
        for (int64_t j = 0; j < units; ++j) dh_row[j] += incoming[j];
        T* d_z = d_x + (b * steps + t) * gates;
        if (!mask.real(b, t)) {  // the states passed through: their gradients too
          std::memset(d_z, 0, static_cast<size_t>(gates) * sizeof(T));
          continue;
        }
        const T* c_prev = t == 0 ? c0 + b * units : ws + ((t - 1) * batch + b) * width + gates;
        lstm_row_backward(ws + (t * batch + b) * width, c_prev, dh_row, dc + b * units, d_z, units);
        std::memset(dh_row, 0, static_cast<size_t>(units) * sizeof(T));
      }
      // dh_{t-1} = d_z_t @ R^T (plus, on padded rows, the carried gradient left in dh).
      gemm<T>(false, true, rows, units, gates, d_x + (b0 * steps + t) * gates, steps * gates, r,
              gates, T(1), dh + b0 * units, units);
    }
  });
  recurrent::recurrent_kernel_gradient(h0, h, d_x, batch, steps, units, gates,
                                       ctx.outputs[1].data<T>());
}

}  // namespace

void register_recurrent_lstm_kernels(KernelTable& table) {
  table.add("lstm_sequence", DeviceKind::CPU, [](const KernelContext& ctx) {
    visit_floating_dtype(ctx.outputs[0].dtype(), [&]<class T>(T) { lstm_forward<T>(ctx); });
  });
  table.add("lstm_sequence_backward", DeviceKind::CPU, [](const KernelContext& ctx) {
    visit_floating_dtype(ctx.outputs[0].dtype(), [&]<class T>(T) { lstm_backward<T>(ctx); });
  });
}

}  // namespace nabla::cpu
