// Pooling layers with Keras's names, options, defaults and configs: MaxPooling1D/2D and
// AveragePooling1D/2D slide a window (nabla::max_pool / avg_pool); GlobalMaxPooling1D/2D and
// GlobalAveragePooling1D/2D reduce over every spatial position. Channels-last by default
// ([batch, steps, channels], [batch, rows, cols, channels]); data_format "channels_first" puts
// the channels right after the batch.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nabla/nn/layer.hpp"

namespace nabla::nn {

/// A pool size or strides as Keras takes them: one integer for every spatial dim, or one per
/// dim. Empty means "not given" (Keras's None).
class PoolSize {
 public:
  PoolSize() = default;
  PoolSize(int64_t size) : values_{size} {}                            // NOLINT: implicit
  PoolSize(std::initializer_list<int64_t> sizes) : values_(sizes) {}   // NOLINT: implicit
  PoolSize(std::vector<int64_t> sizes) : values_(std::move(sizes)) {}  // NOLINT: implicit
  [[nodiscard]] const std::vector<int64_t>& values() const { return values_; }
  [[nodiscard]] bool empty() const { return values_.empty(); }

 private:
  std::vector<int64_t> values_;
};

struct PoolingOptions {
  PoolSize strides = {};                      // empty: pool_size (Keras's strides=None)
  std::string padding = "valid";              // or "same" (TensorFlow's: extra padding after)
  std::string data_format = "channels_last";  // or "channels_first"
};

namespace detail {

/// What the windowed pooling layers share: options checked and expanded to one entry per
/// spatial dim at construction, the call, and the config (Keras writes the expanded tuples).
class WindowPooling : public Layer {
 public:
  WindowPooling(std::string base_name, int64_t spatial_dims, bool is_max, const PoolSize& pool_size,
                PoolingOptions options);
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] nlohmann::json get_config() const override;

  /// pool_size (empty when the config has none) and options from a Keras config.
  struct Config {
    PoolSize pool_size;
    PoolingOptions options;
  };
  [[nodiscard]] static Config read_config(const nlohmann::json& config, const std::string& who);

 private:
  int64_t spatial_dims_;
  bool is_max_;
  std::vector<int64_t> pool_size_, strides_;
  std::string padding_, data_format_;
};

}  // namespace detail

/// [batch, steps, channels] -> [batch, pooled steps, channels]: the maximum of each window.
class MaxPooling1D : public ClonableLayer<MaxPooling1D, detail::WindowPooling> {
 public:
  explicit MaxPooling1D(PoolSize pool_size = 2, PoolingOptions options = {});
  [[nodiscard]] std::string class_name() const override { return "MaxPooling1D"; }
  [[nodiscard]] static MaxPooling1D from_config(const nlohmann::json& config);
};

/// [batch, rows, cols, channels] -> [batch, pooled rows, pooled cols, channels].
class MaxPooling2D : public ClonableLayer<MaxPooling2D, detail::WindowPooling> {
 public:
  explicit MaxPooling2D(PoolSize pool_size = {2, 2}, PoolingOptions options = {});
  [[nodiscard]] std::string class_name() const override { return "MaxPooling2D"; }
  [[nodiscard]] static MaxPooling2D from_config(const nlohmann::json& config);
};

/// [batch, steps, channels] -> [batch, pooled steps, channels]: the mean of each window's real
/// (unpadded) cells.
class AveragePooling1D : public ClonableLayer<AveragePooling1D, detail::WindowPooling> {
 public:
  explicit AveragePooling1D(PoolSize pool_size = 2, PoolingOptions options = {});
  [[nodiscard]] std::string class_name() const override { return "AveragePooling1D"; }
  [[nodiscard]] static AveragePooling1D from_config(const nlohmann::json& config);
};

class AveragePooling2D : public ClonableLayer<AveragePooling2D, detail::WindowPooling> {
 public:
  explicit AveragePooling2D(PoolSize pool_size = {2, 2}, PoolingOptions options = {});
  [[nodiscard]] std::string class_name() const override { return "AveragePooling2D"; }
  [[nodiscard]] static AveragePooling2D from_config(const nlohmann::json& config);
};

struct GlobalPoolingOptions {
  bool keepdims = false;  // keep the spatial dims with extent 1
  std::string data_format = "channels_last";
};

namespace detail {

/// What the global pooling layers share: a max or mean over the spatial axes.
class GlobalPooling : public Layer {
 public:
  GlobalPooling(std::string base_name, int64_t spatial_dims, bool is_max,
                GlobalPoolingOptions options);
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] nlohmann::json get_config() const override;

  /// The options from a Keras config.
  [[nodiscard]] static GlobalPoolingOptions read_config(const nlohmann::json& config,
                                                        const std::string& who);

 private:
  int64_t spatial_dims_;
  bool is_max_;
  GlobalPoolingOptions options_;
};

}  // namespace detail

/// [batch, steps, channels] -> [batch, channels] (keepdims: [batch, 1, channels]).
class GlobalMaxPooling1D : public ClonableLayer<GlobalMaxPooling1D, detail::GlobalPooling> {
 public:
  explicit GlobalMaxPooling1D(GlobalPoolingOptions options = {});
  [[nodiscard]] std::string class_name() const override { return "GlobalMaxPooling1D"; }
  [[nodiscard]] static GlobalMaxPooling1D from_config(const nlohmann::json& config);
};

/// [batch, rows, cols, channels] -> [batch, channels] (keepdims: [batch, 1, 1, channels]).
class GlobalMaxPooling2D : public ClonableLayer<GlobalMaxPooling2D, detail::GlobalPooling> {
 public:
  explicit GlobalMaxPooling2D(GlobalPoolingOptions options = {});
  [[nodiscard]] std::string class_name() const override { return "GlobalMaxPooling2D"; }
  [[nodiscard]] static GlobalMaxPooling2D from_config(const nlohmann::json& config);
};

class GlobalAveragePooling1D : public ClonableLayer<GlobalAveragePooling1D, detail::GlobalPooling> {
 public:
  explicit GlobalAveragePooling1D(GlobalPoolingOptions options = {});
  [[nodiscard]] std::string class_name() const override { return "GlobalAveragePooling1D"; }
  [[nodiscard]] static GlobalAveragePooling1D from_config(const nlohmann::json& config);
};

class GlobalAveragePooling2D : public ClonableLayer<GlobalAveragePooling2D, detail::GlobalPooling> {
 public:
  explicit GlobalAveragePooling2D(GlobalPoolingOptions options = {});
  [[nodiscard]] std::string class_name() const override { return "GlobalAveragePooling2D"; }
  [[nodiscard]] static GlobalAveragePooling2D from_config(const nlohmann::json& config);
};

// Keras's short aliases.
using MaxPool1D = MaxPooling1D;
using MaxPool2D = MaxPooling2D;
using AvgPool1D = AveragePooling1D;
using AvgPool2D = AveragePooling2D;
using GlobalMaxPool1D = GlobalMaxPooling1D;
using GlobalMaxPool2D = GlobalMaxPooling2D;
using GlobalAvgPool1D = GlobalAveragePooling1D;
using GlobalAvgPool2D = GlobalAveragePooling2D;

}  // namespace nabla::nn
