// float32 convolutions and matmuls run through oneDNN when nabla is built with it
// (backend/cpu/onednn.hpp). Each case here runs twice, with oneDNN switched on and off, and both
// results must match the float64 direct reference: geometries oneDNN takes (strides, dilations,
// asymmetric and causal padding, 1-D and 3-D, groups, bias, fused relu, a one-channel first
// layer) and one it must decline (an input tail no output reads).
#include <gtest/gtest.h>

#include <cmath>

#include "backend/cpu/onednn.hpp"
#include "unit/convolution_reference.hpp"
#include "unit/onednn_switch.hpp"
#include "unit/tensor_test_util.hpp"

using namespace nabla;

namespace {

using nabla::testing::built_with_onednn;
using nabla::testing::OneDnnSwitch;

conv_test::Ref ref(const Tensor& t) { return {t.shape().dims(), t.to_vector<double>()}; }

double worst_error(const Tensor& got, const conv_test::Ref& want) {
  EXPECT_EQ(got.shape().dims(), want.shape);
  const std::vector<double> values = got.to_vector<double>();
  double worst = 0;
  for (size_t i = 0; i < values.size() && i < want.data.size(); ++i) {
    worst = std::max(worst, std::abs(values[i] - want.data[i]) / (1 + std::abs(want.data[i])));
  }
  return worst;
}

struct ConvCase {
  const char* name;
  Shape x, w;
  ConvOptions options;
  conv_test::Geometry geometry;  // the same convolution for the reference: explicit pads
  bool bias = true;
  int onednn_calls = 3;   // forward, input and weight gradients; fewer where nabla's loops win
  bool winograd = false;  // 3x3, stride 1, channels in multiples of 16
};

std::vector<ConvCase> conv_cases() {
  return {
      {"2d same stride 2, asymmetric pads",
       {2, 11, 10, 16},
       {3, 3, 16, 24},
       {.strides = {2}, .padding = "same"},
       {{2, 2}, {1, 1}, {1, 1, 0, 1}, 1}},
      {"2d dilation 2, fused relu",
       {2, 12, 9, 8},
       {3, 2, 8, 16},
       {.dilation = {2}, .activation = "relu"},
       {{1, 1}, {2, 2}, {0, 0, 0, 0}, 1}},
      {"1d causal, dilation 2",
       {3, 17, 16},
       {3, 16, 12},
       {.padding = "causal", .dilation = {2}},
       {{1}, {2}, {4, 0}, 1},
       false},
      {"3d valid",
       {2, 5, 6, 4, 8},
       {2, 3, 2, 8, 6},
       {},
       {{1, 1, 1}, {1, 1, 1}, {0, 0, 0, 0, 0, 0}, 1}},
      {"2d two groups",
       {2, 8, 8, 16},
       {3, 3, 8, 12},
       {.padding = "same", .groups = 2},
       {{1, 1}, {1, 1}, {1, 1, 1, 1}, 2}},
      {"one input channel (first layer)",
       {4, 14, 13, 1},
       {3, 3, 1, 8},
       {.activation = "relu"},
       {{1, 1}, {1, 1}, {0, 0, 0, 0}, 1},
       true,
       2},
      {"3x3 same, 16 -> 32 channels, fused relu (Winograd)",
       {3, 13, 12, 16},
       {3, 3, 16, 32},
       {.padding = "same", .activation = "relu"},
       {{1, 1}, {1, 1}, {1, 1, 1, 1}, 1},
       true,
       3,
       true},
      {"stride 3 leaving an unread input tail",
       {2, 11, 11, 8},
       {3, 3, 8, 8},
       {.strides = {3}},
       {{3, 3}, {1, 1}, {0, 0, 0, 0}, 1},
       true,
       0},
  };
}

TEST(OneDnnPaths, ConvolutionsMatchTheReferenceWithAndWithoutOneDnn) {
  if (!built_with_onednn()) GTEST_SKIP() << "nabla is built without oneDNN (NABLA_ONEDNN=OFF)";
  for (const ConvCase& c : conv_cases()) {
    SCOPED_TRACE(c.name);
    const Tensor x64 = random::normal(c.x, 0.0, 1.0, float64);
    const Tensor w64 = random::normal(c.w, 0.0, 1.0, float64);
    const Tensor b64 = random::normal({c.w[-1]}, 0.0, 1.0, float64);
    const std::vector<int64_t> in_spatial(c.x.dims().begin() + 1, c.x.dims().end() - 1);
    const std::vector<int64_t> k_spatial(c.w.dims().begin(), c.w.dims().end() - 2);
    const conv_test::Ref b_ref = ref(b64);
    conv_test::Ref want_y =
        conv_test::conv(ref(x64), ref(w64), c.bias ? &b_ref : nullptr, c.geometry);
    if (c.options.activation == "relu") {
      for (double& v : want_y.data) v = std::max(v, 0.0);
    }
    const Tensor g64 = random::normal(Shape(want_y.shape), 0.0, 1.0, float64);
    // The gradient reaching the convolution: relu's mask applied to g.
    conv_test::Ref gy = ref(g64);
    if (c.options.activation == "relu") {
      for (size_t i = 0; i < gy.data.size(); ++i) {
        if (want_y.data[i] <= 0) gy.data[i] = 0;
      }
    }
    const auto want_dx = conv_test::input_grad(gy, ref(w64), in_spatial, c.geometry);
    const auto want_dw = conv_test::weight_grad(ref(x64), gy, k_spatial, c.geometry);
    // oneDNN with Winograd where it applies, oneDNN direct only, nabla's own kernels.
    for (int mode : {0, 1, 2}) {
      const bool on = mode < 2, winograd = mode == 0;
      SCOPED_TRACE(mode == 0 ? "oneDNN" : mode == 1 ? "oneDNN, direct only" : "nabla's kernels");
      const OneDnnSwitch use(on, winograd);
      const uint64_t winograd_before = cpu::onednn::winograd_calls();
      const Tensor x = x64.astype(float32).requires_grad_();
      const Tensor w = w64.astype(float32).requires_grad_();
      const Tensor b = b64.astype(float32);
      const uint64_t calls_before = cpu::onednn::calls();
      const Tensor y = c.bias ? conv(x, w, b, c.options) : conv(x, w, c.options);
      const auto grads = autograd::grad({y}, {x, w}, {g64.astype(float32)});
      // Direct sums land within a few ulps (measured <= 7e-6); Winograd's transforms round
      // more (measured <= 3.1e-5).
      const double tol = winograd && c.winograd ? 1e-4 : 2e-5;
      EXPECT_LT(worst_error(y, want_y), tol);
      EXPECT_LT(worst_error(grads[0], want_dx), tol);
      EXPECT_LT(worst_error(grads[1], want_dw), tol);
      EXPECT_EQ(cpu::onednn::calls() - calls_before, on ? c.onednn_calls : 0);
      EXPECT_EQ(cpu::onednn::winograd_calls() - winograd_before, winograd && c.winograd ? 3 : 0);
    }
  }
}

TEST(OneDnnPaths, MatmulsMatchFloat64WithAndWithoutOneDnn) {
  if (!built_with_onednn()) GTEST_SKIP() << "nabla is built without oneDNN (NABLA_ONEDNN=OFF)";
  // Products above oneDNN's size threshold in every transpose combination (a transposed operand
  // is a transposed view, read in place), and a batched one.
  struct Product {
    Shape left, right;
    bool left_transposed, right_transposed;  // stored as the transpose, multiplied as a view
  };
  const std::vector<Product> products = {{{96, 160}, {160, 112}, false, false},
                                         {{160, 96}, {160, 112}, true, false},
                                         {{96, 160}, {112, 160}, false, true},
                                         {{160, 96}, {112, 160}, true, true},
                                         {{3, 96, 160}, {160, 112}, false, false}};
  auto as_operand = [](const Tensor& t, bool transposed) {
    return transposed ? t.transpose(-1, -2) : t;
  };
  for (const Product& p : products) {
    const Tensor l64 = random::normal(p.left, 0.0, 1.0, float64);
    const Tensor r64 = random::normal(p.right, 0.0, 1.0, float64);
    const std::vector<double> want =
        matmul(as_operand(l64, p.left_transposed), as_operand(r64, p.right_transposed))
            .to_vector<double>();
    for (bool on : {true, false}) {
      SCOPED_TRACE(on ? "oneDNN" : "OpenBLAS");
      const OneDnnSwitch use(on);
      const uint64_t calls_before = cpu::onednn::calls();
      const std::vector<double> got = matmul(as_operand(l64.astype(float32), p.left_transposed),
                                             as_operand(r64.astype(float32), p.right_transposed))
                                          .to_vector<double>();
      ASSERT_EQ(got.size(), want.size());
      double worst = 0;
      for (size_t i = 0; i < got.size(); ++i) {
        worst = std::max(worst, std::abs(got[i] - want[i]) / (1 + std::abs(want[i])));
      }
      EXPECT_LT(worst, 1e-4) << p.left << " @ " << p.right;
      // a @ b^T stays with OpenBLAS (onednn.cpp); the batched product is 3 gemms.
      const uint64_t want_calls = !on || (p.right_transposed && !p.left_transposed) ? 0
                                  : p.left.rank() == 3                              ? 3
                                                                                    : 1;
      EXPECT_EQ(cpu::onednn::calls() - calls_before, want_calls) << p.left << " @ " << p.right;
    }
  }
}

}  // namespace
