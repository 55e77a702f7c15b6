// fused_elementwise: the shape/dtype rule (which validates the program), and the VJP, which walks
// the program backwards through the component ops' own VJPs (recomputing the intermediate values
// they read with the component ops), so it is written with ops and can be differentiated again.
// With a sum (attributes "axes", "keepdims", "keep_value"), the sum's own VJP starts the walk.
#include "ops/fused_elementwise.hpp"

#include <algorithm>
#include <array>

#include "nabla/ops/elementwise.hpp"
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"
#include "ops/vjp_util.hpp"

namespace nabla {

extern const OpDef sum_op;

namespace {

struct Instruction {
  const OpDef* op = nullptr;
  int64_t lhs = 0, rhs = -1;  // value references; rhs = -1 for unary ops
};

/// The program's instructions; assumes it passed validate_program.
std::vector<Instruction> decode(const std::vector<int64_t>& program) {
  std::vector<Instruction> instructions;
  for (size_t i = 0; i + 2 < program.size(); i += fused::kInstructionSize) {
    instructions.push_back({&fused_component(program[i]), program[i + 1], program[i + 2]});
  }
  return instructions;
}

void validate_program(const OpDef& op, const std::vector<int64_t>& program, int64_t num_inputs) {
  const auto size = static_cast<int64_t>(program.size());
  NABLA_CHECK(size > 0 && size % fused::kInstructionSize == 0, ValueError, op.name,
              ": the program must be a non-empty list of [opcode, a, b] instructions, got ", size,
              " numbers");
  const int64_t count = size / fused::kInstructionSize;
  NABLA_CHECK(count <= fused::kMaxInstructions, ValueError, op.name, ": the program has ", count,
              " instructions, at most ", fused::kMaxInstructions, " are supported");
  for (int64_t j = 0; j < count; ++j) {
    const int64_t opcode = program[static_cast<size_t>(3 * j)];
    const int64_t lhs = program[static_cast<size_t>(3 * j + 1)];
    const int64_t rhs = program[static_cast<size_t>(3 * j + 2)];
    NABLA_CHECK(opcode >= 0 && opcode < static_cast<int64_t>(fused::kNumOps), ValueError, op.name,
                ": instruction ", j, " has opcode ", opcode, "; opcodes are 0 to ",
                fused::kNumOps - 1);
    const fused::OpInfo& info = fused::kOps[static_cast<size_t>(opcode)];
    const int64_t visible = num_inputs + j;  // the inputs and the earlier results
    NABLA_CHECK(lhs >= 0 && lhs < visible, ValueError, op.name, ": instruction ", j, " (",
                info.name, ") reads value ", lhs, ", which is neither one of the ", num_inputs,
                " inputs nor an earlier result");
    if (info.arity == 1) {
      NABLA_CHECK(rhs == -1, ValueError, op.name, ": instruction ", j, " (", info.name,
                  ") is unary: its second operand must be -1, got ", rhs);
    } else {
      NABLA_CHECK(rhs >= 0 && rhs < visible, ValueError, op.name, ": instruction ", j, " (",
                  info.name, ") reads value ", rhs, ", which is neither one of the ", num_inputs,
                  " inputs nor an earlier result");
    }
  }
}

/// NumPy broadcasting of `from` to exactly `to`.
bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.rank() > to.rank()) return false;
  const int64_t offset = to.rank() - from.rank();
  for (int64_t d = 0; d < from.rank(); ++d) {
    if (from[d] != 1 && from[d] != to[d + offset]) return false;
  }
  return true;
}

