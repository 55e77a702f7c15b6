// gradcheck: analytic vector-Jacobian products (backward with random output weights u) against
// central finite differences of the same function in float64. The numeric Jacobian is built
// once, column by column (two evaluations per input element), and projected on every u.
#include "nabla/autograd/gradcheck.hpp"

#include <cmath>
#include <random>
#include <sstream>

#include "nabla/autograd/autograd.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduction.hpp"

namespace nabla::testing {
namespace {

Tensor random_like(const Shape& shape, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> values(static_cast<size_t>(shape.numel()));
  for (double& v : values) v = normal(rng);
  return from_vector(values, shape);
}

/// Float64 leaves requiring grad for floating inputs; other inputs (indices) as they are.
std::vector<Tensor> prepare(const std::vector<Tensor>& inputs) {
  std::vector<Tensor> xs;
  for (const Tensor& x : inputs) {
    NABLA_CHECK(x.defined(), ValueError, "gradcheck: undefined input");
    xs.push_back(is_floating(x.dtype()) ? x.detach().astype(float64).clone().requires_grad_() : x);
  }
  return xs;
}

std::vector<double> evaluate(const TensorFunction& f, const std::vector<Tensor>& xs) {
  std::vector<Tensor> detached;
  for (const Tensor& x : xs) detached.push_back(x.detach());
  const Tensor y = f(detached);
  return y.astype(float64).to_vector<double>();
}

}  // namespace

GradcheckResult gradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs,
                          GradcheckOptions options) {
  GradcheckResult result;
  std::mt19937_64 rng(options.seed);
  const std::vector<Tensor> xs = prepare(inputs);
  Tensor y;
  {
    EnableGradGuard enable;
    y = f(xs);
  }
  NABLA_CHECK(y.defined() && is_floating(y.dtype()), DTypeError,
              "gradcheck: f must return a floating tensor");
  const auto n_out = static_cast<size_t>(y.numel());

  // Numeric Jacobian columns: J[:, e] = (f(x + eps e) - f(x - eps e)) / 2 eps.
  std::vector<std::vector<std::vector<double>>> columns(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    if (!is_floating(xs[i].dtype())) continue;
    for (int64_t e = 0; e < xs[i].numel(); ++e) {
      std::vector<Tensor> shifted = xs;
      std::vector<double> plus, minus;
      for (const double sign : {1.0, -1.0}) {
        Tensor x = xs[i].detach().clone();
        x.data<double>()[e] += sign * options.eps;
        shifted[i] = x;
        (sign > 0 ? plus : minus) = evaluate(f, shifted);
      }
      std::vector<double> column(n_out);
      for (size_t k = 0; k < n_out; ++k) column[k] = (plus[k] - minus[k]) / (2 * options.eps);
      columns[i].push_back(std::move(column));
    }
  }

  std::ostringstream report;
  int mismatches = 0;
  for (int p = 0; p < options.projections; ++p) {
    const Tensor u = random_like(y.shape(), rng);
    const std::vector<double> u_values = u.to_vector<double>();
    std::vector<Tensor> analytic(xs.size());
    if (y.requires_grad()) {
      std::vector<Tensor> sources;
      for (const Tensor& x : xs) sources.push_back(x);
      analytic = autograd::grad({y}, sources, {u}, {.retain_graph = true});
    }
    for (size_t i = 0; i < xs.size(); ++i) {
      if (!is_floating(xs[i].dtype())) continue;
      const std::vector<double> got =
          analytic[i].defined() ? analytic[i].astype(float64).to_vector<double>()
                                : std::vector<double>(static_cast<size_t>(xs[i].numel()), 0.0);
      for (size_t e = 0; e < columns[i].size(); ++e) {
        double want = 0.0;
        for (size_t k = 0; k < n_out; ++k) want += u_values[k] * columns[i][e][k];
        const double error = std::abs(got[e] - want);
        result.max_abs_error = std::max(result.max_abs_error, std::isnan(error) ? INFINITY : error);
        if (!(error <= options.atol + options.rtol * std::abs(want))) {
          result.passed = false;
          if (mismatches++ < 8) {
            report << "input " << i << " " << xs[i].shape() << " element " << e << ": analytic "
                   << got[e] << ", numeric " << want << " (projection " << p << ")\n";
          }
        }
      }
    }
  }
  if (mismatches > 8) report << "... " << mismatches - 8 << " more mismatches\n";
  result.report = report.str();
  return result;
}

GradcheckResult gradgradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs,
                              GradcheckOptions options) {
  std::mt19937_64 rng(options.seed + 1);
  const std::vector<Tensor> xs = prepare(inputs);
  Tensor y0;
  {
    EnableGradGuard enable;
    y0 = f(xs);
  }
  const Tensor u = random_like(y0.shape(), rng);
  std::vector<Tensor> w;
  for (const Tensor& x : xs) {
    w.push_back(is_floating(x.dtype()) ? random_like(x.shape(), rng) : Tensor());
  }
  // F(x) = sum_i <w_i, (u^T J)_i>: differentiating it checks every second derivative u^T H w.
  TensorFunction first_order = [&](const std::vector<Tensor>& args) {
    EnableGradGuard enable;
    std::vector<Tensor> vs, sources;
    for (const Tensor& a : args) {
      const bool track = is_floating(a.dtype());
      vs.push_back(track && !a.requires_grad() ? a.detach().requires_grad_() : a);
      if (track) sources.push_back(vs.back());
    }
    const Tensor y = f(vs);
    Tensor total = zeros(Shape{}, float64);
    if (!y.requires_grad()) return total;
    const std::vector<Tensor> grads = autograd::grad({y}, sources, {u}, {.create_graph = true});
    size_t s = 0;
    for (size_t i = 0; i < vs.size(); ++i) {
      if (!is_floating(vs[i].dtype())) continue;
      if (grads[s].defined()) total = total + sum(grads[s] * w[i]);
      ++s;
    }
    return total;
  };
  return gradcheck(first_order, inputs, options);
}

}  // namespace nabla::testing
