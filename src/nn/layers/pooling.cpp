// MaxPooling1D/2D, AveragePooling1D/2D and the global pooling layers.
#include "nabla/nn/layers/pooling.hpp"

#include <algorithm>
#include <cctype>

#include "nabla/nn/layer_registry.hpp"
#include "nabla/ops/pooling.hpp"
#include "nabla/ops/reduction.hpp"
#include "nn/config_util.hpp"

namespace nabla::nn {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// `what` (pool_size or strides) with one positive entry per spatial dim.
std::vector<int64_t> expanded(const std::string& who, const char* what, const PoolSize& size,
                              int64_t spatial_dims) {
  const std::vector<int64_t>& v = size.values();
  NABLA_CHECK(v.size() == 1 || static_cast<int64_t>(v.size()) == spatial_dims, ValueError, who,
              ": ", what, " must be one integer or ", spatial_dims, " integers, got ", Shape(v));
  for (int64_t d : v) {
    NABLA_CHECK(d >= 1, ValueError, who, ": ", what, " must be positive, got ", Shape(v));
  }
  return v.size() == 1 ? std::vector<int64_t>(static_cast<size_t>(spatial_dims), v[0]) : v;
}

std::string checked_data_format(const std::string& who, const std::string& data_format) {
  const std::string f = lower(data_format);
  NABLA_CHECK(f == "channels_last" || f == "channels_first", ValueError, who,
              ": data_format must be \"channels_last\" or \"channels_first\", got \"", data_format,
              "\"");
  return f;
}

/// A Keras pool_size/strides value: an integer or a list of integers (null: not given).
PoolSize pool_size_from_json(const nlohmann::json& value, const std::string& who, const char* key) {
  if (value.is_null()) return {};
  if (value.is_number_integer()) return PoolSize(value.get<int64_t>());
  return PoolSize(detail::config_as<std::vector<int64_t>>(value, who, key));
}

/// data_format from a config: Keras writes null for the backend's default (channels_last).
std::string data_format_from_json(const nlohmann::json& config, const std::string& who) {
  const auto it = config.find("data_format");
  if (it == config.end() || it->is_null()) return "channels_last";
  return detail::config_as<std::string>(*it, who, "data_format");
}

}  // namespace

namespace detail {

WindowPooling::WindowPooling(std::string base_name, int64_t spatial_dims, bool is_max,
                             const PoolSize& pool_size, PoolingOptions options)
    : Layer(std::move(base_name)), spatial_dims_(spatial_dims), is_max_(is_max) {
  // The class name is not known yet (virtual): messages name the layer by its Keras class.
  const std::string who =
      std::string(is_max ? "MaxPooling" : "AveragePooling") + std::to_string(spatial_dims) + "D";
  pool_size_ = expanded(who, "pool_size", pool_size, spatial_dims);
  strides_ = options.strides.empty() ? pool_size_
                                     : expanded(who, "strides", options.strides, spatial_dims);
  padding_ = lower(options.padding);
  NABLA_CHECK(padding_ == "valid" || padding_ == "same", ValueError, who,
              ": padding must be \"valid\" or \"same\", got \"", options.padding, "\"");
  data_format_ = checked_data_format(who, options.data_format);
}

Tensor WindowPooling::call(const Tensor& x, bool) {
  NABLA_CHECK(x.ndim() == spatial_dims_ + 2, ShapeError, name(), " (", class_name(),
              "): expected inputs of rank ", spatial_dims_ + 2, " ([batch, ",
              data_format_ == "channels_first" ? "channels, " : "",
              spatial_dims_ == 1 ? "steps" : "rows, cols",
              data_format_ == "channels_first" ? "" : ", channels", "]), got ", x.shape());
  const PoolOptions options{pool_size_, strides_, padding_, data_format_};
  return is_max_ ? max_pool(x, options) : avg_pool(x, options);
}

nlohmann::json WindowPooling::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["pool_size"] = pool_size_;
  config["padding"] = padding_;
  config["strides"] = strides_;
  config["data_format"] = data_format_;
  return config;
}

WindowPooling::Config WindowPooling::read_config(const nlohmann::json& config,
                                                 const std::string& who) {
  check_config_object(config, who);
  Config out;
  const auto pool_size = config.find("pool_size");
  if (pool_size != config.end()) out.pool_size = pool_size_from_json(*pool_size, who, "pool_size");
  const auto strides = config.find("strides");
  if (strides != config.end()) out.options.strides = pool_size_from_json(*strides, who, "strides");
  out.options.padding = config_get<std::string>(config, "padding", "valid", who);
  out.options.data_format = data_format_from_json(config, who);
  return out;
}

GlobalPooling::GlobalPooling(std::string base_name, int64_t spatial_dims, bool is_max,
                             GlobalPoolingOptions options)
    : Layer(std::move(base_name)),
      spatial_dims_(spatial_dims),
      is_max_(is_max),
      options_(std::move(options)) {
  options_.data_format =
      checked_data_format(std::string(is_max ? "GlobalMaxPooling" : "GlobalAveragePooling") +
                              std::to_string(spatial_dims) + "D",
                          options_.data_format);
}

