// BatchNormalization and LayerNormalization: composites of reductions and elementwise ops, so
// autodiff, float64 layers and symbolic shape inference come for free.
#include "nabla/nn/layers/normalization.hpp"

#include <algorithm>

#include "nabla/autograd/grad_mode.hpp"
#include "nabla/graph/function.hpp"
#include "nabla/nn/layer_registry.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/ops/view.hpp"
#include "nn/config_util.hpp"

namespace nabla::nn {
namespace {

/// `axis` normalised against inputs of `input_shape`, in the order given; ValueError naming the
/// layer and the shape when an axis is out of range or repeated.
std::vector<int64_t> resolve_axes(const AxisArg& axis, const Shape& input_shape,
                                  const std::string& who) {
  const int64_t rank = input_shape.rank();
  NABLA_CHECK(!axis.axes().empty(), ValueError, who, ": axis must name at least one axis");
  std::vector<int64_t> out;
  for (int64_t a : axis.axes()) {
    NABLA_CHECK(a >= -rank && a < rank, ValueError, who, ": invalid axis ", axis.to_json().dump(),
                " for inputs of shape ", input_shape, " (rank ", rank, ")");
    const int64_t normalized = a < 0 ? a + rank : a;
    NABLA_CHECK(std::find(out.begin(), out.end(), normalized) == out.end(), ValueError, who,
                ": axis ", axis.to_json().dump(), " names axis ", normalized,
                " twice for inputs of shape ", input_shape);
    out.push_back(normalized);
  }
  return out;
}

/// The weights' shape: the extents of the normalised axes in `axes` order (Keras's).
Shape weight_shape(const std::vector<int64_t>& axes, const Shape& input_shape) {
  std::vector<int64_t> dims;
  for (int64_t a : axes) dims.push_back(input_shape[a]);
  return Shape(std::move(dims));
}

/// Rank-`rank` shape that is 1 except on `axes`: how the weights broadcast against the input.
/// Like Keras, the weights are reshaped (not transposed) to it.
Shape broadcast_shape(const std::vector<int64_t>& axes, const Shape& input_shape) {
  std::vector<int64_t> dims(static_cast<size_t>(input_shape.rank()), 1);
  for (int64_t a : axes) dims[static_cast<size_t>(a)] = input_shape[a];
  return Shape(std::move(dims));
}

/// Every axis not in `axes`.
Axes other_axes(const std::vector<int64_t>& axes, int64_t rank) {
  Axes out;
  for (int64_t d = 0; d < rank; ++d) {
    if (std::find(axes.begin(), axes.end(), d) == axes.end()) out.push_back(d);
  }
  return out;
}

/// The input's normalised axes, after checking that it has the rank the layer was built for and,
/// when the layer has weights, their extents on those axes.
std::vector<int64_t> checked_axes(const Tensor& x, const AxisArg& axis, int64_t rank,
                                  const Tensor& weight, const std::string& who) {
  NABLA_CHECK(x.ndim() == rank, ShapeError, who, ": the layer was built for inputs of rank ", rank,
              ", got inputs of shape ", x.shape());
  std::vector<int64_t> axes = resolve_axes(axis, x.shape(), who);
  NABLA_CHECK(!weight.defined() || weight_shape(axes, x.shape()) == weight.shape(), ShapeError, who,
              ": the layer was built for extents ", weight.shape(), " on axis ",
              axis.to_json().dump(), ", got inputs of shape ", x.shape());
  return axes;
}

/// A weight (cast to the input's dtype) reshaped to broadcast against the input.
Tensor broadcastable(const Tensor& weight, const Shape& shape, DType dtype) {
  return weight.astype(dtype).reshape(shape);
}

/// Keras's "axis" from a config: an integer or a list of integers.
AxisArg axis_from_config(const nlohmann::json& config, std::string_view who) {
  const auto it = config.find("axis");
  if (it == config.end()) return -1;
  if (it->is_array()) return detail::config_as<std::vector<int64_t>>(*it, who, "axis");
  return detail::config_as<int64_t>(*it, who, "axis");
}

/// Keys nabla has no feature for: accepted when null or false (Keras's defaults), else an error.
void check_unsupported(const nlohmann::json& config, std::initializer_list<const char*> keys,
                       std::string_view who) {
  for (const char* key : keys) {
    const auto it = config.find(key);
    NABLA_CHECK(it == config.end() || it->is_null() || *it == false, ValueError, who, ": '", key,
                "' is not supported by nabla, got ", it->dump());
  }
}

void read_initializer(const nlohmann::json& config, const char* key,
                      initializers::InitializerRef& target) {
  if (config.contains(key)) target = initializers::deserialize(config.at(key));
}

void read_regularizer(const nlohmann::json& config, const char* key,
                      regularizers::RegularizerRef& target) {
  if (config.contains(key)) target = regularizers::deserialize(config.at(key));
}

/// A floating input stays as it is; integers compute in the layer's dtype.
Tensor floating_input(const Tensor& x, DType layer_dtype) {
  return is_floating(x.dtype()) ? x : x.astype(layer_dtype);
}

}  // namespace

nlohmann::json AxisArg::to_json() const {
  return is_list_ ? nlohmann::json(axes_) : nlohmann::json(axes_.at(0));
}

// ---- BatchNormalization ----

BatchNormalization::BatchNormalization(BatchNormalizationOptions options)
    : ClonableLayer<BatchNormalization>("batch_normalization"), options_(std::move(options)) {
  NABLA_CHECK(options_.epsilon > 0, ValueError,
              "BatchNormalization: epsilon must be positive, got ", options_.epsilon);
  NABLA_CHECK(options_.momentum >= 0 && options_.momentum <= 1, ValueError,
              "BatchNormalization: momentum must be in [0, 1], got ", options_.momentum);
}

void BatchNormalization::build(const Shape& input_shape) {
  const std::string who = name() + " (BatchNormalization)";
  input_rank_ = input_shape.rank();
  const Shape shape = weight_shape(resolve_axes(options_.axis, input_shape, who), input_shape);
  // Keras's order: gamma, beta, moving_mean, moving_variance.
  if (options_.scale) {
    gamma =
        add_weight("gamma", shape, options_.gamma_initializer, true, options_.gamma_regularizer);
  }
  if (options_.center) {
    beta = add_weight("beta", shape, options_.beta_initializer, true, options_.beta_regularizer);
  }
  moving_mean = add_weight("moving_mean", shape, options_.moving_mean_initializer, false);
  moving_variance =
      add_weight("moving_variance", shape, options_.moving_variance_initializer, false);
}

Tensor BatchNormalization::call(const Tensor& input, bool training) {
  const std::string who = name() + " (BatchNormalization)";
  const Tensor x = floating_input(input, dtype());
  const std::vector<int64_t> axes = checked_axes(x, options_.axis, input_rank_, moving_mean, who);
  const Shape shape = broadcast_shape(axes, x.shape());
  Tensor mean, variance;
  // Keras 3: a BN layer that is not trainable runs in inference mode even in training.
  if (training && trainable()) {
    const Axes reduced = other_axes(axes, x.ndim());
    mean = nabla::mean(x, reduced, true);
    variance = nabla::mean(square(x - mean), reduced, true);  // biased, as Keras
    if (!x.is_symbolic() || graph::is_tracing()) {
      // The moving statistics are state, not part of the differentiated computation: updated
      // in place without recording (like an optimiser step), so autograd never sees them.
      // Inside nabla::function the update is recorded as the graph's effect.
      NoGradGuard no_grad;
      const double m = options_.momentum;
      const Shape weights = moving_mean.shape();
      moving_mean.copy_(moving_mean * m +
                        mean.reshape(weights).astype(moving_mean.dtype()) * (1.0 - m));
      moving_variance.copy_(moving_variance * m +
                            variance.reshape(weights).astype(moving_variance.dtype()) * (1.0 - m));
    }
  } else {
    mean = broadcastable(moving_mean, shape, x.dtype());
    variance = broadcastable(moving_variance, shape, x.dtype());
  }
  // Per-feature factor and offset first (small tensors), so that the input itself is touched by
  // one multiply and one add: y = x * factor + offset.
  Tensor factor = 1.0 / sqrt(variance + options_.epsilon);
  if (gamma.defined()) factor = factor * broadcastable(gamma, shape, x.dtype());
  Tensor offset = -(mean * factor);
  if (beta.defined()) offset = offset + broadcastable(beta, shape, x.dtype());
  return x * factor + offset;
}

nlohmann::json BatchNormalization::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["axis"] = options_.axis.to_json();
  config["momentum"] = options_.momentum;
  config["epsilon"] = options_.epsilon;
  config["center"] = options_.center;
  config["scale"] = options_.scale;
  config["beta_initializer"] = initializers::serialize(options_.beta_initializer);
  config["gamma_initializer"] = initializers::serialize(options_.gamma_initializer);
  config["moving_mean_initializer"] = initializers::serialize(options_.moving_mean_initializer);
  config["moving_variance_initializer"] =
      initializers::serialize(options_.moving_variance_initializer);
  config["beta_regularizer"] = regularizers::serialize(options_.beta_regularizer);
  config["gamma_regularizer"] = regularizers::serialize(options_.gamma_regularizer);
  config["beta_constraint"] = nullptr;  // nabla has no weight constraints
  config["gamma_constraint"] = nullptr;
  config["synchronized"] = false;
  return config;
}

