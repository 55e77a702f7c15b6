// ReLU, LeakyReLU, ELU and Softmax layers through run_layer_test, their values against the
// definitions Keras documents, and their configs in Keras 2 and 3 spellings.
#include <gtest/gtest.h>

#include "unit/layer_test_util.hpp"

using namespace nabla;
using layer_test::run_layer_test;

namespace {

std::vector<float> apply(nn::Layer&& layer, std::vector<float> values) {
  return layer(from_vector(values).reshape({1, -1})).to_vector<float>();
}

TEST(NnActivationLayers, RunLayerTest) {
  run_layer_test([] { return nn::ReLU(); }, {.input_shape = {5}, .expected_output_shape = {5}});
  // Away from the kinks (the test's inputs are random; the kinks have measure zero).
  run_layer_test(
      [] { return nn::ReLU({.max_value = 6.0, .negative_slope = 0.1, .threshold = 0.5}); },
      {.input_shape = {4, 3}, .expected_output_shape = {4, 3}});
  run_layer_test([] { return nn::LeakyReLU(0.2); },
                 {.input_shape = {6}, .expected_output_shape = {6}});
  run_layer_test([] { return nn::ELU(0.7); }, {.input_shape = {6}, .expected_output_shape = {6}});
  run_layer_test([] { return nn::Softmax(1); },
                 {.input_shape = {3, 4}, .expected_output_shape = {3, 4}});
}

TEST(NnActivationLayers, ValuesFollowKerasDefinitions) {
  EXPECT_EQ(apply(nn::ReLU(), {-2, 0, 3}), (std::vector<float>{0, 0, 3}));
  EXPECT_EQ(apply(nn::ReLU({.max_value = 6.0}), {-2, 5, 9}), (std::vector<float>{0, 5, 6}));
  // Below the threshold: negative_slope * (x - threshold); from it up: x.
  EXPECT_EQ(apply(nn::ReLU({.negative_slope = 0.5, .threshold = 1.0}), {-1, 0.5f, 1, 4}),
            (std::vector<float>{-1, -0.25f, 1, 4}));
  EXPECT_EQ(apply(nn::LeakyReLU(), {-10, 2}), (std::vector<float>{-3, 2}));  // slope 0.3
  const auto elu = apply(nn::ELU(2.0), {-1, 1});
  EXPECT_NEAR(elu[0], 2.0 * (std::exp(-1.0) - 1), 1e-6);
  EXPECT_EQ(elu[1], 1.0f);
  const auto sm = apply(nn::Softmax(), {0, std::log(3.0f)});
  EXPECT_NEAR(sm[0], 0.25, 1e-6);
  EXPECT_NEAR(sm[1], 0.75, 1e-6);
  EXPECT_THROW(nn::ReLU({.max_value = -1.0}), ValueError);
  EXPECT_THROW(nn::LeakyReLU(-0.1), ValueError);
}

TEST(NnActivationLayers, ConfigsInKeras2And3Spellings) {
  using json = nlohmann::json;
  auto relu = nn::layer_from_config(
      "ReLU", json::parse(R"({"name": "r", "max_value": 6.0, "negative_slope": 0.0,
                              "threshold": 0.0, "dtype": "float32"})"));
  EXPECT_EQ(relu->get_config()["max_value"], 6.0);
  EXPECT_EQ(relu->name(), "r");
  EXPECT_TRUE(nn::layer_from_config("ReLU", json::parse(R"({"max_value": null})"))
                  ->get_config()["max_value"]
                  .is_null());
  // Keras 2 wrote LeakyReLU's slope as alpha.
  auto leaky = nn::layer_from_config("LeakyReLU", json::parse(R"({"alpha": 0.1})"));
  EXPECT_EQ(leaky->get_config()["negative_slope"], 0.1);
  EXPECT_EQ(nn::layer_from_config("Softmax", json::parse(R"({"axis": 1})"))->get_config()["axis"],
            1);
  EXPECT_THROW((void)nn::layer_from_config("ELU", json::parse(R"({"alpha": "x"})")), ValueError);
}

}  // namespace
