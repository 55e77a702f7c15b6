// ZeroPadding1D/2D, Cropping1D/2D and UpSampling1D/2D: pad, slice views, repeat, and for
// bilinear upsampling two gathers and a weighted sum per spatial axis.
#include "nabla/nn/layers/resampling.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <vector>

#include "nabla/nn/layer_registry.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/ops/view.hpp"
#include "nn/config_util.hpp"

namespace nabla::nn {
namespace {

/// True for "channels_first", false for "channels_last"; ValueError otherwise.
bool is_channels_first(const std::string& data_format, std::string_view who) {
  NABLA_CHECK(data_format == "channels_last" || data_format == "channels_first", ValueError, who,
              ": data_format must be \"channels_last\" or \"channels_first\", got \"", data_format,
              "\"");
  return data_format == "channels_first";
}

/// The first spatial axis of a [N, C, ...] or [N, ..., C] input.
int64_t first_spatial_axis(const std::string& data_format) {
  return data_format == "channels_first" ? 2 : 1;
}

void check_rank(const Tensor& x, int64_t rank, const std::string& who, const char* layout) {
  NABLA_CHECK(x.ndim() == rank, ShapeError, who, ": expects inputs of rank ", rank, " ", layout,
              ", got shape ", x.shape());
}

const char* layout_2d(const std::string& data_format) {
  return data_format == "channels_first" ? "[batch, channels, height, width]"
                                         : "[batch, height, width, channels]";
}

const char* layout_1d(const std::string& data_format) {
  return data_format == "channels_first" ? "[batch, channels, steps]" : "[batch, steps, channels]";
}

void check_non_negative(std::pair<int64_t, int64_t> widths, std::string_view who,
                        const char* what) {
  NABLA_CHECK(widths.first >= 0 && widths.second >= 0, ValueError, who, ": ", what,
              " cannot be negative, got (", widths.first, ", ", widths.second, ")");
}

nlohmann::json to_json(const EdgeWidths1D& w) { return {w.before, w.after}; }
nlohmann::json to_json(const EdgeWidths2D& w) {
  return {{w.height.first, w.height.second}, {w.width.first, w.width.second}};
}

/// Keras's "int or tuple of 2 ints".
EdgeWidths1D edge_widths_1d(const nlohmann::json& value, std::string_view who,
                            std::string_view key) {
  if (value.is_number_integer()) return EdgeWidths1D(value.get<int64_t>());
  const auto pair = detail::config_as<std::vector<int64_t>>(value, who, key);
  NABLA_CHECK(pair.size() == 2, ValueError, who, ": config key '", key,
              "' must be an integer or a list of 2 integers, got ", value.dump());
  return EdgeWidths1D(pair[0], pair[1]);
}

/// Keras's "int, or tuple of 2 ints, or tuple of 2 tuples of 2 ints".
EdgeWidths2D edge_widths_2d(const nlohmann::json& value, std::string_view who,
                            std::string_view key) {
  if (value.is_number_integer()) return EdgeWidths2D(value.get<int64_t>());
  NABLA_CHECK(value.is_array() && value.size() == 2, ValueError, who, ": config key '", key,
              "' must be an integer or a list of 2 entries, got ", value.dump());
  const EdgeWidths1D height = edge_widths_1d(value[0], who, key);
  const EdgeWidths1D width = edge_widths_1d(value[1], who, key);
  return EdgeWidths2D({height.before, height.after}, {width.before, width.after});
}

std::string data_format_from_config(const nlohmann::json& config, std::string_view who) {
  const auto it = config.find("data_format");
  if (it == config.end() || it->is_null()) return "channels_last";  // Keras's default
  return detail::config_as<std::string>(*it, who, "data_format");
}

/// Removes `widths` from both ends of `axis` (a view); ShapeError unless something remains.
Tensor crop_axis(const Tensor& x, int64_t axis, std::pair<int64_t, int64_t> widths,
                 const std::string& who, const nlohmann::json& cropping) {
  const int64_t n = x.shape()[axis];
  NABLA_CHECK(widths.first + widths.second < n, ShapeError, who, ": cropping ", cropping.dump(),
              " removes ", widths.first + widths.second, " of the ", n, " entries of axis ", axis,
              " of inputs of shape ", x.shape(), "; at least one must remain");
  return x.slice(axis, widths.first, n - widths.second);
}

/// Upsamples `axis` by `factor` with linear interpolation at half-pixel centres (TensorFlow's
/// resize without antialiasing, PyTorch's align_corners=False): output position o samples the
/// input at (o + 0.5) / factor - 0.5, clamped to the edges.
Tensor linear_upsample_axis(const Tensor& x, int64_t axis, int64_t factor) {
  if (factor == 1) return x;
  const int64_t n = x.shape()[axis], m = n * factor;
  std::vector<int64_t> lower(static_cast<size_t>(m)), upper(static_cast<size_t>(m));
  std::vector<double> weight(static_cast<size_t>(m));
  for (int64_t o = 0; o < m; ++o) {
    const double source = (static_cast<double>(o) + 0.5) / static_cast<double>(factor) - 0.5;
    const double floor = std::floor(source);
    const auto i = static_cast<size_t>(o);
    lower[i] = std::clamp<int64_t>(static_cast<int64_t>(floor), 0, n - 1);
    upper[i] = std::clamp<int64_t>(static_cast<int64_t>(floor) + 1, 0, n - 1);
    weight[i] = source - floor;
  }
  std::vector<int64_t> weight_dims(static_cast<size_t>(x.ndim()), 1);
  weight_dims[static_cast<size_t>(axis)] = m;
  const Tensor w = from_vector(weight, Shape(std::move(weight_dims))).astype(x.dtype());
  const Tensor a = take(x, from_vector(lower), axis);
  const Tensor b = take(x, from_vector(upper), axis);
  return a + (b - a) * w;
}

}  // namespace

// ---- ZeroPadding1D ----

ZeroPadding1D::ZeroPadding1D(EdgeWidths1D padding, ResamplingOptions options)
    : ClonableLayer<ZeroPadding1D>("zero_padding1d"),
      padding_(padding),
      options_(std::move(options)) {
  check_non_negative({padding_.before, padding_.after}, "ZeroPadding1D", "padding");
  (void)is_channels_first(options_.data_format, "ZeroPadding1D");
}

Tensor ZeroPadding1D::call(const Tensor& x, bool) {
  check_rank(x, 3, name() + " (ZeroPadding1D)", layout_1d(options_.data_format));
  std::vector<std::pair<int64_t, int64_t>> widths(3, {0, 0});
  widths[static_cast<size_t>(first_spatial_axis(options_.data_format))] = {padding_.before,
                                                                           padding_.after};
  return pad(x, widths);
}

nlohmann::json ZeroPadding1D::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["padding"] = to_json(padding_);
  config["data_format"] = options_.data_format;
  return config;
}

