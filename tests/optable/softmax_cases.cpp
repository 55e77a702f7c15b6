// Op-table rows for softmax and log_softmax: along each axis, float32 and float64, and integer
// inputs (computed in float64), against log-sum-exp in double precision.
#include <algorithm>
#include <cmath>

#include "optable/op_table.hpp"

namespace optable {
namespace {

using namespace nabla;

/// log_softmax of a row-major reference along `axis`.
Ref log_softmax_ref(const Ref& x, size_t axis) {
  Ref out = x;
  const auto strides = row_major_strides(x.shape);
  const int64_t n = x.shape[axis], step = strides[axis];
  for (int64_t flat = 0; flat < x.numel(); ++flat) {
    if ((flat / step) % n != 0) continue;  // start of a lane: its first element along axis
    double m = -INFINITY, s = 0;
    for (int64_t i = 0; i < n; ++i) m = std::max(m, x.data[static_cast<size_t>(flat + i * step)]);
    for (int64_t i = 0; i < n; ++i) s += std::exp(x.data[static_cast<size_t>(flat + i * step)] - m);
    for (int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<size_t>(flat + i * step);
      out.data[k] = x.data[k] - m - std::log(s);
    }
  }
  return out;
}

OpCase softmax_case(std::string name, bool log, InputSpec input, int64_t axis, DType dtype,
                    double tolerance = 1e-5) {
  const auto rank = static_cast<int64_t>(input.shape.rank());
  const auto ref_axis = static_cast<size_t>(axis < 0 ? axis + rank : axis);
  return OpCase{
      .name = std::move(name),
      .inputs = {input},
      .run =
          [=](const std::vector<Tensor>& x) {
            return log ? log_softmax(x[0], axis) : softmax(x[0], axis);
          },
      .reference =
          [=](const std::vector<Ref>& r) {
            Ref out = log_softmax_ref(r[0], ref_axis);
            if (!log) {
              for (double& v : out.data) v = std::exp(v);
            }
            return out;
          },
      .expected_dtype = dtype,
      .tolerance = tolerance,
      .grad_order = is_floating(input.dtype) ? 2 : 0,
  };
}

const Shape k3d{4, 5, 6};

NABLA_OP_CASES({
    softmax_case("softmax_f32_last", false, {k3d, float32, -30, 30}, -1, float32),
    softmax_case("softmax_f32_first", false, {k3d, float32, -5, 5}, 0, float32),
    softmax_case("softmax_f64_middle", false, {k3d, float64}, 1, float64, 1e-12),
    softmax_case("softmax_i32_computes_in_f64", false, {k3d, int32, -9, 9}, -1, float64, 1e-12),
    softmax_case("log_softmax_f32_last", true, {k3d, float32, -30, 30}, -1, float32),
    softmax_case("log_softmax_f64_first", true, {k3d, float64}, 0, float64, 1e-12),
    softmax_case("log_softmax_f32_vector", true, {{7}, float32}, 0, float32),
});

}  // namespace
}  // namespace optable
