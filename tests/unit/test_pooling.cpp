// max_pool / avg_pool against PyTorch's values (computed once with torch 1.13, channels-first
// inputs permuted; "same" cases padded by hand since torch pads symmetrically), the window
// indices, NaN, second derivatives, both kernel paths agreeing, and every error path.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nabla/nabla.hpp>

#include "unit/tensor_test_util.hpp"

namespace nabla {
namespace {

using nabla::testing::expect_error;

/// Distinct values (no ties below 101 elements), the same formula as the PyTorch script:
/// x[i] = ((i * 37) % 101) * 0.1 - 5.
Tensor data(const Shape& shape) {
  std::vector<double> v(static_cast<size_t>(shape.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>((i * 37) % 101) * 0.1 - 5.0;
  return from_vector(v, shape);
}

/// Output weights of the PyTorch script's loss sum(y * w): w[i] = (i * 13) % 7 - 3.
Tensor weights(const Shape& shape) {
  std::vector<double> v(static_cast<size_t>(shape.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>((i * 13) % 7) - 3.0;
  return from_vector(v, shape);
}

void expect_close(const Tensor& got, const std::vector<double>& want, double tol,
                  const std::string& what) {
  const std::vector<double> values = got.to_vector<double>();
  ASSERT_EQ(values.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(values[i], want[i], tol) << what << " element " << i;
  }
}

struct TorchCase {
  std::string name;
  Shape input, output;
  bool is_max;
  PoolOptions options;
  std::vector<double> y, dx;
};

const std::vector<TorchCase>& torch_cases() {
  static const std::vector<TorchCase> cases = {
      {"max2d_k2",
       {1, 4, 5, 2},
       {1, 2, 2, 2},
       true,
       {{2}},
       {2.4, 2.7, 3.7, 3.4, 5.0, 2.0, 3.0, 4.0},
       {0, 0,  -3, 0, 0,  1, 0, 0,  0, 0, 0, 0, 0, 3, 0, 0, 2, 0, 0, 0,
        0, -1, 0,  0, -2, 0, 0, -3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"avg2d_k3s2",
       {1, 7, 6, 2},
       {1, 3, 2, 2},
       false,
       {{3, 3}, {2, 2}},
       {-0.333333333333, 0.0, 1.0, 0.211111111111, -0.188888888889, 0.144444444444, 0.022222222222,
        -0.766666666667, -0.044444444444, 0.288888888889, 0.166666666667, 0.5},
       {-0.333333333333,
        0.333333333333,
        -0.333333333333,
        0.333333333333,
        -0.111111111111,
        0.444444444444,
        0.222222222222,
        0.111111111111,
        0.222222222222,
        0.111111111111,
        0.0,
        0.0,
        -0.333333333333,
        0.333333333333,
        -0.333333333333,
        0.333333333333,
        -0.111111111111,
        0.444444444444,
        0.222222222222,
        0.111111111111,
        0.222222222222,
        0.111111111111,
        0.0,
        0.0,
        -0.333333333333,
        0.222222222222,
        -0.333333333333,
        0.222222222222,
        -0.333333333333,
        0.0,
        0.0,
        -0.222222222222,
        0.0,
        -0.222222222222,
        0.0,
        0.0,
        0.0,
        -0.111111111111,
        0.0,
        -0.111111111111,
        -0.222222222222,
        -0.444444444444,
        -0.222222222222,
        -0.333333333333,
        -0.222222222222,
        -0.333333333333,
        0.0,
        0.0,
        0.333333333333,
        0.111111111111,
        0.333333333333,
        0.111111111111,
        0.222222222222,
        -0.222222222222,
        -0.111111111111,
        -0.333333333333,
        -0.111111111111,
        -0.333333333333,
        0.0,
        0.0,
        0.333333333333,
        0.222222222222,
        0.333333333333,
        0.222222222222,
        0.444444444444,
        0.222222222222,
        0.111111111111,
        0.0,
        0.111111111111,
        0.0,
        0.0,
        0.0,
        0.333333333333,
        0.222222222222,
        0.333333333333,
        0.222222222222,
        0.444444444444,
        0.222222222222,
        0.111111111111,
        0.0,
        0.111111111111,
        0.0,
        0.0,
        0.0}},
      {"max1d_k3s2",
       {2, 7, 2},
       {2, 3, 2},
       true,
       {{3}, {2}},
       {2.4, 3.4, 4.4, 3.4, 4.4, 2.7, 3.7, 4.7, 1.0, 4.7, 3.0, 4.0},
       {0, 0, -3, 0, 0, 4, 0, 0, 2, 0, 0, 0, 0, -1, 0, 0, -2, 0, 3, -1, 0, 0, 0, 0, 1, 0, 0, 0}},
      // "same" on [5, 4] with 2x2 windows: one padded row after the input.
      {"avg2d_same",
       {1, 5, 4, 1},
       {1, 3, 2, 1},
       false,
       {{2}, {}, "same"},
       {-0.8, -0.975, 1.025, -1.675, 0.5, 2.85},
       {-0.75, -0.75, 0.75, 0.75, -0.75, -0.75, 0.75, 0.75, 0.5,  0.5,
        0.25,  0.25,  0.5,  0.5,  0.25,  0.25,  0.0,  0.0,  -0.5, -0.5}},
      {"max2d_same",
       {1, 5, 4, 1},
       {1, 3, 2, 1},
       true,
       {{2}, {}, "same"},
       {3.4, 2.4, 4.4, 1.7, 3.7, 4.7},
       {0, 0, 3, 0, 0, -3, 0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, -1}},
  };
  return cases;
}

TEST(Pooling, MatchesPyTorchValuesAndGradients) {
  for (const TorchCase& c : torch_cases()) {
    for (DType dtype : {float64, float32}) {
      const double tol = dtype == float64 ? 1e-9 : 1e-5;
      const std::string what = c.name + (dtype == float64 ? " f64" : " f32");
      const Tensor x = data(c.input).astype(dtype).requires_grad_();
      const Tensor y = c.is_max ? max_pool(x, c.options) : avg_pool(x, c.options);
      ASSERT_EQ(y.shape(), c.output) << what;
      EXPECT_EQ(y.dtype(), dtype);
      expect_close(y, c.y, tol, what + " y");
      const Tensor dx = autograd::grad({sum(y * weights(c.output).astype(dtype))}, {x})[0];
      expect_close(dx, c.dx, tol, what + " dx");
    }
  }
}

TEST(Pooling, ChannelsFirstIsChannelsLastPermuted) {
  const Tensor x = random::normal({2, 3, 7, 6}, 0.0, 1.0, float64);  // [N, C, H, W]
  for (const char* padding : {"valid", "same"}) {
    const PoolOptions first{{3, 2}, {2, 1}, padding, "channels_first"};
    const PoolOptions last{{3, 2}, {2, 1}, padding};
    const Tensor x_last = x.permute({0, 2, 3, 1});
    EXPECT_EQ(max_pool(x, first).to_vector<double>(),
              max_pool(x_last, last).permute({0, 3, 1, 2}).to_vector<double>());
    EXPECT_EQ(avg_pool(x, first).to_vector<double>(),
              avg_pool(x_last, last).permute({0, 3, 1, 2}).to_vector<double>());
  }
}

TEST(Pooling, IndicesNameTheFirstMaximumOfTheWindow) {
  // One channel, 2x2 windows: ties keep the first cell in row-major window order.
  const Tensor x = from_vector(std::vector<float>{1, 3, 3, 0,  //
                                                  3, 2, 3, 3,  //
                                                  5, 5, 7, 1,  //
                                                  5, 5, 0, 7},
                               {1, 4, 4, 1});
  const auto [y, indices] = max_pool_with_indices(x, {{2}});
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{3, 3, 5, 7}));
  EXPECT_EQ(indices.dtype(), uint8);
  EXPECT_EQ(indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0, 0}));
  // Windows of more than 256 cells use int32 indices.
  EXPECT_EQ(max_pool_with_indices(random::normal({1, 17, 17, 1}), {{17}}).second.dtype(), int32);
}

TEST(Pooling, NaNPropagatesAndInfinitiesPool) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const Tensor x = from_vector(std::vector<double>{1, nan, 2, -inf, -inf, -inf}, {1, 6, 1});
  const std::vector<double> y = max_pool(x, {{2}}).to_vector<double>();
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_EQ(y[1], 2.0);
  EXPECT_EQ(y[2], -inf);
}

TEST(Pooling, MaxPoolSecondDerivativeGathersAtTheArgmax) {
  // sum(dx * x) with dx = d sum(y * w) / dx sends each w to its window's maximum, so its
  // gradient with respect to w is y itself (max_pool_backward's VJP is max_pool_gather).
  const Tensor x = random::normal({2, 6, 5, 3}, 0.0, 1.0, float64).requires_grad_();
  const PoolOptions options{{3}, {2}, "same"};
  const Tensor y = max_pool(x, options);
  const Tensor w = random::normal(y.shape(), 0.0, 1.0, float64).requires_grad_();
  const Tensor dx = autograd::grad({sum(y * w)}, {x}, {}, {.create_graph = true})[0];
  const Tensor dw = autograd::grad({sum(dx * x.detach())}, {w})[0];
  EXPECT_EQ(dw.to_vector<double>(), y.to_vector<double>());
}

TEST(Pooling, FastAndGenericPathsAgree) {
  // The cnnA shape family: 2x2 stride-2 runs the dedicated loops on contiguous data and the
  // generic ones when the channels are strided.
  const Tensor x = random::normal({4, 34, 33, 16});  // several parallel chunks
  const Tensor strided = x.permute({3, 0, 1, 2}).contiguous().permute({1, 2, 3, 0});
  ASSERT_FALSE(strided.is_contiguous());
  const PoolOptions options{{2}};
  for (const bool is_max : {true, false}) {
    const Tensor a = x.detach().requires_grad_(), b = strided.detach().requires_grad_();
    const Tensor ya = is_max ? max_pool(a, options) : avg_pool(a, options);
    const Tensor yb = is_max ? max_pool(b, options) : avg_pool(b, options);
    EXPECT_EQ(ya.to_vector<float>(), yb.to_vector<float>());
    const Tensor g = random::normal(ya.shape());
    const Tensor g_strided = g.permute({3, 0, 1, 2}).contiguous().permute({1, 2, 3, 0});
    EXPECT_EQ(autograd::grad({ya}, {a}, {g})[0].to_vector<float>(),
              autograd::grad({yb}, {b}, {g_strided})[0].to_vector<float>());
  }
}

TEST(Pooling, OptionsShorthands) {
  const Tensor x = random::normal({2, 6, 6, 3});
  const Tensor full = max_pool(x, {{2, 2}, {2, 2}, "valid"});
  EXPECT_EQ(max_pool(x, {{2}}).to_vector<float>(), full.to_vector<float>());
  EXPECT_EQ(max_pool(x, {{2}, {2}, "VALID"}).to_vector<float>(), full.to_vector<float>());
  EXPECT_EQ(max_pool(x, {{3}, {1}, "same"}).shape(), Shape({2, 6, 6, 3}));
  EXPECT_EQ(avg_pool(x, {{4, 1}, {3, 5}, "same"}).shape(), Shape({2, 2, 2, 3}));
  // Integer inputs pool to their own dtype.
  EXPECT_EQ(max_pool(x.astype(int32), {{2}}).dtype(), int32);
  EXPECT_EQ(max_pool(x.astype(uint8), {{2}}).dtype(), uint8);
}

TEST(Pooling, Errors) {
  const Tensor x = random::normal({1, 2, 2, 1});
  expect_error<ShapeError>([&] { (void)max_pool(x, {{3}}); },
                           {"max_pool", "[3, 3]", "[1, 2, 2, 1]", "valid"});
  expect_error<ShapeError>(
      [&] {
        (void)avg_pool(random::normal({1, 2, 3}), {{3}});
      },
      {"avg_pool", "[1, 2, 3]"});
  expect_error<ShapeError>(
      [&] {
        (void)max_pool(random::normal({4, 4}), {{2}});
      },
      {"max_pool", "[4, 4]", "1 to 3 spatial dims"});
  expect_error<ShapeError>(
      [&] {
        (void)max_pool(random::normal({1, 2, 2, 2, 2, 1}), {{2}});
      },
      {"max_pool", "[1, 2, 2, 2, 2, 1]"});
  expect_error<ValueError>([&] { (void)max_pool(x, {{0}}); }, {"max_pool", "pool_size", "[0]"});
  expect_error<ValueError>([&] { (void)max_pool(x, {{}}); }, {"max_pool", "pool_size"});
  expect_error<ValueError>(
      [&] {
        (void)avg_pool(x, {{1}, {0, 1}});
      },
      {"avg_pool", "strides", "[0, 1]"});
  expect_error<ValueError>(
      [&] {
        (void)max_pool(x, {{1, 1, 1}});
      },
      {"max_pool", "pool_size", "[1, 1, 1]"});
  expect_error<ValueError>(
      [&] {
        (void)max_pool(x, {{1}, {}, "full"});
      },
      {"max_pool", "padding", "full"});
  expect_error<ValueError>(
      [&] {
        (void)max_pool(x, {{1}, {}, "valid", "nhwc"});
      },
      {"max_pool", "data_format", "nhwc"});
  expect_error<DTypeError>([&] { (void)avg_pool(x.astype(int32), {{1}}); },
                           {"avg_pool", "floating", "int32"});
  expect_error<DTypeError>([&] { (void)max_pool(x.astype(bool_), {{1}}); }, {"max_pool", "bool"});
  expect_error<ValueError>([&] { (void)max_pool(Tensor(), {{1}}); }, {"max_pool", "undefined"});
  // channels_first messages show the caller's shape.
  expect_error<ShapeError>(
      [&] {
        (void)max_pool(random::normal({1, 5, 2, 2}), {{3}, {}, "valid", "channels_first"});
      },
      {"max_pool", "[1, 5, 2, 2]"});
}

TEST(Pooling, GradientOpErrors) {
  const Tensor g = random::normal({1, 2, 2, 1});
  const Tensor idx = zeros({1, 2, 2, 1}, uint8);
  expect_error<ShapeError>(
      [&] {
        (void)avg_pool_backward(g, {1, 6, 6, 1}, {{2}});
      },
      {"avg_pool_backward", "[1, 2, 2, 1]", "[1, 3, 3, 1]", "[1, 6, 6, 1]"});
  expect_error<DTypeError>(
      [&] {
        (void)max_pool_backward(idx.astype(float32), g, {1, 4, 4, 1}, {{2}});
      },
      {"max_pool_backward", "indices", "float32"});
  expect_error<ShapeError>(
      [&] {
        (void)max_pool_backward(zeros({1, 2, 1, 1}, uint8), g, {1, 4, 4, 1}, {{2}});
      },
      {"max_pool_backward", "[1, 2, 1, 1]"});
  expect_error<DTypeError>(
      [&] {
        (void)max_pool_gather(idx, random::normal({1, 4, 4, 1}).astype(int32), {{2}});
      },
      {"max_pool_gather", "int32"});
}

}  // namespace
}  // namespace nabla
