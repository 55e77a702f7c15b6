// The contraction engine behind einsum, tensordot and dot: Einstein summation over integer axis
// labels, lowered to diagonal views, sums, permutes/reshapes and one matmul per operand pair.
#pragma once

#include <cstdint>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla::detail {

/// Operand i's axis j carries labels[i][j]; a label repeated within an operand takes that
/// operand's diagonal. The result's axes carry `output` (distinct labels, each in some operand);
/// every other label is summed over. A label's extents must agree across operands, except that
/// an extent of 1 broadcasts. Callers validate all of this (with their own error messages); here
/// it is only asserted. Operands are promoted to their common dtype, which the result keeps.
/// Two operands become exactly one matmul (one mul when nothing is summed, e.g. "ij,ij->ij");
/// more are contracted left to right.
[[nodiscard]] Tensor contract_labels(std::vector<Tensor> operands,
                                     std::vector<std::vector<int64_t>> labels,
                                     const std::vector<int64_t>& output);

}  // namespace nabla::detail
