// gradcheck: compares the analytic gradients (one backward pass) of a function with central
// finite differences in float64, like torch.autograd.gradcheck. gradgradcheck does the same for
// the gradient of the gradient (backward with create_graph).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla::testing {

struct GradcheckOptions {
  double eps = 1e-6;   // finite-difference step
  double atol = 1e-5;  // |analytic - numeric| <= atol + rtol * |numeric|
  double rtol = 1e-3;
  int projections = 2;  // random output weightings u: checks u^T J against the numeric u^T J
  uint64_t seed = 0;
};

struct GradcheckResult {
  bool passed = true;
  double max_abs_error = 0.0;  // over all inputs, elements and projections
  std::string report;          // the first mismatches, naming input, element and values
  explicit operator bool() const { return passed; }
};

using TensorFunction = std::function<Tensor(const std::vector<Tensor>&)>;

/// Checks d f / d inputs[i] for every floating input. Inputs are converted to float64 copies;
/// f may return any shape.
[[nodiscard]] GradcheckResult gradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs,
                                        GradcheckOptions options = {});

/// Checks the second derivatives: gradcheck of x -> u^T (d f / d x) for a random u.
[[nodiscard]] GradcheckResult gradgradcheck(const TensorFunction& f,
                                            const std::vector<Tensor>& inputs,
                                            GradcheckOptions options = {});

}  // namespace nabla::testing
