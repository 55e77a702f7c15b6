// Recurrent cells (Keras's SimpleRNNCell, LSTMCell, GRUCell and the RNN cell protocol): one
// step of a recurrence. The generic RNN layer (recurrent.hpp) loops a cell over the steps of a
// sequence; the built-in cells also offer a fused path over the whole sequence
// (nabla/ops/recurrent.hpp) that RNN takes whenever the cell's options allow it.
//
// Write your own cell by deriving from RNNCell:
//   struct MinimalCell : nn::RNNCell {
//     Tensor kernel;
//     void build(const Shape& s) override { kernel = add_weight("kernel", {s[-1], 8}); }
//     std::vector<int64_t> state_size() const override { return {8}; }
//     nn::CellOutput step(const Tensor& x, const std::vector<Tensor>& states, bool) override {
//       Tensor h = tanh(matmul(x, kernel) + states[0]);
//       return {h, {h}};
//     }
//   };
//   Tensor y = nn::RNN(MinimalCell())(x);
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nabla/nn/layer.hpp"
#include "nabla/nn/layers/core.hpp"

namespace nabla::nn {

/// One step's result: the output and the new states (in state_size() order).
struct CellOutput {
  Tensor output;
  std::vector<Tensor> states;
};

/// A whole sequence's result: outputs [batch, steps, output_size] (in processing order; at a
/// masked step the previous output repeats) and the final states.
struct SequenceOutput {
  Tensor outputs;
  std::vector<Tensor> states;
};

/// The RNN cell protocol. A cell is a layer called on [x_t, *states] that returns
/// [output, *new_states]; build() receives x_t's shape [batch, features].
class RNNCell : public Layer {
 public:
  using Layer::Layer;
  /// The size of each state (LSTM: {units, units}).
  [[nodiscard]] virtual std::vector<int64_t> state_size() const = 0;
  [[nodiscard]] virtual int64_t output_size() const { return state_size().at(0); }
  /// One step: x [batch, features] and the states -> the output and the new states.
  [[nodiscard]] virtual CellOutput step(const Tensor& x, const std::vector<Tensor>& states,
                                        bool training) = 0;
  /// The whole sequence at once when the cell has a fused implementation for its options;
  /// x [batch, steps, features], mask [batch, steps] bool or undefined. Default: none.
  [[nodiscard]] virtual std::optional<SequenceOutput> fused_sequence(
      const Tensor& x, const std::vector<Tensor>& states, const Tensor& mask, bool training);
  /// Zero states for a batch (Keras's get_initial_state).
  [[nodiscard]] std::vector<Tensor> initial_state(int64_t batch) const;
  /// Forgets the dropout masks of the current sequence (the RNN layer calls it before and
  /// after each sequence: a mask is drawn once per sequence and reused at every step, as
  /// Keras's DropoutRNNCell does).
  void reset_dropout_masks();

  [[nodiscard]] bool multiple_inputs() const override { return true; }
  void build_multiple(const std::vector<Shape>& input_shapes) override;
  [[nodiscard]] std::vector<Tensor> call_multiple(const std::vector<Tensor>& xs,
                                                  bool training) override;

 protected:
  /// x times this sequence's dropout mask (drawn on first use), in training with 0 < rate.
  [[nodiscard]] Tensor input_dropout(const Tensor& x, double rate, bool training);
  [[nodiscard]] Tensor recurrent_dropout(const Tensor& h, double rate, bool training);

