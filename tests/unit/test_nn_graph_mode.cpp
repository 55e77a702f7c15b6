// fit / evaluate / predict through traced graphs (the default) against run_eagerly = true: the
// same seed gives the same loss curve, weights, metrics and predictions, for a plain MLP with
// dropout, batch normalization and class weights, and a masked sequence model with two
// outputs; untraceable models fail with a message naming run_eagerly.
#include <gtest/gtest.h>

#include <nabla/nabla.hpp>

#include "unit/nn_test_data.hpp"
#include "unit/tensor_test_util.hpp"

using namespace nabla;

namespace {

using nn_test::blobs;

void expect_close(const std::vector<double>& got, const std::vector<double>& want,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], 1e-6 * (1.0 + std::abs(want[i]))) << what << " [" << i << "]";
  }
}

void expect_same_weights(const nn::Model& a, const nn::Model& b) {
  const std::vector<Tensor> wa = a.weights(), wb = b.weights();
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t k = 0; k < wa.size(); ++k) {
    expect_close(wb[k].to_vector<double>(), wa[k].to_vector<double>(),
                 "weight " + std::to_string(k));
  }
}

TEST(NnGraphMode, SameSeedSameLossCurveAsEager) {
  auto [x, y] = blobs(300, 1);  // 300 rows at batch 64: a partial last batch (a second trace)
  auto [x_val, y_val] = blobs(100, 2);
  auto eager = nn_test::stateful_mlp(true);
  auto graph = nn_test::stateful_mlp(false);
  random::seed(5);
  // Class weights make every batch carry a sample weight (an extra argument of the graph).
  const nn::FitOptions options{.batch_size = 64,
                               .epochs = 3,
                               .verbose = 0,
                               .validation_data = {x_val, y_val},
                               .class_weight = {{0, 1.0}, {1, 2.0}, {2, 0.5}}};
  const History he = eager.fit(x, y, options);
  random::seed(5);
  const History hg = graph.fit(x, y, options);
  for (const char* key : {"loss", "accuracy", "val_loss", "val_accuracy"}) {
    expect_close(hg[key], he[key], key);
  }
  EXPECT_LT(hg["loss"].back(), hg["loss"].front());
  expect_same_weights(eager, graph);
  const auto re = eager.evaluate(x_val, y_val, {.batch_size = 32, .verbose = 0});
  const auto rg = graph.evaluate(x_val, y_val, {.batch_size = 32, .verbose = 0});
  EXPECT_NEAR(rg.at("loss"), re.at("loss"), 1e-6);
  EXPECT_NEAR(rg.at("accuracy"), re.at("accuracy"), 1e-12);
  expect_close(graph.predict(x_val, {.batch_size = 32, .verbose = 0}).to_vector<double>(),
               eager.predict(x_val, {.batch_size = 32, .verbose = 0}).to_vector<double>(),
               "predict");
}

/// Two outputs from a masked sequence model: a per-step tagger and a sequence classifier.
nn::Model tagger(bool eager) {
  random::seed(8);
  const Tensor tokens = nn::Input({6}, {.dtype = int64});
  const Tensor emb = nn::Embedding(12, 5, {.mask_zero = true})(tokens);
  const Tensor seq = nn::LSTM(7, {.return_sequences = true})(emb);
  const Tensor tags = nn::TimeDistributed(nn::Dense(2, {.activation = "softmax"}))(seq);
  const Tensor summary = nn::GRU(4)(seq);
  const Tensor label = nn::Dense(1, {.activation = "sigmoid"})(summary);
  nn::Model model(tokens, {tags, label});
  model.compile({.optimizer = "adam",
                 .loss = {"sparse_categorical_crossentropy", "binary_crossentropy"},
                 .metrics = {{"accuracy"}, {"accuracy"}},
                 .loss_weights = {1.0, 0.5},
                 .run_eagerly = eager});
  return model;
}

TEST(NnGraphMode, MaskedMultiOutputModel) {
  random::seed(3);
  Tensor tokens = random::randint(1, 12, {40, 6});
  // Right padding of varying length: the masks matter for the loss and the metrics.
  const Tensor lengths = random::randint(2, 7, {40, 1});
  tokens = where(arange(0, 6).reshape({1, 6}) < lengths, tokens, zeros({}, int64));
  const Tensor tags = random::randint(0, 2, {40, 6});
  const Tensor label = random::randint(0, 2, {40, 1}).astype(float32);
  auto eager = tagger(true);
  auto graph = tagger(false);
  const nn::FitOptions options{.batch_size = 16, .epochs = 2, .verbose = 0};
  random::seed(9);  // the same shuffles
  const History he = eager.fit(tokens, {tags, label}, options);
  random::seed(9);
  const History hg = graph.fit(tokens, {tags, label}, options);
  // The two models' layers have different automatic names: compare the logs in key order.
  ASSERT_EQ(hg.history().size(), he.history().size());
  auto g = hg.history().begin();
  for (const auto& [key, values] : he.history()) expect_close((g++)->second, values, key);
  expect_same_weights(eager, graph);
}

