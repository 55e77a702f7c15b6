// Checks on integer index tensors shared by the indexing ops' infer rules (take, gather,
// one_hot, scatter_add, index_add), so that every op reports a bad index the same way.
#pragma once

#include <optional>
#include <string_view>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

/// The first value of `index` outside [low, high), if any. Symbolic tensors (and other devices,
/// whose data the host cannot read here) have no values yet and pass.
[[nodiscard]] std::optional<int64_t> first_out_of_range(const Tensor& index, int64_t low,
                                                        int64_t high);

/// IndexError unless every index lies in [-size, size) (negative ones count from the end).
void check_axis_indices(std::string_view op, const Tensor& index, int64_t axis, int64_t size);

/// DTypeError unless `index` has the dtype the core op requires (int64).
void check_integer_index(std::string_view op, const Tensor& index, DType required);

/// ShapeError unless `index` has x's rank and no larger extent than x outside `axis` (the index
/// shapes gather and scatter_add accept, as PyTorch's). Returns `axis` normalised.
[[nodiscard]] int64_t check_gather_index_shape(std::string_view op, const Shape& x,
                                               const Shape& index, int64_t axis);

/// `indices` as int64 for a core op; DTypeError unless an integer dtype (uint8, int32, int64).
[[nodiscard]] Tensor integer_indices(std::string_view op, const Tensor& indices);

}  // namespace nabla