Tensor GlobalPooling::call(const Tensor& x, bool) {
  const bool first = options_.data_format == "channels_first";
  NABLA_CHECK(x.ndim() == spatial_dims_ + 2, ShapeError, name(), " (", class_name(),
              "): expected inputs of rank ", spatial_dims_ + 2, " ([batch, ",
              first ? "channels, " : "", spatial_dims_ == 1 ? "steps" : "rows, cols",
              first ? "" : ", channels", "]), got ", x.shape());
  std::vector<int64_t> axes;
  for (int64_t d = 0; d < spatial_dims_; ++d) axes.push_back(first ? d + 2 : d + 1);
  return is_max_ ? max(x, axes, options_.keepdims) : mean(x, axes, options_.keepdims);
}

nlohmann::json GlobalPooling::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["data_format"] = options_.data_format;
  config["keepdims"] = options_.keepdims;
  return config;
}

GlobalPoolingOptions GlobalPooling::read_config(const nlohmann::json& config,
                                                const std::string& who) {
  check_config_object(config, who);
  return {.keepdims = config_get(config, "keepdims", false, who),
          .data_format = data_format_from_json(config, who)};
}

}  // namespace detail

// Keras's automatic names: max_pooling2d, average_pooling1d, global_max_pooling1d, ...
MaxPooling1D::MaxPooling1D(PoolSize pool_size, PoolingOptions options)
    : ClonableLayer("max_pooling1d", 1, true, pool_size, std::move(options)) {}
MaxPooling2D::MaxPooling2D(PoolSize pool_size, PoolingOptions options)
    : ClonableLayer("max_pooling2d", 2, true, pool_size, std::move(options)) {}
AveragePooling1D::AveragePooling1D(PoolSize pool_size, PoolingOptions options)
    : ClonableLayer("average_pooling1d", 1, false, pool_size, std::move(options)) {}
AveragePooling2D::AveragePooling2D(PoolSize pool_size, PoolingOptions options)
    : ClonableLayer("average_pooling2d", 2, false, pool_size, std::move(options)) {}

GlobalMaxPooling1D::GlobalMaxPooling1D(GlobalPoolingOptions options)
    : ClonableLayer("global_max_pooling1d", 1, true, std::move(options)) {}
GlobalMaxPooling2D::GlobalMaxPooling2D(GlobalPoolingOptions options)
    : ClonableLayer("global_max_pooling2d", 2, true, std::move(options)) {}
GlobalAveragePooling1D::GlobalAveragePooling1D(GlobalPoolingOptions options)
    : ClonableLayer("global_average_pooling1d", 1, false, std::move(options)) {}
GlobalAveragePooling2D::GlobalAveragePooling2D(GlobalPoolingOptions options)
    : ClonableLayer("global_average_pooling2d", 2, false, std::move(options)) {}

namespace {

/// from_config of a windowed pooling layer; a missing pool_size takes the class's default.
template <class L>
L window_from_config(const nlohmann::json& config, const std::string& class_name,
                     PoolSize default_pool_size) {
  auto [pool_size, options] =
      detail::WindowPooling::read_config(config, class_name + ".from_config");
  L layer(pool_size.empty() ? std::move(default_pool_size) : std::move(pool_size),
          std::move(options));
  apply_base_config(layer, config);
  return layer;
}

template <class L>
L global_from_config(const nlohmann::json& config, const std::string& class_name) {
  L layer(detail::GlobalPooling::read_config(config, class_name + ".from_config"));
  apply_base_config(layer, config);
  return layer;
}

}  // namespace

MaxPooling1D MaxPooling1D::from_config(const nlohmann::json& config) {
  return window_from_config<MaxPooling1D>(config, "MaxPooling1D", 2);
}
MaxPooling2D MaxPooling2D::from_config(const nlohmann::json& config) {
  return window_from_config<MaxPooling2D>(config, "MaxPooling2D", {2, 2});
}
AveragePooling1D AveragePooling1D::from_config(const nlohmann::json& config) {
  return window_from_config<AveragePooling1D>(config, "AveragePooling1D", 2);
}
AveragePooling2D AveragePooling2D::from_config(const nlohmann::json& config) {
  return window_from_config<AveragePooling2D>(config, "AveragePooling2D", {2, 2});
}
GlobalMaxPooling1D GlobalMaxPooling1D::from_config(const nlohmann::json& config) {
  return global_from_config<GlobalMaxPooling1D>(config, "GlobalMaxPooling1D");
}
GlobalMaxPooling2D GlobalMaxPooling2D::from_config(const nlohmann::json& config) {
  return global_from_config<GlobalMaxPooling2D>(config, "GlobalMaxPooling2D");
}
GlobalAveragePooling1D GlobalAveragePooling1D::from_config(const nlohmann::json& config) {
  return global_from_config<GlobalAveragePooling1D>(config, "GlobalAveragePooling1D");
}
GlobalAveragePooling2D GlobalAveragePooling2D::from_config(const nlohmann::json& config) {
  return global_from_config<GlobalAveragePooling2D>(config, "GlobalAveragePooling2D");
}

}  // namespace nabla::nn
