// fit / evaluate / predict on a Dataset (Keras's tf.data path): batches as the dataset yields
// them, steps_per_epoch resuming the pass, validation on a Dataset, sample weights as a third
// component, and the progress bar: "N/Unknown" until a pass of unknown length has ended, and
// evaluate()'s and predict()'s own bars.
#include <gtest/gtest.h>

#include <nabla/nabla.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "unit/nn_test_data.hpp"

using namespace nabla;
using datasets::Dataset;

namespace {

using nn_test::blobs;

nn::Sequential classifier() {
  auto model = nn::Sequential({nn::Input({8}), nn::Dense(16, {.activation = "relu"}),
                               nn::Dense(3, {.activation = "softmax"})});
  model.compile({.optimizer = optim::Adam({.learning_rate = 1e-2}),
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  return model;
}

std::string cells(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "\u2501";
  return out;
}

/// Counts the batches of each epoch.
struct StepCounter : callbacks::Callback {
  std::vector<int64_t> per_epoch;
  void on_epoch_begin(int64_t, const callbacks::Logs&) override { per_epoch.push_back(0); }
  void on_train_batch_end(int64_t, const callbacks::Logs&) override { ++per_epoch.back(); }
};

TEST(NnFitDataset, TrainsOnTheDatasetsBatchesWithValidation) {
  auto [x, y] = blobs(640, 1);
  auto [x_val, y_val] = blobs(200, 2);
  auto model = classifier();
  const Dataset train = Dataset::from_tensors({x, y}).shuffle(640, 7).batch(64).prefetch(2);
  auto counter = std::make_shared<StepCounter>();
  History h = model.fit(train, {.epochs = 4,
                                .verbose = 0,
                                .validation_data = Dataset::from_tensors({x_val, y_val}).batch(50),
                                .callbacks = {counter}});
  EXPECT_EQ(counter->per_epoch, (std::vector<int64_t>{10, 10, 10, 10}));
  EXPECT_EQ(h.epochs().size(), 4u);
  EXPECT_GT(h["val_accuracy"].back(), 0.9);
  EXPECT_LT(h["loss"].back(), h["loss"].front());
  // Validation on tensors gives the same numbers as on a dataset of the same batches.
  const auto on_tensors = model.evaluate(x_val, y_val, {.batch_size = 50, .verbose = 0});
  const auto on_dataset =
      model.evaluate(Dataset::from_tensors({x_val, y_val}).batch(50), {.verbose = 0});
  EXPECT_NEAR(on_tensors.at("loss"), on_dataset.at("loss"), 1e-6);
  EXPECT_DOUBLE_EQ(on_tensors.at("accuracy"), on_dataset.at("accuracy"));
  const Tensor p1 = model.predict(x_val, {.batch_size = 64, .verbose = 0});
  const Tensor p2 = model.predict(Dataset::from_tensors({x_val, y_val}).batch(64), {.verbose = 0});
  EXPECT_EQ(p1.shape(), Shape({200, 3}));
  EXPECT_EQ(p1.to_vector<float>(), p2.to_vector<float>());
}

TEST(NnFitDataset, StepsPerEpochResumesThePassAndStopsAtItsEnd) {
  auto [x, y] = blobs(100, 3);
  // Records the first label of each batch the pipeline produces, in order.
  auto produced = std::make_shared<std::vector<int64_t>>();
  const Tensor ids = arange(0, 100).astype(int64);
  const Dataset data =
      Dataset::from_tensors({x, y, ids}).batch(10).map([produced](const datasets::Element& e) {
        produced->push_back(e[2].to_vector<int64_t>().front());
        return datasets::Element{e[0], e[1]};
      });
  auto model = classifier();
  auto counter = std::make_shared<StepCounter>();
  ::testing::internal::CaptureStderr();
  (void)model.fit(data, {.epochs = 4, .verbose = 0, .callbacks = {counter}, .steps_per_epoch = 4});
  const std::string warning = ::testing::internal::GetCapturedStderr();
  // 10 batches per pass: 4 + 4 + the last 2 (cut short, with one warning), then a new pass.
  EXPECT_EQ(counter->per_epoch, (std::vector<int64_t>{4, 4, 2, 4}));
  EXPECT_NE(warning.find("ran out of data after 2 of steps_per_epoch = 4"), std::string::npos)
      << warning;
  std::vector<int64_t> expected;
  for (int64_t i = 0; i < 100; i += 10) expected.push_back(i);
  for (int64_t i = 0; i < 50; i += 10) expected.push_back(i);  // pass 2: 4 used, 1 read ahead
  EXPECT_EQ(*produced, expected);
}

TEST(NnFitDataset, UnknownCardinalityShowsUnknownUntilThePassEnds) {
  auto [x, y] = blobs(200, 4);
  const Dataset data =
      Dataset::from_tensors({x, y})
          .filter([](const datasets::Element& e) { return e[1].item<int64_t>() != 2; })
          .batch(16);
  ASSERT_EQ(data.cardinality(), Dataset::kUnknownCardinality);
  int64_t batches = 0;
  for (const datasets::Element& e : data) batches += e[0].defined() ? 1 : 0;
  auto model = classifier();
  std::ostringstream out;
  auto bar = std::make_shared<callbacks::ProgressBar>(&out, 1);  // a terminal: every line drawn
  (void)model.fit(data, {.epochs = 2, .verbose = 1, .callbacks = {bar}});
  const std::string text = out.str();
  const size_t second = text.find("Epoch 2/2");
  ASSERT_NE(second, std::string::npos) << text;
  const std::string first_epoch = text.substr(0, second), second_epoch = text.substr(second);
  // Keras: "      1/Unknown 0s 3ms/step - accuracy: ..." while the total is unknown...
  EXPECT_TRUE(std::regex_search(first_epoch, std::regex(R"(\r +1/Unknown \S+ \d+(us|ms|s)/step)")))
      << first_epoch;
  const std::string total = std::to_string(batches);
  EXPECT_NE(first_epoch.find(total + "/" + total), std::string::npos) << first_epoch;
  // ... and the steps counted then are the total of the next epochs.
  EXPECT_EQ(second_epoch.find("Unknown"), std::string::npos) << second_epoch;
  EXPECT_NE(second_epoch.find("/" + total + "\x1b[0m"), std::string::npos) << second_epoch;

  // With steps_per_epoch the total is known from the start.
  std::ostringstream out2;
  auto bar2 = std::make_shared<callbacks::ProgressBar>(&out2, 0);
  (void)model.fit(data, {.epochs = 1, .verbose = 1, .callbacks = {bar2}, .steps_per_epoch = 3});
  EXPECT_EQ(out2.str().rfind("3/3 " + cells(20), 0), 0u) << out2.str();
}

TEST(NnFitDataset, SampleWeightsAreTheThirdComponent) {
  auto [x, y] = blobs(64, 5);
  auto model = classifier();
  const auto plain = model.evaluate(Dataset::from_tensors({x, y}).batch(64), {.verbose = 0});
  const Tensor twos = full({64}, 2.0f);
  const auto doubled =
      model.evaluate(Dataset::from_tensors({x, y, twos}).batch(64), {.verbose = 0});
  EXPECT_NEAR(doubled.at("loss"), 2.0 * plain.at("loss"), 1e-5);
  EXPECT_DOUBLE_EQ(doubled.at("accuracy"), plain.at("accuracy"));  // metrics are unweighted
  // Zero weights: zero loss, zero gradients, nothing moves.
  const std::vector<Tensor> before = model.get_weights();
  (void)model.fit(Dataset::from_tensors({x, y, zeros({64})}).batch(16), {.verbose = 0});
  const std::vector<Tensor> after = model.get_weights();
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(before[i].to_vector<float>(), after[i].to_vector<float>()) << "weight " << i;
  }
}

TEST(NnFitDataset, MultiOutputElementsListInputsThenTargets) {
  auto [x, y] = blobs(96, 6);
  Tensor in = nn::Input({8});
  Tensor h = nn::Dense(8, {.activation = "relu"})(in);
  nn::Dense a(3, {.activation = "softmax"}), b(1);
  a.set_name("label");
  b.set_name("total");
  nn::Model model({in}, {a(h), b(h)});
  model.compile({.optimizer = "adam",
                 .loss = {"sparse_categorical_crossentropy", "mse"},
                 .metrics = {"accuracy", "mae"}});
  const Tensor total = sum(x, {1}, true);
  History hist = model.fit(Dataset::from_tensors({x, y, total}).batch(32), {.verbose = 0});
  EXPECT_TRUE(hist.history().contains("label_accuracy"));
  EXPECT_TRUE(hist.history().contains("total_loss"));
  const auto outputs = model.predict_outputs(Dataset::from_tensors({x}).batch(32), {.verbose = 0});
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(outputs[1].shape(), Shape({96, 1}));
}

TEST(NnFitDataset, EvaluateAndPredictShowKerasProgressBar) {
  EXPECT_EQ(nn::EvaluateOptions{}.verbose, 1);  // Keras's "auto"
  EXPECT_EQ(nn::PredictOptions{}.verbose, 1);
  auto [x, y] = blobs(100, 7);
  auto model = classifier();
  std::ostringstream out;
  auto bar = std::make_shared<callbacks::ProgressBar>(&out, 0);
  (void)model.evaluate(x, y, {.batch_size = 25, .callbacks = {bar}});
  EXPECT_TRUE(std::regex_match(
      out.str(),
      std::regex("4/4 " + cells(20) +
                 R"( \d+s \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}\n)")))
      << out.str();
  out.str("");
  (void)model.predict(Dataset::from_tensors({x}).batch(30), {.callbacks = {bar}});
  EXPECT_TRUE(
      std::regex_match(out.str(), std::regex("4/4 " + cells(20) + R"( \d+s \d+(us|ms|s)/step\n)")))
      << out.str();
  out.str("");
  (void)model.evaluate(x, y, {.batch_size = 25, .verbose = 0, .callbacks = {bar}});
  (void)model.evaluate(x, y, {.batch_size = 25, .verbose = 2, .callbacks = {bar}});
  EXPECT_TRUE(std::regex_match(
      out.str(),
      std::regex(R"(4/4 - \d+s - \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}\n)")))
      << out.str();
  // Inside fit the validation pass is silent: one line per epoch.
  out.str("");
  (void)model.fit(x, y,
                  {.batch_size = 50, .epochs = 2, .validation_split = 0.5, .callbacks = {bar}});
  EXPECT_TRUE(std::regex_match(
      out.str(), std::regex("(Epoch \\d/2\n1/1 " + cells(20) + R"( [^\n]*val_loss: [^\n]*\n){2})")))
      << out.str();
}

TEST(NnFitDataset, BadDatasetsAndOptionsAreClearErrors) {
  auto [x, y] = blobs(32, 8);
  auto model = classifier();
  auto message = [&](auto&& call) {
    try {
      call();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([&] {
              (void)model.fit(Dataset::from_tensors({x}).batch(8), {.verbose = 0});
            }).find("have 1 components; expected 2"),
            std::string::npos);
  EXPECT_NE(message([&] {
              (void)model.fit(Dataset::from_tensors({x, y}), {.verbose = 0});
            }).find("did you forget Dataset::batch?"),
            std::string::npos);
  const Dataset batched = Dataset::from_tensors({x, y}).batch(8);
  EXPECT_THROW((void)model.fit(batched, {.verbose = 0, .validation_split = 0.2}), ValueError);
  EXPECT_THROW((void)model.fit(batched, {.verbose = 0, .steps_per_epoch = 0}), ValueError);
  EXPECT_THROW((void)model.fit(x, y, {.verbose = 0, .steps_per_epoch = 2}), ValueError);
  EXPECT_THROW((void)model.fit(Dataset::from_tensors({x, y, ones({32})}).batch(8),
                               {.verbose = 0, .class_weight = {{0, 2.0}}}),
               ValueError);
  EXPECT_THROW((void)model.fit(batched.take(0), {.verbose = 0}), ValueError);  // no batches
  EXPECT_THROW((void)model.predict(batched.take(0), {.verbose = 0}), ValueError);
}

TEST(NnFitDataset, ClassWeightsWeighTheLossNotTheMetrics) {
  auto [x, y] = blobs(64, 9);
  auto model = classifier();
  model.compile(
      {.optimizer = "sgd", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  // Class 0 weighs 0 and classes beyond the listed ones weigh 1: on a batch of class-0 samples
  // only, the loss is zero.
  const Tensor zeros_only = zeros({64}, int64);
  auto logs =
      model.fit(x, zeros_only,
                {.batch_size = 64, .verbose = 0, .shuffle = false, .class_weight = {{0, 0.0}}});
  EXPECT_EQ(logs["loss"].front(), 0.0);
  auto ones_only = model.fit(x, full({64}, int64_t{2}, int64),
                             {.batch_size = 64, .verbose = 0, .class_weight = {{0, 0.0}}});
  EXPECT_GT(ones_only["loss"].front(), 0.0);  // class 2 is not listed: weight 1
}

}  // namespace
