// conv and conv_transpose: values equal to PyTorch's (computed offline, embedded), the error
// paths, a problem big enough for several blocks and chunks per thread, and symbolic shapes.
#include <gtest/gtest.h>

#include <cmath>

#include "unit/convolution_reference.hpp"
#include "unit/tensor_test_util.hpp"

using namespace nabla;
using nabla::testing::expect_error;

namespace {

// Deterministic inputs that the offline PyTorch script (shown beside each case) builds the same
// way; quarters and eighths, so every product and sum is exact and results are multiples of 1/32.
Tensor inputs_x(const Shape& shape) {
  std::vector<double> v(static_cast<size_t>(shape.numel()));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<double>(static_cast<int64_t>((i * 7 + 3) % 11) - 5) / 4.0;
  return from_vector(v, shape);
}
Tensor inputs_w(const Shape& shape) {
  std::vector<double> v(static_cast<size_t>(shape.numel()));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<double>(static_cast<int64_t>((i * 5 + 1) % 13) - 6) / 8.0;
  return from_vector(v, shape);
}
Tensor inputs_b(int64_t n) {
  std::vector<double> v(static_cast<size_t>(n));
  for (size_t i = 0; i < v.size(); ++i) v[i] = (static_cast<double>(i) - 2.0) / 4.0;
  return from_vector(v, Shape{n});
}

/// Expects t == values / 32 exactly (float64 on exact inputs).
void expect_32ths(const Tensor& t, const Shape& shape, const std::vector<int>& values) {
  ASSERT_EQ(t.shape(), shape);
  const std::vector<double> got = t.to_vector<double>();
  ASSERT_EQ(got.size(), values.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i] * 32, values[i]) << "element " << i;
}

// torch: F.conv2d(x, wk.permute(3, 2, 0, 1), b, stride=(2, 1), padding=(1, 2),
//                 dilation=(1, 2), groups=2), x NCHW [2, 4, 5, 5], wk [3, 2, 2, 4]
TEST(Conv, Conv2dChannelsFirstGroupsMatchesTorch) {
  const Tensor y = conv(inputs_x({2, 4, 5, 5}), inputs_w({3, 2, 2, 4}), inputs_b(4),
                        {.strides = {2, 1},
                         .explicit_padding = {{1, 1}, {2, 2}},
                         .dilation = {1, 2},
                         .groups = 2,
                         .data_format = "channels_first"});
  expect_32ths(y, {2, 4, 3, 7},
               {-21, 24,  -42, -43, -33, -34, 19,  -36, -20, 28,  -34, -19, -9,  1,   12,  -18, -5,
                -16, -16, -26, -18, -4,  -20, 18,  -20, -25, 2,   -42, 17,  17,  -11, 57,  -62, 14,
                -28, -49, 0,   -32, -6,  42,  -26, 6,   4,   -10, 16,  4,   -8,  35,  -18, -16, 34,
                -17, 19,  33,  -11, 52,  -2,  -14, 28,  -13, 23,  -11, -7,  46,  -10, 9,   -18, -12,
                60,  1,   3,   56,  -27, -4,  -14, -9,  60,  -9,  3,   60,  -18, -19, 14,  -10, 24,
                -30, -43, -33, -45, 19,  -16, -20, 18,  -34, -19, -37, 1,   11,  -18, -26, -16, -16,
                -5,  -18, 12,  -20, 8,   -20, -25, 14,  -42, 2,   17,  -27, 57,  -62, -16, -28, -48,
                0,   16,  -6,  42,  -53, 6,   -28, -10, -2,  4,   -8,  35,  -18, 6,   34,  -4,  19,
                33,  -19, 52,  -17, -14, 40,  -13, 23,  48,  -7,  52,  -10, 22,  -18, -12, 82,  1,
                -3,  56,  -12, -4,  -14, -24, 60,  -3,  3,   48,  -18, -19, -9,  -10, 43});
}

// torch: F.conv1d(F.pad(x.permute(0, 2, 1), (4, 0)), wk.permute(2, 1, 0), b, dilation=2)
TEST(Conv, Conv1dCausalMatchesTorch) {
  const Tensor y = conv(inputs_x({1, 6, 2}), inputs_w({3, 2, 3}), inputs_b(3),
                        {.padding = "causal", .dilation = {2}});
  expect_32ths(y, {1, 6, 3},
               {3, -13, 10, -28, -4, -6, 3, -6, -2, -17, -11, 8, -53, 38, -66, -9, -16, 29});
}

