// Metrics (nabla/nn/metrics.hpp): hand-computed values (the arithmetic in comments), Keras 3
// docstring numbers, and for AUC two independent references written here: the threshold
// definition counted directly in O(samples x thresholds), and the exact Mann-Whitney AUC when
// every prediction sits between two thresholds. Several update_state calls, reset_state, weights,
// names, and every error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <nabla/nabla.hpp>
#include <nabla/nn/metrics.hpp>
#include <random>
#include <string>
#include <vector>

#include "unit/tensor_test_util.hpp"

namespace {
using namespace nabla;
using nabla::testing::expect_error;
using nabla::testing::layouts;
using namespace nabla::nn::metrics;
using Values = std::vector<double>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Tensor f64(const Values& v, const Shape& shape) { return from_vector(v, shape); }
Tensor f32(const Values& v, const Shape& shape) { return from_vector(v, shape).astype(float32); }
Tensor i64(const std::vector<int64_t>& v, const Shape& shape) { return from_vector(v, shape); }

// ---- accuracies ----

TEST(Metrics, AccuracyResolvesLikeKerasFromTheShapes) {
  // Binary: y_pred [batch, 1] probabilities, threshold 0.5 (strict).
  {
    Accuracy m;
    m.update_state(f32({1, 0, 1, 1}, {4, 1}), f32({0.9, 0.5, 0.4, 0.1}, {4, 1}));
    EXPECT_DOUBLE_EQ(m.result(), 0.5);  // 0.9 hit, 0.5 (not > 0.5) hit, 0.4 miss, 0.1 miss
    EXPECT_EQ(m.name(), "accuracy");
  }
  {
    Accuracy m;  // [batch] labels against [batch, 1]
    m.update_state(f32({1, 0, 1, 0}, {4}), f32({0.9, 0.5, 0.4, 0.1}, {4, 1}));
    EXPECT_DOUBLE_EQ(m.result(), 0.75);
  }
  {
    Accuracy m;  // 1-D against 1-D: binary too (see Accuracy::values)
    m.update_state(f32({1, 0, 1}, {3}), f32({0.9, 0.2, 0.3}, {3}));
    EXPECT_NEAR(m.result(), 2.0 / 3, 1e-15);
  }
  const Tensor scores = f32({0.1, 0.7, 0.2, 0.5, 0.3, 0.2, 0.2, 0.2, 0.6, 0.3, 0.3, 0.4}, {4, 3});
  // argmax per row: 1, 0, 2, 2
  {
    Accuracy m;  // sparse: [batch] labels against [batch, classes]
    m.update_state(i64({1, 0, 0, 2}, {4}), scores);
    EXPECT_DOUBLE_EQ(m.result(), 0.75);
  }
  {
    Accuracy m;  // sparse: [batch, 1] labels
    m.update_state(i64({1, 1, 2, 2}, {4, 1}), scores);
    EXPECT_DOUBLE_EQ(m.result(), 0.75);
  }
  {
    Accuracy m;  // categorical: one-hot against scores
    m.update_state(f32({0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1}, {4, 3}), scores);
    EXPECT_DOUBLE_EQ(m.result(), 0.75);  // row 2: label 0, argmax 2
  }
}

TEST(Metrics, AccuraciesMatchKerasDocstrings) {
  // The examples of keras.metrics.{Binary,Categorical,SparseCategorical,TopKCategorical,
  // SparseTopKCategorical}Accuracy: each first unweighted, then after reset_state with weights.
  const auto twice = [](Metric& m, const Tensor& t, const Tensor& p, const Tensor& w, double first,
                        double second) {
    m.update_state(t, p);
    EXPECT_NEAR(m.result(), first, 1e-12) << m.name();
    m.reset_state();
    m.update_state(t, p, w);
    EXPECT_NEAR(m.result(), second, 1e-12) << m.name();
  };
  BinaryAccuracy binary;
  twice(binary, f32({1, 1, 0, 0}, {4, 1}), f32({0.98, 1, 0, 0.6}, {4, 1}), f32({1, 0, 0, 1}, {4}),
        0.75, 0.5);
  const Tensor scores = f32({0.1, 0.9, 0.8, 0.05, 0.95, 0}, {2, 3});
  const Tensor weights = f64({0.7, 0.3}, {2});  // float64: 0.3 exactly as printed
  CategoricalAccuracy categorical;
  twice(categorical, f32({0, 0, 1, 0, 1, 0}, {2, 3}), scores, weights, 0.5, 0.3);
  SparseCategoricalAccuracy sparse;
  twice(sparse, i64({2, 1}, {2, 1}), f32({0.1, 0.6, 0.3, 0.05, 0.95, 0}, {2, 3}), weights, 0.5,
        0.3);
  TopKCategoricalAccuracy top1(1);
  twice(top1, f32({0, 0, 1, 0, 1, 0}, {2, 3}), scores, weights, 0.5, 0.3);
  TopKCategoricalAccuracy sparse_top1(1, true);
  twice(sparse_top1, i64({2, 1}, {2}), scores, weights, 0.5, 0.3);
}

TEST(Metrics, BinaryAccuracyUsesAStrictThreshold) {
  BinaryAccuracy m(0.3);
  EXPECT_EQ(m.name(), "binary_accuracy");
  m.update_state(f64({1, 1, 0, 0}, {4}), f64({0.31, 0.3, 0.3, 0.9}, {4}));
  EXPECT_DOUBLE_EQ(m.result(), 0.5);  // 0.31 hit, 0.3 miss (not > 0.3), 0.3 hit, 0.9 miss
  // Soft labels never match (Keras compares y_true == (y_pred > threshold)).
  BinaryAccuracy soft;
  soft.update_state(f64({0.9}, {1}), f64({0.8}, {1}));
  EXPECT_EQ(soft.result(), 0.0);
}

TEST(Metrics, CategoricalAccuracyTakesTheFirstMaximumOnTies) {
  CategoricalAccuracy m;
  EXPECT_EQ(m.name(), "categorical_accuracy");
  // Row 0 ties classes 0 and 1 (argmax 0), row 1 ties 1 and 2 (argmax 1).
  m.update_state(f32({1, 0, 0, 0, 0, 1}, {2, 3}), f32({0.4, 0.4, 0.2, 0.1, 0.45, 0.45}, {2, 3}));
  EXPECT_DOUBLE_EQ(m.result(), 0.5);
}

TEST(Metrics, SparseCategoricalAccuracyComparesLabelsAsNumbers) {
  SparseCategoricalAccuracy m;
  EXPECT_EQ(m.name(), "sparse_categorical_accuracy");
  const Tensor scores = f32({0.1, 0.9, 0.8, 0.2, 0.3, 0.7}, {3, 2});  // argmax 1, 0, 1
  m.update_state(f32({1, 0, 0}, {3}), scores);                        // float labels
  EXPECT_NEAR(m.result(), 2.0 / 3, 1e-15);
  m.update_state(from_vector(std::vector<int32_t>{1, 1, 1}), scores);  // 2 more hits of 3
  EXPECT_NEAR(m.result(), 4.0 / 6, 1e-15);
  m.update_state(f32({1.5, 0, 1}, {3, 1}), scores);  // 1.5 never equals an argmax
  EXPECT_NEAR(m.result(), 6.0 / 9, 1e-15);
  m.reset_state();
  EXPECT_EQ(m.result(), 0.0);
  // Higher rank: labels [batch, time] against scores [batch, time, classes].
  m.update_state(i64({1, 0, 1, 1}, {2, 2}), f32({0, 1, 1, 0, 1, 0, 0, 1}, {2, 2, 2}));
  EXPECT_DOUBLE_EQ(m.result(), 0.75);  // argmax 1, 0, 0, 1
}

TEST(Metrics, TopKCountsTiesAsKerasInTopK) {
  const Tensor scores = f64({0.1, 0.3, 0.3, 0.3, 0.5, 0.2, 0.2, 0.1, kNaN, 0.1, 0.2, 0.3}, {3, 4});
  const Tensor labels = i64({1, 2, 0}, {3});
  // Row 0: label 1 scores 0.3, no class higher -> rank 1 (tied with 2 and 3, all "in top 1").
  // Row 1: label 2 scores 0.2, one class higher (0.5) -> rank 2.
  // Row 2: label 0 is NaN -> -inf, the three finite classes are higher -> rank 4.
  const std::vector<std::pair<int64_t, double>> expected = {
      {1, 1.0 / 3}, {2, 2.0 / 3}, {3, 2.0 / 3}, {4, 1.0}};
  for (const auto& [k, want] : expected) {
    TopKCategoricalAccuracy sparse(k, true);
    sparse.update_state(labels, scores);
    EXPECT_NEAR(sparse.result(), want, 1e-15) << "k=" << k;
    TopKCategoricalAccuracy dense(k, false);
    dense.update_state(f64({0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0}, {3, 4}), scores);
    EXPECT_NEAR(dense.result(), want, 1e-15) << "k=" << k;
  }
  EXPECT_EQ(TopKCategoricalAccuracy().name(), "top_k_categorical_accuracy");
  EXPECT_EQ(TopKCategoricalAccuracy(5, true).name(), "sparse_top_k_categorical_accuracy");
  // Default k = 5: with 10 classes the true class must beat at least 5 others.
  TopKCategoricalAccuracy five(5, true);
  Values row(10);
  for (size_t i = 0; i < 10; ++i) row[i] = static_cast<double>(i);  // class i scores i
  five.update_state(i64({5}, {1, 1}), f64(row, {1, 10}));           // 4 higher: in
  five.update_state(i64({4}, {1}), f64(row, {1, 10}));              // 5 higher: out
  EXPECT_DOUBLE_EQ(five.result(), 0.5);
}

TEST(Metrics, MeanErrorsAverageThePerSampleErrors) {
  MeanSquaredError mse;
  MeanAbsoluteError mae;
  EXPECT_EQ(mse.name(), "mean_squared_error");
  EXPECT_EQ(mae.name(), "mean_absolute_error");
  const Tensor t = f64({0, 1, 2, 3}, {2, 2}), p = f64({1, 1, 2, 5}, {2, 2});
  mse.update_state(t, p);  // per sample: (1 + 0) / 2, (0 + 4) / 2
  mae.update_state(t, p);  // per sample: (1 + 0) / 2, (0 + 2) / 2
  EXPECT_DOUBLE_EQ(mse.result(), (0.5 + 2.0) / 2);
  EXPECT_DOUBLE_EQ(mae.result(), (0.5 + 1.0) / 2);
  mse.update_state(f64({0}, {1, 1}), f64({3}, {1, 1}), f64({2}, {1}));  // 9 with weight 2
  EXPECT_DOUBLE_EQ(mse.result(), (0.5 + 2.0 + 18.0) / 4);
  mse.reset_state();
  EXPECT_EQ(mse.result(), 0.0);
}

TEST(Metrics, WeightedMeanFollowsKeras) {
  // Matches per element [[1, 1], [0, 1], [0, 0]] -> per-sample means 1, 0.5, 0.
  const Tensor t = f64({1, 0, 1, 1, 0, 0}, {3, 2});
  const Tensor p = f64({0.9, 0.2, 0.4, 0.8, 0.6, 0.7}, {3, 2});
  BinaryAccuracy m;
  m.update_state(t, p);
  EXPECT_DOUBLE_EQ(m.result(), 0.5);  // 1.5 / 3
  m.reset_state();
  m.update_state(t, p, f64({1, 2, 3}, {3}));  // [batch] weights: (1 + 2 * 0.5 + 0) / (1 + 2 + 3)
  EXPECT_DOUBLE_EQ(m.result(), 2.0 / 6);
  m.update_state(t, p, f64({1, 2, 3}, {3, 1}));  // [batch, 1] the same: accumulates
  EXPECT_DOUBLE_EQ(m.result(), 4.0 / 12);
  m.reset_state();
  // Per-element weights: total += mean(v * w) per sample, count += mean(w) per sample.
  m.update_state(t, p, f64({1, 0, 1, 1, 2, 2}, {3, 2}));
  EXPECT_DOUBLE_EQ(m.result(), (0.5 + 0.5 + 0.0) / (0.5 + 1.0 + 2.0));
  m.reset_state();
  m.update_state(t, p, f64({0, 0, 0}, {3}));  // all weights zero: 0, not NaN
  EXPECT_EQ(m.result(), 0.0);
  // An empty batch changes nothing.
  m.update_state(zeros({0, 2}), zeros({0, 2}));
  EXPECT_EQ(m.result(), 0.0);
}

TEST(Metrics, UpdatesDoNotRecordGradients) {
  Tensor p = f32({0.2, 0.9}, {2, 1}).requires_grad_();
  Accuracy m;
  m.update_state(f32({0, 1}, {2, 1}), p);
  EXPECT_DOUBLE_EQ(m.result(), 1.0);
  EXPECT_FALSE(p.grad().defined());
}

// ---- precision and recall ----

TEST(Metrics, PrecisionAndRecallCountWeightedDecisions) {
  const Tensor t = f64({1, 0, 1, 1, 0, 0}, {6});
  const Tensor p = f64({0.9, 0.8, 0.4, 0.6, 0.2, 0.5}, {6});
  // At 0.5: predicted positive 0.9 (tp), 0.8 (fp), 0.6 (tp); 0.5 is not > 0.5.
  Precision precision;
  Recall recall;
  EXPECT_EQ(precision.name(), "precision");
  EXPECT_EQ(recall.name(), "recall");
  EXPECT_EQ(precision.result(), 0.0);  // nothing yet: divide_no_nan
  precision.update_state(t, p);
  recall.update_state(t, p);
  EXPECT_DOUBLE_EQ(precision.result(), 2.0 / 3);  // tp 2, fp 1
  EXPECT_DOUBLE_EQ(recall.result(), 2.0 / 3);     // tp 2, fn 1 (0.4)
  // Weighted second batch: [batch, 1] shapes, label 2 counts as positive (nonzero).
  precision.update_state(f64({2, 0}, {2, 1}), f64({0.7, 0.95}, {2, 1}), f64({3, 0.5}, {2}));
  recall.update_state(f64({2, 0}, {2, 1}), f64({0.3, 0.95}, {2, 1}), f64({3, 0.5}, {2}));
  EXPECT_DOUBLE_EQ(precision.result(), (2.0 + 3.0) / (2.0 + 3.0 + 1.0 + 0.5));
  EXPECT_DOUBLE_EQ(recall.result(), 2.0 / (2.0 + 1.0 + 3.0));
  precision.reset_state();
  recall.reset_state();
  EXPECT_EQ(precision.result(), 0.0);
  EXPECT_EQ(recall.result(), 0.0);
  // Other thresholds; multi-label [batch, labels] counts every element.
  Precision strict(0.85);
  strict.update_state(f64({1, 0, 1, 0}, {2, 2}), f64({0.9, 0.86, 0.95, 0.1}, {2, 2}));
  EXPECT_DOUBLE_EQ(strict.result(), 2.0 / 3);
  Recall loose(0.0);
  loose.update_state(f64({1, 1, 0}, {3}), f64({0.0, 0.01, 0.5}, {3}));
  EXPECT_DOUBLE_EQ(loose.result(), 0.5);  // 0.0 is not > 0
}

// ---- AUC ----

TEST(Metrics, AucMatchesKerasDocstring) {
  // keras.metrics.AUC docstring: thresholds [-eps, 0.5, 1 + eps]; tp [2, 1, 0], fp [2, 0, 0],
  // fn [0, 1, 2], tn [0, 2, 2]; recall [1, 0.5, 0], fpr [1, 0, 0];
  // auc = (1 - 0) * (1 + 0.5) / 2 + (0 - 0) * (0.5 + 0) / 2 = 0.75.
  AUC m(3);
  EXPECT_EQ(m.name(), "auc");
  m.update_state(f32({0, 0, 1, 1}, {4}), f32({0, 0.5, 0.3, 0.9}, {4}));
  EXPECT_DOUBLE_EQ(m.result(), 0.75);
  // With weights [1, 0, 0, 1]: tp [1, 1, 0], fp [1, 0, 0] -> recall [1, 1, 0], fpr [1, 0, 0]:
  // auc = 1 * (1 + 1) / 2 = 1.
  m.reset_state();
  m.update_state(f32({0, 0, 1, 1}, {4}), f32({0, 0.5, 0.3, 0.9}, {4}), f32({1, 0, 0, 1}, {4}));
  EXPECT_DOUBLE_EQ(m.result(), 1.0);
  m.reset_state();
  EXPECT_EQ(m.result(), 0.0);
}

/// AUC from its definition: counts at each threshold by direct comparison, then the trapezoids.
double auc_by_definition(const Values& labels, const Values& preds, const Values& weights,
                         int64_t n) {
  double area = 0.0, prev_recall = 0.0, prev_fpr = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double threshold = i == 0       ? -1e-7
                             : i == n - 1 ? 1.0 + 1e-7
                                          : static_cast<double>(i) / static_cast<double>(n - 1);
    double tp = 0, fp = 0, fn = 0, tn = 0;
    for (size_t s = 0; s < preds.size(); ++s) {
      const bool above = std::clamp(preds[s], 0.0, 1.0) > threshold;
      const bool positive = labels[s] != 0.0;
      (positive ? (above ? tp : fn) : (above ? fp : tn)) += weights[s];
    }
    const double recall = tp + fn == 0 ? 0 : tp / (tp + fn);
    const double fpr = fp + tn == 0 ? 0 : fp / (fp + tn);
    if (i > 0) area += (prev_fpr - fpr) * (prev_recall + recall) / 2;
    prev_recall = recall;
    prev_fpr = fpr;
  }
  return area;
}