std::vector<TensorSpec> fused_infer(const OpDef& op, std::span<const Tensor> in,
                                    const Attrs& attrs) {
  const auto k = static_cast<int64_t>(in.size());
  NABLA_CHECK(k >= 1 && k <= fused::kMaxInputs, ValueError, op.name, ": expected 1 to ",
              fused::kMaxInputs, " inputs, got ", k);
  NABLA_CHECK(attrs.has("shape") && attrs.has("program"), ValueError, op.name,
              ": needs the attributes 'shape' and 'program'");
  const DType dtype = in[0].dtype();
  NABLA_CHECK(dtype == DType::Float32 || dtype == DType::Float64, DTypeError, op.name,
              ": expected float32 or float64 inputs, got ", dtype);
  const Shape shape(attrs.get<std::vector<int64_t>>("shape"));
  for (int64_t d : shape) {
    NABLA_CHECK(d >= 0, ShapeError, op.name, ": negative dimension in the output shape ", shape);
  }
  for (int64_t r = 0; r < k; ++r) {
    const Tensor& x = in[static_cast<size_t>(r)];
    NABLA_CHECK(x.dtype() == dtype, DTypeError, op.name, ": inputs must share a dtype, got ", dtype,
                " (input 0) and ", x.dtype(), " (input ", r, ")");
    NABLA_CHECK(broadcasts_to(x.shape(), shape), ShapeError, op.name, ": input ", r, " of shape ",
                x.shape(), " does not broadcast to the output shape ", shape);
  }
  validate_program(op, attrs.get<std::vector<int64_t>>("program"), k);
  if (!attrs.has("axes")) return single(shape, dtype);
  NABLA_CHECK(attrs.has("keepdims") && attrs.has("keep_value"), ValueError, op.name,
              ": a sum needs the attributes 'axes', 'keepdims' and 'keep_value'");
  const std::vector<int64_t> axes =
      normalize_axes(attrs.get<std::vector<int64_t>>("axes"), shape.rank(), op.name, true);
  NABLA_CHECK(fused_sum_supported(shape.rank(), axes), ValueError, op.name, ": the sum over axes ",
              Shape(axes), " of shape ", shape,
              " is not supported (the reduced axes must be the leading or the trailing ones)");
  Shape sum_shape = reduced_shape(shape, axes, attrs.get<bool>("keepdims"));
  std::vector<TensorSpec> outputs;
  if (attrs.get<bool>("keep_value")) outputs.push_back({shape, dtype});
  outputs.push_back({std::move(sum_shape), dtype});
  return outputs;
}

/// The VJP of one fused_elementwise call. Per value (the inputs, then the instructions' results):
/// its own broadcast shape, as the unfused op gives it; whether it depends on an input whose
/// gradient is wanted; its value, where a component VJP reads it; and its gradient.
class ProgramVjp {
 public:
  explicit ProgramVjp(const VjpContext& ctx)
      : ctx_(ctx),
        program_(decode(ctx.attrs.get<std::vector<int64_t>>("program"))),
        k_(ctx.input_specs.size()),
        last_(k_ + program_.size() - 1),
        shapes_(last_ + 1),
        needs_(last_ + 1, false),
        values_(last_ + 1),
        grads_(last_ + 1) {
    for (size_t r = 0; r < k_; ++r) {
      shapes_[r] = ctx.input_specs[r].shape;
      needs_[r] = ctx.needs(r);
      values_[r] = ctx.inputs[r];
    }
    for (size_t j = 0; j < program_.size(); ++j) {
      const Instruction& in = program_[j];
      const auto a = static_cast<size_t>(in.lhs);
      shapes_[k_ + j] =
          in.rhs < 0 ? shapes_[a]
                     : broadcast_shapes(shapes_[a], shapes_[rhs(in)], fused_elementwise_op.name);
      needs_[k_ + j] = needs_[a] || (in.rhs >= 0 && needs_[rhs(in)]);
    }
  }

