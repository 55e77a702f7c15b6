// BatchNormalization and LayerNormalization: run_layer_test (gradients in both modes for BN),
// values against hand-computed references, the moving statistics, training inside models,
// Keras configs and error paths.
#include <gtest/gtest.h>

#include <cmath>

#include "unit/layer_test_util.hpp"
#include "unit/tensor_test_util.hpp"

using namespace nabla;
using layer_test::run_layer_test;
using nabla::testing::expect_error;

namespace {

constexpr double kEps = 1e-3;  // Keras's default epsilon

void expect_all_near(const std::vector<float>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
}

/// Per-column mean and biased variance of a row-major [rows, cols] matrix.
void column_moments(const std::vector<float>& x, size_t rows, size_t cols,
                    std::vector<double>& mean, std::vector<double>& var) {
  mean.assign(cols, 0.0);
  var.assign(cols, 0.0);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) mean[c] += x[r * cols + c] / static_cast<double>(rows);
  }
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) {
      const double d = x[r * cols + c] - mean[c];
      var[c] += d * d / static_cast<double>(rows);
    }
  }
}

TEST(NnBatchNormalization, LayerTest) {
  run_layer_test([] { return nn::BatchNormalization(); }, {.input_shape = {5},
                                                           .expected_output_shape = {5},
                                                           .trainable_weights = 2,
                                                           .non_trainable_weights = 2,
                                                           .gradcheck_training = true});
  run_layer_test([] { return nn::BatchNormalization({.axis = 1, .momentum = 0.5}); },
                 {.input_shape = {3, 4},
                  .expected_output_shape = {3, 4},
                  .trainable_weights = 2,
                  .non_trainable_weights = 2,
                  .gradcheck_training = true});
  run_layer_test([] { return nn::BatchNormalization({.center = false}); },
                 {.input_shape = {4, 4, 3},
                  .expected_output_shape = {4, 4, 3},
                  .trainable_weights = 1,
                  .non_trainable_weights = 2,
                  .gradcheck_training = true});
  run_layer_test([] { return nn::BatchNormalization({.center = false, .scale = false}); },
                 {.input_shape = {6},
                  .expected_output_shape = {6},
                  .non_trainable_weights = 2,
                  .gradcheck_training = true});
  run_layer_test(
      [] {
        return nn::BatchNormalization({.axis = {1, 2},
                                       .epsilon = 1e-2,
                                       .gamma_initializer = "random_normal",
                                       .gamma_regularizer = "l2"});
      },
      {.input_shape = {2, 3, 4},
       .expected_output_shape = {2, 3, 4},
       .trainable_weights = 2,
       .non_trainable_weights = 2,
       .gradcheck_training = true});
}

TEST(NnBatchNormalization, WeightsInKerasOrder) {
  nn::BatchNormalization bn;
  (void)bn(ones({2, 3, 5}));
  EXPECT_EQ(bn.weight_names(),
            (std::vector<std::string>{bn.name() + "/gamma", bn.name() + "/beta",
                                      bn.name() + "/moving_mean", bn.name() + "/moving_variance"}));
  for (const Tensor& w : bn.weights()) EXPECT_EQ(w.shape(), (Shape{5}));
  EXPECT_FALSE(bn.moving_mean.requires_grad());
  EXPECT_FALSE(bn.moving_variance.requires_grad());
  EXPECT_EQ(bn.moving_variance.to_vector<float>(), std::vector<float>(5, 1.0f));
  EXPECT_EQ(bn.name().rfind("batch_normalization", 0), 0u);
}