TEST(Metrics, AucMatchesItsDefinitionOverSeveralBatches) {
  std::mt19937 gen(7);
  std::uniform_real_distribution<double> uniform(-0.1, 1.1);  // some outside [0, 1]: clipped
  std::uniform_real_distribution<double> weight_dist(0.0, 2.0);
  std::bernoulli_distribution coin(0.4);
  for (int64_t thresholds : {2, 3, 10, 200}) {
    AUC m(thresholds);
    Values all_labels, all_preds, all_weights;
    for (int batch = 0; batch < 3; ++batch) {
      Values labels, preds, weights;
      for (int i = 0; i < 50; ++i) {
        const double p = uniform(gen);
        labels.push_back(coin(gen) ? 1.0 : 0.0);
        preds.push_back(coin(gen) && labels.back() == 1.0 ? std::min(1.0, p + 0.3) : p);
        weights.push_back(weight_dist(gen));
      }
      m.update_state(f64(labels, {50, 1}), f64(preds, {50, 1}), f64(weights, {50}));
      all_labels.insert(all_labels.end(), labels.begin(), labels.end());
      all_preds.insert(all_preds.end(), preds.begin(), preds.end());
      all_weights.insert(all_weights.end(), weights.begin(), weights.end());
      EXPECT_NEAR(m.result(), auc_by_definition(all_labels, all_preds, all_weights, thresholds),
                  1e-12)
          << thresholds << " thresholds, batch " << batch;
    }
  }
}

