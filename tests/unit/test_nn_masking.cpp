// Keras masks: the Masking layer, mask propagation after every layer call (eager, Sequential,
// functional and nested models, fit/evaluate/predict), layers that drop masks, the merge layers'
// mask combination, and the compiled loss and metrics averaging over the unmasked steps only.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "unit/layer_test_util.hpp"
#include "unit/tensor_test_util.hpp"

using namespace nabla;
using layer_test::run_layer_test;
using nabla::testing::expect_error;

namespace {

/// The identity that records the mask of every input it is called on (copies share the record).
class MaskProbe : public nn::ClonableLayer<MaskProbe> {
 public:
  MaskProbe() : nn::ClonableLayer<MaskProbe>("mask_probe") {}
  [[nodiscard]] bool supports_masking() const override { return supports_; }
  [[nodiscard]] Tensor call(const Tensor& x, bool) override {
    if (!x.is_symbolic()) seen->push_back(x.keras_mask());
    return x * 1.0;
  }
  std::shared_ptr<std::vector<Tensor>> seen = std::make_shared<std::vector<Tensor>>();
  bool supports_ = true;
};

std::vector<bool> bools(const Tensor& t) { return t.to_vector<bool>(); }

/// Token ids [2, 5] with zero padding at the end of each row.
Tensor padded_ids() { return from_vector<int64_t>({3, 1, 4, 0, 0, 2, 0, 0, 0, 0}, {2, 5}); }
const std::vector<bool> kIdsMask{true, true, true, false, false, true, false, false, false, false};

TEST(NnMasking, RunLayerTest) {
  run_layer_test([] { return nn::Masking(); },
                 {.input_shape = {4, 3}, .expected_output_shape = {4, 3}});
  run_layer_test([] { return nn::Masking({.mask_value = 0.5}); },
                 {.input_shape = {2, 3, 2}, .expected_output_shape = {2, 3, 2}});
}

TEST(NnMasking, ValuesAndMask) {
  // Steps: [1, 2], [0, 0] (padding), [0, 3] (real: one feature differs).
  const Tensor x = from_vector<float>({1, 2, 0, 0, 0, 3, 0, 0, 5, 5, 0, 0}, {2, 3, 2});
  nn::Masking masking;
  const Tensor y = masking(x);
  EXPECT_EQ(y.to_vector<float>(), x.to_vector<float>());
  ASSERT_TRUE(y.keras_mask().defined());
  EXPECT_EQ(y.keras_mask().shape(), (Shape{2, 3}));
  EXPECT_EQ(bools(y.keras_mask()), (std::vector<bool>{true, false, true, false, true, false}));
  EXPECT_EQ(bools(masking.compute_mask({x}, {Tensor()}, {y})[0]), bools(y.keras_mask()));
  // Another mask value: its steps are zeroed in the output.
  const Tensor z = from_vector<double>({1.5, 1.5, 1.5, 2, 7, 1.5}, {1, 3, 2});
  const Tensor out = nn::Masking({.mask_value = 1.5})(z);
  EXPECT_EQ(out.dtype(), float64);
  EXPECT_EQ(out.to_vector<double>(), (std::vector<double>{0, 0, 1.5, 2, 7, 1.5}));
  EXPECT_EQ(bools(out.keras_mask()), (std::vector<bool>{false, true, true}));
  expect_error<ShapeError>(
      [] {
        (void)nn::Masking()(from_vector<float>({1, 2}));
      },
      {"Masking", "[2]"});
}

TEST(NnMasking, MaskingConfig) {
  nn::Masking masking({.mask_value = -1.0});
  const nlohmann::json config = masking.get_config();
  EXPECT_EQ(config.at("mask_value"), -1.0);
  const auto rebuilt = nn::layer_from_config("Masking", config);
  EXPECT_EQ(rebuilt->get_config(), config);
  EXPECT_EQ(
      nn::layer_from_config("Masking", nlohmann::json::object())->get_config().at("mask_value"),
      0.0);
}

TEST(NnMasking, EagerPropagationThroughMaskingLayers) {
  nn::Embedding embedding(6, 4, {.mask_zero = true});
  const Tensor e = embedding(padded_ids());
  ASSERT_EQ(bools(e.keras_mask()), kIdsMask);
  nn::Dense dense(3, {.activation = "relu"});
  nn::Dropout dropout(0.5);
  nn::TimeDistributed td(nn::Dense(2));
  nn::LayerNormalization norm;
  nn::Activation act("tanh");
  const Tensor chain[] = {
      dense(e), dropout(dense(e), true), dropout(dense(e), false), td(e), norm(e), act(e)};
  for (const Tensor& t : chain) {
    ASSERT_TRUE(t.keras_mask().defined());
    EXPECT_EQ(bools(t.keras_mask()), kIdsMask);
  }
}

TEST(NnMasking, LayersWithoutMaskingDropTheMask) {
  const Tensor e = nn::Embedding(6, 4, {.mask_zero = true})(padded_ids());
  EXPECT_FALSE(nn::Flatten()(e).keras_mask().defined());
  EXPECT_FALSE(nn::Conv1D(2, 2)(e).keras_mask().defined());
  EXPECT_FALSE(nn::Reshape({20})(e).keras_mask().defined());
  // A probe that does not support masking sees the mask but does not pass it on.
  MaskProbe probe;
  probe.supports_ = false;
  EXPECT_FALSE(probe(e).keras_mask().defined());
  ASSERT_EQ(probe.seen->size(), 1u);
  EXPECT_TRUE(probe.seen->at(0).defined());
}

TEST(NnMasking, IdentityOutputsKeepTheCallersMask) {
  const Tensor e = nn::Embedding(6, 4, {.mask_zero = true})(padded_ids());
  const Tensor mask = e.keras_mask();
  // Dropout in inference returns its input: the caller's tensor keeps its own mask.
  const Tensor same = nn::Dropout(0.3)(e, false);
  EXPECT_EQ(same.impl_ptr(), e.impl_ptr());
  EXPECT_EQ(same.keras_mask().impl_ptr(), mask.impl_ptr());
  // A non-masking identity does not remove the caller's mask either (the output is that same
  // tensor, as the same Python object in Keras).
  const Tensor through = nn::Lambda([](const Tensor& x) { return x; })(e);
  EXPECT_EQ(through.impl_ptr(), e.impl_ptr());
  EXPECT_EQ(e.keras_mask().impl_ptr(), mask.impl_ptr());
  // An unmasked tensor through a masking identity stays unmasked.
  const Tensor plain = random::normal({2, 3});
  EXPECT_FALSE(nn::Dropout(0.3)(plain, false).keras_mask().defined());
}

TEST(NnMasking, SequentialPropagation) {
  MaskProbe probe;
  auto model =
      nn::Sequential({nn::Input({5}, {.dtype = int64}), nn::Embedding(6, 4, {.mask_zero = true}),
                      nn::Dense(3), nn::Dropout(0.2), probe, nn::TimeDistributed(nn::Dense(2))});
  probe.seen->clear();  // the symbolic build records nothing, but be sure
  const Tensor y = model(padded_ids());
  ASSERT_EQ(probe.seen->size(), 1u);
  ASSERT_TRUE(probe.seen->at(0).defined());
  EXPECT_EQ(bools(probe.seen->at(0)), kIdsMask);
  EXPECT_EQ(bools(y.keras_mask()), kIdsMask);
  // predict() runs the same calls (in batches).
  probe.seen->clear();
  (void)model.predict(padded_ids(), {.batch_size = 1, .verbose = 0});
  ASSERT_EQ(probe.seen->size(), 2u);
  EXPECT_EQ(bools(probe.seen->at(1)), std::vector<bool>(kIdsMask.begin() + 5, kIdsMask.end()));
  // A Sequential without a declared input, called eagerly.
  MaskProbe late;
  auto lazy = nn::Sequential({nn::Embedding(6, 4, {.mask_zero = true}), late});
  EXPECT_EQ(bools(lazy(padded_ids()).keras_mask()), kIdsMask);
  EXPECT_EQ(bools(late.seen->at(0)), kIdsMask);
}

TEST(NnMasking, FunctionalAndNestedModels) {
  // Inner model: a float sequence through Dense and a probe.
  MaskProbe inner_probe;
  const Tensor seq = nn::Input({5, 4});
  nn::Model inner(seq, inner_probe(nn::Dense(3)(seq)));
  // Outer model: ids -> Embedding(mask_zero) -> inner model -> probe -> Dense.
  MaskProbe outer_probe;
  const Tensor tokens = nn::Input({5}, {.dtype = int64});
  const Tensor h = inner(nn::Embedding(6, 4, {.mask_zero = true})(tokens));
  nn::Model outer(tokens, nn::Dense(2)(outer_probe(h)));
  const Tensor y = outer(padded_ids());
  ASSERT_EQ(inner_probe.seen->size(), 1u);
  ASSERT_EQ(outer_probe.seen->size(), 1u);
  ASSERT_TRUE(inner_probe.seen->at(0).defined());
  EXPECT_EQ(bools(inner_probe.seen->at(0)), kIdsMask);
  ASSERT_TRUE(outer_probe.seen->at(0).defined());
  EXPECT_EQ(bools(outer_probe.seen->at(0)), kIdsMask);
  EXPECT_EQ(bools(y.keras_mask()), kIdsMask);
  // The inner model called on its own with a masked tensor passes the mask on as well.
  const Tensor e = nn::Embedding(6, 4, {.mask_zero = true})(padded_ids());
  EXPECT_EQ(bools(inner(e).keras_mask()), kIdsMask);
  // An unmasked input gives unmasked outputs.
  EXPECT_FALSE(inner(random::normal({2, 5, 4})).keras_mask().defined());
}

TEST(NnMasking, MergeLayersAndTheirMasks) {
  const Tensor a = random::normal({2, 3, 4}), b = random::normal({2, 3, 4});
  const Tensor c = random::normal({2, 3, 4});
  a.set_keras_mask(from_vector<bool>({true, true, false, true, false, false}, {2, 3}));
  b.set_keras_mask(from_vector<bool>({true, false, false, true, true, false}, {2, 3}));
  const std::vector<bool> both{true, false, false, true, false, false};
  EXPECT_EQ(bools(nn::Add()({a, b})[0].keras_mask()), both);
  EXPECT_EQ(bools(nn::Multiply()({a, b, c})[0].keras_mask()), both);
  EXPECT_EQ(bools(nn::Average()({c, a})[0].keras_mask()), bools(a.keras_mask()));
  EXPECT_FALSE(nn::Subtract()({c, random::normal({2, 3, 4})})[0].keras_mask().defined());
  // Concatenate on the features: the step masks ANDed; an unmasked input counts as all real.
  EXPECT_EQ(bools(nn::Concatenate()({a, b})[0].keras_mask()), both);
  EXPECT_EQ(bools(nn::Concatenate()({a, c})[0].keras_mask()), bools(a.keras_mask()));
  // Concatenate on the steps: the step masks joined, all true for the unmasked input.
  const Tensor steps = nn::Concatenate(1)({a, c})[0];
  ASSERT_EQ(steps.keras_mask().shape(), (Shape{2, 6}));
  EXPECT_EQ(bools(steps.keras_mask()), (std::vector<bool>{true, true, false, true, true, true, true,
                                                          false, false, true, true, true}));
  EXPECT_FALSE(nn::Concatenate()({c, random::normal({2, 3, 1})})[0].keras_mask().defined());
  // In a functional model, masks made inside reach the merge.
  const Tensor t1 = nn::Input({5}, {.dtype = int64}), t2 = nn::Input({5}, {.dtype = int64});
  const Tensor sum = nn::Add()({nn::Embedding(6, 4, {.mask_zero = true})(t1),
                                nn::Embedding(6, 4, {.mask_zero = true})(t2)})[0];
  nn::Model model({t1, t2}, {sum});
  const Tensor other = from_vector<int64_t>({3, 0, 4, 5, 0, 2, 2, 2, 0, 0}, {2, 5});
  const Tensor merged = model.call_multiple({padded_ids(), other}, false)[0];
  EXPECT_EQ(bools(merged.keras_mask()), bools(logical_and(padded_ids() != 0, other != 0)));
}

/// Sparse cross-entropy from logits [B, T, C] per step, averaged over the steps where mask is
/// true (and weighted per sample by `weights` when given), in double.
double masked_cross_entropy(const Tensor& logits, const Tensor& labels,
                            const std::vector<bool>& mask, const std::vector<double>& weights) {
  const std::vector<double> z = logits.to_vector<double>();
  const std::vector<int64_t> y = labels.to_vector<int64_t>();
  const int64_t steps = logits.shape()[1], classes = logits.shape()[2];
  double total = 0.0, valid = 0.0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (!mask[i]) continue;
    double top = -INFINITY;
    for (int64_t k = 0; k < classes; ++k) top = std::max(top, z[i * classes + k]);
    double norm = 0.0;
    for (int64_t k = 0; k < classes; ++k) norm += std::exp(z[i * classes + k] - top);
    const double loss = top + std::log(norm) - z[i * classes + static_cast<size_t>(y[i])];
    const double w = weights.empty() ? 1.0 : weights[i / static_cast<size_t>(steps)];
    total += w * loss;
    valid += 1.0;
  }
  return total / valid;
}

