// Random tensors from a counter-based generator (Philox4x32-10): the same seed gives the same
// numbers on any thread count. Each call consumes fresh counters; seed() replays from the start.
#pragma once

#include <cstdint>
#include <vector>

#include "nabla/tensor/tensor.hpp"
#include "nabla/util/random_state.hpp"

namespace nabla::random {

/// Uniform in [low, high).
[[nodiscard]] Tensor uniform(const Shape& shape, double low = 0.0, double high = 1.0,
                             DType dtype = float32);
/// Normal with `mean` and standard deviation `stddev`.
[[nodiscard]] Tensor normal(const Shape& shape, double mean = 0.0, double stddev = 1.0,
                            DType dtype = float32);
/// Integers uniform in [low, high).
[[nodiscard]] Tensor randint(int64_t low, int64_t high, const Shape& shape, DType dtype = int64);
/// A random permutation of 0..n-1 (int64).
[[nodiscard]] Tensor permutation(int64_t n);
/// Shuffles x along axis 0 in place (NumPy's shuffle); all views of x see the new order.
void shuffle(Tensor& x);

}  // namespace nabla::random

namespace nabla {

/// Inverted dropout (Keras's and PyTorch's training-mode dropout): each element is zeroed with
/// probability `rate` and the rest are scaled by 1 / (1 - rate). `noise_shape` (same rank as x,
/// -1 for x's extent) broadcasts one draw over several elements, e.g. {-1, 1, 1, -1} drops whole
/// channels of [N, H, W, C]. One pass; the mask is a function of the random state and is drawn
/// again, not stored, for the gradient.
[[nodiscard]] Tensor dropout(const Tensor& x, double rate,
                             const std::vector<int64_t>& noise_shape = {});

}  // namespace nabla