TEST(Metrics, AucIsTheMannWhitneyStatisticWhenThresholdsSeparateAllScores) {
  // Scores in the middle of the default buckets: every distinct score has a threshold between
  // it and the next, so the trapezoids give exactly P(pos > neg) + P(pos == neg) / 2.
  std::mt19937 gen(3);
  std::uniform_int_distribution<int> bucket(0, 197);
  std::bernoulli_distribution coin(0.5);
  Values labels, preds;
  for (int i = 0; i < 300; ++i) {
    labels.push_back(coin(gen) ? 1.0 : 0.0);
    const int b = labels.back() == 1.0 ? std::max(bucket(gen), bucket(gen)) : bucket(gen);
    preds.push_back((b + 0.5) / 199.0);
  }
  double wins = 0.0, pairs = 0.0;
  for (size_t i = 0; i < preds.size(); ++i) {
    for (size_t j = 0; j < preds.size(); ++j) {
      if (labels[i] != 1.0 || labels[j] != 0.0) continue;
      pairs += 1.0;
      wins += preds[i] > preds[j] ? 1.0 : preds[i] == preds[j] ? 0.5 : 0.0;
    }
  }
  AUC m;
  m.update_state(f64(labels, {300}), f64(preds, {300}));
  EXPECT_NEAR(m.result(), wins / pairs, 1e-12);
  EXPECT_GT(m.result(), 0.6);  // positives drew the larger of two buckets
}