// torch: F.conv_transpose2d(x.permute(0, 3, 1, 2), wk.permute(3, 2, 0, 1), stride=2)
TEST(ConvTranspose, ValidStride2MatchesTorch) {
  const Tensor y = conv_transpose(inputs_x({1, 3, 3, 2}), inputs_w({3, 3, 2, 2}), {.strides = {2}});
  expect_32ths(y, {1, 7, 7, 2},
               {10,  -25, -34, 22, 8,   -8,  20,  -13, -27, 32, 8,  -4,  -16, 24,  -31, 25,  16,
                7,   -10, 13,  -9, -3,  28,  -17, -12, -24, 16, 4,  39,  -19, -51, -18, 35,  -12,
                42,  1,   -32, -7, 36,  -2,  -14, 0,   -27, 15, 18, 21,  -6,  -11, -7,  11,  32,
                -41, -10, -10, 16, -10, -8,  42,  -25, -27, -1, 25, -20, 47,  -13, -25, 40,  0,
                -14, -2,  10,  5,  -13, -31, -13, 31,  17,  14, -8, 1,   -8,  4,   16,  -24, -7,
                -25, 22,  4,   17, -4,  -27, -30, 7,   16,  12, 24, -16, -4});
}

// TensorFlow's SAME with output_padding 1: length (3 - 1) * 2 + 3 - 2 + 1 = 6, forward pads
// (0, 1). torch: the gradient of F.conv2d(F.pad(z, (0, 1, 0, 1)), w, stride=2) with respect
// to z [1, 2, 6, 6] (equal to F.conv_transpose2d(..., stride=2)[:, :, :6, :6]), plus the bias.
TEST(ConvTranspose, SameStride2OutputPaddingMatchesTorch) {
  const Tensor y = conv_transpose(inputs_x({1, 3, 3, 2}), inputs_w({3, 3, 2, 2}), inputs_b(2),
                                  {.strides = {2}, .padding = "same", .output_padding = {1}});
  expect_32ths(
      y, {1, 6, 6, 2},
      {-6,  -33, -50, 14,  -8,  -16, 4,   -21, -43, 24,  -8,  -12, -47, 17, 0,   -1,  -26, 5,
       -25, -11, 12,  -25, -28, -32, 23,  -27, -67, -26, 19,  -20, 26,  -7, -48, -15, 20,  -10,
       -43, 7,   2,   13,  -22, -19, -23, 3,   16,  -49, -26, -18, -24, 34, -41, -35, -17, 17,
       -36, 39,  -29, -33, 24,  -8,  -6,  -3,  -29, -39, -29, 23,  1,   6,  -24, -7,  -24, -4});
}

// SAME, stride 2, kernel 4: length 6, pads (1, 1) = torch's padding=1.
TEST(ConvTranspose, SameStride2EvenKernelMatchesTorch) {
  const Tensor y = conv_transpose(inputs_x({1, 3, 3, 2}), inputs_w({4, 4, 2, 2}),
                                  {.strides = {2}, .padding = "same"});
  expect_32ths(
      y, {1, 6, 6, 2},
      {-28, 28,  10,  7,   -9,  -51, -23, -29, 30,  24, -8,  -20, -48, -15, 36,  -11, 20,  -14,
       -30, -5,  59,  -7,  -10, 4,   -18, -11, -41, 42, -5,  -65, 1,   -26, -1,  50,  -2,  -14,
       -26, -28, -8,  18,  5,   18,  -19, -31, 22,  36, -14, -2,  36,  -18, -47, -8,  18,  5,
       28,  -10, -22, -34, 4,   -10, 28,  10,  24,  3,  -57, -13, 4,   13,  22,  -8,  -20, -8});
}

// torch: F.conv_transpose2d(x, w, stride=(2, 1), padding=(1, 0), output_padding=(1, 0))
TEST(ConvTranspose, ExplicitPaddingOutputPaddingMatchesTorch) {
  const Tensor y = conv_transpose(
      inputs_x({1, 3, 3, 2}), inputs_w({3, 3, 2, 2}),
      {.strides = {2, 1}, .explicit_padding = {{1, 1}, {0, 0}}, .output_padding = {1, 0}});
  expect_32ths(y, {1, 6, 5, 2},
               {-31, 25,  34,  -8,  -25, 25,  4,   -41, 16,  4,   39,  -19, -57, -13, 65,
                -20, 22,  -5,  -14, 0,   -27, 15,  40,  -4,  -19, 15,  6,   -41, 16,  -10,
                -8,  42,  -23, -49, -33, 96,  37,  -27, -14, -2,  10,  5,   -42, -11, 53,
                5,   -36, 25,  16,  -24, -7,  -25, 40,  19,  -40, -49, 31,  40,  -16, -4});
}

