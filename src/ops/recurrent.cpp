// The fused recurrences (nabla/ops/recurrent.hpp): lstm_sequence, gru_sequence and
// simple_rnn_sequence. Each forward op also returns a workspace (the activated gates of every
// step, time-major) that its backward op reads, like cuDNN's reserve space; the public functions
// hide it. The backward ops are one reverse sweep each (backend/cpu/recurrent_*_kernels.cpp);
// they are not differentiable themselves, so second derivatives through a fused recurrence raise
// (PyTorch's cuDNN RNN has the same limit). The composite cells in nn (LSTMCell, ...) are the
// readable reference these are tested against, and are twice differentiable.
#include "nabla/ops/recurrent.hpp"

#include "nabla/ops/elementwise.hpp"
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"

namespace nabla {
namespace {

struct SequenceDims {
  int64_t batch, steps, units;
};

/// Checks the inputs every recurrence shares: inputs_x [B, T, gates * U], a recurrent kernel
/// [U, gates * U], the initial states [B, U] and an optional bool mask [B, T].
SequenceDims check_sequence(const OpDef& op, const Tensor& inputs_x, const Tensor& kernel,
                            std::span<const Tensor> states, const Tensor* mask, int64_t gates) {
  const DType dtype = inputs_x.dtype();
  NABLA_CHECK(is_floating(dtype), DTypeError, op.name, ": expected float32 or float64, got ",
              dtype);
  NABLA_CHECK(inputs_x.ndim() == 3, ShapeError, op.name,
              ": the input projections must be [batch, steps, ", gates, " * units], got ",
              inputs_x.shape());
  NABLA_CHECK(kernel.ndim() == 2 && kernel.size(1) == gates * kernel.size(0), ShapeError, op.name,
              ": the recurrent kernel must be [units, ", gates, " * units], got ", kernel.shape());
  const SequenceDims dims{inputs_x.size(0), inputs_x.size(1), kernel.size(0)};
  NABLA_CHECK(inputs_x.size(2) == gates * dims.units, ShapeError, op.name, ": input projections ",
              inputs_x.shape(), " do not match the recurrent kernel ", kernel.shape());
  NABLA_CHECK(kernel.dtype() == dtype, DTypeError, op.name, ": recurrent kernel is ",
              kernel.dtype(), ", input projections are ", dtype);
  for (const Tensor& s : states) {
    NABLA_CHECK(s.shape() == Shape({dims.batch, dims.units}), ShapeError, op.name,
                ": initial state must be [", dims.batch, ", ", dims.units, "], got ", s.shape());
    NABLA_CHECK(s.dtype() == dtype, DTypeError, op.name, ": initial state is ", s.dtype(),
                ", input projections are ", dtype);
  }
  if (mask != nullptr) {
    NABLA_CHECK(mask->dtype() == DType::Bool, DTypeError, op.name, ": mask must be bool, got ",
                mask->dtype());
    NABLA_CHECK(mask->shape() == Shape({dims.batch, dims.steps}), ShapeError, op.name,
                ": mask must be [batch, steps] = [", dims.batch, ", ", dims.steps, "], got ",
                mask->shape());
  }
  return dims;
}

const Tensor* optional_input(std::span<const Tensor> in, size_t index) {
  return in.size() > index ? &in[index] : nullptr;
}

Shape sequence_shape(const SequenceDims& d) { return {d.batch, d.steps, d.units}; }
Shape state_shape(const SequenceDims& d) { return {d.batch, d.units}; }
/// The workspace: `width` values per (step, batch row), time-major.
Shape workspace_shape(const SequenceDims& d, int64_t width) {
  return {d.steps, d.batch, width * d.units};
}

// ---- LSTM: inputs (gates_x, recurrent_kernel, h0, c0[, mask]) -> (h, c_last, workspace) ----
// Workspace per step and row: i, f, g, o (activated) and c.

std::vector<TensorSpec> lstm_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  const auto d = check_sequence(op, in[0], in[1], in.subspan(2, 2), optional_input(in, 4), 4);
  const DType t = in[0].dtype();
  return {{sequence_shape(d), t}, {state_shape(d), t}, {workspace_shape(d, 5), t}};
}

// (recurrent_kernel, h0, c0, h, workspace, d_h, d_c_last[, mask]) -> (d_gates_x, d_kernel, d_h0,
// d_c0)
std::vector<TensorSpec> lstm_backward_infer(const OpDef&, std::span<const Tensor> in,
                                            const Attrs&) {
  const Tensor &kernel = in[0], &h0 = in[1], &h = in[3];
  const DType t = kernel.dtype();
  return {{Shape({h.size(0), h.size(1), kernel.size(1)}), t},
          {kernel.shape(), t},
          {h0.shape(), t},
          {h0.shape(), t}};
}

std::vector<Tensor> lstm_vjp(const VjpContext& ctx);

// ---- GRU: inputs (gates_x, recurrent_kernel, recurrent_bias, h0[, mask]) -> (h, workspace) ----
// Workspace per step and row: z, r, hh (activated) and the recurrent candidate a_h.

std::vector<TensorSpec> gru_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  const auto d = check_sequence(op, in[0], in[1], in.subspan(3, 1), optional_input(in, 4), 3);
  const Tensor& bias = in[2];
  NABLA_CHECK(bias.shape() == Shape({3 * d.units}), ShapeError, op.name,
              ": recurrent bias must be [", 3 * d.units, "], got ", bias.shape());
  NABLA_CHECK(bias.dtype() == in[0].dtype(), DTypeError, op.name, ": recurrent bias is ",
              bias.dtype(), ", input projections are ", in[0].dtype());
  const DType t = in[0].dtype();
  return {{sequence_shape(d), t}, {workspace_shape(d, 4), t}};
}

