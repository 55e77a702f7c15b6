// The merging layers through run_layer_test, their values (hand-computed), Keras's shape rules
// and errors, and merge layers inside functional models that train.
#include <gtest/gtest.h>

#include <sstream>

#include "unit/layer_test_util.hpp"
#include "unit/tensor_test_util.hpp"

using namespace nabla;
using layer_test::run_layer_test;
using nabla::testing::expect_error;

namespace {

using Values = std::vector<float>;

TEST(NnMergingLayers, RunLayerTest) {
  const layer_test::LayerTestSpec two = {.expected_output_shape = {3}, .input_shapes = {{3}, {3}}};
  const layer_test::LayerTestSpec three = {.expected_output_shape = {2, 3},
                                           .input_shapes = {{2, 3}, {2, 3}, {2, 3}}};
  run_layer_test([] { return nn::Add(); }, two);
  run_layer_test([] { return nn::Add(); }, three);
  run_layer_test([] { return nn::Subtract(); }, two);
  run_layer_test([] { return nn::Multiply(); }, three);
  run_layer_test([] { return nn::Average(); }, three);
  run_layer_test([] { return nn::Maximum(); }, two);
  run_layer_test([] { return nn::Minimum(); }, three);
  run_layer_test([] { return nn::Concatenate(); },
                 {.expected_output_shape = {2, 8}, .input_shapes = {{2, 3}, {2, 5}}});
  run_layer_test([] { return nn::Concatenate(1); },
                 {.expected_output_shape = {6, 3}, .input_shapes = {{2, 3}, {4, 3}}});
  run_layer_test([] { return nn::Concatenate(-2); },
                 {.expected_output_shape = {3, 2}, .input_shapes = {{1, 2}, {1, 2}, {1, 2}}});
}

TEST(NnMergingLayers, RunLayerTestWithKerasBroadcasting) {
  // Axes of size 1 broadcast; a lower-rank input gets its size-1 axes after the batch axis.
  run_layer_test([] { return nn::Add(); },
                 {.expected_output_shape = {3, 4}, .input_shapes = {{3, 4}, {1, 4}}});
  run_layer_test([] { return nn::Multiply(); },
                 {.expected_output_shape = {3, 4}, .input_shapes = {{3, 4}, {4}}});
  run_layer_test([] { return nn::Maximum(); },
                 {.expected_output_shape = {3, 4}, .input_shapes = {{3, 1}, {1, 4}}});
}

TEST(NnMergingLayers, ElementwiseValues) {
  const Tensor a = tensor<float>({{1, 5, -2}});
  const Tensor b = tensor<float>({{3, -1, 4}});
  const Tensor c = tensor<float>({{0, 2, 2}});
  EXPECT_EQ(nn::Add()({a, b, c})[0].to_vector<float>(), (Values{4, 6, 4}));
  EXPECT_EQ(nn::Subtract()({a, b})[0].to_vector<float>(), (Values{-2, 6, -6}));
  EXPECT_EQ(nn::Multiply()({a, b, c})[0].to_vector<float>(), (Values{0, -10, -16}));
  EXPECT_EQ(nn::Average()({a, b})[0].to_vector<float>(), (Values{2, 2, 1}));
  EXPECT_EQ(nn::Average()({a, b, c})[0].to_vector<float>(), (Values{4.0f / 3, 2, 4.0f / 3}));
  EXPECT_EQ(nn::Maximum()({a, b, c})[0].to_vector<float>(), (Values{3, 5, 4}));
  EXPECT_EQ(nn::Minimum()({a, b, c})[0].to_vector<float>(), (Values{0, -1, -2}));
  EXPECT_EQ(nn::Average()({a, b})[0].dtype(), float32);
}

TEST(NnMergingLayers, BroadcastValues) {
  // a: [1, 2, 3]; b: [1, 3] is aligned as [1, 1, 3] (Keras inserts axes after the batch).
  const Tensor a = tensor<float>({{{1, 2, 3}, {4, 5, 6}}});
  const Tensor b = tensor<float>({{10, 20, 30}});
  const Tensor sum = nn::Add()({a, b})[0];
  EXPECT_EQ(sum.shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(sum.to_vector<float>(), (Values{11, 22, 33, 14, 25, 36}));
  const Tensor column = tensor<float>({{{1}, {-1}}});  // [1, 2, 1]
  EXPECT_EQ(nn::Multiply()({a, column})[0].to_vector<float>(), (Values{1, 2, 3, -4, -5, -6}));
  EXPECT_EQ(nn::Subtract()({b, a})[0].to_vector<float>(), (Values{9, 18, 27, 6, 15, 24}));
}

TEST(NnMergingLayers, ConcatenateValues) {
  const Tensor a = tensor<float>({{1, 2}, {3, 4}});  // [2, 2]
  const Tensor b = tensor<float>({{5}, {6}});        // [2, 1]
  EXPECT_EQ(nn::Concatenate()({a, b})[0].to_vector<float>(), (Values{1, 2, 5, 3, 4, 6}));
  const Tensor p = tensor<float>({{{1, 2}}, {{3, 4}}});                     // [2, 1, 2]
  const Tensor q = tensor<float>({{{5, 6}, {7, 8}}, {{9, 10}, {11, 12}}});  // [2, 2, 2]
  const Tensor rows = nn::Concatenate(1)({p, q})[0];
  EXPECT_EQ(rows.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(rows.to_vector<float>(), (Values{1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12}));
  EXPECT_EQ(nn::Concatenate(1).get_config()["axis"], 1);
  EXPECT_EQ(nn::Concatenate().get_config()["axis"], -1);
}

TEST(NnMergingLayers, InputCountErrors) {
  const Tensor x = ones({2, 3});
  expect_error<ValueError>([&] { (void)nn::Add()({x}); }, {"(Add)", "at least 2 inputs", "[2, 3]"});
  expect_error<ValueError>([&] { (void)nn::Add()(x); }, {"(Add)", "at least 2 inputs"});
  expect_error<ValueError>([&] { (void)nn::Concatenate()({x}); },
                           {"(Concatenate)", "at least 2 inputs"});
  expect_error<ValueError>(
      [&] {
        (void)nn::Subtract()({x, x, x});
      },
      {"(Subtract)", "exactly 2 inputs", "got 3", "[2, 3], [2, 3], [2, 3]"});
  // Symbolic inputs fail the same way.
  expect_error<ValueError>([] { (void)nn::Subtract()({nn::Input({3})}); },
                           {"(Subtract)", "exactly 2 inputs", "got 1"});
  // A built layer called on one tensor still says why.
  nn::Add add;
  (void)add({x, x});
  expect_error<ValueError>([&] { (void)add(x); }, {"(Add)", "at least 2 inputs"});
}

TEST(NnMergingLayers, ShapeErrors) {
  nn::Add add;
  add.set_name("my_add");
  expect_error<ShapeError>(
      [&] {
        (void)add({ones({2, 3}), ones({2, 4})});
      },
      {"my_add (Add)", "incompatible", "[2, 3], [2, 4]"});
  expect_error<ShapeError>(
      [] {
        (void)nn::Maximum()({ones({2, 3}), ones({3, 3})});
      },
      {"(Maximum)", "batch sizes", "[2, 3], [3, 3]"});
  expect_error<ShapeError>(
      [] {
        (void)nn::Multiply()({ones({2, 3}), ones({2, 3}), ones({2, 2, 2})});
      },
      {"(Multiply)", "[2, 3], [2, 3], [2, 2, 2]"});
  // Checked on every call, not only when building.
  nn::Minimum minimum;
  (void)minimum({ones({2, 3}), ones({2, 3})});
  expect_error<ShapeError>(
      [&] {
        (void)minimum({ones({2, 3}), ones({2, 5})});
      },
      {"(Minimum)", "[2, 3], [2, 5]"});
  expect_error<ShapeError>(
      [] {
        (void)nn::Concatenate()({ones({2, 3, 4}), ones({2, 5, 4})});
      },
      {"(Concatenate)", "concatenation axis -1", "[2, 3, 4], [2, 5, 4]"});
  expect_error<ShapeError>(
      [] {
        (void)nn::Concatenate()({ones({2, 3}), ones({2, 3, 1})});
      },
      {"(Concatenate)", "[2, 3], [2, 3, 1]"});
  expect_error<IndexError>(
      [] {
        (void)nn::Concatenate(2)({ones({2, 3}), ones({2, 3})});
      },
      {"(Concatenate)", "axis 2", "[2, 3], [2, 3]"});
  // In the Functional API, when the layer is called on the symbolic inputs.
  expect_error<ShapeError>(
      [] {
        (void)nn::Add()({nn::Input({3}), nn::Input({4})});
      },
      {"(Add)", "[1, 3], [1, 4]"});
}

TEST(NnMergingLayers, TwoInputFunctionalModelTrains) {
  random::seed(7);
  Tensor a = nn::Input({4}), b = nn::Input({4});
  const Tensor ha = nn::Dense(8, {.activation = "tanh"})(a);
  const Tensor hb = nn::Dense(8, {.activation = "tanh"})(b);
  const Tensor joined = nn::Concatenate()(
      {nn::Add()({ha, hb})[0], nn::Subtract()({ha, hb})[0], nn::Multiply()({ha, hb})[0],
       nn::Average()({ha, hb})[0], nn::Maximum()({ha, hb})[0], nn::Minimum()({ha, hb})[0]})[0];
  EXPECT_EQ(joined.shape(), (Shape{1, 48}));
  nn::Model model({a, b}, {nn::Dense(1)(joined)});
  EXPECT_EQ(model.layers().size(), 10u);
  std::ostringstream summary;
  model.summary(summary);
  EXPECT_NE(summary.str().find("Concatenate"), std::string::npos) << summary.str();

  const Tensor xa = random::normal({64, 4}), xb = random::normal({64, 4});
  const Tensor y = (sum(xa, {1}, true) - sum(xb, {1}, true)) * 0.5;
  // Model::fit takes one x: the steps are spelt out for the two inputs.
  optim::Adam adam({.learning_rate = 0.01});
  std::vector<double> losses;
  for (int step = 0; step < 60; ++step) {
    EnableGradGuard grad_mode;
    const Tensor loss = mean(square(model.call_multiple({xa, xb}, true)[0] - y));
    losses.push_back(loss.item<double>());
    const std::vector<Tensor> weights = model.trainable_weights();
    adam.apply_gradients(autograd::grad({loss}, weights), weights);
  }
  EXPECT_LT(losses.back(), 0.2 * losses.front()) << losses.front() << " -> " << losses.back();
  // Inference through the graph agrees with calling the layers eagerly on the same weights.
  const Tensor predicted = model.call_multiple({xa, xb}, false)[0];
  EXPECT_EQ(predicted.shape(), (Shape{64, 1}));
}

TEST(NnMergingLayers, MergeLayersTrainInsideFit) {
  random::seed(3);
  Tensor in = nn::Input({6});
  const Tensor left = nn::Dense(6, {.activation = "relu"})(in);
  const Tensor right = nn::Dense(6)(in);
  const Tensor merged = nn::Concatenate()({nn::Add()({left, right})[0], in})[0];
  nn::Model model(in, nn::Dense(1)(merged));
  model.compile({.optimizer = optim::Adam({.learning_rate = 0.01}), .loss = "mse"});
  const Tensor x = random::normal({128, 6});
  const Tensor y = sum(x * tensor<float>({1, -1, 2, 0, 0.5, -2}), {1}, true);
  const History history = model.fit(x, y, {.batch_size = 32, .epochs = 15, .verbose = 0});
  const std::vector<double>& loss = history["loss"];
  EXPECT_LT(loss.back(), 0.2 * loss.front()) << loss.front() << " -> " << loss.back();
}

}  // namespace