BatchNormalization BatchNormalization::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "BatchNormalization.from_config";
  detail::check_config_object(config, who);
  check_unsupported(config, {"beta_constraint", "gamma_constraint", "synchronized", "renorm"}, who);
  BatchNormalizationOptions options{.axis = axis_from_config(config, who),
                                    .momentum = detail::config_get(config, "momentum", 0.99, who),
                                    .epsilon = detail::config_get(config, "epsilon", 1e-3, who),
                                    .center = detail::config_get(config, "center", true, who),
                                    .scale = detail::config_get(config, "scale", true, who)};
  read_initializer(config, "beta_initializer", options.beta_initializer);
  read_initializer(config, "gamma_initializer", options.gamma_initializer);
  read_initializer(config, "moving_mean_initializer", options.moving_mean_initializer);
  read_initializer(config, "moving_variance_initializer", options.moving_variance_initializer);
  read_regularizer(config, "beta_regularizer", options.beta_regularizer);
  read_regularizer(config, "gamma_regularizer", options.gamma_regularizer);
  BatchNormalization layer(std::move(options));
  apply_base_config(layer, config);
  return layer;
}

// ---- LayerNormalization ----

LayerNormalization::LayerNormalization(LayerNormalizationOptions options)
    : ClonableLayer<LayerNormalization>("layer_normalization"), options_(std::move(options)) {
  NABLA_CHECK(options_.epsilon > 0, ValueError,
              "LayerNormalization: epsilon must be positive, got ", options_.epsilon);
}

