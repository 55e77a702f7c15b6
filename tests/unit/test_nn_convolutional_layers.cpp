// The convolution layers through run_layer_test (several configurations each), the issue's API
// spelling, Keras's weight layouts and configs, the math against nabla::conv, and the errors.
#include <gtest/gtest.h>

#include "unit/layer_test_util.hpp"
#include "unit/tensor_test_util.hpp"

using namespace nabla;
using layer_test::run_layer_test;
using nabla::testing::expect_error;

namespace {

TEST(NnConvolutionalLayers, Conv1D) {
  run_layer_test([] { return nn::Conv1D(4, 3, {.activation = "relu"}); },
                 {.input_shape = {10, 3}, .expected_output_shape = {8, 4}, .trainable_weights = 2});
  run_layer_test(
      [] { return nn::Conv1D(3, 2, {.strides = 2, .padding = "same", .use_bias = false}); },
      {.input_shape = {7, 2}, .expected_output_shape = {4, 3}, .trainable_weights = 1});
  run_layer_test([] { return nn::Conv1D(2, 3, {.padding = "causal", .dilation_rate = 2}); },
                 {.input_shape = {6, 3}, .expected_output_shape = {6, 2}, .trainable_weights = 2});
  run_layer_test([] { return nn::Conv1D(4, 3, {.groups = 2, .activation = "tanh"}); },
                 {.input_shape = {5, 4}, .expected_output_shape = {3, 4}, .trainable_weights = 2});
  run_layer_test([] { return nn::Conv1D(3, 2, {.data_format = "channels_first"}); },
                 {.input_shape = {4, 6}, .expected_output_shape = {3, 5}, .trainable_weights = 2});
}

TEST(NnConvolutionalLayers, Conv2D) {
  run_layer_test(
      [] { return nn::Conv2D(3, 3, {.activation = "relu"}); },
      {.input_shape = {5, 5, 2}, .expected_output_shape = {3, 3, 3}, .trainable_weights = 2});
  run_layer_test(
      [] {
        return nn::Conv2D(4, {3, 2}, {.strides = {2, 1}, .padding = "same"});
      },
      {.input_shape = {5, 4, 3}, .expected_output_shape = {3, 4, 4}, .trainable_weights = 2});
  run_layer_test(
      [] { return nn::Conv2D(2, 2, {.dilation_rate = 2, .kernel_regularizer = "l2"}); },
      {.input_shape = {6, 6, 1}, .expected_output_shape = {4, 4, 2}, .trainable_weights = 2});
  run_layer_test(
      [] { return nn::Conv2D(4, 3, {.groups = 2, .use_bias = false}); },
      {.input_shape = {4, 4, 2}, .expected_output_shape = {2, 2, 4}, .trainable_weights = 1});
  run_layer_test(
      [] {
        return nn::Conv2D(2, 3,
                          {.padding = "same",
                           .data_format = "channels_first",
                           .kernel_initializer = "he_normal",
                           .bias_initializer = "ones"});
      },
      {.input_shape = {3, 4, 5}, .expected_output_shape = {2, 4, 5}, .trainable_weights = 2});
}

TEST(NnConvolutionalLayers, Conv2DTranspose) {
  run_layer_test(
      [] { return nn::Conv2DTranspose(3, 3); },
      {.input_shape = {3, 3, 2}, .expected_output_shape = {5, 5, 3}, .trainable_weights = 2});
  run_layer_test(
      [] { return nn::Conv2DTranspose(3, 3, {.strides = 2, .padding = "same"}); },
      {.input_shape = {3, 4, 2}, .expected_output_shape = {6, 8, 3}, .trainable_weights = 2});
  run_layer_test(
      [] {
        return nn::Conv2DTranspose(
            2, 3, {.strides = 2, .padding = "same", .output_padding = 1, .activation = "relu"});
      },
      {.input_shape = {3, 3, 2}, .expected_output_shape = {6, 6, 2}, .trainable_weights = 2});
  run_layer_test(
      [] {
        return nn::Conv2DTranspose(
            4, 2, {.strides = 2, .data_format = "channels_first", .use_bias = false});
      },
      {.input_shape = {2, 3, 3}, .expected_output_shape = {4, 6, 6}, .trainable_weights = 1});
  run_layer_test(
      [] {
        return nn::Conv2DTranspose(2, {2, 3}, {.dilation_rate = {1, 2}});
      },
      {.input_shape = {3, 3, 1}, .expected_output_shape = {4, 7, 2}, .trainable_weights = 2});
}

TEST(NnConvolutionalLayers, DepthwiseConv2D) {
  run_layer_test(
      [] { return nn::DepthwiseConv2D(3); },
      {.input_shape = {5, 5, 2}, .expected_output_shape = {3, 3, 2}, .trainable_weights = 2});
  run_layer_test(
      [] {
        return nn::DepthwiseConv2D(3, {.strides = 2, .padding = "same", .depth_multiplier = 2});
      },
      {.input_shape = {5, 4, 3}, .expected_output_shape = {3, 2, 6}, .trainable_weights = 2});
  run_layer_test(
      [] {
        return nn::DepthwiseConv2D(
            {2, 3}, {.data_format = "channels_first", .activation = "relu", .use_bias = false});
      },
      {.input_shape = {2, 4, 5}, .expected_output_shape = {2, 3, 3}, .trainable_weights = 1});
}

TEST(NnConvolutionalLayers, SeparableConv2D) {
  run_layer_test(
      [] { return nn::SeparableConv2D(4, 3); },
      {.input_shape = {5, 5, 2}, .expected_output_shape = {3, 3, 4}, .trainable_weights = 3});
  run_layer_test(
      [] {
        return nn::SeparableConv2D(3, 2,
                                   {.padding = "same", .depth_multiplier = 2, .use_bias = false});
      },
      {.input_shape = {4, 3, 2}, .expected_output_shape = {4, 3, 3}, .trainable_weights = 2});
  run_layer_test(
      [] {
        return nn::SeparableConv2D(
            2, 3, {.strides = 2, .data_format = "channels_first", .activation = "sigmoid"});
      },
      {.input_shape = {3, 6, 5}, .expected_output_shape = {2, 2, 2}, .trainable_weights = 3});
}

// The issue's spelling compiles and gives Keras's shapes.
TEST(NnConvolutionalLayers, IssueApi) {
  auto model = nn::Sequential({
      nn::Input({28, 28, 1}),
      nn::Conv2D(32, 3, {.activation = "relu"}),
      nn::Conv2D(64, {3, 3}, {.strides = {1, 1}, .padding = "same", .activation = "relu"}),
      nn::Flatten(),
      nn::Dense(10, {.activation = "softmax"}),
  });
  const Tensor y = model.predict(random::uniform({8, 28, 28, 1}, 0.0, 1.0), {.verbose = 0});
  EXPECT_EQ(y.shape(), (Shape{8, 10}));
  const Tensor seq = nn::Input({28, 28});
  const Tensor h = nn::Conv1D(64, 5, {.activation = "relu"})(seq);
  EXPECT_EQ(h.shape(), (Shape{1, 24, 64}));
}

TEST(NnConvolutionalLayers, OpsOnSymbolicTensors) {
  const Tensor y = conv(nn::Input({28, 28, 1}), zeros({3, 3, 1, 32}),
                        {.strides = {2}, .padding = "same", .activation = "relu"});
  EXPECT_EQ(y.shape(), (Shape{1, 14, 14, 32}));
  const Tensor t = conv_transpose(nn::Input({7, 7, 8}), zeros({3, 3, 4, 8}),
                                  {.strides = {2}, .padding = "same"});
  EXPECT_EQ(t.shape(), (Shape{1, 14, 14, 4}));
}

TEST(NnConvolutionalLayers, KerasWeightLayouts) {
  nn::Conv2D conv(5, {3, 2});
  (void)conv(zeros({1, 6, 6, 4}));
  EXPECT_EQ(conv.kernel.shape(), (Shape{3, 2, 4, 5}));
  EXPECT_EQ(conv.name().rfind("conv2d", 0), 0u);  // Keras's automatic name
  EXPECT_EQ(conv.weight_names(),
            (std::vector<std::string>{conv.name() + "/kernel", conv.name() + "/bias"}));
  nn::Conv2DTranspose transpose(5, 3);
  (void)transpose(zeros({1, 4, 4, 2}));
  EXPECT_EQ(transpose.kernel.shape(), (Shape{3, 3, 5, 2}));
  nn::SeparableConv2D separable(6, 3, {.depth_multiplier = 2});
  (void)separable(zeros({1, 5, 5, 3}));
  EXPECT_EQ(separable.depthwise_kernel.shape(), (Shape{3, 3, 3, 2}));
  EXPECT_EQ(separable.pointwise_kernel.shape(), (Shape{1, 1, 6, 6}));
  EXPECT_EQ(separable.bias.shape(), (Shape{6}));
}

TEST(NnConvolutionalLayers, ComputesTheConvolutionOps) {
  const Tensor x = random::normal({2, 6, 5, 3});
  nn::Conv2D conv2d(
      4, 3, {.strides = 2, .padding = "same", .activation = "relu", .bias_initializer = "ones"});
  const Tensor y = conv2d(x);
  const Tensor want =
      nabla::relu(conv(x, conv2d.kernel, conv2d.bias, {.strides = {2}, .padding = "same"}));
  EXPECT_EQ(y.to_vector<float>(), want.to_vector<float>());

  // Depthwise: output channel c * multiplier + m is channel c convolved with kernel[..., c, m].
  nn::DepthwiseConv2D depthwise(3, {.depth_multiplier = 2, .use_bias = false});
  const Tensor d = depthwise(x);
  ASSERT_EQ(d.shape(), (Shape{2, 4, 3, 6}));
  for (int64_t c = 0; c < 3; ++c) {
    for (int64_t m = 0; m < 2; ++m) {
      const Tensor one = conv(x.slice(3, c, c + 1),
                              depthwise.depthwise_kernel.slice(2, c, c + 1).slice(3, m, m + 1));
      const auto got = d.slice(3, c * 2 + m, c * 2 + m + 1).to_vector<float>();
      const auto expected = one.to_vector<float>();
      for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5);
    }
  }