TEST(Metrics, AucOfPerfectAndOfConstantPredictions) {
  AUC perfect;
  perfect.update_state(f64({0, 0, 1, 1}, {4}), f64({0.1, 0.2, 0.8, 0.9}, {4}));
  EXPECT_DOUBLE_EQ(perfect.result(), 1.0);
  AUC constant;
  constant.update_state(f64({0, 1, 0, 1}, {4}), f64({0.5, 0.5, 0.5, 0.5}, {4}));
  EXPECT_DOUBLE_EQ(constant.result(), 0.5);
  AUC one_class;  // no negatives: fpr 0 everywhere, area 0 (Keras's divide_no_nan)
  one_class.update_state(f64({1, 1}, {2}), f64({0.2, 0.7}, {2}));
  EXPECT_EQ(one_class.result(), 0.0);
}

// ---- names ----

TEST(Metrics, MetricRefResolvesNamesAndReportsUnderThem) {
  const std::vector<std::pair<std::string, std::string>> names = {
      {"accuracy", "accuracy"},
      {"acc", "acc"},
      {"binary_accuracy", "binary_accuracy"},
      {"categorical_accuracy", "categorical_accuracy"},
      {"sparse_categorical_accuracy", "sparse_categorical_accuracy"},
      {"top_k_categorical_accuracy", "top_k_categorical_accuracy"},
      {"sparse_top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy"},
      {"mse", "mse"},
      {"mean_squared_error", "mean_squared_error"},
      {"MeanAbsoluteError", "MeanAbsoluteError"},
      {"mae", "mae"},
      {"precision", "precision"},
      {"recall", "recall"},
      {"auc", "auc"},
      {"AUC", "AUC"},
  };
  for (const auto& [name, reported] : names) {
    const MetricRef ref(name);
    ASSERT_TRUE(ref.get() != nullptr) << name;
    EXPECT_EQ(ref.get()->name(), reported);
  }
  EXPECT_NE(dynamic_cast<Accuracy*>(MetricRef("accuracy").get().get()), nullptr);
  EXPECT_NE(dynamic_cast<AUC*>(MetricRef("auc").get().get()), nullptr);
  // A renamed metric still computes and resets as the metric it names.
  const MetricRef acc("acc");
  acc.get()->update_state(i64({1, 0}, {2}), f32({0.2, 0.8, 0.9, 0.1}, {2, 2}));
  EXPECT_DOUBLE_EQ(acc.get()->result(), 1.0);
  acc.get()->reset_state();
  EXPECT_EQ(acc.get()->result(), 0.0);
  const MetricRef top5("sparse_top_k_categorical_accuracy");
  top5.get()->update_state(i64({0}, {1}), f32({0, 1, 2, 3, 4, 5}, {1, 6}));
  EXPECT_EQ(top5.get()->result(), 0.0);  // class 0 is 6th of 6
  // Objects keep their options.
  const MetricRef object = TopKCategoricalAccuracy(1, true);
  EXPECT_EQ(object.get()->name(), "sparse_top_k_categorical_accuracy");
  expect_error<ValueError>(
      [] { (void)MetricRef("accuracyy"); },
      {"accuracyy", "Known names", "acc", "auc", "sparse_categorical_accuracy"});
}

