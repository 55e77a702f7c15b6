// CPU kernels of gru_sequence (reset gate after the recurrent product) and its backward sweep
// (ops/recurrent.cpp). Workspace layout [T, B, 4U]: per step and row the activated gates z, r,
// the candidate hh, and the recurrent candidate a_h = (h @ R + b)_h that the reset gate scales
// (the gate math: backend/recurrent_gates.hpp; the CUDA kernels keep the same layout).
#include <vector>

#include "backend/cpu/kernels.hpp"
#include "backend/cpu/recurrent_common.hpp"

namespace nabla::cpu {
namespace {

using recurrent::copy_row;
using recurrent::previous_row;

/// One row of one step: x (input projections), a (recurrent product without bias) -> h, ws.
template <class T>
void gru_row(const T* __restrict x, const T* __restrict a, const T* __restrict bias,
             const T* __restrict h_prev, T* __restrict h, T* __restrict ws, int64_t units) {
  for (int64_t j = 0; j < units; ++j) {
    const gates::Gru<T> u =
        gates::gru(x[j], x[units + j], x[2 * units + j], a[j], a[units + j], a[2 * units + j],
                   bias[j], bias[units + j], bias[2 * units + j], h_prev[j]);
    h[j] = u.h;
    ws[j] = u.z;
    ws[units + j] = u.r;
    ws[2 * units + j] = u.hh;
    ws[3 * units + j] = u.a_h;
  }
}

template <class T>
void gru_forward(const KernelContext& ctx) {
  const Tensor &gates_x = ctx.inputs[0], &kernel = ctx.inputs[1];
  const int64_t batch = gates_x.size(0), steps = gates_x.size(1), units = kernel.size(0);
  const int64_t gates = 3 * units, width = 4 * units;
  const recurrent::StepMask mask = recurrent::step_mask(ctx.inputs, 4, steps);
  const T* x = gates_x.data<T>();
  const T* r = kernel.data<T>();
  const T* bias = ctx.inputs[2].data<T>();
  const T* h0 = ctx.inputs[3].data<T>();
  T* h = ctx.outputs[0].data<T>();
  T* ws = ctx.outputs[1].data<T>();
  recurrent::for_row_blocks(batch, [&](int64_t b0, int64_t b1) {
    const int64_t rows = b1 - b0;
    std::vector<T> a(static_cast<size_t>(rows * gates));
    for (int64_t t = 0; t < steps; ++t) {
      const T* h_prev = previous_row(h0, h, b0, t, steps, units);
      gemm<T>(false, false, rows, gates, units, h_prev, t == 0 ? units : steps * units, r, gates,
              T(0), a.data(), gates);
      for (int64_t b = b0; b < b1; ++b) {
        T* w = ws + (t * batch + b) * width;
        const T* hp = previous_row(h0, h, b, t, steps, units);
        T* h_out = h + (b * steps + t) * units;
        if (mask.real(b, t)) {
          gru_row(x + (b * steps + t) * gates, a.data() + (b - b0) * gates, bias, hp, h_out, w,
                  units);
        } else {  // a padded step: the state carries over
          copy_row(hp, h_out, units);
          std::memset(w, 0, static_cast<size_t>(width) * sizeof(T));
        }
      }
    }
  });
}

/// One row of one step backwards: dh (the gradient reaching h_t, replaced by its direct part
/// z * dh into h_{t-1}) -> the gradients of the input projections and of the recurrent product.
template <class T>
void gru_row_backward(const T* __restrict w, const T* __restrict h_prev, T* __restrict dh,
                      T* __restrict d_x, T* __restrict d_a, int64_t units) {
  for (int64_t j = 0; j < units; ++j) {
    const gates::GruGradient<T> d = gates::gru_backward(w[j], w[units + j], w[2 * units + j],
                                                        w[3 * units + j], h_prev[j], dh[j]);
    d_x[j] = d.z;
    d_x[units + j] = d.r;
    d_x[2 * units + j] = d.hh;
    d_a[j] = d.z;
    d_a[units + j] = d.r;
    d_a[2 * units + j] = d.a_h;
    dh[j] = d.h_prev;
  }
}

// inputs (recurrent_kernel, h0, h, workspace, d_h[, mask])
// outputs (d_gates_x, d_kernel, d_bias, d_h0)
template <class T>
void gru_backward(const KernelContext& ctx) {
  const Tensor &kernel = ctx.inputs[0], &h_seq = ctx.inputs[2];
  const int64_t batch = h_seq.size(0), steps = h_seq.size(1), units = kernel.size(0);
  const int64_t gates = 3 * units, width = 4 * units;
  const recurrent::StepMask mask = recurrent::step_mask(ctx.inputs, 5, steps);
  const T* r = kernel.data<T>();
  const T* h0 = ctx.inputs[1].data<T>();
  const T* h = h_seq.data<T>();
  const T* ws = ctx.inputs[3].data<T>();
  const T* d_h = ctx.inputs[4].data<T>();
  T* d_x = ctx.outputs[0].data<T>();
  T* dh = ctx.outputs[3].data<T>();  // the running gradient of h, ending as d_h0
  // The gradient of each step's recurrent product h @ R + b: [B, T, 3U].
  const Tensor d_a_all = Tensor::empty({batch, steps, gates}, dtype_of<T>);
  T* d_a = d_a_all.data<T>();
  recurrent::for_row_blocks(batch, [&](int64_t b0, int64_t b1) {
    const int64_t rows = b1 - b0;
    std::memset(dh + b0 * units, 0, static_cast<size_t>(rows * units) * sizeof(T));
    for (int64_t t = steps - 1; t >= 0; --t) {
      for (int64_t b = b0; b < b1; ++b) {
        T* dh_row = dh + b * units;
        const T* incoming = d_h + (b * steps + t) * units;
        for (int64_t j = 0; j < units; ++j) dh_row[j] += incoming[j];
        T* dx_row = d_x + (b * steps + t) * gates;
        T* da_row = d_a + (b * steps + t) * gates;
        if (!mask.real(b, t)) {  // the state passed through: its gradient too
          std::memset(dx_row, 0, static_cast<size_t>(gates) * sizeof(T));
          std::memset(da_row, 0, static_cast<size_t>(gates) * sizeof(T));
          continue;
        }
        gru_row_backward(ws + (t * batch + b) * width, previous_row(h0, h, b, t, steps, units),
                         dh_row, dx_row, da_row, units);
      }
      gemm<T>(false, true, rows, units, gates, d_a + (b0 * steps + t) * gates, steps * gates, r,
              gates, T(1), dh + b0 * units, units);
    }
  });
  recurrent::recurrent_kernel_gradient(h0, h, d_a, batch, steps, units, gates,
                                       ctx.outputs[1].data<T>());
  // d_bias: column sums of d_a over all rows and steps.
  T* d_bias = ctx.outputs[2].data<T>();
  std::memset(d_bias, 0, static_cast<size_t>(gates) * sizeof(T));
  for (int64_t row = 0; row < batch * steps; ++row) {
    const T* da_row = d_a + row * gates;
    for (int64_t j = 0; j < gates; ++j) d_bias[j] += da_row[j];
  }
}

}  // namespace

void register_recurrent_gru_kernels(KernelTable& table) {
  table.add("gru_sequence", DeviceKind::CPU, [](const KernelContext& ctx) {
    visit_floating_dtype(ctx.outputs[0].dtype(), [&]<class T>(T) { gru_forward<T>(ctx); });
  });
  table.add("gru_sequence_backward", DeviceKind::CPU, [](const KernelContext& ctx) {
    visit_floating_dtype(ctx.outputs[0].dtype(), [&]<class T>(T) { gru_backward<T>(ctx); });
  });
}

}  // namespace nabla::cpu
