// Embedding: through run_layer_test (integer ids), values against a hand lookup, the gradient as
// a scatter-add of the upstream rows (repeated ids accumulate), mask_zero's mask, out-of-range
// ids, config round trip, and nn::Input's options spelling from the issue.
#include <gtest/gtest.h>

#include "unit/layer_test_util.hpp"
#include "unit/tensor_test_util.hpp"

using namespace nabla;
using layer_test::run_layer_test;
using nabla::testing::expect_error;

namespace {

/// A [rows, cols] table whose entry (r, c) is r + c / 10.
Tensor known_table(int64_t rows, int64_t cols) {
  std::vector<float> values;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) values.push_back(static_cast<float>(r) + c / 10.0f);
  }
  return from_vector(values, {rows, cols});
}

TEST(NnEmbedding, RunLayerTest) {
  run_layer_test([] { return nn::Embedding(10, 3); }, {.input_shape = {5},
                                                       .expected_output_shape = {5, 3},
                                                       .trainable_weights = 1,
                                                       .input_dtype = int64,
                                                       .input_high = 10});
  // Ids of rank 3 with the batch; int32 ids; a mask.
  run_layer_test([] { return nn::Embedding(7, 4, {.mask_zero = true}); },
                 {.input_shape = {2, 3},
                  .expected_output_shape = {2, 3, 4},
                  .trainable_weights = 1,
                  .input_dtype = int32,
                  .input_high = 7});
}

TEST(NnEmbedding, ValuesAreTheTableRows) {
  nn::Embedding embedding(6, 3);
  const Tensor ids = from_vector<int64_t>({0, 5, 2, 2, 1, 0}, {2, 3});
  const Tensor y = embedding(ids);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 3}));
  ASSERT_EQ(embedding.weight_names(), std::vector<std::string>{embedding.name() + "/embeddings"});
  EXPECT_EQ(embedding.embeddings.shape(), (Shape{6, 3}));
  EXPECT_EQ(y.dtype(), float32);
  embedding.set_weights({known_table(6, 3)});
  const std::vector<int64_t> flat{0, 5, 2, 2, 1, 0};
  // Every integer id dtype, and floats (truncated to int32, as Keras casts them).
  const std::vector<Tensor> spellings{
      ids, ids.astype(int32), ids.astype(uint8),
      from_vector<float>({0.2f, 5.9f, 2.0f, 2.5f, 1.0f, 0.0f}, {2, 3})};
  for (const Tensor& x : spellings) {
    const std::vector<float> got = embedding(x).to_vector<float>();
    for (size_t i = 0; i < flat.size(); ++i) {
      for (int64_t c = 0; c < 3; ++c) {
        EXPECT_FLOAT_EQ(got[i * 3 + static_cast<size_t>(c)],
                        static_cast<float>(flat[i]) + c / 10.0f)
            << x.dtype() << " id " << i << " column " << c;
      }
    }
  }
  // The default initializer is Keras's "uniform": RandomUniform(-0.05, 0.05).
  nn::Embedding fresh(100, 8);
  (void)fresh(ids);
  for (float v : fresh.embeddings.to_vector<float>()) {
    EXPECT_GE(v, -0.05f);
    EXPECT_LT(v, 0.05f);
  }
}

TEST(NnEmbedding, LayerDtype) {
  nn::Embedding embedding(4, 2);
  embedding.set_dtype(float64);
  const Tensor y = embedding(from_vector<int64_t>({1, 3}, {2}));
  EXPECT_EQ(y.dtype(), float64);
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
}

TEST(NnEmbedding, GradientIsAScatterAddOfTheUpstreamRows) {
  nn::Embedding embedding(5, 2);
  // Id 3 three times, id 0 twice, id 4 once; ids 1 and 2 never.
  const std::vector<int64_t> flat{3, 0, 3, 4, 0, 3};
  const Tensor ids = from_vector(flat, {2, 3});
  (void)embedding(ids);
  const Tensor upstream = random::normal({2, 3, 2});
  Tensor grad;
  {
    EnableGradGuard grad_mode;
    grad = autograd::grad({sum(embedding(ids) * upstream)}, {embedding.embeddings})[0];
  }
  ASSERT_EQ(grad.shape(), (Shape{5, 2}));
  std::vector<double> expected(10, 0.0);
  const std::vector<float> g = upstream.to_vector<float>();
  for (size_t i = 0; i < flat.size(); ++i) {
    for (size_t c = 0; c < 2; ++c) expected[static_cast<size_t>(flat[i]) * 2 + c] += g[i * 2 + c];
  }
  const std::vector<float> got = grad.to_vector<float>();
  for (size_t k = 0; k < expected.size(); ++k) EXPECT_NEAR(got[k], expected[k], 1e-5) << k;
}

