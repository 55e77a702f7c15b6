// The per-step values of a fused update (Adam's bias-corrected step size, a decay factor), from
// one formula written for both C++ doubles and float64 scalar tensors: an eager step computes
// them in C++ (one small tensor, not a dozen scalar ops), a traced step records them as ops, so
// the graph computes each run's values from its learning-rate argument and step count. The
// float64 ops round like the C++ expressions (IEEE operations, std::pow and std::sqrt in the
// kernels), so both give the same bits.
#pragma once

#include <array>
#include <cmath>
#include <vector>

#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/optim/optimizer.hpp"

namespace nabla::optim::detail {

inline double power(double base, double exponent) { return std::pow(base, exponent); }
inline Tensor power(double base, const Tensor& exponent) {
  return pow(scalar_tensor(base, float64), exponent);
}
inline double square_root(double x) { return std::sqrt(x); }
inline Tensor square_root(const Tensor& x) { return sqrt(x); }

/// formula(learning_rate, step) returns a std::array of the values, for doubles and for Tensors.
template <class Formula>
Tensor step_scalars_of(const StepValues& step, const Formula& formula) {
  if (step.values) {
    const auto values = formula(step.values->learning_rate, step.values->step);
    return from_vector(std::vector<double>(values.begin(), values.end()));
  }
  const auto values = formula(step.learning_rate, step.step);
  return stack(std::vector<Tensor>(values.begin(), values.end()));
}

}  // namespace nabla::optim::detail