// (recurrent_kernel, h0, h, workspace, d_h[, mask]) -> (d_gates_x, d_kernel, d_bias, d_h0)
std::vector<TensorSpec> gru_backward_infer(const OpDef&, std::span<const Tensor> in, const Attrs&) {
  const Tensor &kernel = in[0], &h0 = in[1], &h = in[2];
  const DType t = kernel.dtype();
  return {{Shape({h.size(0), h.size(1), kernel.size(1)}), t},
          {kernel.shape(), t},
          {Shape({kernel.size(1)}), t},
          {h0.shape(), t}};
}

std::vector<Tensor> gru_vjp(const VjpContext& ctx);

// ---- Simple RNN: inputs (inputs_x, recurrent_kernel, h0[, mask]) -> (h) ----

std::vector<TensorSpec> simple_rnn_infer(const OpDef& op, std::span<const Tensor> in,
                                         const Attrs& attrs) {
  const auto d = check_sequence(op, in[0], in[1], in.subspan(2, 1), optional_input(in, 3), 1);
  const std::string& activation = attrs.get<std::string>("activation");
  NABLA_CHECK(activation == "tanh" || activation == "relu" || activation == "sigmoid" ||
                  activation == "linear",
              ValueError, op.name,
              ": activation must be tanh, relu, sigmoid or linear (other activations run "
              "through the composite cell), got '",
              activation, "'");
  return single(sequence_shape(d), in[0].dtype());
}

// (recurrent_kernel, h0, h, d_h[, mask]) -> (d_inputs_x, d_kernel, d_h0)
std::vector<TensorSpec> simple_rnn_backward_infer(const OpDef&, std::span<const Tensor> in,
                                                  const Attrs&) {
  const Tensor &kernel = in[0], &h0 = in[1], &h = in[2];
  const DType t = kernel.dtype();
  return {{h.shape(), t}, {kernel.shape(), t}, {h0.shape(), t}};
}

std::vector<Tensor> simple_rnn_vjp(const VjpContext& ctx);

}  // namespace

NABLA_DEFINE_OP(lstm_sequence_op, .name = "lstm_sequence", .infer = &lstm_infer, .vjp = &lstm_vjp,
                .saves = Saves::Both, .differentiable_outputs = 2);
NABLA_DEFINE_OP(lstm_sequence_backward_op, .name = "lstm_sequence_backward",
                .infer = &lstm_backward_infer);
NABLA_DEFINE_OP(gru_sequence_op, .name = "gru_sequence", .infer = &gru_infer, .vjp = &gru_vjp,
                .saves = Saves::Both, .differentiable_outputs = 1);