void LayerNormalization::build(const Shape& input_shape) {
  const std::string who = name() + " (LayerNormalization)";
  input_rank_ = input_shape.rank();
  const Shape shape = weight_shape(resolve_axes(options_.axis, input_shape, who), input_shape);
  if (options_.scale) {
    gamma =
        add_weight("gamma", shape, options_.gamma_initializer, true, options_.gamma_regularizer);
  }
  if (options_.center) {
    beta = add_weight("beta", shape, options_.beta_initializer, true, options_.beta_regularizer);
  }
}

Tensor LayerNormalization::call(const Tensor& input, bool) {
  const std::string who = name() + " (LayerNormalization)";
  const Tensor x = floating_input(input, dtype());
  const std::vector<int64_t> axes =
      checked_axes(x, options_.axis, input_rank_, gamma.defined() ? gamma : beta, who);
  const Shape shape = broadcast_shape(axes, x.shape());
  const Axes reduced(axes.begin(), axes.end());
  // The centred input serves both the variance and the output, saving a pass over x.
  const Tensor centered = x - nabla::mean(x, reduced, true);
  const Tensor variance = nabla::mean(square(centered), reduced, true);
  Tensor y = centered * (1.0 / sqrt(variance + options_.epsilon));
  if (gamma.defined()) y = y * broadcastable(gamma, shape, x.dtype());
  if (beta.defined()) y = y + broadcastable(beta, shape, x.dtype());
  return y;
}

nlohmann::json LayerNormalization::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["axis"] = options_.axis.to_json();
  config["epsilon"] = options_.epsilon;
  config["center"] = options_.center;
  config["scale"] = options_.scale;
  config["rms_scaling"] = false;
  config["beta_initializer"] = initializers::serialize(options_.beta_initializer);
  config["gamma_initializer"] = initializers::serialize(options_.gamma_initializer);
  config["beta_regularizer"] = regularizers::serialize(options_.beta_regularizer);
  config["gamma_regularizer"] = regularizers::serialize(options_.gamma_regularizer);
  config["beta_constraint"] = nullptr;
  config["gamma_constraint"] = nullptr;
  return config;
}

LayerNormalization LayerNormalization::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "LayerNormalization.from_config";
  detail::check_config_object(config, who);
  check_unsupported(config, {"beta_constraint", "gamma_constraint", "rms_scaling"}, who);
  LayerNormalizationOptions options{.axis = axis_from_config(config, who),
                                    .epsilon = detail::config_get(config, "epsilon", 1e-3, who),
                                    .center = detail::config_get(config, "center", true, who),
                                    .scale = detail::config_get(config, "scale", true, who)};
  read_initializer(config, "beta_initializer", options.beta_initializer);
  read_initializer(config, "gamma_initializer", options.gamma_initializer);
  read_regularizer(config, "beta_regularizer", options.beta_regularizer);
  read_regularizer(config, "gamma_regularizer", options.gamma_regularizer);
  LayerNormalization layer(std::move(options));
  apply_base_config(layer, config);
  return layer;
}

}  // namespace nabla::nn
