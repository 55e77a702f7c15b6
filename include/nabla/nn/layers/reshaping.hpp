// Reshaping layers: Reshape, Permute and RepeatVector (Keras's names, options and configs). They
// act on the non-batch axes only; the batch dimension passes through.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nabla/nn/layer.hpp"

namespace nabla::nn {

/// [batch, ...] -> [batch, ...target_shape]; one entry of target_shape may be -1 (inferred from
/// the others, as Keras's -1). The sample's size must be unchanged (ShapeError naming both
/// shapes otherwise). A view when the input is contiguous.
class Reshape : public ClonableLayer<Reshape> {
 public:
  explicit Reshape(std::vector<int64_t> target_shape);
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "Reshape"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static Reshape from_config(const nlohmann::json& config);

 private:
  std::vector<int64_t> target_shape_;
};

/// Permutes the non-batch axes: dims are 1-based, as Keras's (Permute({2, 1}) on [batch, a, b]
/// gives [batch, b, a]); dims must be a permutation of 1..n for inputs of rank n + 1.
/// Returns a view.
class Permute : public ClonableLayer<Permute> {
 public:
  explicit Permute(std::vector<int64_t> dims);
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "Permute"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static Permute from_config(const nlohmann::json& config);

 private:
  std::vector<int64_t> dims_;
};

/// [batch, features] -> [batch, n, features]: each sample repeated n times (Keras's
/// RepeatVector, which feeds one encoding to every step of a recurrent decoder). The gradient sums
/// the n copies.
class RepeatVector : public ClonableLayer<RepeatVector> {
 public:
  explicit RepeatVector(int64_t n);
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "RepeatVector"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static RepeatVector from_config(const nlohmann::json& config);

 private:
  int64_t n_;
};

}  // namespace nabla::nn
