// Argument checks and config reading shared by the convolution layers (Keras's conv_utils and
// the parts of from_config every convolution layer repeats).
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "nabla/nn/layers/convolutional.hpp"
#include "nn/layers/layer_config.hpp"

namespace nabla::nn::detail {

/// `arg` as `rank` values (a single value repeats), each >= `minimum`; ValueError naming who.
[[nodiscard]] std::vector<int64_t> expand_per_dim(const PerDim& arg, int64_t rank,
                                                  std::string_view who, std::string_view what,
                                                  int64_t minimum = 1);
/// Keras's standardize_padding: lower case, "valid" or "same" (or "causal" when allowed).
[[nodiscard]] std::string standardize_padding(const std::string& padding, bool allow_causal,
                                              std::string_view who);
/// Keras's standardize_data_format: lower case, "channels_last" or "channels_first".
[[nodiscard]] std::string standardize_data_format(const std::string& data_format,
                                                  std::string_view who);
/// Keras rejects strides > 1 together with dilation_rate > 1.
void check_strides_with_dilation(const std::vector<int64_t>& strides,
                                 const std::vector<int64_t>& dilation_rate, std::string_view who);
/// The channel count of an input shape (batch first) in `data_format`; ShapeError unless it has
/// rank + 2 dims.
[[nodiscard]] int64_t input_channels(const Shape& input_shape, int64_t rank,
                                     const std::string& data_format, std::string_view who);

/// The activation the convolution op runs inside its kernel ("relu"), else "linear" and the
/// layer applies it after: pass it to ConvOptions::activation, then finish with
/// apply_unfused_activation.
[[nodiscard]] std::string fused_activation(const ActivationArg& activation);
[[nodiscard]] Tensor apply_unfused_activation(const ActivationArg& activation, const Tensor& y);

// ---- configs ----
/// config[key] as a string; `fallback` when missing or null (Keras writes data_format=None).
[[nodiscard]] std::string string_from_config(const nlohmann::json& config, std::string_view key,
                                             const std::string& fallback, std::string_view who);
/// config[key] as an int or a list of ints; `fallback` when missing, none when null.
[[nodiscard]] PerDim per_dim_from_config(const nlohmann::json& config, std::string_view key,
                                         const PerDim& fallback, std::string_view who);
}  // namespace nabla::nn::detail