TEST(NnMasking, LossIsTheMeanOverUnmaskedSteps) {
  const Tensor logits = random::normal({2, 5, 3});
  const Tensor labels = from_vector<int64_t>({0, 2, 1, 1, 0, 2, 2, 0, 1, 1}, {2, 5});
  const nn::losses::SparseCategoricalCrossentropy loss({.from_logits = true});
  const Tensor pred = logits.detach();
  pred.set_keras_mask(padded_ids() != 0);
  EXPECT_NEAR(loss(labels, pred).item<double>(), masked_cross_entropy(logits, labels, kIdsMask, {}),
              1e-5);
  // With sample weights, the weighted sum over the real steps divided by their number (Keras 3).
  const Tensor weights = from_vector<float>({2.0f, 0.5f});
  EXPECT_NEAR(loss(labels, pred, weights).item<double>(),
              masked_cross_entropy(logits, labels, kIdsMask, {2.0, 0.5}), 1e-5);
  // Without the mask: every step counts.
  EXPECT_NEAR(loss(labels, logits).item<double>(),
              masked_cross_entropy(logits, labels, std::vector<bool>(10, true), {}), 1e-5);
  // A mask that does not fit the per-step losses.
  const Tensor wrong = logits.detach();
  wrong.set_keras_mask(from_vector<bool>({true, false, true}, {3}));
  expect_error<ShapeError>([&] { (void)loss(labels, wrong); },
                           {"sparse_categorical_crossentropy", "mask", "[3]", "[2, 5]"});
}

