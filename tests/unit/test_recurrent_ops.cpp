// The fused recurrences (lstm_sequence, gru_sequence, simple_rnn_sequence) against step-by-step
// references written with ops, with and without a mask, and their gradients by finite
// differences in float64.
#include <gtest/gtest.h>

#include <cmath>

#include "nabla/autograd/gradcheck.hpp"
#include "nabla/nabla.hpp"
#include "tensor_test_util.hpp"

namespace {

using namespace nabla;
using nabla::testing::expect_error;

constexpr int64_t kBatch = 5, kSteps = 4, kIn = 3, kUnits = 6;

/// True when every element of a and b differs by at most atol + rtol * |b|.
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-7, double atol = 1e-9) {
  if (a.shape() != b.shape()) return false;
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) {
    if (!(std::abs(x[i] - y[i]) <= atol + rtol * std::abs(y[i]))) return false;
  }
  return true;
}

Tensor step_of(const Tensor& seq, int64_t t) { return seq.select(1, t); }

/// [B, T] mask with padded steps at different places per row (row 0 unpadded, others
/// right-padded, and one row with a hole in the middle).
Tensor test_mask() {
  std::vector<bool> values(kBatch * kSteps, true);
  values[1 * kSteps + 3] = false;
  values[2 * kSteps + 2] = values[2 * kSteps + 3] = false;
  values[3 * kSteps + 1] = false;                                       // a hole
  for (int64_t t = 0; t < kSteps; ++t) values[4 * kSteps + t] = false;  // all padding
  Tensor mask = zeros({kBatch, kSteps}, DType::Bool);
  for (int64_t i = 0; i < kBatch * kSteps; ++i) {
    if (values[static_cast<size_t>(i)]) mask.reshape({-1}).slice(0, i, i + 1).fill_(1);
  }
  return mask;
}

/// Keeps `fresh` where the step is real, else `carried` (the states carry over).
Tensor carry(const Tensor& mask, int64_t t, const Tensor& fresh, const Tensor& carried) {
  return mask.defined() ? where(step_of(mask, t).unsqueeze(1), fresh, carried) : fresh;
}

Tensor gate(const Tensor& z, int64_t k, int64_t units) {
  return z.slice(1, k * units, (k + 1) * units);
}

LstmSequenceResult lstm_reference(const Tensor& gx, const Tensor& r, Tensor h, Tensor c,
                                  const Tensor& mask) {
  const int64_t u = r.size(0);
  std::vector<Tensor> hs;
  for (int64_t t = 0; t < gx.size(1); ++t) {
    const Tensor z = step_of(gx, t) + matmul(h, r);
    const Tensor i = sigmoid(gate(z, 0, u)), f = sigmoid(gate(z, 1, u));
    const Tensor g = tanh(gate(z, 2, u)), o = sigmoid(gate(z, 3, u));
    const Tensor c_new = f * c + i * g;
    const Tensor h_new = o * tanh(c_new);
    c = carry(mask, t, c_new, c);
    h = carry(mask, t, h_new, h);
    hs.push_back(h);
  }
  return {stack(hs, 1), c};
}

Tensor gru_reference(const Tensor& gx, const Tensor& r, const Tensor& bias, Tensor h,
                     const Tensor& mask) {
  const int64_t u = r.size(0);
  std::vector<Tensor> hs;
  for (int64_t t = 0; t < gx.size(1); ++t) {
    const Tensor x = step_of(gx, t), a = matmul(h, r) + bias;
    const Tensor z = sigmoid(gate(x, 0, u) + gate(a, 0, u));
    const Tensor rr = sigmoid(gate(x, 1, u) + gate(a, 1, u));
    const Tensor hh = tanh(gate(x, 2, u) + rr * gate(a, 2, u));
    h = carry(mask, t, z * h + (1.0 - z) * hh, h);
    hs.push_back(h);
  }
  return stack(hs, 1);
}

Tensor simple_reference(const Tensor& x, const Tensor& r, Tensor h, const Tensor& mask,
                        const std::string& activation) {
  std::vector<Tensor> hs;
  for (int64_t t = 0; t < x.size(1); ++t) {
    const Tensor a = step_of(x, t) + matmul(h, r);
    const Tensor y = activation == "tanh"      ? tanh(a)
                     : activation == "relu"    ? relu(a)
                     : activation == "sigmoid" ? sigmoid(a)
                                               : a;
    h = carry(mask, t, y, h);
    hs.push_back(h);
  }
  return stack(hs, 1);
}

Tensor normal(const Shape& shape, DType dtype = float64) {
  return random::normal(shape, 0.0, 0.7, dtype);
}

class RecurrentOps : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { random::seed(7); }
  Tensor mask() const { return GetParam() ? test_mask() : Tensor(); }
};

TEST_P(RecurrentOps, LstmMatchesStepByStepReference) {
  for (DType dtype : {float64, float32}) {
    const Tensor gx = normal({kBatch, kSteps, 4 * kUnits}, dtype);
    const Tensor r = normal({kUnits, 4 * kUnits}, dtype);
    const Tensor h0 = normal({kBatch, kUnits}, dtype), c0 = normal({kBatch, kUnits}, dtype);
    const auto fused = lstm_sequence(gx, r, h0, c0, mask());
    const auto ref = lstm_reference(gx, r, h0, c0, mask());
    const double tol = dtype == float64 ? 1e-12 : 2e-6;
    EXPECT_TRUE(allclose(fused.h, ref.h, tol, tol)) << fused.h << "\n" << ref.h;
    EXPECT_TRUE(allclose(fused.c_last, ref.c_last, tol, tol));
  }
}