 private:
  Tensor input_mask_, recurrent_mask_;
};

struct SimpleRNNCellOptions {
  ActivationArg activation = "tanh";
  bool use_bias = true;
  initializers::InitializerRef kernel_initializer = "glorot_uniform";
  initializers::InitializerRef recurrent_initializer = "orthogonal";
  initializers::InitializerRef bias_initializer = "zeros";
  regularizers::RegularizerRef kernel_regularizer = {};
  regularizers::RegularizerRef recurrent_regularizer = {};
  regularizers::RegularizerRef bias_regularizer = {};
  double dropout = 0.0;            // fraction of the inputs dropped (one mask per sequence)
  double recurrent_dropout = 0.0;  // fraction of the previous state dropped before its product
};

/// h = activation(x @ kernel + h @ recurrent_kernel + bias); kernel [in, units],
/// recurrent_kernel [units, units], bias [units].
class SimpleRNNCell : public ClonableLayer<SimpleRNNCell, RNNCell> {
 public:
  explicit SimpleRNNCell(int64_t units, SimpleRNNCellOptions options = {});
  void build(const Shape& input_shape) override;
  [[nodiscard]] std::vector<int64_t> state_size() const override { return {units_}; }
  [[nodiscard]] CellOutput step(const Tensor& x, const std::vector<Tensor>& states,
                                bool training) override;
  [[nodiscard]] std::optional<SequenceOutput> fused_sequence(const Tensor& x,
                                                             const std::vector<Tensor>& states,
                                                             const Tensor& mask,
                                                             bool training) override;
  [[nodiscard]] std::string class_name() const override { return "SimpleRNNCell"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static SimpleRNNCell from_config(const nlohmann::json& config);
  [[nodiscard]] int64_t units() const { return units_; }
  [[nodiscard]] const SimpleRNNCellOptions& options() const { return options_; }
  Tensor kernel, recurrent_kernel, bias;

 private:
  int64_t units_;
  SimpleRNNCellOptions options_;
};

struct LSTMCellOptions {
  ActivationArg activation = "tanh";
  ActivationArg recurrent_activation = "sigmoid";
  bool use_bias = true;
  initializers::InitializerRef kernel_initializer = "glorot_uniform";
  initializers::InitializerRef recurrent_initializer = "orthogonal";
  initializers::InitializerRef bias_initializer = "zeros";
  bool unit_forget_bias = true;  // the forget gate's bias starts at 1 (Jozefowicz et al.)
  regularizers::RegularizerRef kernel_regularizer = {};
  regularizers::RegularizerRef recurrent_regularizer = {};
  regularizers::RegularizerRef bias_regularizer = {};
  double dropout = 0.0;
  double recurrent_dropout = 0.0;
};

/// Keras's LSTM step, gate order i, f, c, o: z = x @ kernel + h @ recurrent_kernel + bias;
/// i, f, o = recurrent_activation(z_i, z_f, z_o); c = f * c + i * activation(z_c);
/// h = o * activation(c). kernel [in, 4 units], recurrent_kernel [units, 4 units], bias
/// [4 units]; states {h, c}.
class LSTMCell : public ClonableLayer<LSTMCell, RNNCell> {
 public:
  explicit LSTMCell(int64_t units, LSTMCellOptions options = {});
  void build(const Shape& input_shape) override;
  [[nodiscard]] std::vector<int64_t> state_size() const override { return {units_, units_}; }
  [[nodiscard]] CellOutput step(const Tensor& x, const std::vector<Tensor>& states,
                                bool training) override;
  [[nodiscard]] std::optional<SequenceOutput> fused_sequence(const Tensor& x,
                                                             const std::vector<Tensor>& states,
                                                             const Tensor& mask,
                                                             bool training) override;
  [[nodiscard]] std::string class_name() const override { return "LSTMCell"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static LSTMCell from_config(const nlohmann::json& config);
  [[nodiscard]] int64_t units() const { return units_; }
  [[nodiscard]] const LSTMCellOptions& options() const { return options_; }
  Tensor kernel, recurrent_kernel, bias;

 private:
  int64_t units_;
  LSTMCellOptions options_;
};

struct GRUCellOptions {
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
  /// Reset gate after the recurrent product (Keras 3's default, cuDNN's form; bias [2, 3 units]:
  /// input and recurrent biases) or before it (bias [3 units]).
  bool reset_after = true;
};

/// Keras's GRU step, gate order z, r, h: z = σ(x_z + a_z), r = σ(x_r + a_r),
/// hh = tanh(x_h + r * a_h) with a = h @ recurrent_kernel + recurrent_bias (reset_after), or
/// hh = tanh(x_h + (r * h) @ recurrent_kernel_h) (reset before); h = z * h + (1 - z) * hh.
class GRUCell : public ClonableLayer<GRUCell, RNNCell> {
 public:
  explicit GRUCell(int64_t units, GRUCellOptions options = {});
  void build(const Shape& input_shape) override;
  [[nodiscard]] std::vector<int64_t> state_size() const override { return {units_}; }
  [[nodiscard]] CellOutput step(const Tensor& x, const std::vector<Tensor>& states,
                                bool training) override;
  [[nodiscard]] std::optional<SequenceOutput> fused_sequence(const Tensor& x,
                                                             const std::vector<Tensor>& states,
                                                             const Tensor& mask,
                                                             bool training) override;
  [[nodiscard]] std::string class_name() const override { return "GRUCell"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static GRUCell from_config(const nlohmann::json& config);
  [[nodiscard]] int64_t units() const { return units_; }
  [[nodiscard]] const GRUCellOptions& options() const { return options_; }
  Tensor kernel, recurrent_kernel, bias;

 private:
  int64_t units_;
  GRUCellOptions options_;
};

}  // namespace nabla::nn
