// Activations (keras.activations): Keras 3's nonlinearities, composed from public ops so that
// autodiff, tracing and every backend handle them. Each keeps its input's shape and (floating)
// dtype; integer inputs compute in float64 like the ops they use.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "nabla/ops/reduction.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla::nn::activations {

/// max(x, 0).
[[nodiscard]] Tensor relu(const Tensor& x);
/// min(max(x, 0), 6).
[[nodiscard]] Tensor relu6(const Tensor& x);
/// 1 / (1 + exp(-x)), without overflow for any x.
[[nodiscard]] Tensor sigmoid(const Tensor& x);
[[nodiscard]] Tensor tanh(const Tensor& x);
/// softmax(x, axis = -1) and log_softmax(x, axis = -1): the core ops (nabla/ops/reduction.hpp),
/// stable for any finite logits.
using nabla::log_softmax;
using nabla::softmax;
/// x for x > 0, alpha * (exp(x) - 1) otherwise.
[[nodiscard]] Tensor elu(const Tensor& x, double alpha = 1.0);
/// scale * elu(x, alpha) with Klambauer et al.'s alpha = 1.67326..., scale = 1.05070...
[[nodiscard]] Tensor selu(const Tensor& x);
/// x * P(N(0, 1) <= x) = 0.5 x (1 + erf(x / sqrt(2))); approximate: the tanh formula
/// 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
[[nodiscard]] Tensor gelu(const Tensor& x, bool approximate = false);
/// x * sigmoid(x) (Keras's silu, also named swish).
[[nodiscard]] Tensor silu(const Tensor& x);
[[nodiscard]] Tensor swish(const Tensor& x);
/// log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): no overflow, accurate for very negative x.
[[nodiscard]] Tensor softplus(const Tensor& x);
/// x / (1 + |x|).
[[nodiscard]] Tensor softsign(const Tensor& x);
/// x for x > 0, negative_slope * x otherwise (Keras 3's default slope is 0.2).
[[nodiscard]] Tensor leaky_relu(const Tensor& x, double negative_slope = 0.2);
/// Identity: returns x itself.
[[nodiscard]] Tensor linear(const Tensor& x);
/// relu6(x + 3) / 6: 0 below -3, 1 above 3, x / 6 + 0.5 between.
[[nodiscard]] Tensor hard_sigmoid(const Tensor& x);
/// clip(0.2 x + 0.5, 0, 1): hard_sigmoid as Keras <= 2.x (and tf.keras 2.x) defined it. Files
/// those versions wrote name it "hard_sigmoid"; loading them maps the name to this one.
[[nodiscard]] Tensor legacy_hard_sigmoid(const Tensor& x);
/// x * hard_sigmoid(x) (also named hard_swish).
[[nodiscard]] Tensor hard_silu(const Tensor& x);
/// exp(x).
[[nodiscard]] Tensor exponential(const Tensor& x);
/// x * tanh(softplus(x)).
[[nodiscard]] Tensor mish(const Tensor& x);
/// log(sigmoid(x)) = -softplus(-x).
[[nodiscard]] Tensor log_sigmoid(const Tensor& x);

using Activation = std::function<Tensor(const Tensor&)>;
/// The activation named `name` with its default arguments (softmax over the last axis, ...):
/// Keras's names (see names()); "" is linear. An unknown name is a ValueError listing them.
[[nodiscard]] Activation get(const std::string& name);
/// The names get() accepts.
[[nodiscard]] std::vector<std::string> names();

}  // namespace nabla::nn::activations