TEST(NnMasking, CompiledLossAndMetricsSkipPadding) {
  const Tensor tokens = nn::Input({5}, {.dtype = int64});
  const Tensor logits =
      nn::TimeDistributed(nn::Dense(3))(nn::Embedding(6, 4, {.mask_zero = true})(tokens));
  nn::Model model(tokens, logits);
  model.compile({.optimizer = optim::SGD({.learning_rate = 0.5}),
                 .loss = nn::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {"accuracy"}});
  const Tensor ids = padded_ids();
  const Tensor labels = from_vector<int64_t>({0, 2, 1, 1, 0, 2, 2, 0, 1, 1}, {2, 5});
  const Tensor out = model(ids);
  const double expected_loss = masked_cross_entropy(out, labels, kIdsMask, {});
  // Accuracy over the four real steps only.
  const std::vector<int64_t> predicted = argmax(out, -1).to_vector<int64_t>();
  const std::vector<int64_t> truth = labels.to_vector<int64_t>();
  double right = 0.0;
  for (size_t i = 0; i < truth.size(); ++i) right += kIdsMask[i] && predicted[i] == truth[i];
  const auto logs = model.evaluate(ids, labels, {.batch_size = 2, .verbose = 0});
  EXPECT_NEAR(logs.at("loss"), expected_loss, 1e-5);
  EXPECT_NEAR(logs.at("accuracy"), right / 4.0, 1e-6);
  // Training on the padded batch: the padded steps' targets do not matter.
  const Tensor other_labels = from_vector<int64_t>({0, 2, 1, 0, 2, 2, 1, 2, 0, 2}, {2, 5});
  const auto step = model.train_on_batch(ids, labels);
  EXPECT_NEAR(step.at("loss"), expected_loss, 1e-5);
  const auto logs_a = model.evaluate(ids, labels, {.verbose = 0});
  const auto logs_b = model.evaluate(ids, other_labels, {.verbose = 0});
  EXPECT_DOUBLE_EQ(logs_a.at("loss"), logs_b.at("loss"));
  EXPECT_DOUBLE_EQ(logs_a.at("accuracy"), logs_b.at("accuracy"));
  // fit() goes through the same path and learns.
  const auto history = model.fit(ids, labels, {.batch_size = 2, .epochs = 30, .verbose = 0});
  EXPECT_LT(history["loss"].back(), expected_loss);
}

}  // namespace
