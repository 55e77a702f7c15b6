// Max and average pooling over 1, 2 or 3 spatial dimensions, channels-last by default (Keras's
// layout [batch, *spatial, channels]; "channels_first" is [batch, channels, *spatial]). Padding
// follows TensorFlow/Keras: "valid" uses only whole windows; "same" gives ceil(in / stride)
// outputs per dimension with pad_total = max((out - 1) * stride + pool - in, 0), of which
// pad_total / 2 goes before. Padded cells never count: max ignores them and average divides by
// the number of real cells in the window.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

struct PoolOptions {
  /// Window extent per spatial dimension; a single value applies to every dimension.
  std::vector<int64_t> pool_size;
  /// Step per spatial dimension; empty = pool_size (Keras's default), one value = every dim.
  std::vector<int64_t> strides = {};
  std::string padding = "valid";              // or "same"
  std::string data_format = "channels_last";  // or "channels_first"
};

/// x: [N, *spatial, C] with 1-3 spatial dims -> [N, *out, C], each output the maximum of its
/// window (NaN propagates). Any numeric dtype but bool; the result keeps it.
[[nodiscard]] Tensor max_pool(const Tensor& x, const PoolOptions& options);
/// x: [N, *spatial, C] -> [N, *out, C], each output the mean of its window's real cells.
/// Floating dtypes only.
[[nodiscard]] Tensor avg_pool(const Tensor& x, const PoolOptions& options);

// ---- The gradient ops (what the VJPs of the two above call; public for tests and tools) ----

/// max_pool and, for each output element, the position of its window's first maximum as a
/// row-major offset inside the full (padded) window: uint8 when the window has at most 256
/// cells, else int32. Same shape as the pooled values.
[[nodiscard]] std::pair<Tensor, Tensor> max_pool_with_indices(const Tensor& x,
                                                              const PoolOptions& options);
/// The VJP of max_pool: grad [N, *out, C] added at the window positions `indices` names, into a
/// zero tensor of `input_shape` (the shape of max_pool's input, in options.data_format order).
[[nodiscard]] Tensor max_pool_backward(const Tensor& indices, const Tensor& grad,
                                       const Shape& input_shape, const PoolOptions& options);
/// The adjoint of max_pool_backward (its VJP with respect to grad): values [N, *spatial, C]
/// read at the positions `indices` names -> [N, *out, C] (0 where an index points at padding).
[[nodiscard]] Tensor max_pool_gather(const Tensor& indices, const Tensor& values,
                                     const PoolOptions& options);
/// The VJP of avg_pool: each grad element divided by its window's cell count and spread over
/// the window, into a zero tensor of `input_shape`. Its own VJP is avg_pool.
[[nodiscard]] Tensor avg_pool_backward(const Tensor& grad, const Shape& input_shape,
                                       const PoolOptions& options);

}  // namespace nabla