TEST(NnGraphMode, UntraceableModelsNameRunEagerly) {
  auto model = nn::Sequential({nn::Input({4, 3}), nn::SimpleRNN(2, {.stateful = true})});
  model.compile({.optimizer = "sgd", .loss = "mse"});
  const Tensor x = ones({2, 4, 3}), y = zeros({2, 2});
  nabla::testing::expect_error<ValueError>(
      [&] { (void)model.fit(x, y, {.batch_size = 2, .epochs = 1, .verbose = 0}); },
      {"fit", "could not be traced", "run_eagerly = true"});
  model.compile({.optimizer = "sgd", .loss = "mse", .run_eagerly = true});
  EXPECT_NO_THROW((void)model.fit(x, y, {.batch_size = 2, .epochs = 1, .verbose = 0}));
}

TEST(NnGraphMode, ChangingTrainabilityNeedsARecompile) {
  auto model = nn_test::stateful_mlp(false);
  auto [x, y] = blobs(64, 4);
  (void)model.fit(x, y, {.batch_size = 32, .epochs = 1, .verbose = 0});
  model.layers().front()->set_trainable(false);
  nabla::testing::expect_error<ValueError>(
      [&] { (void)model.fit(x, y, {.batch_size = 32, .epochs = 1, .verbose = 0}); },
      {"trainable weights", "compile() again"});
  model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy"});
  EXPECT_NO_THROW((void)model.fit(x, y, {.batch_size = 32, .epochs = 1, .verbose = 0}));
}

/// Counts its calls: in graph mode a layer's C++ runs only while a step is traced.
class CallCounter : public nn::ClonableLayer<CallCounter> {
 public:
  explicit CallCounter(int* calls) : ClonableLayer<CallCounter>("call_counter"), calls_(calls) {}
  Tensor call(const Tensor& x, bool) override {
    ++*calls_;
    return x;
  }

 private:
  int* calls_;
};

nn::Sequential counted_mlp(bool eager, int* calls) {
  random::seed(13);
  auto model = nn::Sequential({nn::Input({8}), nn::Dense(16, {.activation = "relu"}),
                               nn::Dropout(0.2), CallCounter(calls), nn::Dense(3)});
  model.compile({.optimizer = optim::SGD({.learning_rate = 0.05, .momentum = 0.9}),
                 .loss = nn::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                 .run_eagerly = eager});
  return model;
}

TEST(NnGraphMode, OneTraceServesEveryBatchSize) {
  // Steps are traced with an unknown batch dimension: a partial last batch, and every other
  // batch size, reuse the first trace (the body runs twice on the first call: at its batch size
  // and at the probe size of Note [Unknown batch dimension]).
  auto [x, y] = blobs(300, 6);
  int graph_calls = 0, eager_calls = 0;
  auto graph = counted_mlp(false, &graph_calls);
  auto eager = counted_mlp(true, &eager_calls);
  graph_calls = 0;  // building the model called the layer symbolically
  random::seed(2);
  const History hg = graph.fit(x, y, {.batch_size = 64, .epochs = 2, .verbose = 0});  // 64, 44
  EXPECT_EQ(graph_calls, 2);
  for (int64_t rows : {10, 7, 1}) {
    (void)graph.train_on_batch(x.slice(0, 0, rows), y.slice(0, 0, rows));
  }
  EXPECT_EQ(graph_calls, 2);
  random::seed(2);
  const History he = eager.fit(x, y, {.batch_size = 64, .epochs = 2, .verbose = 0});
  for (int64_t rows : {10, 7, 1}) {
    (void)eager.train_on_batch(x.slice(0, 0, rows), y.slice(0, 0, rows));
  }
  expect_close(hg["loss"], he["loss"], "loss");
  expect_same_weights(eager, graph);
  graph_calls = 0;
  for (int64_t rows : {100, 50, 10}) {  // batches of 32, 4, 18 and 10 rows
    const Tensor part = x.slice(0, 0, rows);
    expect_close(graph.predict(part, {.batch_size = 32, .verbose = 0}).to_vector<double>(),
                 eager.predict(part, {.batch_size = 32, .verbose = 0}).to_vector<double>(),
                 "predict " + std::to_string(rows));
  }
  EXPECT_EQ(graph_calls, 2);
}

}  // namespace
