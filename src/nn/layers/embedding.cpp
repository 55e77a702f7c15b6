// Embedding: a take() of table rows; its gradient (take's VJP, an index_add) scatters the
// upstream rows back into the table.
#include "nabla/nn/layers/embedding.hpp"

#include "nabla/nn/layer_registry.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nn/config_util.hpp"
#include "nn/layers/layer_config.hpp"
#include "ops/index_check.hpp"

namespace nabla::nn {
namespace {

constexpr std::initializer_list<const char*> kUnsupported = {"activity_regularizer",
                                                             "embeddings_constraint"};

/// Ids in a dtype take() accepts: Keras casts anything but int32/int64 to int32 (floating ids
/// are truncated; bools become 0/1).
Tensor integer_ids(const Tensor& x) {
  const DType dtype = x.dtype();
  return dtype == int32 || dtype == int64 || dtype == uint8 ? x : astype(x, int32);
}

}  // namespace

Embedding::Embedding(int64_t input_dim, int64_t output_dim, EmbeddingOptions options)
    : ClonableLayer<Embedding>("embedding"),
      input_dim_(input_dim),
      output_dim_(output_dim),
      options_(std::move(options)) {
  NABLA_CHECK(input_dim > 0 && output_dim > 0, ValueError,
              "Embedding: input_dim and output_dim must be positive, got input_dim=", input_dim,
              ", output_dim=", output_dim);
}

void Embedding::build(const Shape&) {
  embeddings = add_weight("embeddings", {input_dim_, output_dim_}, options_.embeddings_initializer,
                          true, options_.embeddings_regularizer);
}

Tensor Embedding::call(const Tensor& x, bool) {
  const Tensor ids = integer_ids(x);
  // Checked here rather than by take() so the error names the layer and input_dim (take's
  // would also accept negative ids, counting from the end).
  const std::optional<int64_t> bad = first_out_of_range(ids, 0, input_dim_);
  NABLA_CHECK(!bad, IndexError, name(), " (Embedding): index ", bad.value_or(0),
              " is out of range [0, ", input_dim_, ") for input_dim ", input_dim_, " (input shape ",
              x.shape(), ")");
  return take(embeddings, ids, 0);
}

std::vector<Tensor> Embedding::compute_mask(const std::vector<Tensor>& inputs,
                                            const std::vector<Tensor>&,
                                            const std::vector<Tensor>& outputs) const {
  if (!options_.mask_zero || inputs.empty()) return std::vector<Tensor>(outputs.size());
  return std::vector<Tensor>(outputs.size(), integer_ids(inputs[0]) != 0);
}

nlohmann::json Embedding::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["input_dim"] = input_dim_;
  config["output_dim"] = output_dim_;
  config["embeddings_initializer"] = initializers::serialize(options_.embeddings_initializer);
  config["embeddings_regularizer"] = regularizers::serialize(options_.embeddings_regularizer);
  detail::write_unsupported_nulls(config, kUnsupported);
  config["mask_zero"] = options_.mask_zero;
  return config;
}

Embedding Embedding::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "Embedding.from_config";
  detail::check_config_object(config, who);
  detail::check_unsupported_null(config, kUnsupported, who);
  // Keras 3 writes lora_rank only when LoRA is on; nabla has no LoRA.
  detail::check_unsupported_null(config, {"lora_rank"}, who);
  EmbeddingOptions options{.mask_zero = detail::config_get(config, "mask_zero", false, who)};
  detail::read_initializer(config, "embeddings_initializer", options.embeddings_initializer);
  detail::read_regularizer(config, "embeddings_regularizer", options.embeddings_regularizer);
  Embedding layer(detail::config_require<int64_t>(config, "input_dim", who),
                  detail::config_require<int64_t>(config, "output_dim", who), std::move(options));
  apply_base_config(layer, config);
  return layer;
}

}  // namespace nabla::nn
