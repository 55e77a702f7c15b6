// The geometry of a channels-last convolution and the column matrix that turns it into a gemm:
// row r of the column matrix is output position r (sample-major, [N, *out] flattened), and its
// columns are the input values under the kernel's taps, [*k, C_in / groups] flattened, so
//   y[rows, group's channels] = col[rows, :] @ w[:, group's channels]
// with the kernel in Keras's layout [*k, C_in / groups, C_out]. im2col fills a block of rows;
// col2im adds a block back into the input's shape (the input-gradient).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "backend/attrs.hpp"
#include "nabla/tensor/shape.hpp"

namespace nabla::cpu {

inline constexpr int64_t kMaxConvSpatial = 3;

struct ConvPlan {
  using Dims = std::array<int64_t, kMaxConvSpatial>;
  int64_t spatial = 0, batch = 0;
  Dims in{}, out{}, kernel{}, stride{}, dilation{}, pad{};  // pad: before each spatial dim
  Dims in_step{};  // elements between neighbours along each spatial dim of x
  int64_t c_in = 0, c_out = 0, groups = 1, group_in = 0, group_out = 0;
  int64_t kernel_volume = 1;
  int64_t col_width = 0;       // kernel_volume * group_in: one row of the column matrix
  int64_t out_per_sample = 1;  // output positions per sample
  int64_t in_per_sample = 0;   // x elements per sample
  bool pointwise = false;      // 1x1, stride 1, unpadded, one group: the column matrix is x

  [[nodiscard]] int64_t rows() const { return batch * out_per_sample; }
};

/// x [N, *in, C_in], w [*k, C_in / G, C_out], y [N, *out, C_out] and the ops' attrs.
inline ConvPlan make_conv_plan(const Shape& x, const Shape& w, const Shape& y, const Attrs& attrs) {
  const auto& strides = attrs.get<std::vector<int64_t>>("strides");
  const auto& dilation = attrs.get<std::vector<int64_t>>("dilation");
  const auto& pads = attrs.get<std::vector<int64_t>>("pads");
  ConvPlan p;
  p.spatial = x.rank() - 2;
  p.batch = x[0];
  p.c_in = x[-1];
  p.c_out = w[-1];
  p.groups = attrs.get<int64_t>("groups");
  p.group_in = p.c_in / p.groups;
  p.group_out = p.c_out / p.groups;
  p.in_per_sample = p.c_in;
  bool unit = true;
  for (int64_t d = p.spatial - 1; d >= 0; --d) {
    const auto u = static_cast<size_t>(d);
    p.in[u] = x[d + 1];
    p.out[u] = y[d + 1];
    p.kernel[u] = w[d];
    p.stride[u] = strides[u];
    p.dilation[u] = dilation[u];
    p.pad[u] = pads[2 * u];
    p.in_step[u] = p.in_per_sample;
    p.in_per_sample *= p.in[u];
    p.kernel_volume *= p.kernel[u];
    p.out_per_sample *= p.out[u];
    unit = unit && p.kernel[u] == 1 && p.stride[u] == 1 && pads[2 * u] == 0 && pads[2 * u + 1] == 0;
  }
  p.col_width = p.kernel_volume * p.group_in;
  p.pointwise = unit && p.groups == 1;
  return p;
}

/// Visits each (row, kernel line) of rows [row0, row0 + rows): a line fixes every kernel dim but
/// the last (its taps are line * kernel[last] + j) and spans kernel[last] * group_in columns.
/// fn(row, line, x_offset, start) gets the row within the block, the line, the offset in x of its
/// input line at last-dim position 0 (sample, outer positions, the group's first channel; -1 when
/// an outer position is in the padding), and the last-dim input position of its first tap
/// (negative inside the left padding).
template <class Fn>
void for_each_kernel_line(const ConvPlan& p, int64_t row0, int64_t rows, int64_t group, Fn&& fn) {
  const int64_t last = p.spatial - 1;
  const int64_t lines = p.kernel_volume / p.kernel[last];
  ConvPlan::Dims o{};  // the row's output position (an odometer: no division per row)
  int64_t n = row0 / p.out_per_sample, rest = row0 % p.out_per_sample;
  for (int64_t d = last; d >= 0; --d) {
    o[d] = rest % p.out[d];
    rest /= p.out[d];
  }
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t sample = n * p.in_per_sample + group * p.group_in;
    const int64_t start = o[last] * p.stride[last] - p.pad[last];
    ConvPlan::Dims tap{};  // position in the outer kernel dims
    for (int64_t line = 0; line < lines; ++line) {
      int64_t offset = sample;
      bool inside = true;
      for (int64_t d = 0; d < last; ++d) {
        const int64_t i = o[d] * p.stride[d] - p.pad[d] + tap[d] * p.dilation[d];
        inside = inside && i >= 0 && i < p.in[d];
        offset += i * p.in_step[d];
      }
      fn(r, line, inside ? offset : -1, start);
      for (int64_t d = last - 1; d >= 0; --d) {
        if (++tap[d] < p.kernel[d]) break;
        tap[d] = 0;
      }
    }
    for (int64_t d = last; d >= 0; --d) {
      if (++o[d] < p.out[d]) break;
      o[d] = 0;
      if (d == 0) ++n;
    }
  }
}

