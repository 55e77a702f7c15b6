// TimeDistributed: through run_layer_test (gradchecked), the same values as the wrapped layer
// applied step by step, one set of weights for all steps, symbolic shapes, config round trip.
#include <gtest/gtest.h>

#include "unit/layer_test_util.hpp"
#include "unit/tensor_test_util.hpp"

using namespace nabla;
using layer_test::run_layer_test;
using nabla::testing::expect_error;

namespace {

TEST(NnWrapperLayers, TimeDistributedDense) {
  run_layer_test([] { return nn::TimeDistributed(nn::Dense(5)); },
                 {.input_shape = {4, 3}, .expected_output_shape = {4, 5}, .trainable_weights = 2});
  run_layer_test(
      [] { return nn::TimeDistributed(nn::Conv1D(2, 3)); },
      {.input_shape = {3, 7, 2}, .expected_output_shape = {3, 5, 2}, .trainable_weights = 2});
}

TEST(NnWrapperLayers, TimeDistributedEqualsTheLayerOnEachStep) {
  nn::Dense dense(4, {.activation = "tanh"});
  nn::TimeDistributed wrapped(dense);
  const Tensor x = random::normal({2, 3, 5});
  const Tensor y = wrapped(x);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 4}));
  for (int64_t t = 0; t < 3; ++t) {
    const Tensor step = dense(x.slice(1, t, t + 1).reshape({2, 5}));
    const Tensor got = y.slice(1, t, t + 1).reshape({2, 4});
    EXPECT_EQ(got.to_vector<float>(), step.to_vector<float>()) << "step " << t;
  }
  // One kernel and one bias, shared by every step, and they are the wrapper's weights.
  EXPECT_EQ(wrapped.weights().size(), 2u);
  EXPECT_EQ(wrapped.count_params(), 5 * 4 + 4);
}

TEST(NnWrapperLayers, TimeDistributedInAFunctionalModel) {
  const Tensor seq = nn::Input({28, 64});
  const Tensor per_step = nn::TimeDistributed(nn::Dense(5))(seq);
  EXPECT_EQ(per_step.shape().rank(), 3);
  EXPECT_EQ(per_step.shape()[1], 28);
  EXPECT_EQ(per_step.shape()[2], 5);
  nn::Model model(seq, per_step);
  EXPECT_EQ(model.predict(random::normal({3, 28, 64})).shape(), (Shape{3, 28, 5}));
}

TEST(NnWrapperLayers, TimeDistributedConfigAndErrors) {
  nn::TimeDistributed wrapped(nn::Dense(7, {.activation = "relu"}));
  const nlohmann::json config = wrapped.get_config();
  EXPECT_EQ(config["layer"]["class_name"], "Dense");
  EXPECT_EQ(config["layer"]["config"]["units"], 7);
  const auto rebuilt = nn::layer_from_config("TimeDistributed", config);
  EXPECT_EQ(rebuilt->get_config()["layer"]["config"]["units"], 7);
  EXPECT_EQ((*rebuilt)(random::normal({2, 3, 4})).shape(), (Shape{2, 3, 7}));
  expect_error<ShapeError>(
      [] {
        (void)nn::TimeDistributed(nn::Dense(2))(random::normal({4, 3}));
      },
      {"TimeDistributed", "[batch, steps, ...]", "[4, 3]"});
  expect_error<ValueError>(
      [] {
        (void)nn::layer_from_config("TimeDistributed", {{"name", "td"}});
      },
      {"TimeDistributed.from_config", "layer"});
}

}  // namespace
