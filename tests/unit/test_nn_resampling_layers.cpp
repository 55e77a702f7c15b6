// ZeroPadding1D/2D, Cropping1D/2D, UpSampling1D/2D and SpatialDropout1D/2D: run_layer_test in
// several configurations, values against hand-computed (and, for bilinear upsampling, PyTorch)
// references, Keras configs and error paths.
#include <gtest/gtest.h>

#include "unit/layer_test_util.hpp"
#include "unit/tensor_test_util.hpp"

using namespace nabla;
using layer_test::run_layer_test;
using nabla::testing::expect_error;

namespace {

/// 0, 1, 2, ... as float32 of `shape`.
Tensor iota(const Shape& shape) { return arange(shape.numel()).astype(float32).reshape(shape); }

TEST(NnZeroPadding, LayerTest) {
  run_layer_test([] { return nn::ZeroPadding1D(); },
                 {.input_shape = {5, 3}, .expected_output_shape = {7, 3}});
  run_layer_test(
      [] {
        return nn::ZeroPadding1D({1, 3});
      },
      {.input_shape = {5, 3}, .expected_output_shape = {9, 3}});
  run_layer_test([] { return nn::ZeroPadding1D(2, {.data_format = "channels_first"}); },
                 {.input_shape = {3, 5}, .expected_output_shape = {3, 9}});
  run_layer_test([] { return nn::ZeroPadding2D(); },
                 {.input_shape = {4, 4, 2}, .expected_output_shape = {6, 6, 2}});
  run_layer_test(
      [] {
        return nn::ZeroPadding2D({1, 2});
      },
      {.input_shape = {4, 4, 2}, .expected_output_shape = {6, 8, 2}});
  run_layer_test(
      [] {
        return nn::ZeroPadding2D({{1, 0}, {2, 3}});
      },
      {.input_shape = {4, 4, 2}, .expected_output_shape = {5, 9, 2}});
  run_layer_test(
      [] {
        return nn::ZeroPadding2D({{1, 0}, {2, 3}}, {.data_format = "channels_first"});
      },
      {.input_shape = {2, 4, 4}, .expected_output_shape = {2, 5, 9}});
}

TEST(NnZeroPadding, Values) {
  // [1, 2, 2, 1] -> top 1, bottom 0, left 0, right 2.
  const Tensor y = nn::ZeroPadding2D({{1, 0}, {0, 2}})(iota({1, 2, 2, 1}));
  EXPECT_EQ(y.shape(), (Shape{1, 3, 4, 1}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{0, 0, 0, 0, 0, 1, 0, 0, 2, 3, 0, 0}));
  // channels_first pads the last two axes.
  const Tensor z =
      nn::ZeroPadding2D(1, {.data_format = "channels_first"})(iota({1, 1, 1, 1}) + 5.0);
  EXPECT_EQ(z.to_vector<float>(), (std::vector<float>{0, 0, 0, 0, 5, 0, 0, 0, 0}));
  // Keras's ZeroPadding1D example: padding 2 on [2, 2, 3].
  const Tensor s = nn::ZeroPadding1D(2)(iota({2, 2, 3}));
  EXPECT_EQ(s.shape(), (Shape{2, 6, 3}));
  const std::vector<float> v = s.to_vector<float>();
  EXPECT_EQ(std::vector<float>(v.begin(), v.begin() + 18),
            (std::vector<float>{0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(nn::ZeroPadding1D({0, 1}, {.data_format = "channels_first"})(iota({1, 2, 2}))
                .to_vector<float>(),
            (std::vector<float>{0, 1, 0, 2, 3, 0}));
}

TEST(NnCropping, LayerTest) {
  run_layer_test([] { return nn::Cropping1D(); },
                 {.input_shape = {5, 3}, .expected_output_shape = {3, 3}});
  run_layer_test(
      [] {
        return nn::Cropping1D({0, 2});
      },
      {.input_shape = {5, 3}, .expected_output_shape = {3, 3}});
  run_layer_test([] { return nn::Cropping2D(1); },
                 {.input_shape = {5, 6, 2}, .expected_output_shape = {3, 4, 2}});
  run_layer_test(
      [] {
        return nn::Cropping2D({{1, 0}, {2, 1}});
      },
      {.input_shape = {5, 6, 2}, .expected_output_shape = {4, 3, 2}});
  run_layer_test(
      [] {
        return nn::Cropping2D({1, 2}, {.data_format = "channels_first"});
      },
      {.input_shape = {2, 5, 6}, .expected_output_shape = {2, 3, 2}});
}

TEST(NnCropping, Values) {
  // [1, 3, 4, 1] holding 0..11 row-major; crop top 1, bottom 0, left 1, right 2.
  const Tensor y = nn::Cropping2D({{1, 0}, {1, 2}})(iota({1, 3, 4, 1}));
  EXPECT_EQ(y.shape(), (Shape{1, 2, 1, 1}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{5, 9}));
  const Tensor z =
      nn::Cropping2D({{0, 1}, {1, 1}}, {.data_format = "channels_first"})(iota({1, 1, 3, 4}));
  EXPECT_EQ(z.to_vector<float>(), (std::vector<float>{1, 2, 5, 6}));
  const Tensor s = nn::Cropping1D({2, 1})(iota({1, 5, 2}));
  EXPECT_EQ(s.to_vector<float>(), (std::vector<float>{4, 5, 6, 7}));
  EXPECT_EQ(nn::Cropping2D(0)(iota({1, 2, 2, 1})).to_vector<float>(),
            (std::vector<float>{0, 1, 2, 3}));
}

TEST(NnUpSampling, LayerTest) {
  run_layer_test([] { return nn::UpSampling1D(); },
                 {.input_shape = {4, 2}, .expected_output_shape = {8, 2}});
  run_layer_test([] { return nn::UpSampling1D(3); },
                 {.input_shape = {4, 2}, .expected_output_shape = {12, 2}});
  run_layer_test([] { return nn::UpSampling2D(); },
                 {.input_shape = {3, 3, 2}, .expected_output_shape = {6, 6, 2}});
  run_layer_test(
      [] {
        return nn::UpSampling2D({1, 3}, {.data_format = "channels_first"});
      },
      {.input_shape = {2, 3, 3}, .expected_output_shape = {2, 3, 9}});
  run_layer_test(
      [] {
        return nn::UpSampling2D({2, 3}, {.interpolation = "bilinear"});
      },
      {.input_shape = {3, 2, 2}, .expected_output_shape = {6, 6, 2}});
  run_layer_test(
      [] {
        return nn::UpSampling2D(2, {.data_format = "channels_first", .interpolation = "bilinear"});
      },
      {.input_shape = {2, 3, 2}, .expected_output_shape = {2, 6, 4}});
}

TEST(NnUpSampling, NearestValues) {
  // Keras's UpSampling2D example: size (1, 2) on [2, 2, 1, 3].
  const Tensor y = nn::UpSampling2D({1, 2})(iota({2, 2, 1, 3}));
  EXPECT_EQ(y.shape(), (Shape{2, 2, 2, 3}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{0, 1, 2, 0, 1, 2, 3, 4,  5,  3, 4,  5,
                                                      6, 7, 8, 6, 7, 8, 9, 10, 11, 9, 10, 11}));
  EXPECT_EQ(nn::UpSampling1D(2)(iota({1, 2, 1})).to_vector<float>(),
            (std::vector<float>{0, 0, 1, 1}));
  EXPECT_EQ(
      nn::UpSampling2D(2, {.data_format = "channels_first"})(iota({1, 1, 1, 2})).to_vector<float>(),
      (std::vector<float>{0, 0, 1, 1, 0, 0, 1, 1}));
}

TEST(NnUpSampling, BilinearMatchesHalfPixelResize) {
  // x[i] = i*i/2 - i over [1, 2, 3, 2] (NHWC), upsampled by (2, 3). Reference: PyTorch's
  // interpolate(mode="bilinear", align_corners=False) on the NCHW transpose, which for integer
  // factors is TensorFlow's resize with half_pixel_centers (Keras 3's UpSampling2D).
  const Tensor i = iota({1, 2, 3, 2}).astype(float64);
  const Tensor x = i * i * 0.5 - i;
  const std::vector<double> want{
      0.0,  -0.5,     0.0,  -0.5,      0.0,  1.0 / 6,   0.0,  5.0 / 6,   0.0,
      1.5,  4.0 / 3,  3.5,  8.0 / 3,   5.5,  4.0,       7.5,  4.0,       7.5,
      3.0,  4.0,      3.0,  4.0,       4.0,  17.0 / 3,  5.0,  22.0 / 3,  6.0,
      9.0,  25.0 / 3, 12.0, 32.0 / 3,  15.0, 13.0,      18.0, 13.0,      18.0,
      9.0,  13.0,     9.0,  13.0,      12.0, 50.0 / 3,  15.0, 61.0 / 3,  18.0,
      24.0, 67.0 / 3, 29.0, 80.0 / 3,  34.0, 31.0,      39.0, 31.0,      39.0,
      12.0, 17.5,     12.0, 17.5,      16.0, 133.0 / 6, 20.0, 161.0 / 6, 24.0,
      31.5, 88.0 / 3, 37.5, 104.0 / 3, 43.5, 40.0,      49.5, 40.0,      49.5};
  const Tensor y = nn::UpSampling2D({2, 3}, {.interpolation = "bilinear"})(x);
  EXPECT_EQ(y.shape(), (Shape{1, 4, 9, 2}));
  EXPECT_EQ(y.dtype(), float64);
  const std::vector<double> got = y.to_vector<double>();
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < want.size(); ++k) EXPECT_NEAR(got[k], want[k], 1e-9) << k;

  // channels_first gives the same numbers in its layout.
  const Tensor cf =
      nn::UpSampling2D({2, 3}, {.data_format = "channels_first", .interpolation = "BILINEAR"})(
          x.permute({0, 3, 1, 2}));
  const std::vector<double> back = cf.permute({0, 2, 3, 1}).contiguous().to_vector<double>();
  for (size_t k = 0; k < want.size(); ++k) EXPECT_NEAR(back[k], want[k], 1e-9) << k;
  // A constant image stays constant; integer images interpolate in the layer's dtype.
  const Tensor flat =
      nn::UpSampling2D(3, {.interpolation = "bilinear"})(full({1, 2, 2, 1}, 4, int32));
  EXPECT_EQ(flat.dtype(), float32);
  EXPECT_EQ(flat.to_vector<float>(), std::vector<float>(36, 4.0f));
}

TEST(NnResampling, KerasConfigs) {
  EXPECT_EQ(nn::ZeroPadding2D({1, 2}).get_config()["padding"],
            nlohmann::json::parse("[[1, 1], [2, 2]]"));
  EXPECT_EQ(nn::ZeroPadding2D().get_config()["data_format"], "channels_last");
  EXPECT_EQ(nn::ZeroPadding1D(3).get_config()["padding"], nlohmann::json::parse("[3, 3]"));
  EXPECT_EQ(nn::Cropping2D().get_config()["cropping"], nlohmann::json::parse("[[0, 0], [0, 0]]"));
  EXPECT_EQ(nn::Cropping1D().get_config()["cropping"], nlohmann::json::parse("[1, 1]"));
  EXPECT_EQ(nn::UpSampling2D().get_config()["size"], nlohmann::json::parse("[2, 2]"));
  EXPECT_EQ(nn::UpSampling2D().get_config()["interpolation"], "nearest");
  EXPECT_EQ(nn::UpSampling1D().get_config()["size"], 2);

  // Keras accepts the short forms in configs too (and writes data_format null for the default).
  const auto pad = nn::layer_from_config(
      "ZeroPadding2D", nlohmann::json::parse(R"({"name": "zp", "padding": [[1, 2], 3],
                                                 "data_format": null})"));
  EXPECT_EQ(pad->get_config()["padding"], nlohmann::json::parse("[[1, 2], [3, 3]]"));
  EXPECT_EQ(pad->compute_output_shape({2, 4, 4, 1}), (Shape{2, 7, 10, 1}));
  const auto crop = nn::layer_from_config(
      "Cropping2D", nlohmann::json::parse(R"({"cropping": 1, "data_format": "channels_first"})"));
  EXPECT_EQ(crop->compute_output_shape({2, 1, 4, 4}), (Shape{2, 1, 2, 2}));
  const auto up = nn::layer_from_config(
      "UpSampling2D", nlohmann::json::parse(R"({"size": 3, "interpolation": "bilinear"})"));
  EXPECT_EQ(up->get_config()["size"], nlohmann::json::parse("[3, 3]"));
  expect_error<ValueError>(
      [] {
        (void)nn::layer_from_config("ZeroPadding1D",
                                    nlohmann::json::parse(R"({"padding": [1, 2, 3]})"));
      },
      {"ZeroPadding1D.from_config", "padding"});
}

TEST(NnResampling, Errors) {
  expect_error<ValueError>(
      [] {
        (void)nn::Cropping2D({{-1, 0}, {0, 0}});
      },
      {"Cropping2D", "negative", "(-1, 0)"});
  expect_error<ValueError>([] { (void)nn::Cropping1D({0, -2}); }, {"Cropping1D", "negative"});
  expect_error<ValueError>([] { (void)nn::ZeroPadding2D(-1); }, {"ZeroPadding2D", "negative"});
  nn::Cropping2D crop({{1, 2}, {0, 0}});
  crop.set_name("crop_too_much");
  expect_error<ShapeError>(
      [&] {
        (void)crop(ones({2, 3, 4, 1}));
      },
      {"crop_too_much", "Cropping2D", "[2, 3, 4, 1]", "at least one"});
  expect_error<ShapeError>(
      [] {
        (void)nn::Cropping1D(3)(ones({2, 5, 1}));
      },
      {"Cropping1D", "[2, 5, 1]"});
  expect_error<ShapeError>(
      [] {
        (void)nn::ZeroPadding2D()(ones({2, 3, 4}));
      },
      {"ZeroPadding2D", "rank 4", "[2, 3, 4]"});
  expect_error<ShapeError>(
      [] {
        (void)nn::UpSampling1D()(ones({2, 3}));
      },
      {"UpSampling1D", "rank 3", "[2, 3]"});
  expect_error<ValueError>([] { (void)nn::ZeroPadding2D(1, {.data_format = "NHWC"}); },
                           {"ZeroPadding2D", "data_format", "NHWC"});
  expect_error<ValueError>([] { (void)nn::UpSampling2D(2, {.interpolation = "bicubic"}); },
                           {"UpSampling2D", "bicubic"});
  expect_error<ValueError>([] { (void)nn::UpSampling2D({0, 2}); }, {"UpSampling2D", "size"});
  expect_error<ValueError>([] { (void)nn::UpSampling1D(0); }, {"UpSampling1D", "size"});
}

TEST(NnSpatialDropout, LayerTest) {
  run_layer_test([] { return nn::SpatialDropout1D(0.5); },
                 {.input_shape = {4, 3}, .expected_output_shape = {4, 3}});
  run_layer_test([] { return nn::SpatialDropout2D(0.3); },
                 {.input_shape = {3, 3, 2}, .expected_output_shape = {3, 3, 2}});
  run_layer_test([] { return nn::SpatialDropout2D(0.3, {.data_format = "channels_first"}); },
                 {.input_shape = {2, 3, 3}, .expected_output_shape = {2, 3, 3}});
}

/// Each (sample, channel) of `y` (values of ones dropped out) is all 0 or all 1/(1-rate);
/// returns the fraction dropped.
double check_whole_channels(const Tensor& y, int64_t n, int64_t positions, int64_t channels,
                            bool channels_first, double rate) {
  const std::vector<float> v = y.contiguous().to_vector<float>();
  int64_t dropped = 0;
  for (int64_t s = 0; s < n; ++s) {
    for (int64_t c = 0; c < channels; ++c) {
      auto at = [&](int64_t p) {
        const int64_t i = channels_first ? (s * channels + c) * positions + p
                                         : (s * positions + p) * channels + c;
        return v[static_cast<size_t>(i)];
      };
      const float first = at(0);
      EXPECT_TRUE(first == 0.0f || std::abs(first - 1.0 / (1.0 - rate)) < 1e-5) << first;
      for (int64_t p = 1; p < positions; ++p) EXPECT_EQ(at(p), first);
      dropped += first == 0.0f;
    }
  }
  return static_cast<double>(dropped) / static_cast<double>(n * channels);
}

TEST(NnSpatialDropout, DropsWholeChannelsAndKeepsTheScale) {
  random::seed(11);
  const Tensor x1 = ones({64, 7, 32});
  nn::SpatialDropout1D drop1(0.25);
  EXPECT_EQ(drop1(x1, false).to_vector<float>(), x1.to_vector<float>());
  const Tensor y1 = drop1(x1, true);
  EXPECT_NEAR(check_whole_channels(y1, 64, 7, 32, false, 0.25), 0.25, 0.04);
  EXPECT_NEAR(mean(y1).item<double>(), 1.0, 0.06);

  const Tensor x2 = ones({32, 3, 4, 16});
  const Tensor y2 = nn::SpatialDropout2D(0.5)(x2, true);
  EXPECT_NEAR(check_whole_channels(y2, 32, 12, 16, false, 0.5), 0.5, 0.07);
  const Tensor y3 =
      nn::SpatialDropout2D(0.5, {.data_format = "channels_first"})(ones({32, 16, 3, 4}), true);
  EXPECT_NEAR(check_whole_channels(y3, 32, 12, 16, true, 0.5), 0.5, 0.07);
  EXPECT_NEAR(mean(y3).item<double>(), 1.0, 0.15);
  // Rate 0 is the identity in training too.
  EXPECT_EQ(nn::SpatialDropout1D(0.0)(x1, true).to_vector<float>(), x1.to_vector<float>());
}

TEST(NnSpatialDropout, ConfigsAndErrors) {
  const auto config = nn::SpatialDropout2D(0.2, {.data_format = "channels_first"}).get_config();
  EXPECT_EQ(config["rate"], 0.2);
  EXPECT_EQ(config["data_format"], "channels_first");
  EXPECT_TRUE(config.contains("seed"));
  EXPECT_FALSE(nn::SpatialDropout1D(0.2).get_config().contains("data_format"));
  EXPECT_EQ(nn::SpatialDropout1D(0.2).name().rfind("spatial_dropout1d", 0), 0u);
  expect_error<ValueError>([] { (void)nn::SpatialDropout1D(1.0); }, {"SpatialDropout1D", "rate"});
  expect_error<ValueError>([] { (void)nn::SpatialDropout2D(-0.1); }, {"SpatialDropout2D", "rate"});
  expect_error<ValueError>([] { (void)nn::SpatialDropout2D(0.1, {.data_format = "nchw"}); },
                           {"SpatialDropout2D", "data_format"});
  expect_error<ShapeError>(
      [] {
        (void)nn::SpatialDropout1D(0.5)(ones({2, 3}), true);
      },
      {"SpatialDropout1D", "rank 3", "[2, 3]"});
  expect_error<ShapeError>(
      [] {
        (void)nn::SpatialDropout2D(0.5)(ones({2, 3, 4}), true);
      },
      {"SpatialDropout2D", "rank 4", "[2, 3, 4]"});
}

}  // namespace
