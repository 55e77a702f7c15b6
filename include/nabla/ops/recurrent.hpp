// Fused recurrences over a whole sequence: the loop of an LSTM, a GRU (reset gate after the
// recurrent product, Keras's reset_after=true and cuDNN's form) and a simple RNN, given the
// input projections of every step (computed by the caller in one matmul). Each op runs the
// per-step recurrent product and the gate math without per-step ops, and its gradient is one
// backward sweep plus one matrix product for the recurrent kernel (src/ops/recurrent.cpp).
//
// Shapes: B batch, T steps, U units. Gate order as Keras: LSTM i, f, c, o; GRU z, r, h. The loop
// runs in time order t = 0 .. T-1 (reverse the inputs for go_backwards). `mask` ([B, T] bool,
// optional) marks real steps: at a step where it is false the states carry over unchanged and
// the sequence output repeats the previous state (Keras's rnn with zero_output_for_mask=false).
#pragma once

#include <string>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

struct LstmSequenceResult {
  Tensor h;       // [B, T, U]: the hidden state after each step
  Tensor c_last;  // [B, U]: the cell state after the last step
};

/// gates_x: [B, T, 4U] = x_t @ kernel + bias for every step; recurrent_kernel: [U, 4U];
/// h0, c0: [B, U]. Per step: z = gates_x[:, t] + h @ recurrent_kernel;
/// i, f, o = sigmoid(z_i, z_f, z_o); g = tanh(z_c); c = f * c + i * g; h = o * tanh(c).
[[nodiscard]] LstmSequenceResult lstm_sequence(const Tensor& gates_x,
                                               const Tensor& recurrent_kernel, const Tensor& h0,
                                               const Tensor& c0, const Tensor& mask = {});

/// gates_x: [B, T, 3U] = x_t @ kernel + input_bias; recurrent_kernel: [U, 3U];
/// recurrent_bias: [3U]; h0: [B, U] -> the hidden states [B, T, U]. Per step:
/// a = h @ recurrent_kernel + recurrent_bias; z = sigmoid(x_z + a_z); r = sigmoid(x_r + a_r);
/// hh = tanh(x_h + r * a_h); h = z * h + (1 - z) * hh.
[[nodiscard]] Tensor gru_sequence(const Tensor& gates_x, const Tensor& recurrent_kernel,
                                  const Tensor& recurrent_bias, const Tensor& h0,
                                  const Tensor& mask = {});

/// inputs_x: [B, T, U] = x_t @ kernel + bias; recurrent_kernel: [U, U]; h0: [B, U] -> the hidden
/// states [B, T, U], h = activation(inputs_x[:, t] + h @ recurrent_kernel). activation: "tanh",
/// "relu", "sigmoid" or "linear".
[[nodiscard]] Tensor simple_rnn_sequence(const Tensor& inputs_x, const Tensor& recurrent_kernel,
                                         const Tensor& h0, const Tensor& mask = {},
                                         const std::string& activation = "tanh");

}  // namespace nabla