  // Separable: the pointwise 1x1 convolution of the depthwise result, plus the bias.
  nn::SeparableConv2D separable(5, 3, {.bias_initializer = "ones"});
  const Tensor s = separable(x);
  nn::DepthwiseConv2D same_depthwise(3, {.use_bias = false});
  (void)same_depthwise(x);
  same_depthwise.set_weights({separable.depthwise_kernel});
  const Tensor pointwise = conv(same_depthwise(x), separable.pointwise_kernel, separable.bias);
  const auto got = s.to_vector<float>(), expected = pointwise.to_vector<float>();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5);
}

TEST(NnConvolutionalLayers, InputGradientsInFloat64) {
  auto check = [](auto layer, const Shape& input) {
    layer.set_dtype(float64);
    (void)layer(zeros(input, float64));
    const auto result =
        nabla::testing::gradcheck([&](const std::vector<Tensor>& x) { return layer(x[0]); },
                                  {random::normal(input, 0.0, 1.0, float64)});
    EXPECT_TRUE(result.passed) << layer.name() << "\n" << result.report;
  };
  check(nn::Conv1D(3, 3, {.padding = "causal", .activation = "tanh"}), {2, 6, 2});
  check(nn::Conv2D(3, 2, {.strides = 2, .padding = "same", .groups = 1}), {2, 5, 5, 2});
  check(nn::Conv2DTranspose(2, 3, {.strides = 2, .padding = "same"}), {1, 3, 3, 2});
  check(nn::DepthwiseConv2D(2, {.depth_multiplier = 2}), {1, 4, 4, 3});
  check(nn::SeparableConv2D(2, 2, {.data_format = "channels_first"}), {1, 3, 4, 4});
}