// ---- errors ----

TEST(Metrics, ShapeMismatchesNameTheMetricAndTheShapes) {
  expect_error<ShapeError>(
      [] {
        BinaryAccuracy().update_state(zeros({4, 2}), zeros({4, 3}));
      },
      {"binary_accuracy", "[4, 2]", "[4, 3]"});
  expect_error<ShapeError>(
      [] {
        CategoricalAccuracy().update_state(zeros({4, 2}), zeros({4, 3}));
      },
      {"categorical_accuracy", "[4, 2]", "[4, 3]"});
  expect_error<ShapeError>(
      [] {
        SparseCategoricalAccuracy().update_state(zeros({5}, int64), zeros({4, 3}));
      },
      {"sparse_categorical_accuracy", "[5]", "[4, 3]"});
  expect_error<ShapeError>(
      [] {
        TopKCategoricalAccuracy(2).update_state(zeros({4, 2}), zeros({4, 3}));
      },
      {"top_k_categorical_accuracy", "[4, 2]", "[4, 3]"});
  expect_error<ShapeError>(
      [] {
        TopKCategoricalAccuracy(2, true).update_state(zeros({4, 3}, int64), zeros({4, 3}));
      },
      {"sparse_top_k_categorical_accuracy", "[4, 3]"});
  expect_error<ShapeError>(
      [] {
        Accuracy().update_state(zeros({3}), zeros({4, 3, 2}));
      },
      {"accuracy", "[3]", "[4, 3, 2]"});
  expect_error<ShapeError>(
      [] { Accuracy().update_state(scalar_tensor(1.0, float32), scalar_tensor(1.0, float32)); },
      {"accuracy", "at least one axis"});
  expect_error<ShapeError>(
      [] {
        MeanSquaredError().update_state(zeros({4, 2}), zeros({4, 3}));
      },
      {"mean_squared_error", "[4, 2]", "[4, 3]"});
  expect_error<ShapeError>([] { Precision().update_state(zeros({4}), zeros({5})); },
                           {"precision", "[4]", "[5]"});
  expect_error<ShapeError>(
      [] {
        Recall().update_state(zeros({4, 2}), zeros({4, 3}));
      },
      {"recall", "[4, 2]", "[4, 3]"});
  expect_error<ShapeError>(
      [] {
        AUC().update_state(zeros({4, 2}), zeros({2, 4}));
      },
      {"auc", "[4, 2]", "[2, 4]"});
  // Sample weights.
  expect_error<ShapeError>([] { BinaryAccuracy().update_state(zeros({4}), zeros({4}), ones({3})); },
                           {"binary_accuracy", "sample_weight", "[3]", "[4]"});
  expect_error<ShapeError>(
      [] {
        AUC().update_state(zeros({4}), zeros({4}), ones({2, 2}));
      },
      {"auc", "sample_weight", "[2, 2]"});
}

TEST(Metrics, BadOptionsAndLabelsAreClearErrors) {
  expect_error<ValueError>([] { (void)TopKCategoricalAccuracy(0); },
                           {"top_k_categorical_accuracy", "k", "0"});
  expect_error<ValueError>([] { (void)BinaryAccuracy(1.0); },
                           {"binary_accuracy", "threshold", "(0, 1)"});
  expect_error<ValueError>([] { (void)Precision(1.5); }, {"precision", "threshold", "1.5"});
  expect_error<ValueError>([] { (void)Recall(-0.1); }, {"recall", "threshold"});
  expect_error<ValueError>([] { (void)AUC(1); }, {"auc", "num_thresholds", "1"});
  expect_error<IndexError>(
      [] {
        TopKCategoricalAccuracy(1, true).update_state(i64({0, 3}, {2}), zeros({2, 3}));
      },
      {"sparse_top_k_categorical_accuracy", "label 3", "[0, 3)"});
  expect_error<ValueError>(
      [] {
        Accuracy().update_state(Tensor(), zeros({2, 3}));
      },
      {"accuracy", "defined"});
  expect_error<ValueError>([] { AUC().update_state(zeros({2}), Tensor()); }, {"auc", "defined"});
}

}  // namespace
