// Direct convolution for few input channels per group: the first layer of an image model
// (C_in = 1 or 3) and depthwise convolutions (one channel per group). There a column row holds
// only group_in * taps values: gemm runs far below its speed on so thin a depth, and building
// the column matrix costs more than the product. Instead a block's taps are listed once (their
// input offsets, tap_table), and each output row accumulates over its taps in registers, blocks
// of kLanes output channels at a time (an accumulator kept in memory would stall on
// store-to-load forwarding at every tap). Measured on cnnA's conv1: bench/bench_conv.cpp.
#pragma once

#include <algorithm>
#include <cstring>
#include <vector>

#include "backend/cpu/convolution_im2col.hpp"

namespace nabla::cpu {

/// Column depths up to this use the direct loops (as do all depthwise convolutions). Measured
/// (bench_conv, 1 thread): C_in = 3, 3x3 (depth 27) forward 41 GFLOP/s direct vs 30 with gemm;
/// at C_in = 4 (depth 36) the gemm's weight-gradient is faster (34 vs 29).
inline constexpr int64_t kDirectDepth = 32;
/// Output channels per register block: two 512-bit vectors.
template <class T>
inline constexpr int64_t kLanes = 128 / static_cast<int64_t>(sizeof(T));

[[nodiscard]] inline bool use_direct(const ConvPlan& p) {
  return !p.pointwise && p.col_width > 0 && (p.group_in == 1 || p.col_width <= kDirectDepth);
}

/// Each tap's displacement from its window's corner: `delta` in elements of x, `position` per
/// spatial dim ([taps, spatial]). Computed once per call.
struct TapOffsets {
  std::vector<int64_t> delta, position;
};

inline TapOffsets tap_offsets(const ConvPlan& p) {
  TapOffsets taps{std::vector<int64_t>(static_cast<size_t>(p.kernel_volume)),
                  std::vector<int64_t>(static_cast<size_t>(p.kernel_volume * p.spatial))};
  ConvPlan::Dims k{};
  for (int64_t t = 0; t < p.kernel_volume; ++t) {
    int64_t delta = 0;
    for (int64_t d = 0; d < p.spatial; ++d) {
      const int64_t shift = k[d] * p.dilation[d];
      taps.position[static_cast<size_t>(t * p.spatial + d)] = shift;
      delta += shift * p.in_step[d];
    }
    taps.delta[static_cast<size_t>(t)] = delta;
    for (int64_t d = p.spatial - 1; d >= 0; --d) {
      if (++k[d] < p.kernel[d]) break;
      k[d] = 0;
    }
  }
  return taps;
}

/// at[r * taps + t]: the offset in x of tap t's input position (channel 0) for row r of
/// [row0, row0 + rows), or -1 where the tap falls in the padding. Rows whose whole window is
/// inside the input (all but the borders) are their corner plus each tap's delta.
inline void tap_table(const ConvPlan& p, const TapOffsets& taps, int64_t row0, int64_t rows,
                      int64_t* at) {
  const int64_t count = p.kernel_volume;
  ConvPlan::Dims o{}, first{};  // the row's output position; its window's first input position
  int64_t n = row0 / p.out_per_sample, rest = row0 % p.out_per_sample;
  for (int64_t d = p.spatial - 1; d >= 0; --d) {
    o[d] = rest % p.out[d];
    rest /= p.out[d];
  }
  for (int64_t r = 0; r < rows; ++r) {
    int64_t corner = n * p.in_per_sample;
    bool inside = true;
    for (int64_t d = 0; d < p.spatial; ++d) {
      first[d] = o[d] * p.stride[d] - p.pad[d];
      corner += first[d] * p.in_step[d];
      inside = inside && first[d] >= 0 && first[d] + (p.kernel[d] - 1) * p.dilation[d] < p.in[d];
    }
    int64_t* row = at + r * count;
    if (inside) {
      for (int64_t t = 0; t < count; ++t) row[t] = corner + taps.delta[static_cast<size_t>(t)];
    } else {
      for (int64_t t = 0; t < count; ++t) {
        bool valid = true;
        for (int64_t d = 0; d < p.spatial; ++d) {
          const int64_t i = first[d] + taps.position[static_cast<size_t>(t * p.spatial + d)];
          valid = valid && i >= 0 && i < p.in[d];
        }
        row[t] = valid ? corner + taps.delta[static_cast<size_t>(t)] : -1;
      }
    }
    for (int64_t d = p.spatial - 1; d >= 0; --d) {
      if (++o[d] < p.out[d]) break;
      o[d] = 0;
      if (d == 0) ++n;
    }
  }
}

/// Output channel block [o0, o0 + kLanes) runs vectorised when it is whole and every channel in
/// it reads the same input channel (one group) or its own (depthwise, multiplier 1).
template <class T>
[[nodiscard]] bool vector_block(const ConvPlan& p, int64_t o0) {
  return o0 + kLanes<T> <= p.c_out && (p.groups == 1 || (p.group_in == 1 && p.group_out == 1));
}

/// y[o] over taps and the group's input channels, one output channel at a time (partial blocks,
/// grouped convolutions with several channels per group).
template <class T>
T direct_dot(const ConvPlan& p, const T* x, const T* w, const int64_t* row_at, int64_t o) {
  const int64_t first = (o / p.group_out) * p.group_in;
  T sum = 0;
  for (int64_t t = 0; t < p.kernel_volume; ++t) {
    if (row_at[t] < 0) continue;
    for (int64_t c = 0; c < p.group_in; ++c) {
      sum += x[row_at[t] + first + c] * w[(t * p.group_in + c) * p.c_out + o];
    }
  }
  return sum;
}

/// Two GCC vectors of T (512 bits each where the target has them): one output-channel block,
/// kept in registers (a plain array accumulator is kept in memory by GCC).
template <class T>
struct VectorOf;
template <>
struct VectorOf<float> {
  typedef float type __attribute__((vector_size(64)));
};
template <>
struct VectorOf<double> {
  typedef double type __attribute__((vector_size(64)));
};

template <class T>
struct Block {
  using Vec = typename VectorOf<T>::type;
  static constexpr int64_t kWidth = 64 / static_cast<int64_t>(sizeof(T));
  Vec lo{}, hi{};

