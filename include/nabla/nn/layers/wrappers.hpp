// Wrapper layers (Keras's keras.layers.TimeDistributed; Bidirectional joins them with the
// recurrent layers): a layer that runs another layer, whose weights it owns.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "nabla/nn/layer.hpp"

namespace nabla::nn {

/// Applies `layer` to every step of inputs [batch, steps, ...] with one set of weights: the
/// steps are folded into the batch ([batch * steps, ...]), the layer runs once, and its output
/// is unfolded to [batch, steps, ...]. TimeDistributed(Dense(5)) on [batch, 28, 64] gives
/// [batch, 28, 5] (a per-step classifier after a recurrent layer with return_sequences).
class TimeDistributed : public ClonableLayer<TimeDistributed> {
 public:
  explicit TimeDistributed(LayerRef layer);
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "TimeDistributed"; }
  [[nodiscard]] bool supports_masking() const override { return true; }
  /// Keras's config: the base keys and "layer": the wrapped layer serialized.
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static TimeDistributed from_config(const nlohmann::json& config);
  /// The wrapped layer.
  [[nodiscard]] const std::shared_ptr<Layer>& layer() const { return layer_; }

 private:
  std::shared_ptr<Layer> layer_;
};

}  // namespace nabla::nn
