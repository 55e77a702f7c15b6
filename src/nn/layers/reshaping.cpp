// Reshape, Permute and RepeatVector.
#include "nabla/nn/layers/reshaping.hpp"

#include <algorithm>

#include "nabla/nn/layer_registry.hpp"
#include "nabla/ops/view.hpp"
#include "nn/config_util.hpp"

namespace nabla::nn {

Reshape::Reshape(std::vector<int64_t> target_shape)
    : ClonableLayer<Reshape>("reshape"), target_shape_(std::move(target_shape)) {
  const auto unknown = std::count(target_shape_.begin(), target_shape_.end(), -1);
  NABLA_CHECK(unknown <= 1, ValueError,
              "Reshape: target_shape may have at most one -1 (unknown) entry, got ",
              Shape(target_shape_));
  for (int64_t d : target_shape_) {
    NABLA_CHECK(d > 0 || d == -1, ValueError,
                "Reshape: target_shape entries must be positive or -1, got ", Shape(target_shape_));
  }
}

Tensor Reshape::call(const Tensor& x, bool) {
  NABLA_CHECK(x.ndim() >= 1, ShapeError, name(), " (Reshape): needs a batch dimension, got ",
              x.shape());
  const int64_t sample =
      Shape(std::vector<int64_t>(x.shape().begin() + 1, x.shape().end())).numel();
  int64_t known = 1;
  for (int64_t d : target_shape_) known *= d == -1 ? 1 : d;
  const bool has_unknown =
      std::find(target_shape_.begin(), target_shape_.end(), -1) != target_shape_.end();
  NABLA_CHECK(has_unknown ? sample % known == 0 : sample == known, ShapeError, name(),
              " (Reshape): cannot reshape inputs ", x.shape(), " (", sample,
              " values per sample) to target_shape ", Shape(target_shape_),
              has_unknown ? " (the known entries do not divide the sample's size)" : "");
  std::vector<int64_t> dims{x.shape()[0]};
  for (int64_t d : target_shape_) dims.push_back(d == -1 ? sample / known : d);
  return x.reshape(Shape(std::move(dims)));
}

nlohmann::json Reshape::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["target_shape"] = target_shape_;
  return config;
}

Reshape Reshape::from_config(const nlohmann::json& config) {
  detail::check_config_object(config, "Reshape.from_config");
  Reshape layer(
      detail::config_require<std::vector<int64_t>>(config, "target_shape", "Reshape.from_config"));
  apply_base_config(layer, config);
  return layer;
}

Permute::Permute(std::vector<int64_t> dims)
    : ClonableLayer<Permute>("permute"), dims_(std::move(dims)) {
  std::vector<int64_t> sorted = dims_;
  std::sort(sorted.begin(), sorted.end());
  bool is_permutation = true;
  for (size_t i = 0; i < sorted.size(); ++i) {
    is_permutation = is_permutation && sorted[i] == static_cast<int64_t>(i) + 1;
  }
  NABLA_CHECK(!dims_.empty() && is_permutation, ValueError,
              "Permute: dims must be a permutation of 1..", dims_.size(),
              " (the non-batch axes, counted from 1), got ", Shape(dims_));
}

Tensor Permute::call(const Tensor& x, bool) {
  NABLA_CHECK(x.ndim() == static_cast<int64_t>(dims_.size()) + 1, ShapeError, name(),
              " (Permute): dims ", Shape(dims_), " expect inputs of rank ", dims_.size() + 1,
              " (batch first), got ", x.shape());
  std::vector<int64_t> axes{0};  // the batch axis stays first
  axes.insert(axes.end(), dims_.begin(), dims_.end());
  return x.permute(axes);
}

nlohmann::json Permute::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["dims"] = dims_;
  return config;
}

Permute Permute::from_config(const nlohmann::json& config) {
  detail::check_config_object(config, "Permute.from_config");
  Permute layer(
      detail::config_require<std::vector<int64_t>>(config, "dims", "Permute.from_config"));
  apply_base_config(layer, config);
  return layer;
}

RepeatVector::RepeatVector(int64_t n) : ClonableLayer<RepeatVector>("repeat_vector"), n_(n) {
  NABLA_CHECK(n_ >= 1, ValueError, "RepeatVector: n must be at least 1, got ", n_);
}

Tensor RepeatVector::call(const Tensor& x, bool) {
  NABLA_CHECK(x.ndim() == 2, ShapeError, name(),
              " (RepeatVector): expects inputs [batch, features], got ", x.shape());
  // A broadcast view made contiguous: later layers (recurrent ones) read it step by step.
  return broadcast_to(expand_dims(x, 1), Shape{x.shape()[0], n_, x.shape()[1]}).contiguous();
}

nlohmann::json RepeatVector::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["n"] = n_;
  return config;
}

RepeatVector RepeatVector::from_config(const nlohmann::json& config) {
  detail::check_config_object(config, "RepeatVector.from_config");
  RepeatVector layer(detail::config_require<int64_t>(config, "n", "RepeatVector.from_config"));
  apply_base_config(layer, config);
  return layer;
}

}  // namespace nabla::nn
