// Regularizers (keras.regularizers): weight penalties a layer adds to the training loss. A
// Regularizer maps a weight to a differentiable scalar in the weight's dtype.
#pragma once

#include <concepts>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "nabla/tensor/tensor.hpp"

namespace nabla::nn::regularizers {

class Regularizer {
 public:
  virtual ~Regularizer();
  /// The penalty of `weight` (any shape): a 0-d tensor.
  [[nodiscard]] virtual Tensor operator()(const Tensor& weight) const = 0;
  /// Keras's snake_case name ("l1", "l2", "l1_l2").
  [[nodiscard]] virtual std::string name() const = 0;
  /// Keras's config ({"l1": 0.01}).
  [[nodiscard]] virtual nlohmann::json get_config() const;
};

struct L1Options {
  double l1 = 0.01;  // non-negative, finite
};
/// l1 * sum(|w|).
class L1 : public Regularizer {
 public:
  explicit L1(L1Options options = {});
  explicit L1(double l1) : L1(L1Options{.l1 = l1}) {}
  [[nodiscard]] Tensor operator()(const Tensor& weight) const override;
  [[nodiscard]] std::string name() const override { return "l1"; }
  [[nodiscard]] nlohmann::json get_config() const override;

 private:
  L1Options options_;
};

struct L2Options {
  double l2 = 0.01;  // non-negative, finite
};
/// l2 * sum(w^2) (no 1/2 factor, as Keras).
class L2 : public Regularizer {
 public:
  explicit L2(L2Options options = {});
  explicit L2(double l2) : L2(L2Options{.l2 = l2}) {}
  [[nodiscard]] Tensor operator()(const Tensor& weight) const override;
  [[nodiscard]] std::string name() const override { return "l2"; }
  [[nodiscard]] nlohmann::json get_config() const override;

 private:
  L2Options options_;
};

/// Keras's defaults: both 0 when constructed, but the name "l1_l2" means l1 = l2 = 0.01.
struct L1L2Options {
  double l1 = 0.0;
  double l2 = 0.0;
};
/// l1 * sum(|w|) + l2 * sum(w^2); the terms with a zero factor are left out.
class L1L2 : public Regularizer {
 public:
  explicit L1L2(L1L2Options options = {});
  [[nodiscard]] Tensor operator()(const Tensor& weight) const override;
  [[nodiscard]] std::string name() const override { return "l1_l2"; }
  [[nodiscard]] nlohmann::json get_config() const override;

 private:
  L1L2Options options_;
};

/// A regularizer given to a layer: a Regularizer object, a Keras name ("l1", "l2", "l1_l2", or
/// the class names "L1", "L2", "L1L2"), or nothing (default-constructed or "": no penalty).
/// An unknown name is a ValueError listing the names.
class RegularizerRef {
 public:
  template <class T>
  requires std::derived_from<T, Regularizer> RegularizerRef(T regularizer)  // NOLINT: implicit
      : ptr_(std::make_shared<T>(std::move(regularizer))) {}
  RegularizerRef(std::shared_ptr<Regularizer> regularizer)  // NOLINT: implicit
      : ptr_(std::move(regularizer)) {}
  RegularizerRef(const char* name);         // NOLINT: implicit, like Keras's strings
  RegularizerRef(const std::string& name);  // NOLINT
  RegularizerRef() = default;
  /// The regularizer, or null for none.
  [[nodiscard]] const std::shared_ptr<Regularizer>& get() const { return ptr_; }
  [[nodiscard]] bool defined() const { return ptr_ != nullptr; }

 private:
  std::shared_ptr<Regularizer> ptr_;
};

/// Keras's serialized form, as layers' get_config() holds it: {"module": "keras.regularizers",
/// "class_name": "L2", "config": {"l2": 0.01}, "registered_name": null}; null for no regularizer.
[[nodiscard]] nlohmann::json serialize(const RegularizerRef& regularizer);
/// The regularizer a serialize() result describes (null: none; a name string is also accepted).
/// A class nabla does not know (a custom regularizer) is a ValueError.
[[nodiscard]] RegularizerRef deserialize(const nlohmann::json& serialized);

}  // namespace nabla::nn::regularizers
