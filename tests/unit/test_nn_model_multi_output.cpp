// Multi-output models as Keras 3 compiles them: a loss per output (by position or name, or one
// for all), loss_weights in the total loss, "<output>_loss" and "<output>_<metric>" logs, and
// clear errors for specs that do not fit the outputs.
#include <gtest/gtest.h>

#include <cmath>
#include <nabla/nabla.hpp>
#include <set>
#include <string>

using namespace nabla;

namespace {

/// Points around one of three centres: the class (0..2) and a regression target (the sum of
/// the coordinates).
struct Data {
  Tensor x, label, size;
};
Data make_data(int64_t n, uint64_t seed) {
  random::seed(seed);
  Tensor label = random::randint(0, 3, {n});
  Tensor centers =
      tensor<float>({{2, 0, 0, 0, 1, 0, 0, 0}, {0, 2, 0, 0, 0, 1, 0, 0}, {0, 0, 2, 0, 0, 0, 1, 0}});
  Tensor x = take(centers, label, 0) + random::normal({n, 8}, 0.0, 0.5);
  Tensor size = sum(x, {1}, true) * 0.25f;
  return {x, label, size};
}

/// x [8] -> trunk -> "digit" (3 classes, softmax) and "size" (1 value).
struct TwoHeads {
  nn::Dense trunk;
  nn::Dense digit{3, {.activation = "softmax"}};
  nn::Dense size{1};
  std::shared_ptr<nn::Model> model;
  explicit TwoHeads(nn::DenseOptions trunk_options = {.activation = "relu"})
      : trunk(16, std::move(trunk_options)) {
    digit.set_name("digit");
    size.set_name("size");
    Tensor in = nn::Input({8});
    Tensor h = trunk(in);
    model = std::make_shared<nn::Model>(std::vector<Tensor>{in},
                                        std::vector<Tensor>{digit(h), size(h)});
  }
};

std::set<std::string> keys(const std::map<std::string, double>& logs) {
  std::set<std::string> out;
  for (const auto& [key, value] : logs) out.insert(key);
  return out;
}

TEST(NnModelMultiOutput, OutputNamesAreTheOutputLayersNames) {
  TwoHeads net;
  EXPECT_EQ(net.model->output_names(), (std::vector<std::string>{"digit", "size"}));
  // A layer producing two outputs gives "head" and "head_1", as Keras makes names unique.
  nn::Dense head(2);
  head.set_name("head");
  Tensor a = nn::Input({3}), b = nn::Input({3});
  nn::Model shared({a, b}, {head(a), head(b)});
  EXPECT_EQ(shared.output_names(), (std::vector<std::string>{"head", "head_1"}));
  auto seq = nn::Sequential({nn::Input({3}), nn::Dense(2)});
  EXPECT_EQ(seq.output_names(), std::vector<std::string>{seq.stack().back()->name()});
}

TEST(NnModelMultiOutput, LogsEachLossAndMetricUnderKerasNames) {
  const Data train = make_data(600, 1);
  TwoHeads net;
  net.model->compile({.optimizer = optim::Adam({.learning_rate = 1e-2}),
                      .loss = {"sparse_categorical_crossentropy", "mse"},
                      .metrics = {{"digit", {"accuracy"}}, {"size", {"mae"}}},
                      .loss_weights = {1.0, 0.5}});
  History h =
      net.model->fit(train.x, {train.label, train.size},
                     {.batch_size = 32, .epochs = 6, .verbose = 0, .validation_split = 0.2});
  std::set<std::string> history_keys;
  for (const auto& [key, values] : h.history()) history_keys.insert(key);
  const std::set<std::string> expected{
      "loss",     "digit_loss",     "size_loss",     "digit_accuracy",     "size_mae",
      "val_loss", "val_digit_loss", "val_size_loss", "val_digit_accuracy", "val_size_mae"};
  EXPECT_EQ(history_keys, expected);
  EXPECT_GT(h["val_digit_accuracy"].back(), 0.9);
  EXPECT_LT(h["val_size_loss"].back(), h["val_size_loss"].front());

  // The total is sum_i w_i loss_i; the per-output losses are unweighted (Keras 3). One batch
  // holding every sample makes each value the loss functions' own.
  const Data test = make_data(200, 2);
  auto scores =
      net.model->evaluate(test.x, {test.label, test.size}, {.batch_size = 200, .verbose = 0});
  EXPECT_EQ(keys(scores), (std::set<std::string>{"loss", "digit_loss", "size_loss",
                                                 "digit_accuracy", "size_mae"}));
  const std::vector<Tensor> pred = net.model->predict_outputs(test.x, {.verbose = 0});
  ASSERT_EQ(pred.size(), 2u);
  const double digit_loss =
      nn::losses::SparseCategoricalCrossentropy()(test.label, pred[0]).item<double>();
  const double size_loss = nn::losses::MeanSquaredError()(test.size, pred[1]).item<double>();
  EXPECT_NEAR(scores["digit_loss"], digit_loss, 1e-6);
  EXPECT_NEAR(scores["size_loss"], size_loss, 1e-6);
  EXPECT_NEAR(scores["loss"], digit_loss + 0.5 * size_loss, 1e-5);
  EXPECT_THROW((void)net.model->predict(test.x, {.verbose = 0}), ValueError);
}

TEST(NnModelMultiOutput, ALossWeightOfZeroLeavesThatHeadUntrained) {
  const Data data = make_data(256, 3);
  for (int zero : {0, 1}) {
    TwoHeads net;
    net.model->compile(
        {.optimizer = "adam",
         .loss = {{"digit", "sparse_categorical_crossentropy"}, {"size", "mse"}},
         .loss_weights = zero == 0 ? nn::LossWeights{0.0, 1.0} : nn::LossWeights{{"size", 0.0}}});
    const std::vector<Tensor> before{net.digit.kernel.clone(), net.size.kernel.clone()};
    (void)net.model->fit(data.x, {data.label, data.size},
                         {.batch_size = 64, .epochs = 1, .verbose = 0});
    const Tensor& still = zero == 0 ? net.digit.kernel : net.size.kernel;
    const Tensor& moved = zero == 0 ? net.size.kernel : net.digit.kernel;
    EXPECT_EQ(still.to_vector<float>(), before[zero].to_vector<float>()) << "head " << zero;
    EXPECT_NE(moved.to_vector<float>(), before[1 - zero].to_vector<float>()) << "head " << zero;
    // Both heads share the trunk, which the weighted head still trains.
  }
}

TEST(NnModelMultiOutput, AnOutputWithoutALossIsNotTrainedOrLogged) {
  const Data data = make_data(128, 4);
  TwoHeads net;
  net.model->compile({.optimizer = "adam",
                      .loss = {{"digit", "sparse_categorical_crossentropy"}},
                      .metrics = {"accuracy", "mae"}});  // one per output, as Keras 3
  const Tensor size_kernel = net.size.kernel.clone();
  History h = net.model->fit(data.x, {data.label, data.size},
                             {.batch_size = 32, .epochs = 1, .verbose = 0});
  EXPECT_EQ(net.size.kernel.to_vector<float>(), size_kernel.to_vector<float>());
  std::set<std::string> history_keys;
  for (const auto& [key, values] : h.history()) history_keys.insert(key);
  // One loss: no per-output loss keys.
  EXPECT_EQ(history_keys, (std::set<std::string>{"loss", "digit_accuracy", "size_mae"}));
}

TEST(NnModelMultiOutput, OneLossIsAppliedToEveryOutputAndRegularizationIsAdded) {
  const Data data = make_data(64, 5);
  TwoHeads net({.activation = "relu", .kernel_regularizer = nn::regularizers::L2(0.01)});
  net.model->compile({.optimizer = "sgd", .loss = "mse", .loss_weights = {{"size", 2.0}}});
  const auto scores =
      net.model->evaluate(data.x, {one_hot(data.label, 3).astype(float32), data.size},
                          {.batch_size = 64, .verbose = 0});
  EXPECT_EQ(keys(scores), (std::set<std::string>{"loss", "digit_loss", "size_loss"}));
  const double penalty = net.model->losses().at(0).item<double>();
  EXPECT_GT(penalty, 0.0);
  EXPECT_NEAR(scores.at("loss"), scores.at("digit_loss") + 2.0 * scores.at("size_loss") + penalty,
              1e-5);
}

TEST(NnModelMultiOutput, SpecsThatDoNotFitTheOutputsAreValueErrors) {
  TwoHeads net;
  auto compile_error = [&](nn::CompileOptions options) {
    try {
      net.model->compile(std::move(options));
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(compile_error({.loss = {"mse", "mse", "mse"}}).find("one entry per output, got 3"),
            std::string::npos);
  const std::string unknown = compile_error({.loss = {{"digits", "mse"}}});
  EXPECT_NE(unknown.find("'digits' does not correspond to any model output"), std::string::npos)
      << unknown;
  EXPECT_NE(unknown.find("digit, size"), std::string::npos) << unknown;
  EXPECT_NE(compile_error({.loss = "mse", .metrics = {"accuracy"}}).find("`metrics` list"),
            std::string::npos);
  EXPECT_NE(compile_error({.loss = "mse", .loss_weights = {1.0}}).find("`loss_weights` list"),
            std::string::npos);
  EXPECT_NE(compile_error({.loss = {nn::losses::LossRef(), nn::losses::LossRef()}})
                .find("no output has a loss"),
            std::string::npos);
  EXPECT_NE(compile_error({.loss = {}}).find("no loss given"), std::string::npos);

  net.model->compile({.loss = "mse"});
  const Data data = make_data(8, 6);
  try {
    (void)net.model->fit(data.x, data.size, {.verbose = 0});
    ADD_FAILURE() << "no error";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("2 output(s) but 1 target(s)"), std::string::npos)
        << e.what();
  }
}

TEST(NnModelMultiOutput, SubclassedModelsNameTheirOutputsWhenFirstCalled) {
  struct Twin : nn::Model {
    nn::Dense a = track(nn::Dense(1));
    nn::Dense b = track(nn::Dense(1));
    [[nodiscard]] bool multiple_inputs() const override { return true; }
    std::vector<Tensor> call_multiple(const std::vector<Tensor>& xs, bool) override {
      return {a(xs[0]), b(xs[0])};
    }
  };
  Twin twin;
  twin.compile({.optimizer = "sgd", .loss = "mse"});
  const auto logs = twin.train_on_batch(ones({4, 2}), {zeros({4, 1}), ones({4, 1})});
  EXPECT_EQ(keys(logs), (std::set<std::string>{"loss", "output_0_loss", "output_1_loss"}));
  EXPECT_NEAR(logs.at("loss"), logs.at("output_0_loss") + logs.at("output_1_loss"), 1e-6);
}

}  // namespace
