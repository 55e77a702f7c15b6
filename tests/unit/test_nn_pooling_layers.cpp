// The pooling layers through run_layer_test (several configs each), their values against the
// ops, Keras's configs and defaults, and their errors.
#include <gtest/gtest.h>

#include "unit/layer_test_util.hpp"
#include "unit/tensor_test_util.hpp"

using namespace nabla;
using layer_test::run_layer_test;
using nabla::testing::expect_error;

namespace {

TEST(NnPoolingLayers, MaxPooling2D) {
  run_layer_test([] { return nn::MaxPooling2D(2); },
                 {.input_shape = {6, 5, 3}, .expected_output_shape = {3, 2, 3}});
  run_layer_test([] { return nn::MaxPooling2D(); },
                 {.input_shape = {4, 4, 2}, .expected_output_shape = {2, 2, 2}});
  run_layer_test(
      [] {
        return nn::MaxPooling2D({3, 2}, {.strides = {2, 1}, .padding = "same"});
      },
      {.input_shape = {7, 5, 2}, .expected_output_shape = {4, 5, 2}});
  run_layer_test([] { return nn::MaxPooling2D(2, {.data_format = "channels_first"}); },
                 {.input_shape = {3, 6, 4}, .expected_output_shape = {3, 3, 2}});
}

TEST(NnPoolingLayers, MaxPooling1D) {
  run_layer_test([] { return nn::MaxPooling1D(); },
                 {.input_shape = {7, 3}, .expected_output_shape = {3, 3}});
  run_layer_test([] { return nn::MaxPooling1D(3, {.strides = 1, .padding = "same"}); },
                 {.input_shape = {5, 2}, .expected_output_shape = {5, 2}});
  run_layer_test(
      [] { return nn::MaxPooling1D(2, {.strides = 3, .data_format = "channels_first"}); },
      {.input_shape = {2, 8}, .expected_output_shape = {2, 3}});
}

TEST(NnPoolingLayers, AveragePooling2D) {
  run_layer_test([] { return nn::AveragePooling2D(2); },
                 {.input_shape = {5, 6, 3}, .expected_output_shape = {2, 3, 3}});
  run_layer_test(
      [] {
        return nn::AveragePooling2D({3, 3}, {.strides = 2, .padding = "same"});
      },
      {.input_shape = {7, 6, 2}, .expected_output_shape = {4, 3, 2}});
  run_layer_test(
      [] {
        return nn::AveragePooling2D({2, 1}, {.data_format = "channels_first"});
      },
      {.input_shape = {3, 4, 5}, .expected_output_shape = {3, 2, 5}});
}

TEST(NnPoolingLayers, AveragePooling1D) {
  run_layer_test([] { return nn::AveragePooling1D(); },
                 {.input_shape = {6, 3}, .expected_output_shape = {3, 3}});
  run_layer_test([] { return nn::AveragePooling1D(4, {.strides = 2, .padding = "same"}); },
                 {.input_shape = {7, 2}, .expected_output_shape = {4, 2}});
  run_layer_test([] { return nn::AveragePooling1D(3, {.data_format = "channels_first"}); },
                 {.input_shape = {2, 9}, .expected_output_shape = {2, 3}});
}

TEST(NnPoolingLayers, GlobalPooling) {
  run_layer_test([] { return nn::GlobalMaxPooling1D(); },
                 {.input_shape = {7, 3}, .expected_output_shape = {3}});
  run_layer_test([] { return nn::GlobalMaxPooling1D({.keepdims = true}); },
                 {.input_shape = {7, 3}, .expected_output_shape = {1, 3}});
  run_layer_test([] { return nn::GlobalMaxPooling1D({.data_format = "channels_first"}); },
                 {.input_shape = {3, 7}, .expected_output_shape = {3}});
  run_layer_test([] { return nn::GlobalMaxPooling2D(); },
                 {.input_shape = {5, 4, 3}, .expected_output_shape = {3}});
  run_layer_test(
      [] { return nn::GlobalMaxPooling2D({.keepdims = true, .data_format = "channels_first"}); },
      {.input_shape = {3, 5, 4}, .expected_output_shape = {3, 1, 1}});
  run_layer_test([] { return nn::GlobalAveragePooling1D(); },
                 {.input_shape = {6, 2}, .expected_output_shape = {2}});
  run_layer_test([] { return nn::GlobalAveragePooling1D({.data_format = "channels_first"}); },
                 {.input_shape = {2, 6}, .expected_output_shape = {2}});
  run_layer_test([] { return nn::GlobalAveragePooling2D(); },
                 {.input_shape = {5, 4, 3}, .expected_output_shape = {3}});
  run_layer_test([] { return nn::GlobalAveragePooling2D({.keepdims = true}); },
                 {.input_shape = {5, 4, 3}, .expected_output_shape = {1, 1, 3}});
}

TEST(NnPoolingLayers, ValuesAreTheOps) {
  const Tensor x = random::normal({2, 6, 5, 3});
  EXPECT_EQ(nn::MaxPooling2D(2)(x).to_vector<float>(), max_pool(x, {{2}}).to_vector<float>());
  EXPECT_EQ(nn::AveragePooling2D(3, {.strides = 1, .padding = "same"})(x).to_vector<float>(),
            avg_pool(x, {{3}, {1}, "same"}).to_vector<float>());
  EXPECT_EQ(nn::GlobalMaxPooling2D()(x).to_vector<float>(), max(x, {1, 2}).to_vector<float>());
  EXPECT_EQ(nn::GlobalAveragePooling2D()(x).to_vector<float>(), mean(x, {1, 2}).to_vector<float>());
  const Tensor seq = random::normal({2, 7, 4});
  EXPECT_EQ(nn::GlobalMaxPooling1D({.data_format = "channels_first"})(seq).to_vector<float>(),
            max(seq, {2}).to_vector<float>());
  // Integer images max-pool in their dtype.
  EXPECT_EQ(nn::MaxPooling2D()(x.astype(uint8)).dtype(), uint8);
  // float64 inputs stay float64.
  EXPECT_EQ(nn::AveragePooling1D()(seq.astype(float64)).dtype(), float64);
}

TEST(NnPoolingLayers, TheIssueApiCompilesAndInfersShapes) {
  auto model = nn::Sequential({nn::Input({28, 28, 1}), nn::MaxPooling2D(2), nn::Flatten()});
  EXPECT_EQ(model.predict(random::uniform({8, 28, 28, 1}, 0.0, 1.0), {.verbose = 0}).shape(),
            (Shape{8, 196}));
  const Tensor seq = nn::Input({28, 28});
  const Tensor h = nn::GlobalMaxPooling1D()(seq);
  EXPECT_EQ(h.shape()[-1], 28);
  EXPECT_EQ(h.ndim(), 2);
  EXPECT_EQ(nn::MaxPooling2D({3, 3}, {.strides = 2, .padding = "same"})
                .compute_output_shape({5, 9, 7, 4}),
            (Shape{5, 5, 4, 4}));
}

TEST(NnPoolingLayers, KerasConfigs) {
  const nn::MaxPooling2D pool(2);
  EXPECT_EQ(pool.name().rfind("max_pooling2d", 0), 0u) << pool.name();
  const auto config = pool.get_config();
  EXPECT_EQ(config.at("pool_size"), nlohmann::json({2, 2}));
  EXPECT_EQ(config.at("strides"), nlohmann::json({2, 2}));
  EXPECT_EQ(config.at("padding"), "valid");
  EXPECT_EQ(config.at("data_format"), "channels_last");
  EXPECT_EQ(nn::AveragePooling1D(3, {.padding = "SAME"}).get_config().at("strides"),
            nlohmann::json({3}));
  EXPECT_EQ(nn::AveragePooling1D(3, {.padding = "SAME"}).get_config().at("padding"), "same");
  const auto global = nn::GlobalAveragePooling1D().get_config();
  EXPECT_EQ(global.at("keepdims"), false);
  EXPECT_EQ(global.at("data_format"), "channels_last");
  EXPECT_EQ(nn::GlobalMaxPooling2D().name().rfind("global_max_pooling2d", 0), 0u);

  // Keras 2 style configs: integers, null strides and data_format, missing keys take defaults.
  const auto rebuilt = nn::layer_from_config(
      "MaxPooling2D",
      {{"name", "pool"}, {"pool_size", 3}, {"strides", nullptr}, {"data_format", nullptr}});
  EXPECT_EQ(rebuilt->get_config().at("pool_size"), nlohmann::json({3, 3}));
  EXPECT_EQ(rebuilt->get_config().at("strides"), nlohmann::json({3, 3}));
  EXPECT_EQ(rebuilt->name(), "pool");
  EXPECT_EQ(nn::layer_from_config("AveragePooling1D", nlohmann::json::object())
                ->get_config()
                .at("pool_size"),
            nlohmann::json({2}));
  EXPECT_EQ(nn::layer_from_config("GlobalMaxPooling1D", {{"keepdims", true}})
                ->get_config()
                .at("keepdims"),
            true);
}

TEST(NnPoolingLayers, Errors) {
  expect_error<ValueError>(
      [] {
        (void)nn::MaxPooling2D({1, 2, 3});
      },
      {"MaxPooling2D", "pool_size", "[1, 2, 3]"});
  expect_error<ValueError>([] { (void)nn::AveragePooling1D(0); },
                           {"AveragePooling1D", "pool_size", "[0]"});
  expect_error<ValueError>(
      [] {
        (void)nn::MaxPooling1D(2, {.strides = {1, 1}});
      },
      {"MaxPooling1D", "strides", "[1, 1]"});
  expect_error<ValueError>([] { (void)nn::MaxPooling2D(2, {.padding = "full"}); },
                           {"MaxPooling2D", "padding", "full"});
  expect_error<ValueError>([] { (void)nn::GlobalAveragePooling2D({.data_format = "nchw"}); },
                           {"GlobalAveragePooling2D", "data_format", "nchw"});
  nn::MaxPooling2D pool(2);
  pool.set_name("pool");
  expect_error<ShapeError>(
      [&] {
        (void)pool(random::normal({4, 6, 3}));
      },
      {"pool (MaxPooling2D)", "rank 4", "[4, 6, 3]"});
  expect_error<ShapeError>(
      [] {
        (void)nn::MaxPooling2D(3)(random::normal({1, 2, 2, 1}));
      },
      {"max_pool", "[1, 2, 2, 1]"});
  expect_error<ShapeError>(
      [] {
        (void)nn::GlobalMaxPooling1D()(random::normal({4, 6, 3, 2}));
      },
      {"GlobalMaxPooling1D", "rank 3", "[4, 6, 3, 2]"});
  expect_error<ValueError>(
      [] {
        (void)nn::layer_from_config("MaxPooling2D", {{"pool_size", "two"}});
      },
      {"MaxPooling2D.from_config", "pool_size"});
}

}  // namespace
