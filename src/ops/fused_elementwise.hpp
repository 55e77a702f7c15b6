// fused_elementwise: a chain of elementwise ops run as one op, in one pass over memory, optionally
// with a sum of its result. The graph fusion pass (src/graph/passes/elementwise_fusion.cpp) makes
// these nodes; the program format and the instruction set are in
// backend/fused_elementwise_program.hpp.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "backend/fused_elementwise_program.hpp"
#include "ops/op.hpp"

namespace nabla {

extern const OpDef fused_elementwise_op;

/// inputs: 1 to 8 tensors of one floating dtype (float32 or float64), each broadcastable to
/// `shape` -> [shape], the result of `program` (a flat list of [opcode, a, b] instructions, see
/// fused::kInstructionSize) applied elementwise to the broadcast inputs. Bit-identical to running
/// the instructions' ops one by one; differentiable (its VJP uses theirs).
[[nodiscard]] Tensor fused_elementwise(std::span<const Tensor> inputs,
                                       const std::vector<int64_t>& program, const Shape& shape);

/// The same with a sum of the result over `axes` (normalised; they must pass
/// fused_sum_supported) computed in the same pass, bit-identical to sum(result, axes, keepdims)
/// -> {[shape], sum} when keep_value, else {sum} (the elementwise result is never stored).
/// Attributes "axes", "keepdims" and "keep_value" mark this form of the op.
[[nodiscard]] std::vector<Tensor> fused_elementwise_sum(std::span<const Tensor> inputs,
                                                        const std::vector<int64_t>& program,
                                                        const Shape& shape,
                                                        const std::vector<int64_t>& axes,
                                                        bool keepdims, bool keep_value);

/// True when the reduced `axes` (normalised) of a value of rank `rank` are its leading or its
/// trailing axes: the only sums whose additions the fused kernel groups as the sum kernel does
/// (the kept and the reduced elements then each merge into one stride of the row-major value).
[[nodiscard]] bool fused_sum_supported(int64_t rank, const std::vector<int64_t>& axes);

/// The opcode of `op` in a program, or -1 when fused_elementwise cannot run it.
[[nodiscard]] int64_t fused_opcode(const OpDef& op);
/// The op an opcode stands for (opcode in [0, fused::kNumOps)).
[[nodiscard]] const OpDef& fused_component(int64_t opcode);

}  // namespace nabla
