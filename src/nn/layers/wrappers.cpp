// TimeDistributed.
#include "nabla/nn/layers/wrappers.hpp"

#include <vector>

#include "nabla/nn/layer_registry.hpp"
#include "nn/config_util.hpp"

namespace nabla::nn {

TimeDistributed::TimeDistributed(LayerRef layer)
    : ClonableLayer<TimeDistributed>("time_distributed"), layer_(layer.get()) {
  NABLA_CHECK(layer_ != nullptr, ValueError, "TimeDistributed: no layer to wrap");
  track_layer(layer_);
}

Tensor TimeDistributed::call(const Tensor& x, bool training) {
  NABLA_CHECK(x.ndim() >= 3, ShapeError, name(), " (TimeDistributed of ", layer_->name(),
              "): expects inputs [batch, steps, ...] of rank 3 or more, got ", x.shape());
  const int64_t batch = x.shape()[0], steps = x.shape()[1];
  std::vector<int64_t> folded{batch * steps};
  folded.insert(folded.end(), x.shape().begin() + 2, x.shape().end());
  const Tensor y = (*layer_)(x.reshape(Shape(std::move(folded))), training);
  NABLA_CHECK(y.ndim() >= 1 && y.shape()[0] == batch * steps, ShapeError, name(),
              " (TimeDistributed): the wrapped layer ", layer_->name(), " returned ", y.shape(),
              " for ", batch * steps, " folded samples; it must keep the batch dimension");
  std::vector<int64_t> unfolded{batch, steps};
  unfolded.insert(unfolded.end(), y.shape().begin() + 1, y.shape().end());
  return y.reshape(Shape(std::move(unfolded)));
}

nlohmann::json TimeDistributed::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["layer"] = serialize_layer(*layer_);
  return config;
}

TimeDistributed TimeDistributed::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "TimeDistributed.from_config";
  detail::check_config_object(config, who);
  const auto inner = config.find("layer");
  NABLA_CHECK(inner != config.end(), ValueError, who, ": no 'layer' (the wrapped layer)");
  TimeDistributed layer(LayerRef(deserialize_layer(*inner)));
  apply_base_config(layer, config);
  return layer;
}

}  // namespace nabla::nn
