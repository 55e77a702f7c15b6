// Masking: zero the padded steps and attach their mask in one pass.
#include "nabla/nn/layers/masking.hpp"

#include "nabla/nn/layer_registry.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/ops/view.hpp"
#include "nn/config_util.hpp"

namespace nabla::nn {

Masking::Masking(MaskingOptions options) : ClonableLayer<Masking>("masking"), options_(options) {}

Tensor Masking::real_steps(const Tensor& x) const {
  NABLA_CHECK(x.ndim() >= 2, ShapeError, name(),
              " (Masking): expects inputs [batch, steps, ...features], got ", x.shape());
  return any(x != options_.mask_value, {-1}, true);
}

Tensor Masking::call(const Tensor& x, bool) {
  const Tensor keep = real_steps(x);
  Tensor y = x * astype(keep, x.dtype());
  // The mask is a by-product of the output: attached here (as Keras does), so that the
  // propagation after the call finds it and does not compute it again.
  if (!x.is_symbolic()) y.set_keras_mask(squeeze(keep, -1));
  return y;
}

std::vector<Tensor> Masking::compute_mask(const std::vector<Tensor>& inputs,
                                          const std::vector<Tensor>&,
                                          const std::vector<Tensor>& outputs) const {
  if (inputs.empty()) return std::vector<Tensor>(outputs.size());
  return std::vector<Tensor>(outputs.size(), squeeze(real_steps(inputs[0]), -1));
}

nlohmann::json Masking::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["mask_value"] = options_.mask_value;
  return config;
}

Masking Masking::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "Masking.from_config";
  detail::check_config_object(config, who);
  Masking layer({.mask_value = detail::config_get(config, "mask_value", 0.0, who)});
  apply_base_config(layer, config);
  return layer;
}

}  // namespace nabla::nn
