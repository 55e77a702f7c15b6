// The core layers through run_layer_test, plus their specific semantics.
#include <gtest/gtest.h>

#include "unit/layer_test_util.hpp"

using namespace nabla;
using layer_test::run_layer_test;

namespace {

TEST(NnCoreLayers, Dense) {
  run_layer_test([] { return nn::Dense(5, {.activation = "tanh"}); },
                 {.input_shape = {3}, .expected_output_shape = {5}, .trainable_weights = 2});
  run_layer_test([] { return nn::Dense(2, {.use_bias = false}); },
                 {.input_shape = {6, 3}, .expected_output_shape = {6, 2}, .trainable_weights = 1});
}

TEST(NnCoreLayers, DenseComputesXWPlusB) {
  nn::Dense d(2, {.kernel_initializer = "ones", .bias_initializer = "ones"});
  const Tensor y = d(tensor<float>({{1, 2, 3}}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{7, 7}));
  EXPECT_EQ(d.get_config()["units"], 2);
  EXPECT_THROW((void)d(ones({1, 4})), ShapeError);
}

TEST(NnCoreLayers, Activation) {
  run_layer_test([] { return nn::Activation("softmax"); },
                 {.input_shape = {7}, .expected_output_shape = {7}});
  const Tensor y = nn::Activation("relu")(tensor<float>({{-1, 2}}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{0, 2}));
  nn::Activation custom([](const Tensor& x) { return x * 3.0f; });
  EXPECT_EQ(custom(tensor<float>({{1, 2}})).to_vector<float>(), (std::vector<float>{3, 6}));
}

TEST(NnCoreLayers, DropoutIsIdentityInInferenceAndScalesInTraining) {
  run_layer_test([] { return nn::Dropout(0.5); },
                 {.input_shape = {10}, .expected_output_shape = {10}});
  nn::Dropout drop(0.25);
  const Tensor x = ones({200, 50});
  EXPECT_EQ(drop(x, false).to_vector<float>(), x.to_vector<float>());
  const auto kept = drop(x, true).to_vector<float>();
  int64_t zeros_seen = 0;
  for (float v : kept) {
    EXPECT_TRUE(v == 0.0f || std::abs(v - 1.0f / 0.75f) < 1e-6f);
    zeros_seen += v == 0.0f;
  }
  EXPECT_NEAR(static_cast<double>(zeros_seen) / 10000.0, 0.25, 0.03);
  EXPECT_THROW(nn::Dropout(1.0), ValueError);
}

TEST(NnCoreLayers, Flatten) {
  run_layer_test([] { return nn::Flatten(); },
                 {.input_shape = {2, 3, 4}, .expected_output_shape = {24}});
}

}  // namespace
