// CPU kernels of simple_rnn_sequence, h = activation(x_t + h @ R), and its backward sweep
// (ops/recurrent.cpp). The activations' derivatives are functions of their outputs, so the
// hidden states are the whole workspace (the math: backend/recurrent_gates.hpp).
#include <string>

#include "backend/cpu/kernels.hpp"
#include "backend/cpu/recurrent_common.hpp"

namespace nabla::cpu {
namespace {

using recurrent::copy_row;
using recurrent::previous_row;

using gates::Activation;

template <Activation A, class T>
void activate_row(T* __restrict y, int64_t n) {
  for (int64_t j = 0; j < n; ++j) y[j] = gates::activate<A>(y[j]);
}

template <class T>
void activate(T* __restrict y, int64_t n, Activation activation) {
  switch (activation) {
    case Activation::Tanh:
      return activate_row<Activation::Tanh>(y, n);
    case Activation::Relu:
      return activate_row<Activation::Relu>(y, n);
    case Activation::Sigmoid:
      return activate_row<Activation::Sigmoid>(y, n);
    case Activation::Linear:
      return;
  }
}

template <Activation A, class T>
void activation_backward_row(const T* __restrict y, const T* __restrict g, T* __restrict d,
                             int64_t n) {
  for (int64_t j = 0; j < n; ++j) d[j] = gates::activation_backward<A>(y[j], g[j]);
}

/// d = g * activation'(input), from the activation's output y.
template <class T>
void activation_backward(const T* __restrict y, const T* __restrict g, T* __restrict d, int64_t n,
                         Activation activation) {
  switch (activation) {
    case Activation::Tanh:
      return activation_backward_row<Activation::Tanh>(y, g, d, n);
    case Activation::Relu:
      return activation_backward_row<Activation::Relu>(y, g, d, n);
    case Activation::Sigmoid:
      return activation_backward_row<Activation::Sigmoid>(y, g, d, n);
    case Activation::Linear:
      return activation_backward_row<Activation::Linear>(y, g, d, n);
  }
}

template <class T>
void simple_rnn_forward(const KernelContext& ctx) {
  const Tensor &inputs_x = ctx.inputs[0], &kernel = ctx.inputs[1];
  const int64_t batch = inputs_x.size(0), steps = inputs_x.size(1), units = kernel.size(0);
  const recurrent::StepMask mask = recurrent::step_mask(ctx.inputs, 3, steps);
  const Activation activation = gates::activation_named(ctx.attrs.get<std::string>("activation"));
  const T* x = inputs_x.data<T>();
  const T* r = kernel.data<T>();
  const T* h0 = ctx.inputs[2].data<T>();
  T* h = ctx.outputs[0].data<T>();
  recurrent::for_row_blocks(batch, [&](int64_t b0, int64_t b1) {
    const int64_t rows = b1 - b0;
    for (int64_t t = 0; t < steps; ++t) {
      for (int64_t b = b0; b < b1; ++b) {
        copy_row(x + (b * steps + t) * units, h + (b * steps + t) * units, units);
      }
      gemm<T>(false, false, rows, units, units, previous_row(h0, h, b0, t, steps, units),
              t == 0 ? units : steps * units, r, units, T(1), h + (b0 * steps + t) * units,
              steps * units);
      for (int64_t b = b0; b < b1; ++b) {
        T* h_out = h + (b * steps + t) * units;
        if (mask.real(b, t)) {
          activate(h_out, units, activation);
        } else {  // a padded step: the state carries over
          copy_row(previous_row(h0, h, b, t, steps, units), h_out, units);
        }
      }
    }
  });
}

// inputs (recurrent_kernel, h0, h, d_h[, mask]) -> outputs (d_inputs_x, d_kernel, d_h0)
template <class T>
void simple_rnn_backward(const KernelContext& ctx) {
  const Tensor &kernel = ctx.inputs[0], &h_seq = ctx.inputs[2];
  const int64_t batch = h_seq.size(0), steps = h_seq.size(1), units = kernel.size(0);
  const recurrent::StepMask mask = recurrent::step_mask(ctx.inputs, 4, steps);
  const Activation activation = gates::activation_named(ctx.attrs.get<std::string>("activation"));
  const T* r = kernel.data<T>();
  const T* h0 = ctx.inputs[1].data<T>();
  const T* h = h_seq.data<T>();
  const T* d_h = ctx.inputs[3].data<T>();
  T* d_x = ctx.outputs[0].data<T>();
  T* dh = ctx.outputs[2].data<T>();  // the running gradient of h, ending as d_h0
  recurrent::for_row_blocks(batch, [&](int64_t b0, int64_t b1) {
    const int64_t rows = b1 - b0;
    std::memset(dh + b0 * units, 0, static_cast<size_t>(rows * units) * sizeof(T));
    for (int64_t t = steps - 1; t >= 0; --t) {
      for (int64_t b = b0; b < b1; ++b) {
        T* dh_row = dh + b * units;
        const int64_t at = (b * steps + t) * units;
        for (int64_t j = 0; j < units; ++j) dh_row[j] += d_h[at + j];
        if (!mask.real(b, t)) {
          std::memset(d_x + at, 0, static_cast<size_t>(units) * sizeof(T));
          continue;
        }
        activation_backward(h + at, dh_row, d_x + at, units, activation);
        std::memset(dh_row, 0, static_cast<size_t>(units) * sizeof(T));
      }
      gemm<T>(false, true, rows, units, units, d_x + (b0 * steps + t) * units, steps * units, r,
              units, T(1), dh + b0 * units, units);
    }
  });
  recurrent::recurrent_kernel_gradient(h0, h, d_x, batch, steps, units, units,
                                       ctx.outputs[1].data<T>());
}

}  // namespace

void register_recurrent_simple_kernels(KernelTable& table) {
  table.add("simple_rnn_sequence", DeviceKind::CPU, [](const KernelContext& ctx) {
    visit_floating_dtype(ctx.outputs[0].dtype(), [&]<class T>(T) { simple_rnn_forward<T>(ctx); });
  });
  table.add("simple_rnn_sequence_backward", DeviceKind::CPU, [](const KernelContext& ctx) {
    visit_floating_dtype(ctx.outputs[0].dtype(), [&]<class T>(T) { simple_rnn_backward<T>(ctx); });
  });
}

}  // namespace nabla::cpu
