// Reshape, Permute, RepeatVector and Lambda through run_layer_test, their values and their errors.
#include <gtest/gtest.h>

#include "unit/layer_test_util.hpp"
#include "unit/tensor_test_util.hpp"

using namespace nabla;
using layer_test::run_layer_test;
using nabla::testing::expect_error;

namespace {

/// 0, 1, 2, ... in float32, shaped.
Tensor iota(const Shape& shape) { return arange(0, shape.numel(), 1, float32).reshape(shape); }

TEST(NnReshapingLayers, Reshape) {
  run_layer_test(
      [] {
        return nn::Reshape({3, 4});
      },
      {.input_shape = {2, 6}, .expected_output_shape = {3, 4}});
  run_layer_test(
      [] {
        return nn::Reshape({-1, 2});
      },
      {.input_shape = {3, 4}, .expected_output_shape = {6, 2}});
  run_layer_test([] { return nn::Reshape({12}); },
                 {.input_shape = {3, 4}, .expected_output_shape = {12}});
}

TEST(NnReshapingLayers, ReshapeKeepsTheBatchAndRowMajorOrder) {
  const Tensor x = iota({2, 12});
  const Tensor y = nn::Reshape({3, -1})(x);
  EXPECT_EQ(y.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(y.to_vector<float>(), x.to_vector<float>());
  EXPECT_EQ(nn::Reshape({-1})(iota({5, 2, 3})).shape(), (Shape{5, 6}));
  EXPECT_EQ(nn::Reshape({2, 3}).get_config()["target_shape"], nlohmann::json({2, 3}));
  // Symbolic: the batch stays None.
  EXPECT_EQ(nn::Reshape({4, 3}).compute_output_shape({7, 12}), (Shape{7, 4, 3}));
}

TEST(NnReshapingLayers, ReshapeErrors) {
  expect_error<ValueError>([] { (void)nn::Reshape({-1, 2, -1}); }, {"Reshape", "[-1, 2, -1]"});
  expect_error<ValueError>([] { (void)nn::Reshape({0, 2}); }, {"Reshape", "[0, 2]"});
  nn::Reshape five({5});
  five.set_name("to_five");
  expect_error<ShapeError>(
      [&] {
        (void)five(ones({4, 6}));
      },
      {"to_five (Reshape)", "[4, 6]", "[5]", "6 values"});
  expect_error<ShapeError>(
      [] {
        (void)nn::Reshape({-1, 4})(ones({4, 6}));
      },
      {"Reshape", "[4, 6]", "[-1, 4]"});
  // In the Functional API the error comes when the layer is called on the symbolic input.
  expect_error<ShapeError>([] { (void)nn::Reshape({5})(nn::Input({6})); }, {"Reshape", "[5]"});
}

TEST(NnReshapingLayers, Permute) {
  run_layer_test(
      [] {
        return nn::Permute({2, 1});
      },
      {.input_shape = {3, 5}, .expected_output_shape = {5, 3}});
  run_layer_test(
      [] {
        return nn::Permute({3, 1, 2});
      },
      {.input_shape = {2, 3, 4}, .expected_output_shape = {4, 2, 3}});
}

TEST(NnReshapingLayers, PermuteMovesTheNonBatchAxes) {
  // y[b, k, i, j] = x[b, i, j, k] for dims (3, 1, 2), as NumPy's transpose(x, (0, 3, 1, 2)).
  const Tensor x = iota({2, 2, 3, 4});
  const Tensor y = nn::Permute({3, 1, 2})(x);
  ASSERT_EQ(y.shape(), (Shape{2, 4, 2, 3}));
  const std::vector<float> xv = x.to_vector<float>(), yv = y.to_vector<float>();
  for (int64_t b = 0; b < 2; ++b) {
    for (int64_t i = 0; i < 2; ++i) {
      for (int64_t j = 0; j < 3; ++j) {
        for (int64_t k = 0; k < 4; ++k) {
          EXPECT_EQ(yv[static_cast<size_t>(((b * 4 + k) * 2 + i) * 3 + j)],
                    xv[static_cast<size_t>(((b * 2 + i) * 3 + j) * 4 + k)]);
        }
      }
    }
  }
  EXPECT_EQ(nn::Permute({2, 1}).get_config()["dims"], nlohmann::json({2, 1}));
}

TEST(NnReshapingLayers, PermuteErrors) {
  expect_error<ValueError>([] { (void)nn::Permute({1, 1}); }, {"Permute", "1..2", "[1, 1]"});
  expect_error<ValueError>([] { (void)nn::Permute({0, 1}); }, {"Permute", "[0, 1]"});
  expect_error<ValueError>([] { (void)nn::Permute({1, 3}); }, {"Permute", "[1, 3]"});
  expect_error<ValueError>([] { (void)nn::Permute({}); }, {"Permute"});
  expect_error<ShapeError>(
      [] {
        (void)nn::Permute({2, 1})(ones({4, 6}));
      },
      {"Permute", "[2, 1]", "rank 3", "[4, 6]"});
}

TEST(NnReshapingLayers, Lambda) {
  run_layer_test([] { return nn::Lambda([](const Tensor& x) { return x * 2.0 + 1.0; }); },
                 {.input_shape = {3}, .expected_output_shape = {3}, .config_round_trip = false});
  // The output shape is inferred from the function's ops, as Keras's compute_output_spec.
  run_layer_test(
      [] { return nn::Lambda([](const Tensor& x) {
             return concatenate({x, square(x)}, -1);
           }); },
      {.input_shape = {2, 3}, .expected_output_shape = {2, 6}, .config_round_trip = false});
}

TEST(NnReshapingLayers, LambdaValuesConfigAndErrors) {
  nn::Lambda double_it([](const Tensor& x) { return x * 2.0; });
  EXPECT_EQ(double_it(tensor<float>({{1, -2, 3}})).to_vector<float>(),
            (std::vector<float>{2, -4, 6}));
  const nlohmann::json config = double_it.get_config();
  EXPECT_TRUE(config.contains("function"));
  EXPECT_TRUE(config["function"].is_null());
  EXPECT_EQ(config["arguments"], nlohmann::json::object());
  expect_error<ValueError>([&] { (void)nn::layer_from_config("Lambda", config); },
                           {"Lambda", double_it.name(), "C++ function"});
  expect_error<ValueError>([] { (void)nn::Lambda(nn::Lambda::Function{}); }, {"Lambda", "empty"});
  // Gradients flow through the function.
  Tensor x = tensor<float>({{1, 2}}).requires_grad_();
  const Tensor g =
      autograd::grad({sum(nn::Lambda([](const Tensor& t) { return t * t; })(x))}, {x})[0];
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{2, 4}));
}

}  // namespace

namespace {

TEST(NnReshapingLayers, RepeatVector) {
  run_layer_test([] { return nn::RepeatVector(3); },
                 {.input_shape = {5}, .expected_output_shape = {3, 5}});
  const Tensor x = iota({2, 3});
  const Tensor y = nn::RepeatVector(2)(x);
  EXPECT_EQ(y.shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5}));
  // The gradient sums the copies.
  const Tensor xg = iota({2, 3}).requires_grad_();
  const Tensor g = autograd::grad({sum(nn::RepeatVector(4)(xg))}, {xg})[0];
  EXPECT_EQ(g.to_vector<float>(), std::vector<float>(6, 4.0f));
  EXPECT_EQ(nn::RepeatVector(7).compute_output_shape({9, 4}), (Shape{9, 7, 4}));
  EXPECT_EQ(nn::RepeatVector(7).get_config()["n"], 7);
  expect_error<ValueError>([] { (void)nn::RepeatVector(0); }, {"RepeatVector", "n", "0"});
  expect_error<ShapeError>(
      [] {
        (void)nn::RepeatVector(2)(iota({2, 3, 4}));
      },
      {"RepeatVector", "[batch, features]", "[2, 3, 4]"});
}

}  // namespace