TEST_P(RecurrentOps, GruMatchesStepByStepReference) {
  for (DType dtype : {float64, float32}) {
    const Tensor gx = normal({kBatch, kSteps, 3 * kUnits}, dtype);
    const Tensor r = normal({kUnits, 3 * kUnits}, dtype), b = normal({3 * kUnits}, dtype);
    const Tensor h0 = normal({kBatch, kUnits}, dtype);
    const double tol = dtype == float64 ? 1e-12 : 2e-6;
    EXPECT_TRUE(allclose(gru_sequence(gx, r, b, h0, mask()), gru_reference(gx, r, b, h0, mask()),
                         tol, tol));
  }
}

TEST_P(RecurrentOps, SimpleRnnMatchesStepByStepReference) {
  for (const char* activation : {"tanh", "relu", "sigmoid", "linear"}) {
    const Tensor x = normal({kBatch, kSteps, kUnits});
    const Tensor r = normal({kUnits, kUnits}), h0 = normal({kBatch, kUnits});
    EXPECT_TRUE(allclose(simple_rnn_sequence(x, r, h0, mask(), activation),
                         simple_reference(x, r, h0, mask(), activation), 1e-12, 1e-12))
        << activation;
  }
}

TEST_P(RecurrentOps, LstmGradients) {
  const Tensor m = mask();
  const auto f = [&](const std::vector<Tensor>& in) {
    const auto out = lstm_sequence(in[0], in[1], in[2], in[3], m);
    // Both outputs reach the loss, with different weights per element.
    return concatenate({out.h.reshape({kBatch, -1}), out.c_last * 0.5}, 1);
  };
  const auto result = nabla::testing::gradcheck(
      f, {normal({kBatch, kSteps, 4 * kUnits}), normal({kUnits, 4 * kUnits}),
          normal({kBatch, kUnits}), normal({kBatch, kUnits})});
  EXPECT_TRUE(result.passed) << result.report;
}

TEST_P(RecurrentOps, GruGradients) {
  const Tensor m = mask();
  const auto f = [&](const std::vector<Tensor>& in) {
    return gru_sequence(in[0], in[1], in[2], in[3], m);
  };
  const auto result = nabla::testing::gradcheck(
      f, {normal({kBatch, kSteps, 3 * kUnits}), normal({kUnits, 3 * kUnits}), normal({3 * kUnits}),
          normal({kBatch, kUnits})});
  EXPECT_TRUE(result.passed) << result.report;
}

TEST_P(RecurrentOps, SimpleRnnGradients) {
  const Tensor m = mask();
  for (const char* activation : {"tanh", "sigmoid", "linear", "relu"}) {
    const auto f = [&](const std::vector<Tensor>& in) {
      return simple_rnn_sequence(in[0], in[1], in[2], m, activation);
    };
    const auto result = nabla::testing::gradcheck(
        f, {normal({kBatch, kSteps, kUnits}), normal({kUnits, kUnits}), normal({kBatch, kUnits})});
    EXPECT_TRUE(result.passed) << activation << ": " << result.report;
  }
}

INSTANTIATE_TEST_SUITE_P(Mask, RecurrentOps, ::testing::Values(false, true),
                         [](const auto& param_info) {
                           return param_info.param ? "masked" : "unmasked";
                         });

TEST(RecurrentOps, LongBatchSplitOverThreadsMatchesReference) {
  // 64 rows: the row blocks of several threads (Note [Recurrences split by batch rows]).
  random::seed(3);
  const Tensor gx = normal({64, 7, 4 * 16}, float32), r = normal({16, 4 * 16}, float32);
  const Tensor h0 = normal({64, 16}, float32), c0 = normal({64, 16}, float32);
  const auto fused = lstm_sequence(gx, r, h0, c0);
  const auto ref = lstm_reference(gx, r, h0, c0, Tensor());
  EXPECT_TRUE(allclose(fused.h, ref.h, 2e-6, 2e-6));
}

TEST(RecurrentOps, ZeroStepsKeepTheInitialState) {
  const Tensor gx = zeros({2, 0, 8}), r = zeros({2, 8}), h0 = ones({2, 2}), c0 = ones({2, 2}) * 3.0;
  const auto out = lstm_sequence(gx, r, h0, c0);
  EXPECT_EQ(out.h.shape(), Shape({2, 0, 2}));
  EXPECT_TRUE(allclose(out.c_last, c0));
}

TEST(RecurrentOps, ErrorsNameTheOpAndShapes) {
  const Tensor gx = zeros({2, 3, 8}), r = zeros({2, 8}), h = zeros({2, 2});
  expect_error<ShapeError>(
      [&] {
        (void)lstm_sequence(gx, zeros({2, 6}), h, h);
      },
      {"lstm_sequence", "[2, 6]"});
  expect_error<ShapeError>(
      [&] {
        (void)lstm_sequence(gx, r, zeros({3, 2}), h);
      },
      {"lstm_sequence", "[3, 2]"});
  expect_error<ShapeError>(
      [&] {
        (void)lstm_sequence(gx, r, h, h, zeros({2, 4}, DType::Bool));
      },
      {"mask", "[2, 4]"});
  expect_error<DTypeError>([&] { (void)lstm_sequence(gx, r.astype(float64), h, h); },
                           {"lstm_sequence", "float64"});
  expect_error<ShapeError>(
      [&] {
        (void)gru_sequence(zeros({2, 3, 6}), zeros({2, 6}), zeros({4}), h);
      },
      {"gru_sequence", "[4]"});
  expect_error<ValueError>(
      [&] {
        (void)simple_rnn_sequence(zeros({2, 3, 2}), zeros({2, 2}), h, {}, "softplus");
      },
      {"simple_rnn_sequence", "softplus"});
}

}  // namespace
