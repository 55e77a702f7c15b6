// Keras's alignment rules for (y_true, y_pred) and sample weights (losses_common.hpp).
#include "nn/losses_common.hpp"

#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/ops/view.hpp"
#include "nabla/util/error.hpp"

namespace nabla::nn::detail {

std::pair<Tensor, Tensor> squeeze_or_expand_to_same_rank(Tensor a, Tensor b, bool expand_rank_1) {
  const int64_t rank_a = a.ndim(), rank_b = b.ndim();
  if (rank_a == rank_b + 1 && a.shape()[rank_a - 1] == 1) {
    if (rank_b == 1 && expand_rank_1) {
      b = unsqueeze(b, -1);
    } else {
      a = squeeze(a, -1);
    }
  } else if (rank_b == rank_a + 1 && b.shape()[rank_b - 1] == 1) {
    if (rank_a == 1 && expand_rank_1) {
      a = unsqueeze(a, -1);
    } else {
      b = squeeze(b, -1);
    }
  }
  return {std::move(a), std::move(b)};
}

Tensor floating_predictions(const Tensor& y_pred) {
  return is_floating(y_pred.dtype()) ? y_pred : astype(y_pred, float32);
}

void check_same_shape(std::string_view who, const Tensor& y_true, const Tensor& y_pred) {
  NABLA_CHECK(y_true.shape() == y_pred.shape(), ShapeError, who, ": y_true ", y_true.shape(),
              " and y_pred ", y_pred.shape(), " must have the same shape");
}

void check_has_axis(std::string_view who, const Tensor& y_pred) {
  NABLA_CHECK(y_pred.ndim() >= 1, ShapeError, who,
              ": y_pred must have at least one axis ([batch, ...]), got shape ", y_pred.shape());
}

Tensor align_sample_weight(std::string_view who, const Tensor& sample_weight, const Shape& shape) {
  NABLA_CHECK(sample_weight.defined(), ValueError, who, ": sample_weight is an undefined tensor");
  Tensor weight = floating_predictions(sample_weight);
  const int64_t rank = shape.rank();
  if (weight.ndim() == rank + 1 && weight.size(-1) == 1) weight = squeeze(weight, -1);
  while (weight.ndim() < rank) weight = unsqueeze(weight, -1);
  bool fits = weight.ndim() == rank;
  for (int64_t d = 0; fits && d < rank; ++d) {
    fits = weight.shape()[d] == shape[d] || weight.shape()[d] == 1;
  }
  NABLA_CHECK(fits, ShapeError, who, ": sample_weight ", sample_weight.shape(),
              " does not match the per-sample values ", shape,
              " (expected [batch] or the values' shape)");
  return weight;
}

Tensor mask_weight(std::string_view who, const Tensor& mask, const Tensor& values) {
  const Shape& shape = values.shape();
  bool fits = mask.ndim() <= shape.rank();
  for (int64_t d = 0; fits && d < mask.ndim(); ++d) fits = mask.shape()[d] == shape[d];
  NABLA_CHECK(fits, ShapeError, who, ": the mask of y_pred ", mask.shape(),
              " does not match the per-sample losses ", shape);
  Tensor weight = astype(mask, values.dtype());
  const auto total = static_cast<double>(mask.numel());
  constexpr double kEpsilon = 1e-7;  // Keras's backend.epsilon(): an all-padding batch gives 0
  weight = weight * (total / (sum(weight) + kEpsilon));
  while (weight.ndim() < shape.rank()) weight = unsqueeze(weight, -1);
  return weight;
}

}  // namespace nabla::nn::detail
