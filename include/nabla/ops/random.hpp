// Random tensors from a counter-based generator (Philox4x32-10): the same seed gives the same
// numbers on any thread count. Each call consumes fresh counters; seed() replays from the start.
#pragma once

#include <cstdint>

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
