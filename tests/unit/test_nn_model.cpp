// The Keras API's three model styles, compile/fit/evaluate/predict, summary and layer sharing,
// on small synthetic problems that must be learned.
#include <gtest/gtest.h>

#include <nabla/nabla.hpp>
#include <nabla/nn/nn.hpp>
#include <sstream>

#include "unit/nn_test_data.hpp"

using namespace nabla;

namespace {

using nn_test::blobs;

TEST(NnModel, IssueSnippetStylesCompileTrainAndEvaluate) {
  auto [x_train, y_train] = blobs(600, 1);
  auto [x_test, y_test] = blobs(200, 2);
  auto model = nn::Sequential({nn::Input({8}), nn::Dense(32, {.activation = "relu"}),
                               nn::Dropout(0.2), nn::Dense(3, {.activation = "softmax"})});
  model.compile({.optimizer = optim::Adam({.learning_rate = 1e-2}),
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  std::ostringstream summary;
  model.summary(summary);
  EXPECT_NE(summary.str().find("dense"), std::string::npos) << summary.str();
  EXPECT_NE(summary.str().find("(None, 32)"), std::string::npos) << summary.str();
  EXPECT_NE(summary.str().find("Total params: 387"), std::string::npos) << summary.str();
  History h =
      model.fit(x_train, y_train,
                {.batch_size = 32,
                 .epochs = 8,
                 .verbose = 0,
                 .validation_split = 0.1,
                 .callbacks = {callbacks::EarlyStopping(
                     {.monitor = "val_loss", .patience = 2, .restore_best_weights = true})}});
  EXPECT_GE(h.epochs().size(), 3u);
  EXPECT_TRUE(h.history().contains("val_accuracy"));
  auto scores = model.evaluate(x_test, y_test, {.verbose = 0});
  EXPECT_GT(scores["accuracy"], 0.9);
  EXPECT_LT(scores["loss"], 0.5);

  Tensor in = nn::Input({8});
  Tensor out = nn::Dense(3, {.activation = "softmax"})(nn::Dense(16, {.activation = "relu"})(in));
  nn::Model functional(in, out);
  EXPECT_EQ(functional.count_params(), 8 * 16 + 16 + 16 * 3 + 3);
  functional.compile(
      {.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  (void)functional.fit(x_train, y_train, {.batch_size = 32, .epochs = 10, .verbose = 0});
  EXPECT_GT(functional.evaluate(x_test, y_test, {.verbose = 0})["accuracy"], 0.9);

  struct Mlp : nn::Model {
    nn::Dense d1 = track(nn::Dense(16, {.activation = "relu"}));
    nn::Dense d2 = track(nn::Dense(3));
    Tensor call(const Tensor& x, bool training) override { return d2(d1(x)); }
  };
  Mlp mlp;
  mlp.compile({.optimizer = "adam",
               .loss = nn::losses::SparseCategoricalCrossentropy({.from_logits = true}),
               .metrics = {"accuracy"}});
  (void)mlp.fit(x_train, y_train, {.batch_size = 32, .epochs = 10, .verbose = 0});
  EXPECT_EQ(mlp.trainable_weights().size(), 4u);
  EXPECT_GT(mlp.evaluate(x_test, y_test, {.verbose = 0})["accuracy"], 0.9);
  EXPECT_EQ(mlp.predict(x_test, {.verbose = 0}).shape(), Shape({200, 3}));
}

TEST(NnModel, CopiesOfALayerShareWeightsAcrossStyles) {
  nn::Dense shared(4);
  Tensor in = nn::Input({3});
  Tensor out = shared(in);  // functional: builds the layer
  nn::Model functional(in, out);
  auto seq = nn::Sequential({nn::Input({3}), shared});
  EXPECT_TRUE(shared.kernel.is_same(seq.trainable_weights()[0]));
  EXPECT_TRUE(shared.kernel.is_same(functional.trainable_weights()[0]));
  const Tensor x = random::normal({2, 3});
  const auto a = functional.predict(x, {.verbose = 0}).to_vector<float>();
  const auto b = seq.predict(x, {.verbose = 0}).to_vector<float>();
  EXPECT_EQ(a, b);
}

TEST(NnModel, CustomLayerInAllThreeStyles) {
  struct Scale : nn::Layer {
    Tensor w;
    void build(const Shape& input_shape) override {
      w = add_weight("w", {input_shape[-1]}, "ones");
    }
    Tensor call(const Tensor& x, bool) override { return x * w; }
  };
  Scale scale;
  auto seq = nn::Sequential({nn::Input({3}), scale, nn::Dense(2)});
  EXPECT_EQ(seq.count_params(), 3 + 3 * 2 + 2);
  Tensor in = nn::Input({3});
  nn::Model functional(in, scale(in));
  EXPECT_TRUE(functional.trainable_weights()[0].is_same(scale.w));
  struct Wrapper : nn::Model {
    nn::Dense d = track(nn::Dense(2));
    Tensor call(const Tensor& x, bool) override { return d(x); }
  };
  Wrapper w;
  EXPECT_EQ(w.predict(ones({4, 3}), {.verbose = 0}).shape(), Shape({4, 2}));
  EXPECT_EQ(w.trainable_weights().size(), 2u);
}

TEST(NnModel, FunctionalSummaryShowsConnections) {
  Tensor a = nn::Input({4}, float32, "left");
  Tensor h = nn::Dense(5, {.activation = "relu"})(a);
  nn::Model m(a, nn::Dense(2)(h));
  std::ostringstream out;
  m.summary(out);
  EXPECT_NE(out.str().find("left (InputLayer)"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("Connected to"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("left[0][0]"), std::string::npos) << out.str();
}

TEST(NnModel, ErrorsNameTheModelAndTheProblem) {
  auto model = nn::Sequential({nn::Input({4}), nn::Dense(2)});
  EXPECT_THROW((void)model.fit(ones({3, 4}), zeros({3}, int64)), ValueError);  // not compiled
  model.compile({.optimizer = "sgd", .loss = "mse"});
  EXPECT_THROW((void)model.fit(ones({3, 4}), zeros({2, 2})), ShapeError);
  EXPECT_THROW((void)model.predict(ones({3, 5}), {.verbose = 0}), ShapeError);
}

}  // namespace

namespace {

/// Records the logs its batch hooks get; says whether it reads them.
class BatchLogRecorder : public callbacks::Callback {
 public:
  explicit BatchLogRecorder(bool reads) : reads_(reads) {}
  bool needs_batch_logs() override { return reads_; }
  void on_train_batch_end(int64_t, const callbacks::Logs& logs) override {
    train_batches.push_back(logs);
  }
  void on_test_batch_end(int64_t, const callbacks::Logs& logs) override {
    test_batches.push_back(logs);
  }
  void on_epoch_end(int64_t, const callbacks::Logs& logs) override { epochs.push_back(logs); }
  void on_test_end(const callbacks::Logs& logs) override { test_end = logs; }
  std::vector<callbacks::Logs> train_batches, test_batches, epochs;
  callbacks::Logs test_end;

 private:
  bool reads_;
};

// Reading the running loss and metrics after each batch waits for a GPU step, so the loops only
// do it when some callback reads batch logs; epoch and end logs are always complete and equal
// whichever way the batches went.
TEST(NnModel, BatchLogsAreComputedOnlyForCallbacksThatReadThem) {
  auto [x, y] = blobs(96, 1);
  auto train = [&](bool reads) {
    random::seed(3);
    auto model = nn::Sequential({nn::Input({8}), nn::Dense(3)});
    model.compile({.optimizer = optim::SGD({.learning_rate = 0.1}),
                   .loss = nn::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                   .metrics = {"accuracy"}});
    auto recorder = std::make_shared<BatchLogRecorder>(reads);
    (void)model.fit(x, y, {.batch_size = 32, .epochs = 2, .verbose = 0, .callbacks = {recorder}});
    (void)model.evaluate(x, y, {.batch_size = 32, .verbose = 0, .callbacks = {recorder}});
    return recorder;
  };
  const auto reading = train(true), silent = train(false);
  ASSERT_EQ(reading->train_batches.size(), 6u);
  ASSERT_EQ(silent->train_batches.size(), 6u);
  for (const auto& logs : reading->train_batches) EXPECT_TRUE(logs.contains("accuracy"));
  for (const auto& logs : silent->train_batches) EXPECT_TRUE(logs.empty());
  for (const auto& logs : silent->test_batches) EXPECT_TRUE(logs.empty());
  EXPECT_EQ(reading->train_batches.back(), reading->epochs.back());
  EXPECT_EQ(reading->epochs, silent->epochs);
  EXPECT_EQ(reading->test_end, silent->test_end);
  EXPECT_TRUE(silent->test_end.contains("loss") && silent->test_end.contains("accuracy"));
}

// The built-in callbacks that only use epoch logs say so, so a fit() with them and no progress
// bar never reads batch logs.
TEST(NnModel, EpochOnlyCallbacksDoNotAskForBatchLogs) {
  EXPECT_FALSE(callbacks::History().needs_batch_logs());
  EXPECT_FALSE(callbacks::EarlyStopping().needs_batch_logs());
  EXPECT_FALSE(callbacks::ReduceLROnPlateau().needs_batch_logs());
  EXPECT_TRUE(callbacks::TerminateOnNaN().needs_batch_logs());
  EXPECT_FALSE(callbacks::LambdaCallback({}).needs_batch_logs());
  EXPECT_TRUE(callbacks::LambdaCallback({.on_train_batch_end = [](int64_t, const callbacks::Logs&) {
              }}).needs_batch_logs());
}

}  // namespace