TEST(NnBatchNormalization, TrainingUsesBatchStatisticsAndUpdatesMovingOnes) {
  nn::BatchNormalization bn({.momentum = 0.9});
  const Tensor x = tensor<float>({{1, -2, 0.5f}, {3, 0, 2}, {-1, 4, 1}, {5, 2, -3.5f}});
  (void)bn(x, false);  // builds
  const std::vector<float> gamma{2, 0.5f, 1}, beta{0.1f, -1, 3};
  bn.set_weights({from_vector(gamma), from_vector(beta), zeros({3}), ones({3})});
  const std::vector<float> xs = x.to_vector<float>();
  std::vector<double> mean, var;
  column_moments(xs, 4, 3, mean, var);

  const Tensor y = bn(x, true);
  std::vector<double> want(12);
  for (size_t r = 0; r < 4; ++r) {
    for (size_t c = 0; c < 3; ++c) {
      want[r * 3 + c] = (xs[r * 3 + c] - mean[c]) / std::sqrt(var[c] + kEps) * gamma[c] + beta[c];
    }
  }
  expect_all_near(y.to_vector<float>(), want, 1e-5);

  // moving = moving * momentum + batch * (1 - momentum), with the biased batch variance.
  std::vector<double> moving_mean(3), moving_var(3);
  for (size_t c = 0; c < 3; ++c) {
    moving_mean[c] = 0.1 * mean[c];
    moving_var[c] = 0.9 + 0.1 * var[c];
  }
  expect_all_near(bn.moving_mean.to_vector<float>(), moving_mean, 1e-6);
  expect_all_near(bn.moving_variance.to_vector<float>(), moving_var, 1e-6);

  // Inference normalises with the moving statistics and leaves them alone.
  const Tensor inferred = bn(x, false);
  for (size_t r = 0; r < 4; ++r) {
    for (size_t c = 0; c < 3; ++c) {
      want[r * 3 + c] =
          (xs[r * 3 + c] - moving_mean[c]) / std::sqrt(moving_var[c] + kEps) * gamma[c] + beta[c];
    }
  }
  expect_all_near(inferred.to_vector<float>(), want, 1e-5);
  expect_all_near(bn.moving_mean.to_vector<float>(), moving_mean, 1e-6);

  // A second training step folds in again.
  (void)bn(x, true);
  for (size_t c = 0; c < 3; ++c) moving_mean[c] = moving_mean[c] * 0.9 + 0.1 * mean[c];
  expect_all_near(bn.moving_mean.to_vector<float>(), moving_mean, 1e-6);
}

TEST(NnBatchNormalization, ChannelsOfImagesReduceOverBatchAndSpace) {
  // [N, H, W, C] with C = 2: channel 0 is 10 + noise, channel 1 is -3 * noise.
  random::seed(7);
  const Tensor noise = random::normal({8, 5, 5, 1});
  const Tensor x = concatenate({noise + 10.0, noise * -3.0}, 3);
  nn::BatchNormalization bn({.momentum = 0.0});  // the moving statistics become the batch's
  const Tensor y = bn(x, true);
  const Tensor per_channel_mean = mean(y, {0, 1, 2});
  const Tensor per_channel_var = var(y, {0, 1, 2});
  for (float m : per_channel_mean.to_vector<float>()) EXPECT_NEAR(m, 0.0, 1e-5);
  const double noise_var = var(noise).item<double>();
  expect_all_near(per_channel_var.to_vector<float>(),
                  {noise_var / (noise_var + kEps), 9 * noise_var / (9 * noise_var + kEps)}, 1e-4);
  expect_all_near(bn.moving_mean.to_vector<float>(),
                  {mean(noise).item<double>() + 10.0, -3.0 * mean(noise).item<double>()}, 1e-4);
  expect_all_near(bn.moving_variance.to_vector<float>(), {noise_var, 9 * noise_var}, 1e-4);
}

TEST(NnBatchNormalization, ChannelsFirstAxis) {
  const Tensor x = random::normal({4, 3, 2, 2}) * 2.0 + 1.0;
  nn::BatchNormalization bn({.axis = 1, .momentum = 0.0});
  const Tensor y = bn(x, true);
  EXPECT_EQ(bn.gamma.shape(), (Shape{3}));
  for (float m : mean(y, {0, 2, 3}).to_vector<float>()) EXPECT_NEAR(m, 0.0, 1e-5);
  const std::vector<float> expected_mean = mean(x, {0, 2, 3}).to_vector<float>();
  const std::vector<float> moving = bn.moving_mean.to_vector<float>();
  for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(moving[c], expected_mean[c], 1e-5);
}

TEST(NnBatchNormalization, NotTrainableMeansInferenceMode) {
  nn::BatchNormalization bn({.momentum = 0.5});
  const Tensor x = random::normal({6, 4}) + 3.0;
  (void)bn(x, false);
  bn.set_trainable(false);
  EXPECT_TRUE(bn.trainable_weights().empty());
  EXPECT_EQ(bn.non_trainable_weights().size(), 4u);
  const Tensor y = bn(x, true);  // Keras 3: inference mode despite training=true
  EXPECT_EQ(y.to_vector<float>(), bn(x, false).to_vector<float>());
  EXPECT_EQ(bn.moving_mean.to_vector<float>(), std::vector<float>(4, 0.0f));
  EXPECT_EQ(bn.moving_variance.to_vector<float>(), std::vector<float>(4, 1.0f));
}

