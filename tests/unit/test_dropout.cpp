// nabla::dropout: the fused one-pass op behind nn::Dropout and SpatialDropout.
#include <gtest/gtest.h>

#include <nabla/autograd/gradcheck.hpp>
#include <nabla/nabla.hpp>

#include "unit/tensor_test_util.hpp"

using namespace nabla;
using nabla::testing::expect_error;

namespace {

TEST(Dropout, DropsAboutRateAndScalesTheRest) {
  random::seed(1);
  const Tensor y = dropout(ones({200000}), 0.3);
  const std::vector<float> v = y.to_vector<float>();
  int64_t zeros = 0;
  for (float e : v) {
    if (e == 0.0f) {
      ++zeros;
    } else {
      ASSERT_FLOAT_EQ(e, 1.0f / 0.7f);
    }
  }
  // Binomial(200000, 0.3): standard deviation 205, so 0.3 +- 0.005 is +- 5 sigma.
  EXPECT_NEAR(static_cast<double>(zeros) / 200000.0, 0.3, 0.005);
}

TEST(Dropout, RateZeroKeepsEverything) {
  const Tensor x = random::normal({3, 7});
  EXPECT_EQ(dropout(x, 0.0).to_vector<float>(), x.to_vector<float>());
}

TEST(Dropout, SameSeedSameMaskOnAnyThreadCount) {
  const Tensor x = random::normal({64, 1000});
  const int threads = num_threads();
  set_num_threads(1);
  random::seed(3);
  const auto one = dropout(x, 0.5).to_vector<float>();
  set_num_threads(2);
  random::seed(3);
  const auto two = dropout(x, 0.5).to_vector<float>();
  set_num_threads(threads);
  EXPECT_EQ(one, two);
  // Successive calls draw fresh masks.
  EXPECT_NE(dropout(x, 0.5).to_vector<float>(), two);
}

TEST(Dropout, NoiseShapeBroadcastsOneDrawPerChannel) {
  random::seed(4);
  const Tensor y = dropout(ones({4, 5, 6}), 0.5, {-1, 1, -1});
  const auto v = y.to_vector<float>();
  int dropped = 0;
  for (int64_t n = 0; n < 4; ++n) {
    for (int64_t c = 0; c < 6; ++c) {
      const float first = v[static_cast<size_t>(n * 30 + c)];
      dropped += first == 0.0f;
      for (int64_t t = 1; t < 5; ++t) {
        EXPECT_EQ(v[static_cast<size_t>(n * 30 + t * 6 + c)], first) << n << " " << t << " " << c;
      }
    }
  }
  EXPECT_GT(dropped, 0);
  EXPECT_LT(dropped, 24);
}

TEST(Dropout, GradientIsTheSameMaskAndScale) {
  random::seed(5);
  const Tensor x = ones({50, 40}).requires_grad_();
  Tensor y;
  {
    EnableGradGuard grad_mode;
    y = dropout(x, 0.25);
    sum(y * 3.0).backward();
  }
  EXPECT_EQ(x.grad().to_vector<float>(), (y.detach() * 3.0).to_vector<float>());
}

TEST(Dropout, GradcheckAndGradgradcheckInFloat64) {
  // Re-seeding inside f makes every evaluation draw the same mask.
  auto f = [](const std::vector<Tensor>& in) {
    random::seed(6);
    return dropout(in[0], 0.4, {-1, 1}) * in[0];
  };
  const std::vector<Tensor> inputs = {random::normal({5, 3}, 0.0, 1.0, float64)};
  EXPECT_TRUE(nabla::testing::gradcheck(f, inputs)) << nabla::testing::gradcheck(f, inputs).report;
  EXPECT_TRUE(nabla::testing::gradgradcheck(f, inputs))
      << nabla::testing::gradgradcheck(f, inputs).report;
}

TEST(Dropout, StridedAndEmptyInputs) {
  random::seed(7);
  const Tensor x = random::normal({6, 8});
  const Tensor t = x.transpose();
  random::seed(8);
  const auto strided = dropout(t, 0.5).to_vector<float>();
  random::seed(8);
  EXPECT_EQ(dropout(t.contiguous(), 0.5).to_vector<float>(), strided);
  EXPECT_EQ(dropout(zeros({0, 3}), 0.5).shape(), Shape({0, 3}));
}

TEST(Dropout, BadArgumentsNameTheOp) {
  expect_error<ValueError>([] { (void)dropout(ones({2}), 1.0); },
                           {"dropout: rate must be in [0, 1)"});
  expect_error<ValueError>([] { (void)dropout(ones({2}), -0.1); }, {"rate"});
  expect_error<DTypeError>([] { (void)dropout(ones({2}, int32), 0.5); }, {"dropout"});
  expect_error<ShapeError>([] { (void)dropout(ones({2, 3}), 0.5, {2}); }, {"noise shape [2]"});
  expect_error<ShapeError>(
      [] {
        (void)dropout(ones({2, 3}), 0.5, {2, 2});
      },
      {"does not broadcast to the input's shape [2, 3]"});
}

}  // namespace
