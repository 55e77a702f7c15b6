// Spatial dropout: SpatialDropout1D and SpatialDropout2D (Keras 3's names, options and configs).
// Like Dropout, but whole feature maps are dropped: neighbouring positions of one channel are
// strongly correlated, so dropping single elements would barely regularise.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "nabla/nn/layer.hpp"

namespace nabla::nn {

/// x: [N, steps, C]. In training, zeroes each (sample, channel) with probability `rate` across
/// all steps (mask [N, 1, C]) and scales the rest by 1/(1-rate); the identity in inference.
class SpatialDropout1D : public ClonableLayer<SpatialDropout1D> {
 public:
  explicit SpatialDropout1D(double rate);
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "SpatialDropout1D"; }
  [[nodiscard]] bool supports_masking() const override { return true; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static SpatialDropout1D from_config(const nlohmann::json& config);

 private:
  double rate_;
};

struct SpatialDropout2DOptions {
  std::string data_format = "channels_last";  // or "channels_first"
};

/// x: [N, H, W, C] (channels_last) or [N, C, H, W]. In training, zeroes whole feature maps (mask
/// [N, 1, 1, C] or [N, C, 1, 1]) with probability `rate` and scales the rest by 1/(1-rate); the
/// identity in inference.
class SpatialDropout2D : public ClonableLayer<SpatialDropout2D> {
 public:
  explicit SpatialDropout2D(double rate, SpatialDropout2DOptions options = {});
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "SpatialDropout2D"; }
  [[nodiscard]] bool supports_masking() const override { return true; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static SpatialDropout2D from_config(const nlohmann::json& config);

 private:
  double rate_;
  SpatialDropout2DOptions options_;
};

}  // namespace nabla::nn