ZeroPadding1D ZeroPadding1D::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "ZeroPadding1D.from_config";
  detail::check_config_object(config, who);
  const auto padding = config.find("padding");
  ZeroPadding1D layer(
      padding == config.end() ? EdgeWidths1D(1) : edge_widths_1d(*padding, who, "padding"),
      {.data_format = data_format_from_config(config, who)});
  apply_base_config(layer, config);
  return layer;
}

// ---- ZeroPadding2D ----

ZeroPadding2D::ZeroPadding2D(EdgeWidths2D padding, ResamplingOptions options)
    : ClonableLayer<ZeroPadding2D>("zero_padding2d"),
      padding_(padding),
      options_(std::move(options)) {
  check_non_negative(padding_.height, "ZeroPadding2D", "padding");
  check_non_negative(padding_.width, "ZeroPadding2D", "padding");
  (void)is_channels_first(options_.data_format, "ZeroPadding2D");
}

Tensor ZeroPadding2D::call(const Tensor& x, bool) {
  check_rank(x, 4, name() + " (ZeroPadding2D)", layout_2d(options_.data_format));
  std::vector<std::pair<int64_t, int64_t>> widths(4, {0, 0});
  const auto h = static_cast<size_t>(first_spatial_axis(options_.data_format));
  widths[h] = padding_.height;
  widths[h + 1] = padding_.width;
  return pad(x, widths);
}

nlohmann::json ZeroPadding2D::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["padding"] = to_json(padding_);
  config["data_format"] = options_.data_format;
  return config;
}

ZeroPadding2D ZeroPadding2D::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "ZeroPadding2D.from_config";
  detail::check_config_object(config, who);
  const auto padding = config.find("padding");
  ZeroPadding2D layer(
      padding == config.end() ? EdgeWidths2D(1) : edge_widths_2d(*padding, who, "padding"),
      {.data_format = data_format_from_config(config, who)});
  apply_base_config(layer, config);
  return layer;
}

// ---- Cropping1D ----

Cropping1D::Cropping1D(EdgeWidths1D cropping)
    : ClonableLayer<Cropping1D>("cropping1d"), cropping_(cropping) {
  check_non_negative({cropping_.before, cropping_.after}, "Cropping1D", "cropping");
}

Tensor Cropping1D::call(const Tensor& x, bool) {
  const std::string who = name() + " (Cropping1D)";
  check_rank(x, 3, who, layout_1d("channels_last"));
  return crop_axis(x, 1, {cropping_.before, cropping_.after}, who, to_json(cropping_));
}

nlohmann::json Cropping1D::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["cropping"] = to_json(cropping_);
  return config;
}

Cropping1D Cropping1D::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "Cropping1D.from_config";
  detail::check_config_object(config, who);
  const auto cropping = config.find("cropping");
  Cropping1D layer(cropping == config.end() ? EdgeWidths1D(1)
                                            : edge_widths_1d(*cropping, who, "cropping"));
  apply_base_config(layer, config);
  return layer;
}

