// softmax / log_softmax special values (the op table covers values and gradients on random
// inputs): extreme logits, infinities and NaN behave as in PyTorch.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nabla/nabla.hpp>

namespace {

using namespace nabla;
constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(Softmax, HugeLogitsDoNotOverflow) {
  const Tensor p = softmax(tensor({1000.0f, 1000.0f, -1000.0f}));
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{0.5f, 0.5f, 0.0f}));
  const Tensor lp = log_softmax(tensor({1000.0f, 0.0f}));
  EXPECT_FLOAT_EQ(lp.to_vector<float>()[0], 0.0f);
  EXPECT_FLOAT_EQ(lp.to_vector<float>()[1], -1000.0f);
}

TEST(Softmax, MinusInfinityGetsZeroProbability) {
  const Tensor p = softmax(tensor({-kInf, 0.0f, 0.0f}));
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{0.0f, 0.5f, 0.5f}));
  EXPECT_EQ(log_softmax(tensor({-kInf, 0.0f})).to_vector<float>()[0], -kInf);
}

TEST(Softmax, NaNMakesOnlyItsLaneNaN) {
  const Tensor p = softmax(tensor({{1.0f, std::nanf("")}, {1.0f, 1.0f}}), -1);
  const auto v = p.to_vector<float>();
  EXPECT_TRUE(std::isnan(v[0]) && std::isnan(v[1]));
  EXPECT_EQ(v[2], 0.5f);
  EXPECT_EQ(v[3], 0.5f);
}

TEST(Softmax, LanesSumToOneAlongTheChosenAxis) {
  const Tensor x = random::normal({3, 4, 5}) * 10.0;
  for (int64_t axis : {0, 1, 2, -1}) {
    const Tensor total = sum(softmax(x, axis), {axis});
    for (float v : total.to_vector<float>()) EXPECT_NEAR(v, 1.0f, 1e-5f) << "axis " << axis;
    EXPECT_LT(max(abs(exp(log_softmax(x, axis)) - softmax(x, axis))).item<float>(), 1e-5f);
  }
}

TEST(Softmax, BadInputsNameTheOp) {
  EXPECT_THROW((void)softmax(tensor(1.0f)), ShapeError);
  EXPECT_THROW((void)log_softmax(zeros({2, 3}), 2), IndexError);
}

TEST(Softmax, FromLogitsLossMatchesTheComposite) {
  // The sparse cross-entropy from logits now goes through log_softmax; check it against
  // logsumexp(z) - z[label] written out.
  const Tensor z = random::normal({8, 10}) * 5.0;
  const Tensor labels = random::randint(0, 10, {8});
  const Tensor loss = nn::losses::SparseCategoricalCrossentropy({.from_logits = true})(labels, z);
  const Tensor picked = squeeze(gather(z, 1, unsqueeze(labels, 1)), 1);
  const Tensor expected = mean(logsumexp(z, {1}) - picked);
  EXPECT_NEAR(loss.item<double>(), expected.item<double>(), 1e-5);
}

}  // namespace