TEST(NnEmbedding, MaskZero) {
  const Tensor ids = from_vector<int64_t>({4, 2, 0, 0, 7, 0, 1, 0}, {2, 4});
  nn::Embedding masked(8, 3, {.mask_zero = true});
  EXPECT_TRUE(masked.supports_masking());
  const Tensor y = masked(ids);
  ASSERT_TRUE(y.keras_mask().defined());
  EXPECT_EQ(y.keras_mask().dtype(), bool_);
  EXPECT_EQ(y.keras_mask().shape(), (Shape{2, 4}));
  EXPECT_EQ(y.keras_mask().to_vector<bool>(),
            (std::vector<bool>{true, true, false, false, true, false, true, false}));
  // compute_mask itself, and no mask without mask_zero.
  const auto direct = masked.compute_mask({ids}, {Tensor()}, {y});
  ASSERT_EQ(direct.size(), 1u);
  EXPECT_EQ(direct[0].to_vector<bool>(), y.keras_mask().to_vector<bool>());
  nn::Embedding plain(8, 3);
  EXPECT_FALSE(plain.supports_masking());
  EXPECT_FALSE(plain(ids).keras_mask().defined());
  // Id 0 is still looked up (row 0), only marked as padding.
  EXPECT_EQ(y.slice(1, 2, 3).reshape({2, 3}).slice(0, 0, 1).to_vector<float>(),
            masked.embeddings.slice(0, 0, 1).to_vector<float>());
}

TEST(NnEmbedding, OutOfRangeIds) {
  nn::Embedding embedding(65, 4, {.mask_zero = true});
  embedding.set_name("tokens_embedding");
  expect_error<IndexError>(
      [&] {
        (void)embedding(from_vector<int64_t>({1, 65, 3}, {1, 3}));
      },
      {"tokens_embedding", "Embedding", "index 65", "input_dim 65"});
  expect_error<IndexError>(
      [&] {
        (void)embedding(from_vector<int32_t>({-1}, {1, 1}));
      },
      {"tokens_embedding", "index -1", "[0, 65)"});
  expect_error<ValueError>([] { (void)nn::Embedding(0, 4); }, {"Embedding", "input_dim"});
  expect_error<ValueError>([] { (void)nn::Embedding(4, -1); }, {"Embedding", "output_dim"});
}

TEST(NnEmbedding, Config) {
  nn::Embedding embedding(
      65, 32, {.embeddings_regularizer = nn::regularizers::L2(1e-3), .mask_zero = true});
  const nlohmann::json config = embedding.get_config();
  EXPECT_EQ(config.at("input_dim"), 65);
  EXPECT_EQ(config.at("output_dim"), 32);
  EXPECT_EQ(config.at("mask_zero"), true);
  EXPECT_EQ(config.at("embeddings_initializer").at("class_name"), "RandomUniform");
  EXPECT_DOUBLE_EQ(config.at("embeddings_initializer").at("config").at("minval"), -0.05);
  EXPECT_EQ(config.at("embeddings_regularizer").at("class_name"), "L2");
  EXPECT_TRUE(config.at("embeddings_constraint").is_null());
  EXPECT_TRUE(config.at("activity_regularizer").is_null());
  const auto rebuilt = nn::layer_from_config("Embedding", config);
  EXPECT_EQ(rebuilt->get_config(), config);
  EXPECT_TRUE(rebuilt->supports_masking());
  // Keras's minimal config: defaults for everything else.
  const auto minimal = nn::layer_from_config("Embedding", {{"input_dim", 3}, {"output_dim", 2}});
  EXPECT_EQ(minimal->get_config().at("mask_zero"), false);
  expect_error<ValueError>(
      [] {
        (void)nn::layer_from_config(
            "Embedding",
            {{"input_dim", 3}, {"output_dim", 2}, {"embeddings_constraint", "non_neg"}});
      },
      {"Embedding.from_config", "embeddings_constraint"});
  expect_error<ValueError>(
      [] {
        (void)nn::layer_from_config("Embedding", {{"input_dim", 3}});
      },
      {"Embedding.from_config", "output_dim"});
  // The regularizer's penalty is a layer loss.
  (void)embedding(from_vector<int64_t>({1}, {1, 1}));
  EXPECT_EQ(embedding.losses().size(), 1u);
}

TEST(NnEmbedding, InputOptionsAndTheIssueSnippet) {
  auto tokens = nn::Input({40}, {.dtype = int64});
  EXPECT_EQ(tokens.dtype(), int64);
  EXPECT_EQ(tokens.shape(), (Shape{1, 40}));
  auto emb = nn::Embedding(65, 32, {.mask_zero = true})(tokens);
  EXPECT_EQ(emb.shape(), (Shape{1, 40, 32}));
  EXPECT_EQ(emb.dtype(), float32);
  nn::Model model(tokens, emb);
  const Tensor ids = random::randint(0, 65, {3, 40}, int64);
  EXPECT_EQ(model.predict(ids, {.verbose = 0}).shape(), (Shape{3, 40, 32}));
  const Tensor out = model(ids);
  ASSERT_TRUE(out.keras_mask().defined());
  EXPECT_EQ(out.keras_mask().to_vector<bool>(), (ids != 0).to_vector<bool>());
  // The other spellings of Input still resolve.
  EXPECT_EQ(nn::Input({28, 28}).dtype(), float32);
  EXPECT_EQ(nn::Input({3}, float64).dtype(), float64);
  EXPECT_EQ(graph::producer(nn::Input({3}, float32, "pixels"))->name, "pixels");
  EXPECT_EQ(graph::producer(nn::Input({3}, {.name = "ids"}))->name, "ids");
  EXPECT_EQ(nn::Input({3}, {.dtype = int32, .name = "ids32"}).dtype(), int32);
}

}  // namespace