TEST(NnBatchNormalization, GradientsFlowWhileMovingStatisticsUpdate) {
  // The in-place update happens inside a recorded forward pass: the backward pass must be
  // unaffected (sum of a normalised column is constant, so d/dx of sum(y) is 0; d/dbeta = N).
  nn::BatchNormalization bn;
  EnableGradGuard grad_mode;
  const Tensor x = (random::normal({5, 3}) * 2.0).requires_grad_();
  const Tensor y = bn(x, true);
  const std::vector<Tensor> grads = autograd::grad({sum(y)}, {x, bn.gamma, bn.beta});
  for (float g : grads[0].to_vector<float>()) EXPECT_NEAR(g, 0.0, 1e-5);
  for (float g : grads[1].to_vector<float>()) EXPECT_NEAR(g, 0.0, 1e-4);
  EXPECT_EQ(grads[2].to_vector<float>(), std::vector<float>(3, 5.0f));
  EXPECT_NE(bn.moving_mean.to_vector<float>(), std::vector<float>(3, 0.0f));
  EXPECT_FALSE(bn.moving_mean.requires_grad());
}

TEST(NnBatchNormalization, Float64Layer) {
  nn::BatchNormalization bn;
  bn.set_dtype(float64);
  const Tensor y = bn(random::normal({4, 3}, 0.0, 1.0, float64), true);
  EXPECT_EQ(y.dtype(), float64);
  for (const Tensor& w : bn.weights()) EXPECT_EQ(w.dtype(), float64);
  EXPECT_EQ(bn.get_config()["dtype"], "float64");
}

TEST(NnBatchNormalization, SmallModelTrainsAndInfersWithMovingStatistics) {
  random::seed(3);
  // Inputs far from zero mean and unit scale: the BN layer has to learn their statistics.
  const Tensor x = random::normal({256, 4}) * 3.0 + 5.0;
  const Tensor y = sum(x * tensor<float>({0.5f, -1.0f, 0.25f, 2.0f}), {1}, true) * 0.1;
  nn::BatchNormalization bn({.momentum = 0.8});
  auto model =
      nn::Sequential({nn::Input({4}), bn, nn::Dense(16, {.activation = "relu"}), nn::Dense(1)});
  model.compile({.optimizer = optim::Adam({.learning_rate = 1e-2}), .loss = "mse"});
  const auto history = model.fit(x, y, {.batch_size = 32, .epochs = 15, .verbose = 0});
  const std::vector<double>& loss = history.history().at("loss");
  EXPECT_LT(loss.back(), 0.2 * loss.front());

  // The moving statistics tracked the data's (mean 5, variance 9). `bn` itself was never
  // called, so its members are unbound: read the shared weights.
  const std::vector<Tensor> w = bn.weights();  // gamma, beta, moving_mean, moving_variance
  for (float m : w[2].to_vector<float>()) EXPECT_NEAR(m, 5.0, 0.6);
  for (float v : w[3].to_vector<float>()) EXPECT_NEAR(v, 9.0, 2.5);

  // Inference: the BN layer's output is computed from the moving statistics, not the batch's.
  const Tensor batch = x.slice(0, 0, 8);
  const std::vector<float> xs = batch.to_vector<float>();
  const std::vector<float> gamma = w[0].to_vector<float>(), beta = w[1].to_vector<float>();
  const std::vector<float> mm = w[2].to_vector<float>(), mv = w[3].to_vector<float>();
  std::vector<double> want(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    const size_t c = i % 4;
    want[i] = (xs[i] - mm[c]) / std::sqrt(mv[c] + kEps) * gamma[c] + beta[c];
  }
  expect_all_near(bn(batch, false).to_vector<float>(), want, 1e-4);
  const auto before = w[2].to_vector<float>();
  const Tensor predicted = model.predict(batch, {.verbose = 0});
  EXPECT_EQ(w[2].to_vector<float>(), before);  // predict leaves the statistics alone
  EXPECT_EQ(predicted.to_vector<float>(), model.predict(batch, {.verbose = 0}).to_vector<float>());
}

