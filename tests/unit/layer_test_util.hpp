// run_layer_test: the one check every layer goes through (design.md §5.7): build and call on a
// random batch, output shape, weight counts, symbolic shape inference equal to the eager shape,
// the layer in a functional graph giving the same result, config as JSON and its round trip
// through the layer registry (Keras's from_config), and one training step that changes every
// trainable weight. Multi-input layers (merge layers) give `input_shapes` instead of
// `input_shape`.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <nabla/nabla.hpp>
#include <string>

namespace layer_test {

struct LayerTestSpec {
  nabla::Shape input_shape = {};       // one sample's shape (the batch dimension is added)
  nabla::Shape expected_output_shape;  // one sample's output shape
  size_t trainable_weights = 0;
  size_t non_trainable_weights = 0;
  int64_t batch = 4;
  bool deterministic = true;  // inference output identical on a second call
  /// Multi-input layers: one sample shape per input (input_shape is then unused); the layer is
  /// called on the list.
  std::vector<nabla::Shape> input_shapes = {};
  /// from_config(get_config()) rebuilds an equal layer. Off for layers whose config cannot hold
  /// them (Lambda's C++ function): from_config must then throw a ValueError.
  bool config_round_trip = true;
  /// A float64 copy of the layer (set_dtype(float64)) passes a finite-difference check of the
  /// gradient of its output with respect to its inputs and every trainable weight, in inference
  /// mode and, when `gradcheck_training` is set (layers whose training-mode output is
  /// deterministic, like BatchNormalization), in training mode too.
  bool gradcheck = true;
  bool gradcheck_training = false;
  /// Integer-input layers (Embedding): the inputs are ids of this dtype drawn uniformly from
  /// [0, input_high) instead of normal floats; they get no gradient check (the weights do).
  nabla::DType input_dtype = nabla::float32;
  int64_t input_high = 0;
};

namespace detail {

/// d sum(u * layer(xs)) / d (each input, each trainable weight) by one backward pass against
/// central differences, on up to `kSampled` elements of each tensor (spread over it), in float64.
template <class Apply>
void check_layer_gradients(nabla::nn::Layer& layer, const std::vector<nabla::Tensor>& xs,
                           bool training, const Apply& apply) {
  using namespace nabla;
  constexpr int64_t kSampled = 24;
  constexpr double kEps = 1e-6, kAtol = 1e-6, kRtol = 1e-4;
  const Tensor u = random::normal(apply(layer, xs, training).shape(), 0.0, 1.0, float64);
  auto loss_value = [&] {
    NoGradGuard no_grad;
    return sum(u * apply(layer, xs, training)).template item<double>();
  };
  // Integer inputs (ids) have no gradient: only the floating ones are checked.
  std::vector<Tensor> wrt;
  std::vector<std::string> names;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (!is_floating(xs[i].dtype())) continue;
    wrt.push_back(xs[i]);
    names.push_back("input " + std::to_string(i));
  }
  const size_t checked_inputs = wrt.size();
  for (const Tensor& w : layer.trainable_weights()) {
    names.push_back("weight " + std::to_string(wrt.size() - checked_inputs));
    wrt.push_back(w);
  }
  std::vector<Tensor> grads;
  {
    EnableGradGuard grad_mode;
    std::vector<Tensor> inputs, vars;
    for (const Tensor& x : xs) {
      inputs.push_back(is_floating(x.dtype()) ? x.detach().requires_grad_() : x);
      if (is_floating(x.dtype())) vars.push_back(inputs.back());
    }
    for (const Tensor& w : layer.trainable_weights()) vars.push_back(w);
    grads = autograd::grad({sum(u * apply(layer, inputs, training))}, vars);
  }
  for (size_t t = 0; t < wrt.size(); ++t) {
    const std::string& what = names[t];
    ASSERT_TRUE(wrt[t].is_contiguous() && wrt[t].dtype() == float64) << layer.name() << " " << what;
    ASSERT_TRUE(grads[t].defined()) << layer.name() << ": no gradient for " << what;
    const std::vector<double> analytic = grads[t].template to_vector<double>();
    double* data = wrt[t].template data<double>();
    const int64_t n = wrt[t].numel();
    const int64_t step = std::max<int64_t>(1, n / kSampled);
    for (int64_t i = 0; i < n; i += step) {
      const double saved = data[i];
      data[i] = saved + kEps;
      const double plus = loss_value();
      data[i] = saved - kEps;
      const double minus = loss_value();
      data[i] = saved;
      const double numeric = (plus - minus) / (2 * kEps);
      EXPECT_NEAR(analytic[static_cast<size_t>(i)], numeric, kAtol + kRtol * std::abs(numeric))
          << layer.name() << " (training=" << training << "): d/d " << what << "[" << i << "]";
    }
  }
}

}  // namespace detail