  std::vector<Tensor> run() {
    if (!needs_[last_]) return std::vector<Tensor>(k_);
    recompute_values();
    grads_[last_] = sum_to_shape(result_gradient(), shapes_[last_]);
    // The autograd engine's order (engine.cpp): an instruction runs once every reader of its
    // result has run, the latest-ready first, so that gradients summed at an input read several
    // times add up in the same order as in the unfused graph, to the same bits.
    std::vector<int> pending(last_ + 1, 0);
    std::vector<bool> reached(last_ + 1, false);
    reached[last_] = true;
    for (size_t j = program_.size(); j-- > 0;) {
      if (!reached[k_ + j] || !needs_[k_ + j]) continue;
      for (size_t r : operands(program_[j])) {
        if (needs_[r]) ++pending[r];
        reached[r] = true;
      }
    }
    std::vector<size_t> ready = {last_};
    while (!ready.empty()) {
      const size_t value = ready.back();
      ready.pop_back();
      apply(value - k_);
      for (size_t r : operands(program_[value - k_])) {
        if (needs_[r] && r >= k_ && --pending[r] == 0) ready.push_back(r);
      }
    }
    grads_.resize(k_);
    return grads_;
  }

 private:
  static size_t rhs(const Instruction& in) { return static_cast<size_t>(in.rhs); }
  static std::vector<size_t> operands(const Instruction& in) {
    if (in.rhs < 0) return {static_cast<size_t>(in.lhs)};
    return {static_cast<size_t>(in.lhs), rhs(in)};
  }

  /// The gradient of the program's result: the result's own, plus what the sum's VJP gives when
  /// there is a sum (the autograd engine adds a value's gradients in the same way when the sum is
  /// a separate node; with two terms the order cannot change the bits).
  Tensor result_gradient() const {
    if (!reduces_) return ctx_.grad_outputs[0];
    const TensorSpec value_spec[] = {
        {Shape(ctx_.attrs.get<std::vector<int64_t>>("shape")), ctx_.input_specs[0].dtype}};
    const Tensor sum_grad[] = {ctx_.grad_outputs[keeps_value_ ? 1 : 0]};
    const bool needed[] = {true};
    const VjpContext sum_ctx{{}, {}, value_spec, sum_grad, ctx_.attrs, needed};
    Tensor spread = sum_op.vjp(sum_ctx)[0];
    if (!keeps_value_) return spread;
    return ctx_.grad_outputs[0] + spread;
  }

  /// The values the component VJPs read (their `saves`), recomputed with the component ops from
  /// the saved inputs; the output is saved itself, unless only its sum is an output.
  void recompute_values() {
    const bool output_saved =
        (!reduces_ || keeps_value_) && ctx_.outputs[0].shape() == shapes_[last_];
    std::vector<bool> wanted(last_ + 1, false);
    for (size_t j = program_.size(); j-- > 0;) {
      const Instruction& in = program_[j];
      const size_t value = k_ + j;
      if (needs_[value] && saves_inputs(in.op->saves)) {
        for (size_t r : operands(in)) wanted[r] = true;
      }
      if (needs_[value] && saves_outputs(in.op->saves)) wanted[value] = true;
      if (wanted[value] && !(value == last_ && output_saved)) {
        for (size_t r : operands(in)) wanted[r] = true;
      }
    }
    for (size_t j = 0; j < program_.size(); ++j) {
      const Instruction& in = program_[j];
      const size_t value = k_ + j;
      if (!wanted[value]) continue;
      if (value == last_ && output_saved) {
        values_[value] = ctx_.outputs[0];
      } else if (in.rhs < 0) {
        values_[value] = dispatch1(*in.op, {values_[static_cast<size_t>(in.lhs)]});
      } else {
        values_[value] =
            dispatch1(*in.op, {values_[static_cast<size_t>(in.lhs)], values_[rhs(in)]});
      }
    }
  }

