// Shape and dtype conventions shared by the losses and the metrics: Keras's alignment of y_true
// with y_pred, and of sample weights with per-sample values. Internal to the nn module.
#pragma once

#include <string_view>
#include <utility>

#include "nabla/tensor/tensor.hpp"

namespace nabla::nn::detail {

/// Keras's squeeze_or_expand_to_same_rank: when the ranks differ by one and the longer tensor
/// ends in a size-1 axis, a 1-D partner gains a trailing axis (if expand_rank_1) or the longer
/// tensor loses its last axis. Otherwise both come back unchanged. Returns views.
[[nodiscard]] std::pair<Tensor, Tensor> squeeze_or_expand_to_same_rank(Tensor a, Tensor b,
                                                                       bool expand_rank_1 = true);

/// y_pred as a floating tensor (integers and bools become float32, Keras's floatx).
[[nodiscard]] Tensor floating_predictions(const Tensor& y_pred);

/// ShapeError "<who>: y_true [..] and y_pred [..] must have the same shape" unless they do.
void check_same_shape(std::string_view who, const Tensor& y_true, const Tensor& y_pred);

/// ShapeError unless y_pred has at least one axis (losses and metrics reduce over one).
void check_has_axis(std::string_view who, const Tensor& y_pred);

/// sample_weight shaped to broadcast against per-sample values of `shape`: Keras's alignment
/// (a trailing size-1 axis squeezed, or added to match) and then trailing size-1 axes, so that a
/// [batch] weight scales every value of its sample. ShapeError naming `who` when it cannot.
[[nodiscard]] Tensor align_sample_weight(std::string_view who, const Tensor& sample_weight,
                                         const Shape& shape);

/// Keras 3's apply_mask for the "sum_over_batch_size" reduction: a mask carried by y_pred
/// (Tensor::keras_mask(), e.g. [batch, steps] from Embedding(mask_zero)) as a weight of
/// `values`' dtype that broadcasts against them: real entries weigh total / valid (the mask's
/// size over its number of true entries, plus epsilon 1e-7), padding 0, so the mean over all
/// values is the mean over the real ones. ShapeError naming `who` when the mask is not a prefix
/// of the values' shape.
[[nodiscard]] Tensor mask_weight(std::string_view who, const Tensor& mask, const Tensor& values);

}  // namespace nabla::nn::detail
