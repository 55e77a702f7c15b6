// Bidirectional (Keras's keras.layers.Bidirectional): a recurrent layer run forwards and a copy
// run backwards over the same inputs, their outputs merged.
//
//   Tensor h = nn::Bidirectional(nn::GRU(32, {.return_sequences = true}))(x);  // [b, t, 64]
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "nabla/nn/layers/recurrent.hpp"

namespace nabla::nn {

struct BidirectionalOptions {
  /// "concat" (last axis), "sum", "mul", "ave", or "none" (Keras's None: the two outputs
  /// returned separately).
  std::string merge_mode = "concat";
  /// The backward layer; default: a copy of the forward layer's config with go_backwards.
  std::optional<LayerRef> backward_layer = std::nullopt;
};

/// Inputs [batch, steps, features] or {x, *forward_states, *backward_states}. With
/// return_sequences the backward outputs are reversed back into time order before merging;
/// with return_state the outputs are followed by the forward then the backward final states.
class Bidirectional : public ClonableLayer<Bidirectional> {
 public:
  explicit Bidirectional(LayerRef layer, BidirectionalOptions options = {});

  LayerOutputs operator()(const Tensor& x, bool training = false);
  LayerOutputs operator()(const std::vector<Tensor>& x_and_states, bool training = false);

  [[nodiscard]] bool multiple_inputs() const override { return true; }
  void build_multiple(const std::vector<Shape>& input_shapes) override;
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::vector<Tensor> call_multiple(const std::vector<Tensor>& xs,
                                                  bool training) override;
  [[nodiscard]] bool supports_masking() const override { return true; }
  [[nodiscard]] std::vector<Tensor> compute_mask(const std::vector<Tensor>& inputs,
                                                 const std::vector<Tensor>& input_masks,
                                                 const std::vector<Tensor>& outputs) const override;
  [[nodiscard]] std::string class_name() const override { return "Bidirectional"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static Bidirectional from_config(const nlohmann::json& config);

  [[nodiscard]] const std::shared_ptr<RNN>& forward_layer() const { return forward_; }
  [[nodiscard]] const std::shared_ptr<RNN>& backward_layer() const { return backward_; }
  void reset_states();

 private:
  std::shared_ptr<RNN> forward_, backward_;
  std::string merge_mode_;
};

}  // namespace nabla::nn
