// The checks in run_layer_test can fail: a layer whose gradient is wrong is caught by its float64
// gradient check.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "unit/layer_test_util.hpp"

using namespace nabla;

namespace {

/// y = x * w with one scalar weight, but the weight's gradient is cut half way: d y / d w is
/// reported as x / 2 instead of x (the input's gradient, w, is right).
struct HalfGradientScale : nn::ClonableLayer<HalfGradientScale> {
  Tensor w;
  void build(const Shape&) override { w = add_weight("w", {1}, "ones"); }
  Tensor call(const Tensor& x, bool) override {
    const Tensor half = w * 0.5;
    return x * (half + half.detach());
  }
};

TEST(LayerTestUtil, GradientCheckCatchesAWrongGradient) {
  auto layer = HalfGradientScale();
  layer.set_dtype(float64);
  const std::vector<Tensor> xs = {random::normal({2, 3}, 0.0, 1.0, float64)};
  auto apply = [](nn::Layer& l, const std::vector<Tensor>& in, bool training) {
    return l(in[0], training);
  };
  EXPECT_NONFATAL_FAILURE(layer_test::detail::check_layer_gradients(layer, xs, false, apply),
                          "d/d weight 0[0]");
}

TEST(LayerTestUtil, LayersTakeTheirDTypeFromSetDType) {
  auto dense = nn::Dense(3);
  dense.set_dtype(float64);
  (void)dense(random::normal({2, 4}, 0.0, 1.0, float64));
  EXPECT_EQ(dense.kernel.dtype(), float64);
  EXPECT_EQ(dense.get_config().at("dtype"), "float64");
  EXPECT_THROW(dense.set_dtype(float32), ValueError);  // built already
  EXPECT_THROW(nn::Dense(3).set_dtype(int32), DTypeError);
  const auto rebuilt = nn::layer_from_config("Dense", dense.get_config());
  EXPECT_EQ(rebuilt->dtype(), float64);
}

}  // namespace