TEST(NnBatchNormalization, FunctionalModelUpdatesMovingStatisticsInTraining) {
  const Tensor in = nn::Input({3});
  nn::BatchNormalization bn;
  const Tensor out = nn::Dense(1)(bn(in));
  nn::Model model(in, out);
  model.compile({.optimizer = optim::SGD({.learning_rate = 0.01}), .loss = "mse"});
  const Tensor x = random::normal({16, 3}) + 2.0;
  (void)model.train_on_batch(x, zeros({16, 1}));
  const std::vector<float> moving = bn.moving_mean.to_vector<float>();
  const std::vector<float> batch_mean = mean(x, {0}).to_vector<float>();
  for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(moving[c], 0.01 * batch_mean[c], 1e-6);
  EXPECT_EQ(model.non_trainable_weights().size(), 2u);
}

TEST(NnBatchNormalization, ConfigMatchesKeras) {
  nn::BatchNormalization bn({.axis = 1, .momentum = 0.9, .epsilon = 1e-5, .center = false});
  const auto config = bn.get_config();
  EXPECT_EQ(config["axis"], 1);
  EXPECT_EQ(config["momentum"], 0.9);
  EXPECT_EQ(config["epsilon"], 1e-5);
  EXPECT_EQ(config["center"], false);
  EXPECT_EQ(config["scale"], true);
  EXPECT_EQ(config["gamma_initializer"]["class_name"], "Ones");
  EXPECT_EQ(config["moving_variance_initializer"]["class_name"], "Ones");
  EXPECT_EQ(config["beta_regularizer"], nullptr);
  EXPECT_EQ(config["synchronized"], false);
  EXPECT_EQ(nn::BatchNormalization({.axis = {1, 2}}).get_config()["axis"],
            nlohmann::json::parse("[1, 2]"));

  // A config as Keras 3 writes it.
  const auto keras = nlohmann::json::parse(R"({
    "name": "bn_from_keras", "trainable": true,
    "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
              "registered_name": null},
    "axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": true, "scale": true,
    "beta_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                         "registered_name": null},
    "gamma_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {},
                          "registered_name": null},
    "moving_mean_initializer": {"module": "keras.initializers", "class_name": "Zeros",
                                "config": {}, "registered_name": null},
    "moving_variance_initializer": {"module": "keras.initializers", "class_name": "Ones",
                                    "config": {}, "registered_name": null},
    "beta_regularizer": null, "gamma_regularizer": null, "beta_constraint": null,
    "gamma_constraint": null, "synchronized": false})");
  const auto layer = nn::layer_from_config("BatchNormalization", keras);
  EXPECT_EQ(layer->name(), "bn_from_keras");
  (void)(*layer)(ones({2, 7}));
  EXPECT_EQ(layer->weights().size(), 4u);

  auto with = [&](const char* key, nlohmann::json value) {
    auto c = keras;
    c[key] = std::move(value);
    return c;
  };
  expect_error<ValueError>(
      [&] { (void)nn::layer_from_config("BatchNormalization", with("synchronized", true)); },
      {"BatchNormalization.from_config", "synchronized"});
  expect_error<ValueError>(
      [&] { (void)nn::layer_from_config("BatchNormalization", with("axis", "x")); },
      {"BatchNormalization.from_config", "axis"});
}

TEST(NnBatchNormalization, Errors) {
  nn::BatchNormalization bad_axis({.axis = 2});
  bad_axis.set_name("bn_bad_axis");
  expect_error<ValueError>(
      [&] {
        (void)bad_axis(ones({4, 5}));
      },
      {"bn_bad_axis", "BatchNormalization", "axis 2", "[4, 5]"});
  expect_error<ValueError>(
      [] {
        (void)nn::BatchNormalization({.axis = {1, -1}})(ones({4, 5}));
      },
      {"BatchNormalization", "twice", "[4, 5]"});
  nn::BatchNormalization bn;
  (void)bn(ones({4, 5}));
  expect_error<ShapeError>([&] { (void)bn(ones({4, 6})); }, {"BatchNormalization", "[4, 6]"});
  expect_error<ShapeError>([&] { (void)bn(ones({4, 2, 5})); }, {"BatchNormalization", "[4, 2, 5]"});
  expect_error<ValueError>([] { (void)nn::BatchNormalization({.epsilon = 0}); }, {"epsilon"});
  expect_error<ValueError>([] { (void)nn::BatchNormalization({.momentum = 1.5}); }, {"momentum"});
}

