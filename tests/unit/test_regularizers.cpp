// Regularizers: Keras's penalties and defaults, their gradients, configs, names and errors.
#include <gtest/gtest.h>

#include <limits>
#include <nabla/nabla.hpp>
#include <nabla/nn/regularizers.hpp>

namespace {
using namespace nabla;
namespace reg = nabla::nn::regularizers;

const Tensor kWeight = tensor({{1.0f, -2.0f}, {0.5f, -0.25f}});  // sum|w| = 3.75, sum w^2 = 5.3125

TEST(Regularizers, Values) {
  auto value = [](const reg::Regularizer& r, const Tensor& w) {
    const Tensor penalty = r(w);
    EXPECT_EQ(penalty.shape(), Shape{});
    EXPECT_EQ(penalty.dtype(), w.dtype());
    return penalty.item<double>();
  };
  EXPECT_NEAR(value(reg::L1(), kWeight), 0.01 * 3.75, 1e-7);  // Keras default l1 = 0.01
  EXPECT_NEAR(value(reg::L1(0.3), kWeight), 0.3 * 3.75, 1e-6);
  EXPECT_NEAR(value(reg::L1({.l1 = 2.0}), kWeight), 7.5, 1e-6);
  EXPECT_NEAR(value(reg::L2(), kWeight), 0.01 * 5.3125, 1e-7);  // Keras default l2 = 0.01
  EXPECT_NEAR(value(reg::L2(2.0), ones({5, 5})), 50.0, 1e-5);   // Keras's docstring example
  EXPECT_NEAR(value(reg::L1L2({.l1 = 0.1, .l2 = 0.2}), kWeight), 0.1 * 3.75 + 0.2 * 5.3125, 1e-6);
  EXPECT_NEAR(value(reg::L1L2({.l2 = 0.5}), kWeight), 0.5 * 5.3125, 1e-6);
  EXPECT_EQ(value(reg::L1L2(), kWeight), 0.0);  // Keras's class defaults: both 0
  EXPECT_NEAR(value(reg::L2(), kWeight.astype(float64)), 0.01 * 5.3125, 1e-15);
}

TEST(Regularizers, Gradients) {
  const Tensor w = tensor({{1.0, -2.0}, {0.5, -0.25}});
  const reg::L1L2 both({.l1 = 0.1, .l2 = 0.2});
  EXPECT_TRUE(
      nabla::testing::gradcheck([&](const std::vector<Tensor>& in) { return both(in[0]); }, {w}));
  // d/dw (l1 |w| + l2 w^2) = l1 sign(w) + 2 l2 w.
  Tensor leaf = w.clone().requires_grad_();
  both(leaf).backward();
  const auto g = leaf.grad().to_vector<double>();
  const auto wv = w.to_vector<double>();
  for (size_t i = 0; i < wv.size(); ++i) {
    EXPECT_NEAR(g[i], 0.1 * (wv[i] > 0 ? 1 : -1) + 0.4 * wv[i], 1e-12);
  }
}

TEST(Regularizers, Configs) {
  EXPECT_EQ(reg::L1().get_config(), nlohmann::json({{"l1", 0.01}}));
  EXPECT_EQ(reg::L2(0.5).get_config(), nlohmann::json({{"l2", 0.5}}));
  EXPECT_EQ(reg::L1L2().get_config(), nlohmann::json({{"l1", 0.0}, {"l2", 0.0}}));
  EXPECT_EQ(reg::L1().name(), "l1");
  EXPECT_EQ(reg::L2().name(), "l2");
  EXPECT_EQ(reg::L1L2().name(), "l1_l2");
}

TEST(Regularizers, RefFromNamesObjectsAndNothing) {
  EXPECT_FALSE(reg::RegularizerRef().defined());
  EXPECT_FALSE(reg::RegularizerRef("").defined());
  EXPECT_EQ(reg::RegularizerRef("l1").get()->get_config(), nlohmann::json({{"l1", 0.01}}));
  EXPECT_EQ(reg::RegularizerRef("l2").get()->get_config(), nlohmann::json({{"l2", 0.01}}));
  // Keras documents the string "l1_l2" as l1 = l2 = 0.01.
  EXPECT_EQ(reg::RegularizerRef("l1_l2").get()->get_config(),
            nlohmann::json({{"l1", 0.01}, {"l2", 0.01}}));
  EXPECT_EQ(reg::RegularizerRef("L1L2").get()->get_config(),
            nlohmann::json({{"l1", 0.0}, {"l2", 0.0}}));
  const reg::RegularizerRef object = reg::L2(0.3);
  EXPECT_EQ(object.get()->name(), "l2");
  EXPECT_NEAR((*object.get())(kWeight).item<double>(), 0.3 * 5.3125, 1e-6);
}

TEST(Regularizers, Errors) {
  try {
    const reg::RegularizerRef ref("l3");
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'l3'"), std::string::npos) << message;
    EXPECT_NE(message.find("l1_l2"), std::string::npos) << message;
  }
  EXPECT_THROW(reg::L1(-0.1), ValueError);
  EXPECT_THROW(reg::L2(std::numeric_limits<double>::infinity()), ValueError);
  EXPECT_THROW(reg::L1L2({.l1 = std::numeric_limits<double>::quiet_NaN()}), ValueError);
  EXPECT_THROW(reg::L1L2({.l2 = -1.0}), ValueError);
}

}  // namespace
