// Keras 3's activations as compositions of public ops (softmax and log_softmax are core ops).
// Where a formula would overflow or lose precision (softplus, elu), the branch not taken is fed a
// clamped input, so neither the value nor the gradient (0 * inf) can become NaN.
#include "nabla/nn/activations.hpp"

#include <cmath>
#include <numbers>
#include <utility>

#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/util/error.hpp"

namespace nabla::nn::activations {

Tensor relu(const Tensor& x) { return nabla::relu(x); }
Tensor relu6(const Tensor& x) { return clip(x, 0.0, 6.0); }
Tensor sigmoid(const Tensor& x) { return nabla::sigmoid(x); }
Tensor tanh(const Tensor& x) { return nabla::tanh(x); }

Tensor elu(const Tensor& x, double alpha) {
  const Tensor positive = x > 0.0;
  // expm1 sees only non-positive values: it cannot overflow where the x branch is taken.
  return where(positive, x, expm1(where(positive, 0.0, x)) * alpha);
}

Tensor selu(const Tensor& x) {
  constexpr double kAlpha = 1.6732632423543772848170429916717;
  constexpr double kScale = 1.0507009873554804934193349852946;
  return elu(x, kAlpha) * kScale;
}

Tensor gelu(const Tensor& x, bool approximate) {
  if (approximate) {
    const double k = std::sqrt(2.0 / std::numbers::pi);
    return x * 0.5 * (nabla::tanh((x + x * x * x * 0.044715) * k) + 1.0);
  }
  return x * 0.5 * (erf(x * (1.0 / std::numbers::sqrt2)) + 1.0);
}

Tensor silu(const Tensor& x) { return x * nabla::sigmoid(x); }
Tensor swish(const Tensor& x) { return silu(x); }

Tensor softplus(const Tensor& x) {
  // max(x, 0) + log1p(exp(-|x|)), with |x| spelled as two where branches so that the gradient
  // at 0 is sigmoid(0) = 1/2 (abs and relu would give 0 there).
  const Tensor positive = x > 0.0;
  const Tensor minus_abs = where(positive, -x, x);
  return where(positive, x, 0.0) + log1p(exp(minus_abs));
}

Tensor softsign(const Tensor& x) { return x / (abs(x) + 1.0); }

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return where(x > 0.0, x, x * negative_slope);  // slope at 0: negative_slope (PyTorch)
}

Tensor linear(const Tensor& x) { return x; }

Tensor hard_sigmoid(const Tensor& x) { return clip(x + 3.0, 0.0, 6.0) / 6.0; }
Tensor legacy_hard_sigmoid(const Tensor& x) { return clip(x * 0.2 + 0.5, 0.0, 1.0); }
Tensor hard_silu(const Tensor& x) { return x * hard_sigmoid(x); }

Tensor exponential(const Tensor& x) { return exp(x); }

Tensor mish(const Tensor& x) { return x * nabla::tanh(softplus(x)); }

Tensor log_sigmoid(const Tensor& x) { return -softplus(-x); }

namespace {

const std::vector<std::pair<std::string, Activation>>& table() {
  static const std::vector<std::pair<std::string, Activation>> entries{
      {"relu", &relu},
      {"relu6", &relu6},
      {"sigmoid", &sigmoid},
      {"tanh", &tanh},
      {"softmax", [](const Tensor& x) { return softmax(x); }},
      {"log_softmax", [](const Tensor& x) { return log_softmax(x); }},
      {"elu", [](const Tensor& x) { return elu(x); }},
      {"selu", &selu},
      {"gelu", [](const Tensor& x) { return gelu(x); }},
      {"silu", &silu},
      {"swish", &swish},
      {"softplus", &softplus},
      {"softsign", &softsign},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x); }},
      {"linear", &linear},
      {"hard_sigmoid", &hard_sigmoid},
      {"legacy_hard_sigmoid", &legacy_hard_sigmoid},
      {"hard_silu", &hard_silu},
      {"hard_swish", &hard_silu},
      {"exponential", &exponential},
      {"mish", &mish},
      {"log_sigmoid", &log_sigmoid},
  };
  return entries;
}

}  // namespace

Activation get(const std::string& name) {
  if (name.empty()) return &linear;
  for (const auto& [known, fn] : table()) {
    if (known == name) return fn;
  }
  std::string known_names;
  for (const auto& entry : table()) {
    known_names += (known_names.empty() ? "" : ", ") + entry.first;
  }
  NABLA_CHECK(false, ValueError, "activations: unknown activation '", name,
              "'; expected one of: ", known_names);
  return {};
}

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const auto& entry : table()) out.push_back(entry.first);
  return out;
}

}  // namespace nabla::nn::activations
