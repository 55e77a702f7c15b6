// The window geometry of the pooling kernels, written once for the CPU and CUDA backends: every
// channels-last input is seen as [N, D, H, W, C] (1-D and 2-D inputs get leading unit dims with
// unit windows), so one set of formulas serves every rank. The members are plain arrays and the
// per-element rules NABLA_HOST_DEVICE, so CUDA kernels take a Geometry by value.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "backend/attrs.hpp"
#include "nabla/tensor/tensor.hpp"

#ifndef NABLA_HOST_DEVICE
#define NABLA_HOST_DEVICE
#endif

namespace nabla::pooling {

/// Element strides of a [N, *spatial, C] tensor as n, d, h, w, c (0 for the added unit dims).
struct Strides5 {
  int64_t at[5];
  NABLA_HOST_DEVICE int64_t operator[](size_t i) const { return at[i]; }
  NABLA_HOST_DEVICE int64_t& operator[](size_t i) { return at[i]; }
  /// Element offset of cell (n, d, h, w, c).
  NABLA_HOST_DEVICE int64_t offset(int64_t n, int64_t d, int64_t h, int64_t w, int64_t c) const {
    return n * at[0] + d * at[1] + h * at[2] + w * at[3] + c * at[4];
  }
};

/// One pooling call as 3 spatial dims. pad is the padding before (TF's same padding puts
/// pad_total / 2 before; pad_total is 0 for valid padding, so one formula serves both). Every
/// window holds at least one real cell (same padding pads less than a window on each side).
struct Geometry {
  int64_t batch = 0, channels = 0;
  int64_t in[3]{1, 1, 1}, out[3]{1, 1, 1}, window[3]{1, 1, 1}, stride[3]{1, 1, 1}, pad[3]{0, 0, 0};

  /// First input index of output o's window along dim i (negative inside the padding).
  NABLA_HOST_DEVICE int64_t start(size_t i, int64_t o) const { return o * stride[i] - pad[i]; }
  /// Real (unpadded) cells [lo, hi) of output o's window along dim i.
  NABLA_HOST_DEVICE int64_t lo(size_t i, int64_t o) const {
    const int64_t s = start(i, o);
    return s > 0 ? s : 0;
  }
  NABLA_HOST_DEVICE int64_t hi(size_t i, int64_t o) const {
    const int64_t e = start(i, o) + window[i];
    return e < in[i] ? e : in[i];
  }
  /// Outputs [first, last] along dim i whose windows cover input index p (empty: first > last).
  NABLA_HOST_DEVICE int64_t first_cover(size_t i, int64_t p) const {
    const int64_t v = p + pad[i] - window[i] + 1;
    return v <= 0 ? 0 : (v + stride[i] - 1) / stride[i];
  }
  NABLA_HOST_DEVICE int64_t last_cover(size_t i, int64_t p) const {
    const int64_t last = (p + pad[i]) / stride[i];
    return last < out[i] - 1 ? last : out[i] - 1;
  }
  /// Cells of a whole (padded) window.
  NABLA_HOST_DEVICE int64_t cells() const { return window[0] * window[1] * window[2]; }
  /// Real cells of output (od, oh, ow)'s window: what average pooling divides by.
  NABLA_HOST_DEVICE int64_t real_cells(int64_t od, int64_t oh, int64_t ow) const {
    return (hi(0, od) - lo(0, od)) * (hi(1, oh) - lo(1, oh)) * (hi(2, ow) - lo(2, ow));
  }
  /// Row-major offset of input cell (d, h, w) inside output (od, oh, ow)'s padded window: what
  /// max_pool's indices hold (Note [Max pooling indices] in ops/pooling.cpp).
  NABLA_HOST_DEVICE int64_t window_offset(int64_t d, int64_t h, int64_t w, int64_t od, int64_t oh,
                                          int64_t ow) const {
    return ((d - start(0, od)) * window[1] + h - start(1, oh)) * window[2] + w - start(2, ow);
  }
  /// The inverse: the input cell (d, h, w) at window offset `off` of output (od, oh, ow);
  /// false when `off` is out of range or the cell lies in the padding.
  NABLA_HOST_DEVICE bool window_cell(int64_t off, int64_t od, int64_t oh, int64_t ow, int64_t& d,
                                     int64_t& h, int64_t& w) const {
    d = start(0, od) + off / (window[1] * window[2]);
    h = start(1, oh) + off / window[2] % window[1];
    w = start(2, ow) + off % window[2];
    return off >= 0 && off < cells() && d >= 0 && d < in[0] && h >= 0 && h < in[1] && w >= 0 &&
           w < in[2];
  }
  /// The non-overlapping 2x2 stride-2 case with every window inside the input.
  [[nodiscard]] bool is_2x2() const {
    return window[0] == 1 && window[1] == 2 && window[2] == 2 && stride[0] == 1 && stride[1] == 2 &&
           stride[2] == 2 && 2 * out[1] <= in[1] && 2 * out[2] <= in[2];
  }
};

/// Max pooling's rule: v replaces the running maximum when greater or NaN. Ties keep the first
/// maximum; with NaNs the last NaN wins (its value and offset), so NaN propagates.
template <class T>
NABLA_HOST_DEVICE bool beats(T v, T best) {
  if constexpr (std::is_floating_point_v<T>) {
    return v > best || v != v;
  } else {
    return v > best;
  }
}

/// `input` is the pooled tensor's shape, `output` the pooled result's; attrs as the ops give them.
[[nodiscard]] inline Geometry make_geometry(const Shape& input, const Shape& output,
                                            const Attrs& attrs) {
  const auto& pool = attrs.get<std::vector<int64_t>>("pool_size");
  const auto& strides = attrs.get<std::vector<int64_t>>("strides");
  const size_t spatial = pool.size(), lead = 3 - spatial;
  Geometry g;
  g.batch = input[0];
  g.channels = input[-1];
  for (size_t i = 0; i < spatial; ++i) {
    const size_t j = lead + i;
    const auto axis = static_cast<int64_t>(i) + 1;
    g.in[j] = input[axis];
    g.out[j] = output[axis];
    g.window[j] = pool[i];
    g.stride[j] = strides[i];
    g.pad[j] = std::max<int64_t>((g.out[j] - 1) * g.stride[j] + g.window[j] - g.in[j], 0) / 2;
  }
  return g;
}

/// Calls fn(I{}) with I the C++ type of max_pool's index tensor (uint8 or int32).
template <class Fn>
void visit_index(DType t, Fn&& fn) {
  if (t == DType::UInt8) {
    fn(uint8_t{});
  } else {
    fn(int32_t{});
  }
}

/// The Strides5 of a channels-last tensor of rank 3 to 5.
[[nodiscard]] inline Strides5 strides5(const Tensor& t) {
  const auto& s = t.strides();
  const size_t rank = s.size(), lead = 5 - rank;
  Strides5 out{{s[0], 0, 0, 0, s[rank - 1]}};
  for (size_t i = 1; i + 1 < rank; ++i) out[lead + i] = s[i];
  return out;
}

}  // namespace nabla::pooling
