// Learning-rate schedules at several steps against values worked out by hand from
// keras.optimizers.schedules' formulas, their Keras edge semantics (clamping after the decay,
// boundaries belong to the earlier piece, warm-up), and their errors.
#include <gtest/gtest.h>

#include <cmath>
#include <nabla/ops/creation.hpp>
#include <nabla/optim/optimizers.hpp>
#include <nabla/optim/schedules.hpp>
#include <nabla/util/error.hpp>
#include <numbers>
#include <string>

namespace {
using namespace nabla;
using namespace nabla::optim;

TEST(ExponentialDecay, ContinuousAndStaircase) {
  const ExponentialDecay smooth(
      {.initial_learning_rate = 0.1, .decay_steps = 100, .decay_rate = 0.5});
  EXPECT_DOUBLE_EQ(smooth(0), 0.1);
  EXPECT_DOUBLE_EQ(smooth(50), 0.1 * std::sqrt(0.5));
  EXPECT_DOUBLE_EQ(smooth(100), 0.05);
  EXPECT_DOUBLE_EQ(smooth(250), 0.1 * std::pow(0.5, 2.5));
  const ExponentialDecay stairs(
      {.initial_learning_rate = 0.1, .decay_steps = 100, .decay_rate = 0.5, .staircase = true});
  EXPECT_DOUBLE_EQ(stairs(0), 0.1);
  EXPECT_DOUBLE_EQ(stairs(99), 0.1);
  EXPECT_DOUBLE_EQ(stairs(100), 0.05);
  EXPECT_DOUBLE_EQ(stairs(250), 0.025);
  const ExponentialDecay defaults({});  // Keras-like defaults: 0.01 * 0.96^(step / 1000)
  EXPECT_DOUBLE_EQ(defaults(1000), 0.0096);
}

TEST(CosineDecay, DecaysToAlphaThenStays) {
  const CosineDecay plain({.initial_learning_rate = 1.0, .decay_steps = 100});
  EXPECT_DOUBLE_EQ(plain(0), 1.0);
  EXPECT_DOUBLE_EQ(plain(50), 0.5);
  EXPECT_DOUBLE_EQ(plain(25), 0.5 * (1 + std::cos(std::numbers::pi / 4)));
  EXPECT_NEAR(plain(100), 0.0, 1e-16);
  EXPECT_NEAR(plain(1000), 0.0, 1e-16);  // Keras clamps the step at decay_steps
  const CosineDecay floor({.initial_learning_rate = 2.0, .decay_steps = 10, .alpha = 0.1});
  EXPECT_DOUBLE_EQ(floor(5), 2.0 * (0.9 * 0.5 + 0.1));
  EXPECT_DOUBLE_EQ(floor(10), 0.2);
  EXPECT_DOUBLE_EQ(floor(50), 0.2);
}

TEST(CosineDecay, LinearWarmupToTheTargetThenCosine) {
  // Keras: warm up linearly from initial_learning_rate to warmup_target over warmup_steps, then
  // decay from warmup_target to warmup_target * alpha over decay_steps.
  const CosineDecay s({.initial_learning_rate = 0.0,
                       .decay_steps = 100,
                       .alpha = 0.2,
                       .warmup_steps = 10,
                       .warmup_target = 1.0});
  EXPECT_DOUBLE_EQ(s(0), 0.0);
  EXPECT_DOUBLE_EQ(s(4), 0.4);
  EXPECT_DOUBLE_EQ(s(10), 1.0);
  EXPECT_DOUBLE_EQ(s(60), 0.8 * 0.5 + 0.2);
  EXPECT_DOUBLE_EQ(s(110), 0.2);
  EXPECT_DOUBLE_EQ(s(5000), 0.2);
  const CosineDecay from_nonzero(
      {.initial_learning_rate = 0.1, .decay_steps = 20, .warmup_steps = 4, .warmup_target = 0.5});
  EXPECT_DOUBLE_EQ(from_nonzero(1), 0.1 + 0.4 * 0.25);
  EXPECT_DOUBLE_EQ(from_nonzero(14), 0.25);
}

TEST(PiecewiseConstantDecay, BoundariesBelongToTheEarlierPiece) {
  const PiecewiseConstantDecay s({100, 110}, {1.0, 0.5, 0.1});
  EXPECT_EQ(s(0), 1.0);
  EXPECT_EQ(s(100), 1.0);  // values[0] while step <= boundaries[0]
  EXPECT_EQ(s(101), 0.5);
  EXPECT_EQ(s(110), 0.5);
  EXPECT_EQ(s(111), 0.1);
  EXPECT_EQ(s(1000000), 0.1);
  const PiecewiseConstantDecay constant({}, {0.3});
  EXPECT_EQ(constant(7), 0.3);
}

TEST(LearningRate, ConstantOrSchedule) {
  const LearningRate constant = 0.25;
  EXPECT_FALSE(constant.is_schedule());
  EXPECT_EQ(constant.at(1000), 0.25);
  const LearningRate schedule = PiecewiseConstantDecay({0}, {1.0, 2.0});
  EXPECT_TRUE(schedule.is_schedule());
  EXPECT_EQ(schedule.at(0), 1.0);
  EXPECT_EQ(schedule.at(1), 2.0);
  // An optimizer reads its schedule at iterations(): Adam's rate after three steps is step 3's.
  Adam adam({.learning_rate = ExponentialDecay(
                 {.initial_learning_rate = 0.1, .decay_steps = 1, .decay_rate = 0.5})});
  EXPECT_DOUBLE_EQ(adam.learning_rate(), 0.1);
  Tensor w = zeros({2});
  for (int i = 0; i < 3; ++i) adam.apply_gradients({ones({2})}, {w});
  EXPECT_DOUBLE_EQ(adam.learning_rate(), 0.0125);
}

template <class F>
void expect_value_error(F f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no exception, expected one mentioning '" << fragment << "'";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(ScheduleErrors, ClearMessages) {
  expect_value_error([] { ExponentialDecay({.decay_steps = 0}); },
                     "ExponentialDecay: decay_steps must be > 0, got 0");
  expect_value_error([] { CosineDecay({.decay_steps = -5}); },
                     "CosineDecay: decay_steps must be > 0, got -5");
  expect_value_error([] { CosineDecay({.warmup_steps = -1, .warmup_target = 1.0}); },
                     "warmup_steps must be >= 0");
  expect_value_error([] { CosineDecay({.warmup_steps = 10}); }, "needs a warmup_target");
  expect_value_error(
      [] {
        PiecewiseConstantDecay({1, 2}, {1.0, 2.0});
      },
      "one more entry than boundaries, got 2 boundaries and 2 values");
  expect_value_error(
      [] {
        PiecewiseConstantDecay({5, 5}, {1.0, 2.0, 3.0});
      },
      "strictly increasing");
  expect_value_error(
      [] {
        PiecewiseConstantDecay({5, 2}, {1.0, 2.0, 3.0});
      },
      "boundary 0 is 5 and boundary 1 is 2");
}

}  // namespace