  static Block load(const T* p) {
    Block b;
    std::memcpy(&b.lo, p, sizeof(Vec));
    std::memcpy(&b.hi, p + kWidth, sizeof(Vec));
    return b;
  }
  void store(T* p) const {
    std::memcpy(p, &lo, sizeof(Vec));
    std::memcpy(p + kWidth, &hi, sizeof(Vec));
  }
  void add_scaled(T a, const T* p) {  // += a * p[0 .. kLanes)
    const Block v = load(p);
    lo += a * v.lo;
    hi += a * v.hi;
  }
  void add_product(const T* p, const T* q) {  // += p[j] * q[j]
    const Block u = load(p), v = load(q);
    lo += u.lo * v.lo;
    hi += u.hi * v.hi;
  }
  Block& operator+=(const Block& other) {
    lo += other.lo;
    hi += other.hi;
    return *this;
  }
};
static_assert(2 * Block<float>::kWidth == kLanes<float>);

/// out[rows, C_out] += the convolution of the rows whose taps `at` lists (out holds the bias or
/// zeros); w [taps * group_in, C_out].
template <class T>
void direct_forward(const ConvPlan& p, const T* x, const T* w, const int64_t* at, int64_t rows,
                    T* out) {
  constexpr int64_t B = kLanes<T>;
  const int64_t taps = p.kernel_volume, c_out = p.c_out;
  const bool channelwise = p.groups > 1;  // in a vector block: depthwise, multiplier 1
  const bool single_channel = p.group_in == 1;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t* row_at = at + r * taps;
    T* y = out + r * c_out;
    for (int64_t o0 = 0; o0 < c_out; o0 += B) {
      if (!vector_block<T>(p, o0)) {
        for (int64_t o = o0; o < std::min(o0 + B, c_out); ++o) {
          y[o] += direct_dot(p, x, w, row_at, o);
        }
        continue;
      }
      auto add_tap = [&](Block<T>& a, int64_t t) {
        if (row_at[t] < 0) return;
        const T* xp = x + row_at[t];
        if (channelwise) {
          a.add_product(xp + o0, w + t * c_out + o0);
          return;
        }
        if (single_channel) {
          a.add_scaled(xp[0], w + t * c_out + o0);
          return;
        }
        for (int64_t c = 0; c < p.group_in; ++c) {
          a.add_scaled(xp[c], w + (t * p.group_in + c) * c_out + o0);
        }
      };
      // Even and odd taps in two named accumulators (registers; an indexed array would live in
      // memory): two independent chains of adds.
      Block<T> even = Block<T>::load(y + o0), odd{};
      int64_t t = 0;
      for (; t + 1 < taps; t += 2) {
        add_tap(even, t);
        add_tap(odd, t + 1);
      }
      if (t < taps) add_tap(even, t);
      even += odd;
      even.store(y + o0);
    }
  }
}