TEST(ConvTranspose, ChannelsFirstIsAPermutationOfChannelsLast) {
  const Tensor x = random::normal({2, 4, 3, 3}), w = random::normal({3, 3, 5, 3});
  const Tensor last = conv_transpose(x, w, {.strides = {2}, .padding = "same"});
  const Tensor first =
      conv_transpose(x.permute({0, 3, 1, 2}), w,
                     {.strides = {2}, .padding = "same", .data_format = "channels_first"});
  EXPECT_EQ(first.shape(), (Shape{2, 5, 8, 6}));
  EXPECT_EQ(first.permute({0, 2, 3, 1}).to_vector<float>(), last.to_vector<float>());
}

/// A problem with several cache-sized blocks per thread and samples larger than one block, in
/// float32 and float64, forward and both gradients against the direct reference.
TEST(Conv, LargeProblemMatchesReference) {
  const Tensor x64 = random::normal({3, 40, 37, 16}, 0.0, 1.0, float64);
  const Tensor w64 = random::normal({3, 3, 16, 24}, 0.0, 1.0, float64);
  const Tensor g64 = random::normal({3, 20, 19, 24}, 0.0, 1.0, float64);
  const conv_test::Geometry geometry{{2, 2}, {1, 1}, {0, 1, 1, 1}, 1};  // SAME, stride 2
  auto ref = [](const Tensor& t) {
    return conv_test::Ref{t.shape().dims(), t.to_vector<double>()};
  };
  const auto want_y = conv_test::conv(ref(x64), ref(w64), nullptr, geometry);
  const auto want_dx = conv_test::input_grad(ref(g64), ref(w64), {40, 37}, geometry);
  const auto want_dw = conv_test::weight_grad(ref(x64), ref(g64), {3, 3}, geometry);
  for (DType dtype : {float32, float64}) {
    const Tensor x = x64.astype(dtype).requires_grad_(), w = w64.astype(dtype).requires_grad_();
    const Tensor y = conv(x, w, {.strides = {2}, .padding = "same"});
    const auto grads = autograd::grad({y}, {x, w}, {g64.astype(dtype)});
    const double tol = dtype == float32 ? 1e-4 : 1e-10;
    for (const auto& [got, want] :
         {std::pair{y, want_y}, std::pair{grads[0], want_dx}, std::pair{grads[1], want_dw}}) {
      ASSERT_EQ(got.shape().dims(), want.shape);
      const std::vector<double> values = got.to_vector<double>();
      double worst = 0;
      for (size_t i = 0; i < values.size(); ++i) {
        worst = std::max(worst, std::abs(values[i] - want.data[i]) / (1 + std::abs(want.data[i])));
      }
      EXPECT_LT(worst, tol) << dtype;
    }
  }
}

TEST(Conv, FusedReluEqualsReluOfConv) {
  const Tensor x = random::normal({3, 9, 8, 5}), w = random::normal({3, 3, 5, 7});
  const Tensor b = random::normal({7});
  for (const ConvOptions& o : {ConvOptions{.padding = "same"}, ConvOptions{.strides = {2}}}) {
    ConvOptions fused = o;
    fused.activation = "relu";
    EXPECT_EQ(conv(x, w, b, fused).to_vector<float>(),
              nabla::relu(conv(x, w, b, o)).to_vector<float>());
  }
  // One input channel takes the direct kernel, 1x1 the single gemm.
  const Tensor x1 = random::normal({2, 6, 6, 1}), w1 = random::normal({3, 3, 1, 8});
  EXPECT_EQ(conv(x1, w1, {.activation = "relu"}).to_vector<float>(),
            nabla::relu(conv(x1, w1)).to_vector<float>());
  const Tensor w2 = random::normal({1, 1, 5, 4});
  EXPECT_EQ(conv(x, w2, {.activation = "relu"}).to_vector<float>(),
            nabla::relu(conv(x, w2)).to_vector<float>());
  expect_error<ValueError>([&] { (void)conv(x, w, {.activation = "tanh"}); },
                           {"conv", "relu", "tanh"});
}

// (Symbolic shapes: test_nn_convolutional_layers.cpp. A symbolic tensor here would install the
// graph module's hook before test_dispatch.cpp checks the behaviour without it.)
TEST(Conv, Dtypes) {
  // Integers compute in float64, float32 with float64 in float64 (matmul's promotion).
  EXPECT_EQ(conv(ones({1, 3, 3, 1}, int32), ones({2, 2, 1, 1}, int32)).dtype(), float64);
  EXPECT_EQ(conv(ones({1, 3, 3, 1}), ones({2, 2, 1, 1}, float64)).dtype(), float64);
  EXPECT_EQ(conv(ones({1, 3, 3, 1}, uint8), ones({2, 2, 1, 1})).dtype(), float32);
}

