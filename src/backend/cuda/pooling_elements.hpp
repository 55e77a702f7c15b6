// What one thread of each CUDA pooling kernel (pooling_kernels.cu) computes: one output element
// for max_pool, avg_pool and max_pool_gather; one input element for the two gradients, which
// gathers from the few windows covering it, so there are no atomics (results are deterministic)
// and dx needs no zeroing pass. Each follows the CPU kernel's order of operations, so results
// match it bit for bit. NABLA_HOST_DEVICE functions: host tests check them on machines without
// a GPU.
#pragma once

#include <cmath>
#include <cstdint>

#include "backend/pooling_geometry.hpp"

namespace nabla::cuda {

/// A cell (n, d, h, w, c) of a [N, D, H, W, C] grid.
struct PoolCell {
  int64_t n, d, h, w, c;
};

/// The cell at row-major index `linear` of a [N, D, H, W, C] grid. Index is uint32_t when every
/// index of the grid fits in it: 32-bit divisions are several times faster on the GPU.
template <class Index>
NABLA_HOST_DEVICE PoolCell unravel_pool_cell(int64_t linear, int64_t D, int64_t H, int64_t W,
                                             int64_t C) {
  auto rest = static_cast<Index>(linear);
  int64_t coordinate[4];
  const int64_t extent[4] = {C, W, H, D};
  for (int k = 0; k < 4; ++k) {
    const auto size = static_cast<Index>(extent[k]);
    const Index quotient = rest / size;
    coordinate[k] = static_cast<int64_t>(rest - quotient * size);
    rest = quotient;
  }
  return {static_cast<int64_t>(rest), coordinate[3], coordinate[2], coordinate[1], coordinate[0]};
}

/// The CPU kernel's multiply-add, fused (GCC contracts it to an FMA on x86-64 with FMA: -march).
NABLA_HOST_DEVICE inline float fused_multiply_add(float a, float b, float c) {
  return fmaf(a, b, c);
}
NABLA_HOST_DEVICE inline double fused_multiply_add(double a, double b, double c) {
  return fma(a, b, c);
}

/// max_pool at output cell o: its window's maximum and that cell's offset in the padded window
/// (pooling::beats decides ties and NaN). Every window has a real cell, the first of which
/// seeds the running maximum (visiting it again leaves the result unchanged).
template <class T, class I>
NABLA_HOST_DEVICE void max_pool_at(const pooling::Geometry& g, const T* x,
                                   const pooling::Strides5& xs, const PoolCell& o, T& y, I& index) {
  const T* base = x + o.n * xs[0] + o.c * xs[4];
  const int64_t d0 = g.lo(0, o.d), d1 = g.hi(0, o.d), h0 = g.lo(1, o.h), h1 = g.hi(1, o.h),
                w0 = g.lo(2, o.w), w1 = g.hi(2, o.w);
  T best = base[d0 * xs[1] + h0 * xs[2] + w0 * xs[3]];
  int64_t best_offset = g.window_offset(d0, h0, w0, o.d, o.h, o.w);
  for (int64_t d = d0; d < d1; ++d) {
    for (int64_t h = h0; h < h1; ++h) {
      for (int64_t w = w0; w < w1; ++w) {
        const T v = base[d * xs[1] + h * xs[2] + w * xs[3]];
        if (pooling::beats(v, best)) {
          best = v;
          best_offset = g.window_offset(d, h, w, o.d, o.h, o.w);
        }
      }
    }
  }
  y = best;
  index = static_cast<I>(best_offset);
}

/// avg_pool at output cell o: the sum of the window's real cells in the CPU's order, from +0,
/// times the reciprocal of their count.
template <class T>
NABLA_HOST_DEVICE T avg_pool_at(const pooling::Geometry& g, const T* x, const pooling::Strides5& xs,
                                const PoolCell& o) {
  const T* base = x + o.n * xs[0] + o.c * xs[4];
  T sum = T(0);
  for (int64_t d = g.lo(0, o.d); d < g.hi(0, o.d); ++d) {
    for (int64_t h = g.lo(1, o.h); h < g.hi(1, o.h); ++h) {
      for (int64_t w = g.lo(2, o.w); w < g.hi(2, o.w); ++w) {
        sum += base[d * xs[1] + h * xs[2] + w * xs[3]];
      }
    }
  }
  return sum * (T(1) / static_cast<T>(g.real_cells(o.d, o.h, o.w)));
}

/// max_pool_backward at input cell p: the dy of every covering window whose index names p,
/// added in output order. (Skipping the others instead of adding 0 as the CPU does gives the
/// same bits: the sum starts at +0 and so is never -0.)
template <class T, class I>
NABLA_HOST_DEVICE T max_pool_backward_at(const pooling::Geometry& g, const I* index,
                                         const pooling::Strides5& is, const T* dy,
                                         const pooling::Strides5& gs, const PoolCell& p) {
  T sum = T(0);
  for (int64_t od = g.first_cover(0, p.d); od <= g.last_cover(0, p.d); ++od) {
    for (int64_t oh = g.first_cover(1, p.h); oh <= g.last_cover(1, p.h); ++oh) {
      for (int64_t ow = g.first_cover(2, p.w); ow <= g.last_cover(2, p.w); ++ow) {
        const auto want = static_cast<I>(g.window_offset(p.d, p.h, p.w, od, oh, ow));
        if (index[is.offset(p.n, od, oh, ow, p.c)] == want) {
          sum += dy[gs.offset(p.n, od, oh, ow, p.c)];
        }
      }
    }
  }
  return sum;
}

/// avg_pool_backward at input cell p: each covering window's dy over its real cell count.
template <class T>
NABLA_HOST_DEVICE T avg_pool_backward_at(const pooling::Geometry& g, const T* dy,
                                         const pooling::Strides5& gs, const PoolCell& p) {
  T sum = T(0);
  for (int64_t od = g.first_cover(0, p.d); od <= g.last_cover(0, p.d); ++od) {
    for (int64_t oh = g.first_cover(1, p.h); oh <= g.last_cover(1, p.h); ++oh) {
      for (int64_t ow = g.first_cover(2, p.w); ow <= g.last_cover(2, p.w); ++ow) {
        const T scale = T(1) / static_cast<T>(g.real_cells(od, oh, ow));
        sum = fused_multiply_add(dy[gs.offset(p.n, od, oh, ow, p.c)], scale, sum);
      }
    }
  }
  return sum;
}

/// max_pool_gather at output cell o: values at the cell its index names (0 for padding or an
/// index outside the window).
template <class T, class I>
NABLA_HOST_DEVICE T max_pool_gather_at(const pooling::Geometry& g, const I* index,
                                       const pooling::Strides5& is, const T* values,
                                       const pooling::Strides5& vs, const PoolCell& o) {
  int64_t d = 0, h = 0, w = 0;
  const auto off = static_cast<int64_t>(index[is.offset(o.n, o.d, o.h, o.w, o.c)]);
  return g.window_cell(off, o.d, o.h, o.w, d, h, w) ? values[vs.offset(o.n, d, h, w, o.c)] : T(0);
}

}  // namespace nabla::cuda