// ---- Cropping2D ----

Cropping2D::Cropping2D(EdgeWidths2D cropping, ResamplingOptions options)
    : ClonableLayer<Cropping2D>("cropping2d"), cropping_(cropping), options_(std::move(options)) {
  check_non_negative(cropping_.height, "Cropping2D", "cropping");
  check_non_negative(cropping_.width, "Cropping2D", "cropping");
  (void)is_channels_first(options_.data_format, "Cropping2D");
}

Tensor Cropping2D::call(const Tensor& x, bool) {
  const std::string who = name() + " (Cropping2D)";
  check_rank(x, 4, who, layout_2d(options_.data_format));
  const int64_t h = first_spatial_axis(options_.data_format);
  const nlohmann::json cropping = to_json(cropping_);
  return crop_axis(crop_axis(x, h, cropping_.height, who, cropping), h + 1, cropping_.width, who,
                   cropping);
}

nlohmann::json Cropping2D::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["cropping"] = to_json(cropping_);
  config["data_format"] = options_.data_format;
  return config;
}

Cropping2D Cropping2D::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "Cropping2D.from_config";
  detail::check_config_object(config, who);
  const auto cropping = config.find("cropping");
  Cropping2D layer(
      cropping == config.end() ? EdgeWidths2D(0) : edge_widths_2d(*cropping, who, "cropping"),
      {.data_format = data_format_from_config(config, who)});
  apply_base_config(layer, config);
  return layer;
}

// ---- UpSampling1D ----

UpSampling1D::UpSampling1D(int64_t size)
    : ClonableLayer<UpSampling1D>("up_sampling1d"), size_(size) {
  NABLA_CHECK(size >= 1, ValueError, "UpSampling1D: size must be positive, got ", size);
}

Tensor UpSampling1D::call(const Tensor& x, bool) {
  check_rank(x, 3, name() + " (UpSampling1D)", layout_1d("channels_last"));
  return repeat(x, size_, 1);
}

nlohmann::json UpSampling1D::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["size"] = size_;
  return config;
}

UpSampling1D UpSampling1D::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "UpSampling1D.from_config";
  detail::check_config_object(config, who);
  UpSampling1D layer(detail::config_get<int64_t>(config, "size", 2, who));
  apply_base_config(layer, config);
  return layer;
}

// ---- UpSampling2D ----

UpSampling2D::UpSampling2D(int64_t size, UpSampling2DOptions options)
    : UpSampling2D(std::pair{size, size}, std::move(options)) {}

UpSampling2D::UpSampling2D(std::pair<int64_t, int64_t> size, UpSampling2DOptions options)
    : ClonableLayer<UpSampling2D>("up_sampling2d"), size_(size), options_(std::move(options)) {
  NABLA_CHECK(size_.first >= 1 && size_.second >= 1, ValueError,
              "UpSampling2D: size must be positive, got (", size_.first, ", ", size_.second, ")");
  (void)is_channels_first(options_.data_format, "UpSampling2D");
  std::string& interpolation = options_.interpolation;
  std::transform(interpolation.begin(), interpolation.end(), interpolation.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  NABLA_CHECK(interpolation == "nearest" || interpolation == "bilinear", ValueError,
              "UpSampling2D: interpolation must be \"nearest\" or \"bilinear\" (nabla has no ",
              "bicubic or lanczos resizing), got \"", interpolation, "\"");
}

Tensor UpSampling2D::call(const Tensor& x, bool) {
  check_rank(x, 4, name() + " (UpSampling2D)", layout_2d(options_.data_format));
  const int64_t h = first_spatial_axis(options_.data_format);
  if (options_.interpolation == "nearest") {
    return repeat(repeat(x, size_.first, h), size_.second, h + 1);
  }
  // Integer inputs (images as bytes) interpolate in the layer's floating dtype.
  const Tensor xf = is_floating(x.dtype()) ? x : x.astype(dtype());
  return linear_upsample_axis(linear_upsample_axis(xf, h, size_.first), h + 1, size_.second);
}

nlohmann::json UpSampling2D::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["size"] = {size_.first, size_.second};
  config["data_format"] = options_.data_format;
  config["interpolation"] = options_.interpolation;
  return config;
}

UpSampling2D UpSampling2D::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "UpSampling2D.from_config";
  detail::check_config_object(config, who);
  std::pair<int64_t, int64_t> size{2, 2};
  if (const auto it = config.find("size"); it != config.end()) {
    const EdgeWidths1D pair = edge_widths_1d(*it, who, "size");  // an int or a pair, too
    size = {pair.before, pair.after};
  }
  UpSampling2D layer(size, {.data_format = data_format_from_config(config, who),
                            .interpolation = detail::config_get<std::string>(
                                config, "interpolation", "nearest", who)});
  apply_base_config(layer, config);
  return layer;
}

}  // namespace nabla::nn
