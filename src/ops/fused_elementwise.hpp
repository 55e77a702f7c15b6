// fused_elementwise: a chain of elementwise ops run as one op, in one pass over memory. The graph
// fusion pass (src/graph/passes/elementwise_fusion.cpp) makes these nodes; the program format and
// the instruction set are in backend/fused_elementwise_program.hpp.
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

/// The opcode of `op` in a program, or -1 when fused_elementwise cannot run it.
[[nodiscard]] int64_t fused_opcode(const OpDef& op);
/// The op an opcode stands for (opcode in [0, fused::kNumOps)).
[[nodiscard]] const OpDef& fused_component(int64_t opcode);

}  // namespace nabla
