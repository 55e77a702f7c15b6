// Masking (keras.layers.Masking): marks the time steps whose features all equal `mask_value` as
// padding, for sequences that are padded with a value rather than with token id 0.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nabla/nn/layer.hpp"

namespace nabla::nn {

struct MaskingOptions {
  double mask_value = 0.0;
};

/// x: [batch, steps, ...features] -> x with the padded steps zeroed, same shape, carrying the
/// mask [batch, steps] (bool): a step is real when any of its last-axis features differs from
/// mask_value (mask = any(x != mask_value, axis=-1)).
class Masking : public ClonableLayer<Masking> {
 public:
  explicit Masking(MaskingOptions options = {});
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] bool supports_masking() const override { return true; }
  /// any(inputs[0] != mask_value, axis=-1).
  [[nodiscard]] std::vector<Tensor> compute_mask(const std::vector<Tensor>& inputs,
                                                 const std::vector<Tensor>& input_masks,
                                                 const std::vector<Tensor>& outputs) const override;
  [[nodiscard]] std::string class_name() const override { return "Masking"; }
  /// Keras's key: mask_value.
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static Masking from_config(const nlohmann::json& config);
  [[nodiscard]] double mask_value() const { return options_.mask_value; }

 private:
  /// any(x != mask_value) over the last axis, kept as a size-1 axis.
  [[nodiscard]] Tensor real_steps(const Tensor& x) const;
  MaskingOptions options_;
};

}  // namespace nabla::nn