/// The taps [lo, hi) of a line that fall inside the input along the last dim, for unit dilation.
struct TapRange {
  int64_t lo, hi;
};
inline TapRange inside_taps(const ConvPlan& p, int64_t start) {
  const int64_t last = p.spatial - 1, k = p.kernel[last];
  const int64_t lo = std::clamp<int64_t>(-start, 0, k);
  return {lo, std::clamp<int64_t>(p.in[last] - start, lo, k)};
}

/// col[rows, col_width] = the inputs under the taps of group `group` (zeros in the padding).
template <class T>
void im2col(const ConvPlan& p, const T* x, int64_t row0, int64_t rows, int64_t group, T* col) {
  const int64_t last = p.spatial - 1, k = p.kernel[last], width = p.group_in;
  const int64_t dilation = p.dilation[last], step = p.in_step[last], in = p.in[last];
  // With unit dilation and one group, a line's taps are one contiguous run of x.
  const bool runs = dilation == 1 && width == p.c_in;
  for_each_kernel_line(p, row0, rows, group,
                       [&](int64_t r, int64_t line, int64_t offset, int64_t start) {
                         T* dst = col + r * p.col_width + line * k * width;
                         if (offset < 0) {
                           std::fill_n(dst, k * width, T(0));
                           return;
                         }
                         const T* src = x + offset;
                         if (runs) {
                           const TapRange taps = inside_taps(p, start);
                           std::fill_n(dst, taps.lo * width, T(0));
                           std::copy_n(src + (start + taps.lo) * step, (taps.hi - taps.lo) * width,
                                       dst + taps.lo * width);
                           std::fill_n(dst + taps.hi * width, (k - taps.hi) * width, T(0));
                           return;
                         }
                         for (int64_t j = 0; j < k; ++j) {
                           const int64_t i = start + j * dilation;
                           if (i >= 0 && i < in) {
                             std::copy_n(src + i * step, width, dst + j * width);
                           } else {
                             std::fill_n(dst + j * width, width, T(0));
                           }
                         }
                       });
}

/// dx += col[rows, col_width] scattered back to the taps' input positions (padding dropped).
template <class T>
void col2im(const ConvPlan& p, const T* col, int64_t row0, int64_t rows, int64_t group, T* dx) {
  const int64_t last = p.spatial - 1, k = p.kernel[last], width = p.group_in;
  const int64_t dilation = p.dilation[last], step = p.in_step[last], in = p.in[last];
  const bool runs = dilation == 1 && width == p.c_in;
  auto add = [](T* dst, const T* src, int64_t n) {
    for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
  };
  for_each_kernel_line(
      p, row0, rows, group, [&](int64_t r, int64_t line, int64_t offset, int64_t start) {
        if (offset < 0) return;
        const T* src = col + r * p.col_width + line * k * width;
        T* dst = dx + offset;
        if (runs) {
          const TapRange taps = inside_taps(p, start);
          add(dst + (start + taps.lo) * step, src + taps.lo * width, (taps.hi - taps.lo) * width);
          return;
        }
        for (int64_t j = 0; j < k; ++j) {
          const int64_t i = start + j * dilation;
          if (i >= 0 && i < in) add(dst + i * step, src + j * width, width);
        }
      });
}

}  // namespace nabla::cpu