TEST(Conv, Errors) {
  const Tensor x = zeros({2, 5, 5, 4});
  expect_error<ShapeError>(
      [&] {
        (void)conv(x, zeros({3, 3, 3, 8}));
      },
      {"conv", "4 channels", "[3, 3, 3, 8]", "[2, 5, 5, 4]"});
  expect_error<ValueError>(
      [&] {
        (void)conv(x, zeros({3, 3, 1, 6}), {.groups = 4});
      },
      {"conv", "groups (4)", "output channels", "[3, 3, 1, 6]"});
  expect_error<ValueError>(
      [&] {
        (void)conv(x, zeros({3, 3, 1, 6}), {.groups = 3});
      },
      {"conv", "groups (3)", "input channels", "[2, 5, 5, 4]"});
  expect_error<ShapeError>(
      [&] {
        (void)conv(x, zeros({6, 3, 4, 8}));
      },
      {"conv", "[6, 3, 4, 8]", "spans 6", "padded input's 5"});
  (void)conv(x, zeros({6, 3, 4, 8}), {.padding = "same"});  // fine once padded
  expect_error<ValueError>(
      [&] {
        (void)conv(x, zeros({3, 3, 4, 8}), {.strides = {0}});
      },
      {"conv", "strides must be positive", "[0]"});
  expect_error<ValueError>(
      [&] {
        (void)conv(x, zeros({3, 3, 4, 8}), {.strides = {1, 1, 1}});
      },
      {"conv", "expected 1 or 2 strides", "[1, 1, 1]"});
  expect_error<ValueError>(
      [&] {
        (void)conv(x, zeros({3, 3, 4, 8}), {.dilation = {-1}});
      },
      {"conv", "dilation must be positive"});
  expect_error<ShapeError>(
      [&] {
        (void)conv(zeros({5, 5, 4}), zeros({3, 3, 4, 8}));
      },
      {"conv", "rank 4", "[5, 5, 4]"});
  expect_error<ShapeError>(
      [&] {
        (void)conv(zeros({2, 5, 4}), zeros({3, 4}));
      },
      {"conv", "1 to 3 spatial dims", "[3, 4]"});
  expect_error<ValueError>(
      [&] {
        (void)conv(x, zeros({3, 3, 4, 8}), {.padding = "full"});
      },
      {"conv", "\"valid\", \"same\" or \"causal\"", "full"});
  expect_error<ValueError>(
      [&] {
        (void)conv(x, zeros({3, 3, 4, 8}), {.padding = "causal"});
      },
      {"conv", "causal", "1-D"});
  expect_error<ValueError>(
      [&] {
        (void)conv(x, zeros({3, 3, 4, 8}), {.data_format = "NHWC"});
      },
      {"conv", "data_format", "NHWC"});
  expect_error<ValueError>(
      [&] {
        (void)conv(x, zeros({3, 3, 4, 8}), {.explicit_padding = {{1, 1}}});
      },
      {"conv", "explicit_padding", "pair per spatial dim"});
  expect_error<ShapeError>(
      [&] {
        (void)conv(x, zeros({3, 3, 4, 8}), zeros({4}));
      },
      {"conv", "bias must be [8]", "[4]"});
  expect_error<ValueError>(
      [&] {
        (void)conv(Tensor(), zeros({3, 3, 4, 8}));
      },
      {"conv", "undefined"});
}

TEST(ConvTranspose, Errors) {
  const Tensor x = zeros({2, 5, 5, 4});
  expect_error<ShapeError>(
      [&] {
        (void)conv_transpose(x, zeros({3, 3, 4, 8}));
      },
      {"conv_transpose", "4 channels", "[3, 3, 4, 8]", "[*k, C_out, C_in]"});
  expect_error<ValueError>(
      [&] {
        (void)conv_transpose(x, zeros({3, 3, 2, 4}), {.strides = {2}, .output_padding = {2}});
      },
      {"conv_transpose", "output_padding must be in [0, stride)", "[2, 2]"});
  expect_error<ValueError>(
      [&] {
        (void)conv_transpose(x, zeros({3, 3, 2, 4}), {.padding = "causal"});
      },
      {"conv_transpose", "\"valid\" or \"same\"", "causal"});
  expect_error<ShapeError>(
      [&] {
        (void)conv_transpose(x, zeros({3, 3, 2, 4}), zeros({4}));
      },
      {"conv_transpose", "bias must be [2]", "[4]"});
  // Keras's same-length formula with an even kernel and no extra length gives 2 * 5 - 2, whose
  // SAME convolution has 4 outputs, not 5.
  expect_error<ValueError>(
      [&] {
        (void)conv_transpose(x, zeros({4, 4, 2, 4}),
                             {.strides = {2}, .padding = "same", .output_padding = {0}});
      },
      {"conv_transpose", "does not convolve back", "length 8"});
}

}  // namespace
