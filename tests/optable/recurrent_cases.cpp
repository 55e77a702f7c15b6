// Op-table rows for the fused recurrences: plain double loops over steps, rows and units as the
// reference (independent of the ops-written references of tests/unit/test_recurrent_ops.cpp),
// and first-order gradient rows (the backward sweeps are not differentiable again).
#include <cmath>

#include "optable/op_table.hpp"

namespace optable {
namespace {

using namespace nabla;

constexpr int64_t kB = 2, kT = 3, kU = 2;

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

/// (h_prev @ R)[b, j] for R [U, n].
double recurrent(const Ref& r, const std::vector<double>& h, int64_t b, int64_t j, int64_t n) {
  double sum = 0;
  for (int64_t k = 0; k < kU; ++k)
    sum += h[static_cast<size_t>(b * kU + k)] * r.data[static_cast<size_t>(k * n + j)];
  return sum;
}

/// Output layout of the LSTM row: h [B, T, U] then c_last [B, U], flattened.
Ref lstm_ref(const std::vector<Ref>& in) {
  const Ref &gx = in[0], &r = in[1];
  std::vector<double> h = in[2].data, c = in[3].data;
  Ref out{{kB * kT * kU + kB * kU}, std::vector<double>(kB * kT * kU + kB * kU)};
  for (int64_t t = 0; t < kT; ++t) {
    std::vector<double> h_new(h.size()), c_new(c.size());
    for (int64_t b = 0; b < kB; ++b) {
      for (int64_t j = 0; j < kU; ++j) {
        auto z = [&](int64_t gate) {
          return gx.data[static_cast<size_t>((b * kT + t) * 4 * kU + gate * kU + j)] +
                 recurrent(r, h, b, gate * kU + j, 4 * kU);
        };
        const size_t at = static_cast<size_t>(b * kU + j);
        c_new[at] = sigmoid(z(1)) * c[at] + sigmoid(z(0)) * std::tanh(z(2));
        h_new[at] = sigmoid(z(3)) * std::tanh(c_new[at]);
        out.data[static_cast<size_t>((b * kT + t) * kU + j)] = h_new[at];
      }
    }
    h = h_new;
    c = c_new;
  }
  for (size_t i = 0; i < c.size(); ++i) out.data[static_cast<size_t>(kB * kT * kU) + i] = c[i];
  return out;
}

Ref gru_ref(const std::vector<Ref>& in) {
  const Ref &gx = in[0], &r = in[1], &bias = in[2];
  std::vector<double> h = in[3].data;
  Ref out{{kB, kT, kU}, std::vector<double>(kB * kT * kU)};
  for (int64_t t = 0; t < kT; ++t) {
    std::vector<double> h_new(h.size());
    for (int64_t b = 0; b < kB; ++b) {
      for (int64_t j = 0; j < kU; ++j) {
        auto x = [&](int64_t gate) {
          return gx.data[static_cast<size_t>((b * kT + t) * 3 * kU + gate * kU + j)];
        };
        auto a = [&](int64_t gate) {
          return recurrent(r, h, b, gate * kU + j, 3 * kU) +
                 bias.data[static_cast<size_t>(gate * kU + j)];
        };
        const double z = sigmoid(x(0) + a(0)), rr = sigmoid(x(1) + a(1));
        const double hh = std::tanh(x(2) + rr * a(2));
        const size_t at = static_cast<size_t>(b * kU + j);
        h_new[at] = z * h[at] + (1 - z) * hh;
        out.data[static_cast<size_t>((b * kT + t) * kU + j)] = h_new[at];
      }
    }
    h = h_new;
  }
  return out;
}

Ref simple_ref(const std::vector<Ref>& in, bool relu) {
  const Ref &x = in[0], &r = in[1];
  std::vector<double> h = in[2].data;
  Ref out{{kB, kT, kU}, std::vector<double>(kB * kT * kU)};
  for (int64_t t = 0; t < kT; ++t) {
    std::vector<double> h_new(h.size());
    for (int64_t b = 0; b < kB; ++b) {
      for (int64_t j = 0; j < kU; ++j) {
        const double v =
            x.data[static_cast<size_t>((b * kT + t) * kU + j)] + recurrent(r, h, b, j, kU);
        const size_t at = static_cast<size_t>(b * kU + j);
        h_new[at] = relu ? std::max(v, 0.0) : std::tanh(v);
        out.data[static_cast<size_t>((b * kT + t) * kU + j)] = h_new[at];
      }
    }
    h = h_new;
  }
  return out;
}

InputSpec in(Shape shape, DType dtype) { return {std::move(shape), dtype, -1.0, 1.0}; }

OpCase lstm_case(std::string name, DType dtype) {
  return {.name = std::move(name),
          .inputs = {in({kB, kT, 4 * kU}, dtype), in({kU, 4 * kU}, dtype), in({kB, kU}, dtype),
                     in({kB, kU}, dtype)},
          .run =
              [](const std::vector<Tensor>& x) {
                const auto out = lstm_sequence(x[0], x[1], x[2], x[3]);
                return concatenate({out.h.reshape({-1}), out.c_last.reshape({-1})}, 0);
              },
          .reference = &lstm_ref,
          .expected_dtype = dtype};
}

OpCase gru_case(std::string name, DType dtype) {
  return {.name = std::move(name),
          .inputs = {in({kB, kT, 3 * kU}, dtype), in({kU, 3 * kU}, dtype), in({3 * kU}, dtype),
                     in({kB, kU}, dtype)},
          .run = [](const std::vector<Tensor>& x) { return gru_sequence(x[0], x[1], x[2], x[3]); },
          .reference = &gru_ref,
          .expected_dtype = dtype};
}

OpCase simple_case(std::string name, DType dtype, bool relu) {
  return {.name = std::move(name),
          .inputs = {in({kB, kT, kU}, dtype), in({kU, kU}, dtype), in({kB, kU}, dtype)},
          .run =
              [relu](const std::vector<Tensor>& x) {
                return simple_rnn_sequence(x[0], x[1], x[2], {}, relu ? "relu" : "tanh");
              },
          .reference = [relu](const std::vector<Ref>& r) { return simple_ref(r, relu); },
          .expected_dtype = dtype};
}

const Registrar registrar({
    lstm_case("lstm_sequence_f32", float32),
    lstm_case("lstm_sequence_f64", float64),
    gru_case("gru_sequence_f32", float32),
    gru_case("gru_sequence_f64", float64),
    simple_case("simple_rnn_sequence_tanh_f32", float32, false),
    simple_case("simple_rnn_sequence_relu_f64", float64, true),
});

}  // namespace
}  // namespace optable
