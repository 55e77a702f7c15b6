// Embedding (keras.layers.Embedding): integer token ids -> dense vectors, a row lookup into a
// trainable [input_dim, output_dim] table. With mask_zero, id 0 is padding: the output carries a
// mask that recurrent layers and the compiled loss honour.
//   auto tokens = nn::Input({40}, {.dtype = int64});
//   auto emb = nn::Embedding(65, 32, {.mask_zero = true})(tokens);  // [None, 40, 32]
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nabla/nn/layer.hpp"

namespace nabla::nn {

struct EmbeddingOptions {
  /// Keras's default "uniform": RandomUniform(-0.05, 0.05).
  initializers::InitializerRef embeddings_initializer = "uniform";
  regularizers::RegularizerRef embeddings_regularizer = {};
  /// Id 0 is padding: the output's mask is `inputs != 0` (so 0 cannot be a real token and the
  /// vocabulary needs input_dim = number of tokens + 1).
  bool mask_zero = false;
};

/// x: integer ids of any shape [batch, ...] (uint8, int32, int64; floating ids are truncated to
/// int32 first, as Keras casts them) -> [batch, ..., output_dim] in the layer's dtype:
/// out[..., :] = embeddings[x[...], :]. Ids must lie in [0, input_dim) (IndexError naming the
/// layer, the id and input_dim). The gradient into `embeddings` adds each upstream row into the
/// row it was read from (repeated ids accumulate).
class Embedding : public ClonableLayer<Embedding> {
 public:
  Embedding(int64_t input_dim, int64_t output_dim, EmbeddingOptions options = {});
  void build(const Shape& input_shape) override;
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  /// Keras: an Embedding supports masking exactly when it makes one (mask_zero).
  [[nodiscard]] bool supports_masking() const override { return options_.mask_zero; }
  /// mask_zero: `inputs[0] != 0` ([batch, ...], bool); otherwise none.
  [[nodiscard]] std::vector<Tensor> compute_mask(const std::vector<Tensor>& inputs,
                                                 const std::vector<Tensor>& input_masks,
                                                 const std::vector<Tensor>& outputs) const override;
  [[nodiscard]] std::string class_name() const override { return "Embedding"; }
  /// Keras's keys: input_dim, output_dim, embeddings_initializer, embeddings_regularizer,
  /// activity_regularizer and embeddings_constraint (null), mask_zero.
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static Embedding from_config(const nlohmann::json& config);
  [[nodiscard]] int64_t input_dim() const { return input_dim_; }
  [[nodiscard]] int64_t output_dim() const { return output_dim_; }
  Tensor embeddings;  // [input_dim, output_dim]

 private:
  int64_t input_dim_, output_dim_;
  EmbeddingOptions options_;
};

}  // namespace nabla::nn