NABLA_DEFINE_OP(gru_sequence_backward_op, .name = "gru_sequence_backward",
                .infer = &gru_backward_infer);
NABLA_DEFINE_OP(simple_rnn_sequence_op, .name = "simple_rnn_sequence", .infer = &simple_rnn_infer,
                .vjp = &simple_rnn_vjp, .saves = Saves::Both);
NABLA_DEFINE_OP(simple_rnn_sequence_backward_op, .name = "simple_rnn_sequence_backward",
                .infer = &simple_rnn_backward_infer);

namespace {

/// The forward call's mask (its last input when there is one beyond `count`) appended to `args`.
void append_mask(std::vector<Tensor>& args, std::span<const Tensor> forward_inputs, size_t count) {
  if (forward_inputs.size() > count) args.push_back(forward_inputs[count]);
}

/// The backward kernels read contiguous gradients (a gradient arriving through a slice or an
/// expand is a view).
Tensor dense(const Tensor& g) { return g.contiguous(); }

std::vector<Tensor> lstm_vjp(const VjpContext& ctx) {
  const auto& in = ctx.inputs;
  std::vector<Tensor> args{in[1],
                           in[2],
                           in[3],
                           ctx.outputs[0],
                           ctx.outputs[2],
                           dense(ctx.grad_outputs[0]),
                           dense(ctx.grad_outputs[1])};
  append_mask(args, in, 4);
  std::vector<Tensor> g = dispatch(lstm_sequence_backward_op, args);
  g.resize(in.size());  // none for the mask
  return g;
}

std::vector<Tensor> gru_vjp(const VjpContext& ctx) {
  const auto& in = ctx.inputs;
  std::vector<Tensor> args{in[1], in[3], ctx.outputs[0], ctx.outputs[1],
                           dense(ctx.grad_outputs[0])};
  append_mask(args, in, 4);
  std::vector<Tensor> g = dispatch(gru_sequence_backward_op, args);
  g.resize(in.size());
  return g;
}

std::vector<Tensor> simple_rnn_vjp(const VjpContext& ctx) {
  const auto& in = ctx.inputs;
  std::vector<Tensor> args{in[1], in[2], ctx.outputs[0], dense(ctx.grad_outputs[0])};
  append_mask(args, in, 3);
  std::vector<Tensor> g = dispatch(simple_rnn_sequence_backward_op, args, ctx.attrs);
  g.resize(in.size());
  return g;
}

/// The inputs of a fused recurrence: contiguous (the kernels walk raw rows), the mask as bool.
std::vector<Tensor> sequence_inputs(std::initializer_list<Tensor> tensors, const Tensor& mask,
                                    std::string_view op) {
  std::vector<Tensor> args;
  for (const Tensor& t : tensors) {
    NABLA_CHECK(t.defined(), ValueError, op, ": undefined input");
    args.push_back(t.contiguous());
  }
  if (mask.defined()) args.push_back(mask.astype(DType::Bool).contiguous());
  return args;
}

}  // namespace

LstmSequenceResult lstm_sequence(const Tensor& gates_x, const Tensor& recurrent_kernel,
                                 const Tensor& h0, const Tensor& c0, const Tensor& mask) {
  const auto args = sequence_inputs({gates_x, recurrent_kernel, h0, c0}, mask, "lstm_sequence");
  std::vector<Tensor> out = dispatch(lstm_sequence_op, args);
  return {out[0], out[1]};
}

Tensor gru_sequence(const Tensor& gates_x, const Tensor& recurrent_kernel,
                    const Tensor& recurrent_bias, const Tensor& h0, const Tensor& mask) {
  const auto args =
      sequence_inputs({gates_x, recurrent_kernel, recurrent_bias, h0}, mask, "gru_sequence");
  return dispatch(gru_sequence_op, args)[0];
}

Tensor simple_rnn_sequence(const Tensor& inputs_x, const Tensor& recurrent_kernel, const Tensor& h0,
                           const Tensor& mask, const std::string& activation) {
  const auto args = sequence_inputs({inputs_x, recurrent_kernel, h0}, mask, "simple_rnn_sequence");
  return dispatch(simple_rnn_sequence_op, args, Attrs{{"activation", activation}})[0];
}

}  // namespace nabla