template <class MakeLayer>
void run_layer_test(const MakeLayer& make_layer, const LayerTestSpec& spec) {
  using namespace nabla;
  const bool multi = !spec.input_shapes.empty();
  const std::vector<Shape> sample_shapes =
      multi ? spec.input_shapes : std::vector<Shape>{spec.input_shape};
  auto batched = [&](const Shape& sample) {
    std::vector<int64_t> dims{spec.batch};
    dims.insert(dims.end(), sample.begin(), sample.end());
    return Shape(std::move(dims));
  };
  const bool integer_inputs = is_integral(spec.input_dtype);
  std::vector<Tensor> xs;
  for (const Shape& s : sample_shapes) {
    xs.push_back(integer_inputs ? random::randint(0, spec.input_high, batched(s), spec.input_dtype)
                                : random::normal(batched(s)));
  }
  const Shape out_shape = batched(spec.expected_output_shape);
  // A layer (or model) applied to the inputs: the one tensor, or the list.
  auto apply = [multi](nn::Layer& l, const std::vector<Tensor>& inputs, bool training) {
    return multi ? l(inputs, training).at(0) : l(inputs[0], training);
  };
  auto values = [](const Tensor& t) { return t.template to_vector<float>(); };

  // Eager build and call.
  auto layer = make_layer();
  const Tensor y = apply(layer, xs, false);
  EXPECT_EQ(y.shape(), out_shape) << layer.name();
  EXPECT_TRUE(layer.built());
  EXPECT_EQ(layer.trainable_weights().size(), spec.trainable_weights) << layer.name();
  EXPECT_EQ(layer.non_trainable_weights().size(), spec.non_trainable_weights) << layer.name();
  if (spec.deterministic) {
    EXPECT_EQ(values(apply(layer, xs, false)), values(y));
  }

  // Symbolic shape inference agrees with the eager result; in a functional model the layer
  // computes the same thing.
  std::vector<Tensor> ins;
  for (const Shape& s : sample_shapes) ins.push_back(nn::Input(s, spec.input_dtype));
  const Tensor out = apply(layer, ins, false);
  EXPECT_EQ(out.shape()[-1], y.shape()[-1]);
  EXPECT_EQ(out.ndim(), y.ndim());
  nn::Model functional(ins, {out});
  if (spec.deterministic) {
    // predict() takes one input; a multi-input model is called on the list.
    const Tensor predicted = multi ? functional.call_multiple(xs, false).at(0)
                                   : functional.predict(xs[0], {.verbose = 0});
    EXPECT_EQ(values(predicted), values(y));
  }

  // Config: Keras's base keys, and valid JSON.
  const auto config = layer.get_config();
  EXPECT_EQ(config.at("name"), layer.name());
  EXPECT_TRUE(config.contains("trainable"));
  const auto reparsed = nlohmann::json::parse(config.dump());
  EXPECT_EQ(reparsed, config);

  // Round trip (Keras's from_config, from the JSON text a model file holds): an equal config,
  // name included as Keras keeps it, and with the same weights the same output.
  if (spec.config_round_trip) {
    const std::shared_ptr<nn::Layer> rebuilt = nn::layer_from_config(layer.class_name(), reparsed);
    EXPECT_EQ(rebuilt->class_name(), layer.class_name());
    EXPECT_EQ(rebuilt->get_config(), config) << "rebuilt: " << rebuilt->get_config().dump(2);
    EXPECT_FALSE(rebuilt->is_same_layer(layer));
    EXPECT_FALSE(rebuilt->built());
    (void)apply(*rebuilt, xs, false);  // builds it
    rebuilt->set_weights(layer.get_weights());
    if (spec.deterministic) {
      EXPECT_EQ(values(apply(*rebuilt, xs, false)), values(y));
    }
  } else {
    EXPECT_THROW((void)nn::layer_from_config(layer.class_name(), reparsed), ValueError);
  }

  // Gradients, in float64.
  if (spec.gradcheck) {
    auto layer64 = make_layer();
    layer64.set_dtype(float64);
    std::vector<Tensor> xs64;
    for (const Tensor& x : xs) xs64.push_back(is_floating(x.dtype()) ? x.astype(float64) : x);
    for (const bool training : {false, true}) {
      if (training && !spec.gradcheck_training) continue;
      detail::check_layer_gradients(layer64, xs64, training, apply);
    }
  }

  // One training step on a fresh layer changes every trainable weight.
  auto fresh = make_layer();
  const Tensor target = random::normal(out_shape);
  std::vector<Tensor> before, after;
  if (!multi) {
    auto model = nn::Sequential({nn::Input(spec.input_shape, spec.input_dtype), fresh});
    model.compile({.optimizer = optim::SGD({.learning_rate = 0.1}), .loss = "mse"});
    before = model.get_weights();
    const auto logs = model.train_on_batch(xs[0], target);
    EXPECT_TRUE(std::isfinite(logs.at("loss")));
    after = model.get_weights();
  } else {
    // Model::train_on_batch takes one x: the step is spelt out for a list of inputs.
    std::vector<Tensor> fresh_ins;
    for (const Shape& s : sample_shapes) fresh_ins.push_back(nn::Input(s, spec.input_dtype));
    nn::Model model(fresh_ins, {apply(fresh, fresh_ins, false)});
    before = model.get_weights();
    EnableGradGuard grad_mode;
    const Tensor loss = mean(square(model.call_multiple(xs, true).at(0) - target));
    EXPECT_TRUE(std::isfinite(loss.item<double>()));
    const std::vector<Tensor> weights = model.trainable_weights();
    if (!weights.empty()) {
      optim::SGD({.learning_rate = 0.1}).apply_gradients(autograd::grad({loss}, weights), weights);
    }
    after = model.get_weights();
  }
  for (size_t i = 0; i < spec.trainable_weights; ++i) {
    EXPECT_NE(values(before[i]), values(after[i]))
        << fresh.name() << " weight " << i << " did not change in a training step";
  }
}

}  // namespace layer_test