TEST(NnConvolutionalLayers, ConfigsUseKerasKeys) {
  const nn::Conv2D conv(8, 3, {.strides = 2, .padding = "SAME", .activation = "relu"});
  const auto config = conv.get_config();
  auto ints = [](const nlohmann::json& j) { return j.get<std::vector<int64_t>>(); };
  EXPECT_EQ(ints(config.at("kernel_size")), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(ints(config.at("strides")), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(config.at("padding"), "same");
  EXPECT_EQ(config.at("data_format"), "channels_last");
  EXPECT_EQ(ints(config.at("dilation_rate")), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(config.at("groups"), 1);
  EXPECT_EQ(config.at("kernel_initializer").at("class_name"), "GlorotUniform");
  EXPECT_TRUE(config.at("kernel_constraint").is_null());
  // A config as Keras writes it: data_format None, the activation as a function object.
  const auto rebuilt = nn::layer_from_config(
      "Conv1D",
      {{"name", "c"},
       {"filters", 4},
       {"kernel_size", {3}},
       {"strides", {1}},
       {"padding", "causal"},
       {"data_format", nullptr},
       {"dilation_rate", 2},
       {"activation",
        {{"module", "keras.activations"}, {"class_name", "function"}, {"config", "relu"}}},
       {"kernel_constraint", nullptr}});
  EXPECT_EQ(ints(rebuilt->get_config().at("dilation_rate")), (std::vector<int64_t>{2}));
  EXPECT_EQ(rebuilt->get_config()["activation"], "relu");
  EXPECT_EQ((*rebuilt)(zeros({2, 7, 5})).shape(), (Shape{2, 7, 4}));
  EXPECT_TRUE(nn::Conv2DTranspose(2, 3).get_config()["output_padding"].is_null());
  EXPECT_EQ(nn::DepthwiseConv2D(3, {.depth_multiplier = 4}).get_config()["depth_multiplier"], 4);
  EXPECT_THROW((void)nn::layer_from_config("Conv2D", {{"filters", 2}}), ValueError);
  EXPECT_THROW(
      (void)nn::layer_from_config(
          "Conv2D", {{"filters", 2}, {"kernel_size", 3}, {"kernel_constraint", "max_norm"}}),
      ValueError);
}

TEST(NnConvolutionalLayers, Errors) {
  expect_error<ValueError>([] { (void)nn::Conv2D(0, 3); }, {"Conv2D", "filters", "0"});
  expect_error<ValueError>(
      [] {
        (void)nn::Conv2D(2, {3, 3, 3});
      },
      {"Conv2D", "kernel_size", "[3, 3, 3]"});
  expect_error<ValueError>([] { (void)nn::Conv2D(2, 3, {.padding = "causal"}); },
                           {"Conv2D", "padding", "causal"});
  expect_error<ValueError>([] { (void)nn::Conv2D(3, 3, {.groups = 2}); },
                           {"Conv2D", "filters (3)", "groups (2)"});
  expect_error<ValueError>([] { (void)nn::Conv2D(2, 3, {.strides = 2, .dilation_rate = 2}); },
                           {"Conv2D", "strides", "dilation_rate"});
  expect_error<ValueError>([] { (void)nn::Conv1D(2, 3, {.data_format = "NWC"}); },
                           {"Conv1D", "data_format", "NWC"});
  expect_error<ValueError>(
      [] { (void)nn::Conv2DTranspose(2, 3, {.strides = 2, .output_padding = 2}); },
      {"Conv2DTranspose", "output_padding", "strides"});
  expect_error<ValueError>([] { (void)nn::DepthwiseConv2D(3, {.depth_multiplier = 0}); },
                           {"DepthwiseConv2D", "depth_multiplier"});
  nn::Conv2D conv(2, 3);
  expect_error<ShapeError>(
      [&] {
        (void)conv(zeros({2, 5, 5}));
      },
      {"conv2d", "rank 4", "[2, 5, 5]"});
  (void)conv(zeros({1, 5, 5, 3}));
  expect_error<ShapeError>(
      [&] {
        (void)conv(zeros({1, 5, 5, 4}));
      },
      {"conv2d", "3 channels", "[1, 5, 5, 4]"});
  expect_error<ValueError>(
      [] {
        (void)nn::Conv2D(4, 3, {.groups = 2})(zeros({1, 5, 5, 3}));
      },
      {"Conv2D", "3 channels", "groups (2)"});
}

}  // namespace
