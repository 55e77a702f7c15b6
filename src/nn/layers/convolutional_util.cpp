// Argument checks and config reading shared by the convolution layers.
#include "nn/layers/convolutional_util.hpp"

#include <algorithm>
#include <cctype>

#include "nn/config_util.hpp"

namespace nabla::nn::detail {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::vector<int64_t> expand_per_dim(const PerDim& arg, int64_t rank, std::string_view who,
                                    std::string_view what, int64_t minimum) {
  const std::vector<int64_t>& v = arg.values();
  NABLA_CHECK(v.size() == 1 || static_cast<int64_t>(v.size()) == rank, ValueError, who, ": ", what,
              " must be one integer or ", rank, " integers, got ", Shape(v));
  std::vector<int64_t> out =
      v.size() == 1 ? std::vector<int64_t>(static_cast<size_t>(rank), v[0]) : v;
  for (int64_t value : out) {
    NABLA_CHECK(value >= minimum, ValueError, who, ": ", what, " must be ",
                minimum == 0 ? "non-negative" : "positive", ", got ", Shape(v));
  }
  return out;
}

std::string standardize_padding(const std::string& padding, bool allow_causal,
                                std::string_view who) {
  const std::string p = lower(padding);
  NABLA_CHECK(p == "valid" || p == "same" || (allow_causal && p == "causal"), ValueError, who,
              ": padding must be \"valid\"",
              allow_causal ? ", \"same\" or \"causal\"" : " or \"same\"", ", got \"", padding,
              "\"");
  return p;
}

std::string standardize_data_format(const std::string& data_format, std::string_view who) {
  const std::string f = lower(data_format);
  NABLA_CHECK(f == "channels_last" || f == "channels_first", ValueError, who,
              ": data_format must be \"channels_last\" or \"channels_first\", got \"", data_format,
              "\"");
  return f;
}

void check_strides_with_dilation(const std::vector<int64_t>& strides,
                                 const std::vector<int64_t>& dilation_rate, std::string_view who) {
  const bool strided = std::any_of(strides.begin(), strides.end(), [](int64_t s) { return s > 1; });
  const bool dilated =
      std::any_of(dilation_rate.begin(), dilation_rate.end(), [](int64_t d) { return d > 1; });
  NABLA_CHECK(!(strided && dilated), ValueError, who,
              ": strides > 1 are not supported together with dilation_rate > 1 (as in Keras), got "
              "strides ",
              Shape(strides), " and dilation_rate ", Shape(dilation_rate));
}

int64_t input_channels(const Shape& input_shape, int64_t rank, const std::string& data_format,
                       std::string_view who) {
  NABLA_CHECK(input_shape.rank() == rank + 2, ShapeError, who, ": expects inputs of rank ",
              rank + 2, " ([batch, ", rank == 1 ? "steps" : "*spatial", ", channels]",
              data_format == "channels_first" ? " as channels_first" : "", "), got ", input_shape);
  return data_format == "channels_first" ? input_shape[1] : input_shape[-1];
}

std::string fused_activation(const ActivationArg& activation) {
  // relu runs inside the convolution (one pass over the output less).
  return activation.name() == "relu" ? "relu" : "linear";
}

Tensor apply_unfused_activation(const ActivationArg& activation, const Tensor& y) {
  return fused_activation(activation) == "linear" ? activation(y) : y;
}

std::string string_from_config(const nlohmann::json& config, std::string_view key,
                               const std::string& fallback, std::string_view who) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return fallback;
  return config_as<std::string>(*it, who, key);
}

PerDim per_dim_from_config(const nlohmann::json& config, std::string_view key,
                           const PerDim& fallback, std::string_view who) {
  const auto it = config.find(key);
  if (it == config.end()) return fallback;
  if (it->is_null()) return PerDim{};
  if (it->is_number_integer()) return PerDim(it->get<int64_t>());
  return PerDim(config_as<std::vector<int64_t>>(*it, who, key));
}

}  // namespace nabla::nn::detail
