// The Loss base (Keras's "sum_over_batch_size" reduction, config) and LossRef's names. The losses
// themselves are in losses_regression.cpp and losses_crossentropy.cpp.
#include "nabla/nn/losses.hpp"

#include <functional>
#include <map>

#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/util/error.hpp"
#include "nn/losses_common.hpp"
#include "nn/name_table.hpp"

namespace nabla::nn::losses {

Tensor Loss::operator()(const Tensor& y_true, const Tensor& y_pred,
                        const Tensor& sample_weight) const {
  NABLA_CHECK(y_true.defined() && y_pred.defined(), ValueError, name(),
              ": y_true and y_pred must be defined tensors");
  Tensor values = call(y_true, y_pred);
  Tensor weight;
  if (sample_weight.defined()) {
    weight =
        astype(detail::align_sample_weight(name(), sample_weight, values.shape()), values.dtype());
  }
  if (const Tensor mask = y_pred.keras_mask(); mask.defined()) {
    const Tensor scaled = detail::mask_weight(name(), mask, values);
    weight = weight.defined() ? weight * scaled : scaled;
  }
  if (weight.defined()) values = values * weight;
  // Keras divides by the number of values, not by the sum of the weights; an empty batch gives
  // the (zero) sum, where Keras's divide_no_nan gives 0 too.
  const int64_t count = values.numel();
  const Tensor total = sum(values);
  return count > 1 ? total / static_cast<double>(count) : total;
}

nlohmann::json Loss::get_config() const {
  return {{"name", name()}, {"reduction", "sum_over_batch_size"}};
}

namespace {

using Factory = std::function<std::shared_ptr<Loss>()>;

template <class T>
Factory make() {
  return [] { return std::make_shared<T>(); };
}

/// Keras's losses.get table: function names, class names and the aliases of
/// keras.losses.ALL_OBJECTS_DICT, plus Huber's name() so that a logged name resolves back.
const std::map<std::string, Factory>& loss_table() {
  static const std::map<std::string, Factory> table = {
      {"mean_squared_error", make<MeanSquaredError>()},
      {"MeanSquaredError", make<MeanSquaredError>()},
      {"mse", make<MeanSquaredError>()},
      {"MSE", make<MeanSquaredError>()},
      {"mean_absolute_error", make<MeanAbsoluteError>()},
      {"MeanAbsoluteError", make<MeanAbsoluteError>()},
      {"mae", make<MeanAbsoluteError>()},
      {"MAE", make<MeanAbsoluteError>()},
      {"huber", make<Huber>()},
      {"huber_loss", make<Huber>()},
      {"Huber", make<Huber>()},
      {"binary_crossentropy", make<BinaryCrossentropy>()},
      {"BinaryCrossentropy", make<BinaryCrossentropy>()},
      {"bce", make<BinaryCrossentropy>()},
      {"BCE", make<BinaryCrossentropy>()},
      {"categorical_crossentropy", make<CategoricalCrossentropy>()},
      {"CategoricalCrossentropy", make<CategoricalCrossentropy>()},
      {"sparse_categorical_crossentropy", make<SparseCategoricalCrossentropy>()},
      {"SparseCategoricalCrossentropy", make<SparseCategoricalCrossentropy>()},
  };
  return table;
}

std::shared_ptr<Loss> loss_from_name(const std::string& name) {
  return detail::find_by_name(loss_table(), name, "loss")();
}

}  // namespace

LossRef::LossRef(const char* name) : ptr_(loss_from_name(name == nullptr ? "" : name)) {}
LossRef::LossRef(const std::string& name) : ptr_(loss_from_name(name)) {}

}  // namespace nabla::nn::losses

namespace nabla::nn::losses {

Tensor mean_squared_error(const Tensor& y_true, const Tensor& y_pred) {
  return MeanSquaredError().call(y_true, y_pred);
}
Tensor mean_absolute_error(const Tensor& y_true, const Tensor& y_pred) {
  return MeanAbsoluteError().call(y_true, y_pred);
}
Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits,
                           double label_smoothing, int64_t axis) {
  return BinaryCrossentropy({from_logits, label_smoothing, axis}).call(y_true, y_pred);
}
Tensor categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits,
                                double label_smoothing, int64_t axis) {
  return CategoricalCrossentropy({from_logits, label_smoothing, axis}).call(y_true, y_pred);
}
Tensor sparse_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits,
                                       int64_t axis) {
  return SparseCategoricalCrossentropy({.from_logits = from_logits, .axis = axis})
      .call(y_true, y_pred);
}

}  // namespace nabla::nn::losses
