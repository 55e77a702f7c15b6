// Recurrent layers (Keras's RNN, SimpleRNN, LSTM, GRU): a cell (recurrent_cells.hpp) run over
// the steps of inputs [batch, steps, features].
//
//   Tensor h = nn::LSTM(64, {.return_sequences = true})(x);     // [batch, steps, 64]
//   auto outs = nn::LSTM(64, {.return_state = true})(x);        // {output, h, c}
//   auto y = nn::LSTM(64)({x, h0, c0});                         // initial states given
//
// Masking: a mask riding on the input (Embedding(mask_zero), Masking) marks padded steps, where
// the states carry over unchanged and the output repeats the previous one (zeros with
// zero_output_for_mask). The built-in cells run the whole sequence as one fused op when their
// options allow (activation tanh / recurrent activation sigmoid, no recurrent_dropout; GRU with
// reset_after), else the cell's step runs once per step.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nabla/nn/layer_outputs.hpp"
#include "nabla/nn/layers/recurrent_cells.hpp"

namespace nabla::nn {

struct RNNOptions {
  bool return_sequences = false;  // the output of every step, else the last one
  bool return_state = false;      // also the final states: {output, *states}
  bool go_backwards = false;      // process the steps in reverse (outputs in that order)
  /// The final states of a batch are the initial states of the next (batch size fixed);
  /// reset_states() zeroes them.
  bool stateful = false;
  bool unroll = false;  // accepted for Keras configs; the loop is the same either way
  bool zero_output_for_mask = false;
};

/// Keras's RNN(cell): loops `cell` over the steps. Inputs [batch, steps, features], or a list
/// {x, *initial_states}. Outputs [batch, output_size] or, with return_sequences,
/// [batch, steps, output_size]; with return_state followed by the final states.
class RNN : public ClonableLayer<RNN> {
 public:
  template <class Cell>
  requires std::derived_from<Cell, RNNCell>
  explicit RNN(Cell cell, RNNOptions options = {})
      : RNN(std::shared_ptr<RNNCell>(std::make_shared<Cell>(std::move(cell))), options) {}
  RNN(std::shared_ptr<RNNCell> cell, RNNOptions options);

  /// The outputs: {output} or, with return_state, {output, *states}.
  LayerOutputs operator()(const Tensor& x, bool training = false);
  /// {x, *initial_states}.
  LayerOutputs operator()(const std::vector<Tensor>& x_and_states, bool training = false);

  [[nodiscard]] bool multiple_inputs() const override { return true; }
  void build_multiple(const std::vector<Shape>& input_shapes) override;
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::vector<Tensor> call_multiple(const std::vector<Tensor>& xs,
                                                  bool training) override;
  [[nodiscard]] bool supports_masking() const override { return true; }
  [[nodiscard]] std::vector<Tensor> compute_mask(const std::vector<Tensor>& inputs,
                                                 const std::vector<Tensor>& input_masks,
                                                 const std::vector<Tensor>& outputs) const override;
  [[nodiscard]] std::string class_name() const override { return "RNN"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static RNN from_config(const nlohmann::json& config);

  /// Zeroes the states a stateful layer carries between batches.
  void reset_states();
  /// The carried states of a stateful layer (empty before its first call).
  [[nodiscard]] std::vector<Tensor> states() const;
  [[nodiscard]] const std::shared_ptr<RNNCell>& cell() const { return cell_; }
  [[nodiscard]] const RNNOptions& rnn_options() const { return options_; }
  /// Bidirectional sets these on its copies of the wrapped layer.
  void set_go_backwards(bool go_backwards) { options_.go_backwards = go_backwards; }
  void set_zero_output_for_mask(bool zero) { options_.zero_output_for_mask = zero; }

 protected:
  /// The RNN keys of a config (return_sequences, ...).
  void write_rnn_config(nlohmann::json& config) const;
  /// Keras's flat config of SimpleRNN, LSTM and GRU: the cell's keys beside the RNN's.
  [[nodiscard]] nlohmann::json flat_config() const;
  [[nodiscard]] static RNNOptions read_rnn_config(const nlohmann::json& config,
                                                  std::string_view who);

 private:
  [[nodiscard]] SequenceOutput run_cell(const Tensor& x, std::vector<Tensor> states,
                                        const Tensor& mask, bool training);
  std::shared_ptr<RNNCell> cell_;
  RNNOptions options_;
  std::shared_ptr<std::vector<Tensor>> carried_;  // stateful: shared by the layer's copies
};

struct SimpleRNNOptions {
  ActivationArg activation = "tanh";
  bool use_bias = true;
  initializers::InitializerRef kernel_initializer = "glorot_uniform";
  initializers::InitializerRef recurrent_initializer = "orthogonal";
  initializers::InitializerRef bias_initializer = "zeros";
  regularizers::RegularizerRef kernel_regularizer = {};
  regularizers::RegularizerRef recurrent_regularizer = {};
  regularizers::RegularizerRef bias_regularizer = {};
  double dropout = 0.0;
  double recurrent_dropout = 0.0;
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  bool stateful = false;
  bool unroll = false;
};

/// Keras's SimpleRNN: RNN(SimpleRNNCell(units)); weights kernel, recurrent_kernel, bias.
class SimpleRNN : public ClonableLayer<SimpleRNN, RNN> {
 public:
  explicit SimpleRNN(int64_t units, SimpleRNNOptions options = {});
  [[nodiscard]] std::string class_name() const override { return "SimpleRNN"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static SimpleRNN from_config(const nlohmann::json& config);
};

struct LSTMOptions {
  ActivationArg activation = "tanh";
  ActivationArg recurrent_activation = "sigmoid";
  bool use_bias = true;
  initializers::InitializerRef kernel_initializer = "glorot_uniform";
  initializers::InitializerRef recurrent_initializer = "orthogonal";
  initializers::InitializerRef bias_initializer = "zeros";
  bool unit_forget_bias = true;
  regularizers::RegularizerRef kernel_regularizer = {};
  regularizers::RegularizerRef recurrent_regularizer = {};
  regularizers::RegularizerRef bias_regularizer = {};
  double dropout = 0.0;
  double recurrent_dropout = 0.0;
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  bool stateful = false;
  bool unroll = false;
};

/// Keras's LSTM: RNN(LSTMCell(units)); states {h, c}.
class LSTM : public ClonableLayer<LSTM, RNN> {
 public:
  explicit LSTM(int64_t units, LSTMOptions options = {});
  [[nodiscard]] std::string class_name() const override { return "LSTM"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static LSTM from_config(const nlohmann::json& config);
};

struct GRUOptions {
  ActivationArg activation = "tanh";
  ActivationArg recurrent_activation = "sigmoid";
  bool use_bias = true;
  initializers::InitializerRef kernel_initializer = "glorot_uniform";
  initializers::InitializerRef recurrent_initializer = "orthogonal";
  initializers::InitializerRef bias_initializer = "zeros";
  regularizers::RegularizerRef kernel_regularizer = {};
  regularizers::RegularizerRef recurrent_regularizer = {};
  regularizers::RegularizerRef bias_regularizer = {};
  double dropout = 0.0;
  double recurrent_dropout = 0.0;
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  bool stateful = false;
  bool unroll = false;
  bool reset_after = true;
};

/// Keras's GRU: RNN(GRUCell(units)).
class GRU : public ClonableLayer<GRU, RNN> {
 public:
  explicit GRU(int64_t units, GRUOptions options = {});
  [[nodiscard]] std::string class_name() const override { return "GRU"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static GRU from_config(const nlohmann::json& config);
};

}  // namespace nabla::nn