  /// Instruction j's VJP: its result's gradient into its operands', summed back over broadcast
  /// axes by the component VJP itself, and added to what they already got.
  void apply(size_t j) {
    static const Attrs kNoAttrs;
    if (!grads_[k_ + j].defined()) return;
    const Instruction& in = program_[j];
    const std::vector<size_t> operand = operands(in);
    const size_t arity = operand.size();
    const DType dtype = ctx_.input_specs[0].dtype;
    std::array<Tensor, 2> inputs;
    std::array<TensorSpec, 2> specs;
    std::array<bool, 2> needed = {false, false};
    for (size_t i = 0; i < arity; ++i) {
      inputs[i] = values_[operand[i]];
      specs[i] = TensorSpec{shapes_[operand[i]], dtype};
      needed[i] = needs_[operand[i]];
    }
    const Tensor outputs[] = {values_[k_ + j]};
    const Tensor grad_outputs[] = {grads_[k_ + j]};
    const VjpContext component{std::span(inputs).first(arity),
                               outputs,
                               std::span(specs).first(arity),
                               grad_outputs,
                               kNoAttrs,
                               std::span(needed).first(arity)};
    const std::vector<Tensor> operand_grads = in.op->vjp(component);
    for (size_t i = 0; i < arity && i < operand_grads.size(); ++i) {
      const Tensor& g = operand_grads[i];
      Tensor& slot = grads_[operand[i]];
      if (needed[i] && g.defined()) slot = slot.defined() ? slot + g : g;  // as the engine adds
    }
  }

  const VjpContext& ctx_;
  const bool reduces_ = ctx_.attrs.has("axes");
  const bool keeps_value_ = reduces_ && ctx_.attrs.get<bool>("keep_value");
  const std::vector<Instruction> program_;
  const size_t k_, last_;
  std::vector<Shape> shapes_;
  std::vector<bool> needs_;
  std::vector<Tensor> values_, grads_;
};

std::vector<Tensor> fused_vjp(const VjpContext& ctx) { return ProgramVjp(ctx).run(); }

}  // namespace

NABLA_DEFINE_OP(fused_elementwise_op, .name = "fused_elementwise", .infer = &fused_infer,
                .vjp = &fused_vjp, .saves = Saves::Both);

Tensor fused_elementwise(std::span<const Tensor> inputs, const std::vector<int64_t>& program,
                         const Shape& shape) {
  return dispatch1(fused_elementwise_op, inputs,
                   Attrs{{"shape", shape.dims()}, {"program", program}});
}

std::vector<Tensor> fused_elementwise_sum(std::span<const Tensor> inputs,
                                          const std::vector<int64_t>& program, const Shape& shape,
                                          const std::vector<int64_t>& axes, bool keepdims,
                                          bool keep_value) {
  return dispatch(
      fused_elementwise_op, inputs,
      Attrs{{"shape", shape.dims()},
            {"program", program},
            {"axes", normalize_axes(axes, shape.rank(), fused_elementwise_op.name, true)},
            {"keepdims", keepdims},
            {"keep_value", keep_value}});
}

bool fused_sum_supported(int64_t rank, const std::vector<int64_t>& axes) {
  std::vector<int64_t> sorted = axes;
  std::sort(sorted.begin(), sorted.end());
  const auto k = static_cast<int64_t>(sorted.size());
  bool leading = true, trailing = true;
  for (int64_t i = 0; i < k; ++i) {
    leading = leading && sorted[static_cast<size_t>(i)] == i;
    trailing = trailing && sorted[static_cast<size_t>(i)] == rank - k + i;
  }
  return leading || trailing;
}

int64_t fused_opcode(const OpDef& op) { return fused::opcode_of(op.name); }

const OpDef& fused_component(int64_t opcode) {
  static const std::array<const OpDef*, fused::kNumOps> kComponents = [] {
    std::array<const OpDef*, fused::kNumOps> ops{};
    for (size_t i = 0; i < fused::kNumOps; ++i) {
      ops[i] = OpRegistry::find(fused::kOps[i].name);
      NABLA_ASSERT(ops[i] != nullptr, "fused_elementwise: no op named '", fused::kOps[i].name, "'");
    }
    return ops;
  }();
  NABLA_ASSERT(opcode >= 0 && opcode < static_cast<int64_t>(fused::kNumOps),
               "fused_elementwise: opcode ", opcode, " out of range");
  return *kComponents[static_cast<size_t>(opcode)];
}

}  // namespace nabla