TEST(NnLayerNormalization, LayerTest) {
  run_layer_test([] { return nn::LayerNormalization(); },
                 {.input_shape = {6}, .expected_output_shape = {6}, .trainable_weights = 2});
  run_layer_test(
      [] {
        return nn::LayerNormalization({.axis = {1, 2}});
      },
      {.input_shape = {3, 4}, .expected_output_shape = {3, 4}, .trainable_weights = 2});
  run_layer_test([] { return nn::LayerNormalization({.axis = 1, .center = false}); },
                 {.input_shape = {3, 4}, .expected_output_shape = {3, 4}, .trainable_weights = 1});
  run_layer_test(
      [] { return nn::LayerNormalization({.epsilon = 1e-5, .center = false, .scale = false}); },
      {.input_shape = {2, 5}, .expected_output_shape = {2, 5}});
}

TEST(NnLayerNormalization, NormalisesEachSample) {
  const Tensor x = tensor<float>({{1, 2, 3, 6}, {-4, 0, 0, 8}});
  nn::LayerNormalization ln;
  (void)ln(x);
  const std::vector<float> gamma{1, 2, 0.5f, -1}, beta{0, 1, -1, 0.5f};
  ln.set_weights({from_vector(gamma), from_vector(beta)});
  const std::vector<float> xs = x.to_vector<float>();
  std::vector<double> want(8);
  for (size_t r = 0; r < 2; ++r) {
    double mean = 0, var = 0;
    for (size_t c = 0; c < 4; ++c) mean += xs[r * 4 + c] / 4.0;
    for (size_t c = 0; c < 4; ++c) var += (xs[r * 4 + c] - mean) * (xs[r * 4 + c] - mean) / 4.0;
    for (size_t c = 0; c < 4; ++c) {
      want[r * 4 + c] = (xs[r * 4 + c] - mean) / std::sqrt(var + kEps) * gamma[c] + beta[c];
    }
  }
  expect_all_near(ln(x, false).to_vector<float>(), want, 1e-5);
  expect_all_near(ln(x, true).to_vector<float>(), want, 1e-5);  // same in training
}

TEST(NnLayerNormalization, SeveralAxes) {
  // axis {1, 2} of [N, 2, 3]: each sample normalised over its 6 values; gamma is [2, 3].
  const Tensor x = random::normal({3, 2, 3}) * 4.0 + 1.0;
  nn::LayerNormalization ln({.axis = {1, 2}});
  const Tensor y = ln(x);
  EXPECT_EQ(ln.gamma.shape(), (Shape{2, 3}));
  for (float m : mean(y, {1, 2}).to_vector<float>()) EXPECT_NEAR(m, 0.0, 1e-5);
  const std::vector<float> v = var(x, {1, 2}).to_vector<float>();
  const std::vector<float> vy = var(y, {1, 2}).to_vector<float>();
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(vy[i], v[i] / (v[i] + kEps), 1e-4);
  EXPECT_EQ(ln.get_config()["axis"], nlohmann::json::parse("[1, 2]"));
  EXPECT_EQ(nn::LayerNormalization().get_config()["axis"], -1);
}

TEST(NnLayerNormalization, KerasConfigAndErrors) {
  const auto keras = nlohmann::json::parse(R"({
    "name": "ln_from_keras", "trainable": true, "dtype": "float32", "axis": [-1],
    "epsilon": 1e-6, "center": true, "scale": true, "rms_scaling": false,
    "beta_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                         "registered_name": null},
    "gamma_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {},
                          "registered_name": null},
    "beta_regularizer": null, "gamma_regularizer": null, "beta_constraint": null,
    "gamma_constraint": null})");
  const auto layer = nn::layer_from_config("LayerNormalization", keras);
  EXPECT_EQ(layer->get_config()["axis"], nlohmann::json::parse("[-1]"));
  EXPECT_EQ(layer->get_config()["epsilon"], 1e-6);
  auto rms = keras;
  rms["rms_scaling"] = true;
  expect_error<ValueError>([&] { (void)nn::layer_from_config("LayerNormalization", rms); },
                           {"LayerNormalization.from_config", "rms_scaling"});

  expect_error<ValueError>(
      [] {
        (void)nn::LayerNormalization({.axis = -3})(ones({2, 5}));
      },
      {"LayerNormalization", "axis -3", "[2, 5]"});
  nn::LayerNormalization ln;
  (void)ln(ones({2, 5}));
  expect_error<ShapeError>([&] { (void)ln(ones({2, 4})); }, {"LayerNormalization", "[2, 4]"});
}

}  // namespace
