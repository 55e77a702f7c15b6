// Losses (keras.losses). A loss maps (y_true, y_pred) to one value per sample; operator() reduces
// them Keras's way ("sum_over_batch_size": the weighted sum divided by the batch size) into a
// differentiable scalar.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "nabla/tensor/tensor.hpp"

namespace nabla::nn::losses {

class Loss {
 public:
  virtual ~Loss() = default;
  /// Per-sample losses, as Keras: y_pred's shape without its last (class/feature) axis, so [batch]
  /// for [batch, features]. y_true [batch] against y_pred [batch, 1] (or the reverse) is aligned
  /// first, as Keras's squeeze_or_expand_to_same_rank; other shape mismatches are ShapeErrors.
  [[nodiscard]] virtual Tensor call(const Tensor& y_true, const Tensor& y_pred) const = 0;
  /// Scalar loss ("sum_over_batch_size"): sum of call() times sample_weight, divided by the
  /// number of per-sample values (0 for an empty batch). sample_weight is [batch] (broadcast over
  /// any trailing axes) or call()'s shape. A Keras mask on y_pred (y_pred.keras_mask(), e.g.
  /// [batch, steps] from Embedding(mask_zero)) weights the values too, as Keras 3: the result is
  /// the (sample-weighted) mean over the unmasked values only.
  [[nodiscard]] Tensor operator()(const Tensor& y_true, const Tensor& y_pred,
                                  const Tensor& sample_weight = {}) const;
  /// Keras's snake_case name ("sparse_categorical_crossentropy"): the key in logs and History.
  [[nodiscard]] virtual std::string name() const = 0;
  /// Keras's config keys ({"name": ..., "from_logits": ..., "reduction": ...}).
  [[nodiscard]] virtual nlohmann::json get_config() const;
};

struct MeanSquaredError : Loss {
  [[nodiscard]] Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  [[nodiscard]] std::string name() const override { return "mean_squared_error"; }
};
struct MeanAbsoluteError : Loss {
  [[nodiscard]] Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  [[nodiscard]] std::string name() const override { return "mean_absolute_error"; }
};
struct HuberOptions {
  double delta = 1.0;
};
class Huber : public Loss {
 public:
  explicit Huber(HuberOptions options = {});  // ValueError unless delta > 0
  [[nodiscard]] Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  [[nodiscard]] std::string name() const override { return "huber_loss"; }
  [[nodiscard]] nlohmann::json get_config() const override;

 private:
  HuberOptions options_;
};

/// Options of the cross-entropies. from_logits: y_pred are logits (computed stably with
/// log-sum-exp / softplus) instead of probabilities (clipped to [eps, 1 - eps] as Keras).
/// label_smoothing in [0, 1] (ValueError otherwise, and for the sparse loss unless 0).
struct CrossentropyOptions {
  bool from_logits = false;
  double label_smoothing = 0.0;  // binary and categorical only
  int64_t axis = -1;             // the class axis of y_pred (binary: the axis averaged over)
};
class BinaryCrossentropy : public Loss {
 public:
  explicit BinaryCrossentropy(CrossentropyOptions options = {});
  [[nodiscard]] Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  [[nodiscard]] std::string name() const override { return "binary_crossentropy"; }
  [[nodiscard]] nlohmann::json get_config() const override;

 private:
  CrossentropyOptions options_;
};
class CategoricalCrossentropy : public Loss {
 public:
  explicit CategoricalCrossentropy(CrossentropyOptions options = {});
  [[nodiscard]] Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  [[nodiscard]] std::string name() const override { return "categorical_crossentropy"; }
  [[nodiscard]] nlohmann::json get_config() const override;

 private:
  CrossentropyOptions options_;
};
/// y_true: integer class ids [batch] (or [batch, 1]); y_pred: [batch, classes].
class SparseCategoricalCrossentropy : public Loss {
 public:
  explicit SparseCategoricalCrossentropy(CrossentropyOptions options = {});
  [[nodiscard]] Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  [[nodiscard]] std::string name() const override { return "sparse_categorical_crossentropy"; }
  [[nodiscard]] nlohmann::json get_config() const override;

 private:
  CrossentropyOptions options_;
};

/// Keras's loss functions (keras.losses.sparse_categorical_crossentropy, ...): the per-sample
/// values of the classes above, without reduction (reduce with mean() or sum()).
[[nodiscard]] Tensor mean_squared_error(const Tensor& y_true, const Tensor& y_pred);
[[nodiscard]] Tensor mean_absolute_error(const Tensor& y_true, const Tensor& y_pred);
[[nodiscard]] Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred,
                                         bool from_logits = false, double label_smoothing = 0.0,
                                         int64_t axis = -1);
[[nodiscard]] Tensor categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred,
                                              bool from_logits = false,
                                              double label_smoothing = 0.0, int64_t axis = -1);
[[nodiscard]] Tensor sparse_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred,
                                                     bool from_logits = false, int64_t axis = -1);

/// A loss given to compile(): a Loss object or a Keras name: the function names
/// ("mean_squared_error", "mean_absolute_error", "huber", "binary_crossentropy",
/// "categorical_crossentropy", "sparse_categorical_crossentropy"), the class names
/// ("MeanSquaredError", ...), the aliases "mse"/"MSE", "mae"/"MAE", "bce"/"BCE", and name()
/// ("huber_loss"). Anything else is a ValueError listing the known names.
class LossRef {
 public:
  template <class T>
  requires std::derived_from<T, Loss> LossRef(T loss)  // NOLINT: implicit
      : ptr_(std::make_shared<T>(std::move(loss))) {}
  LossRef(const char* name);         // NOLINT: implicit, like Keras's strings
  LossRef(const std::string& name);  // NOLINT
  LossRef() = default;
  [[nodiscard]] const std::shared_ptr<Loss>& get() const { return ptr_; }
  [[nodiscard]] bool defined() const { return ptr_ != nullptr; }

 private:
  std::shared_ptr<Loss> ptr_;
};

/// Keras's losses.serialize: {"module": "keras.losses", "class_name", "config",
/// "registered_name": null} for the built-in losses; a custom loss is written as its name().
[[nodiscard]] nlohmann::json serialize(const Loss& loss);
/// Keras's losses.deserialize: a name ("mse", "sparse_categorical_crossentropy"), Keras 3's
/// {"class_name": "function", "config": "<name>"}, or a serialize() result with its options
/// (from_logits, label_smoothing, axis, delta). ValueError for anything else.
[[nodiscard]] LossRef deserialize(const nlohmann::json& config);

}  // namespace nabla::nn::losses
