// run_layer_test: the one check every layer goes through (design.md §5.7): build and call on a
// random batch, output shape, weight counts, symbolic shape inference equal to the eager shape,
// the layer in a functional graph giving the same result, config as JSON, and one training step
// that changes every trainable weight.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <nabla/nabla.hpp>

namespace layer_test {

struct LayerTestSpec {
  nabla::Shape input_shape;            // one sample's shape (the batch dimension is added)
  nabla::Shape expected_output_shape;  // one sample's output shape
  size_t trainable_weights = 0;
  size_t non_trainable_weights = 0;
  int64_t batch = 4;
  bool deterministic = true;  // inference output identical on a second call
};

template <class MakeLayer>
void run_layer_test(const MakeLayer& make_layer, const LayerTestSpec& spec) {
  using namespace nabla;
  std::vector<int64_t> in_dims{spec.batch}, out_dims{spec.batch};
  in_dims.insert(in_dims.end(), spec.input_shape.begin(), spec.input_shape.end());
  out_dims.insert(out_dims.end(), spec.expected_output_shape.begin(),
                  spec.expected_output_shape.end());
  const Tensor x = random::normal(Shape(in_dims));

  // Eager build and call.
  auto layer = make_layer();
  const Tensor y = layer(x, false);
  EXPECT_EQ(y.shape(), Shape(out_dims)) << layer.name();
  EXPECT_TRUE(layer.built());
  EXPECT_EQ(layer.trainable_weights().size(), spec.trainable_weights) << layer.name();
  EXPECT_EQ(layer.non_trainable_weights().size(), spec.non_trainable_weights) << layer.name();
  if (spec.deterministic) {
    EXPECT_EQ(layer(x, false).template to_vector<float>(), y.template to_vector<float>());
  }

  // Symbolic shape inference agrees with the eager result; in a functional model the layer
  // computes the same thing.
  Tensor in = nn::Input(spec.input_shape);
  Tensor out = layer(in);
  EXPECT_EQ(out.shape()[-1], y.shape()[-1]);
  EXPECT_EQ(out.ndim(), y.ndim());
  nn::Model functional(in, out);
  if (spec.deterministic) {
    EXPECT_EQ(functional.predict(x).template to_vector<float>(), y.template to_vector<float>());
  }

  // Config: Keras's base keys, and valid JSON.
  const auto config = layer.get_config();
  EXPECT_EQ(config.at("name"), layer.name());
  EXPECT_TRUE(config.contains("trainable"));
  EXPECT_EQ(nlohmann::json::parse(config.dump()), config);

  // One training step in a fresh Sequential changes every trainable weight.
  auto fresh = make_layer();
  auto model = nn::Sequential({nn::Input(spec.input_shape), fresh});
  model.compile({.optimizer = optim::SGD({.learning_rate = 0.1}), .loss = "mse"});
  const std::vector<Tensor> before = model.get_weights();
  const auto logs = model.train_on_batch(x, random::normal(Shape(out_dims)));
  EXPECT_TRUE(std::isfinite(logs.at("loss")));
  const std::vector<Tensor> after = model.get_weights();
  for (size_t i = 0; i < spec.trainable_weights; ++i) {
    EXPECT_NE(before[i].template to_vector<float>(), after[i].template to_vector<float>())
        << fresh.name() << " weight " << i << " did not change in a training step";
  }
}

}  // namespace layer_test