/// dw[taps * group_in, C_out] += the weight-gradient of the rows whose taps `at` lists; g: their
/// output gradient [rows, C_out]. Each (tap, channel, block) sums over the rows in registers.
template <class T>
void direct_weight_grad(const ConvPlan& p, const T* x, const T* g, const int64_t* at, int64_t rows,
                        T* dw) {
  constexpr int64_t B = kLanes<T>;
  const int64_t taps = p.kernel_volume, c_out = p.c_out;
  const bool channelwise = p.groups > 1;
  for (int64_t t = 0; t < taps; ++t) {
    for (int64_t c = 0; c < p.group_in; ++c) {
      T* dw_row = dw + (t * p.group_in + c) * c_out;
      for (int64_t o0 = 0; o0 < c_out; o0 += B) {
        if (!vector_block<T>(p, o0)) {
          for (int64_t o = o0; o < std::min(o0 + B, c_out); ++o) {
            const int64_t channel = (o / p.group_out) * p.group_in + c;
            T sum = 0;
            for (int64_t r = 0; r < rows; ++r) {
              const int64_t a = at[r * taps + t];
              if (a >= 0) sum += x[a + channel] * g[r * c_out + o];
            }
            dw_row[o] += sum;
          }
          continue;
        }
        auto add_row = [&](Block<T>& sum, int64_t r) {
          const int64_t a = at[r * taps + t];
          if (a < 0) return;
          if (channelwise) {
            sum.add_product(x + a + o0, g + r * c_out + o0);
          } else {
            sum.add_scaled(x[a + c], g + r * c_out + o0);
          }
        };
        Block<T> even = Block<T>::load(dw_row + o0), odd{};
        int64_t r = 0;
        for (; r + 1 < rows; r += 2) {
          add_row(even, r);
          add_row(odd, r + 1);
        }
        if (r < rows) add_row(even, r);
        even += odd;
        even.store(dw_row + o0);
      }
    }
  }
}

/// dx += the input-gradient of the rows whose taps `at` lists; g: their output gradient.
template <class T>
void direct_input_grad(const ConvPlan& p, const T* g, const T* w, const int64_t* at, int64_t rows,
                       T* dx) {
  const int64_t taps = p.kernel_volume, c_out = p.c_out;
  const bool channelwise = p.group_in == 1 && p.group_out == 1;
  for (int64_t r = 0; r < rows; ++r) {
    const T* gr = g + r * c_out;
    for (int64_t t = 0; t < taps; ++t) {
      const int64_t a = at[r * taps + t];
      if (a < 0) continue;
      T* dxp = dx + a;
      const T* wt = w + t * p.group_in * c_out;
      if (channelwise) {
        for (int64_t o = 0; o < c_out; ++o) dxp[o] += gr[o] * wt[o];
        continue;
      }
      for (int64_t group = 0; group < p.groups; ++group) {
        const T* gg = gr + group * p.group_out;
        for (int64_t c = 0; c < p.group_in; ++c) {
          const T* wr = wt + c * c_out + group * p.group_out;
          T sum = 0;
          for (int64_t m = 0; m < p.group_out; ++m) sum += gg[m] * wr[m];
          dxp[group * p.group_in + c] += sum;
        }
      }
    }
  }
}

}  // namespace nabla::cpu
