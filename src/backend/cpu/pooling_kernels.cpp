// Pooling kernels on channels-last data. Every input is seen as [N, D, H, W, C] (1-D and 2-D
// inputs get leading unit dims with unit windows), so one loop nest serves every rank; the
// innermost loop runs over the C contiguous channels and vectorises. Forward kernels run in
// parallel over output rows (n, d, h), gradient kernels over input rows: each dx cell gathers
// from the few windows covering it, so overlapping windows need no atomics and dx no separate
// zeroing pass.
// The 2x2 stride-2 case (every CNN's MaxPooling2D) has its own loops: one read of the input
// and one write of the output forward, one read of dy and the indices and one write of dx back.
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "backend/cpu/kernels.hpp"
#include "backend/cpu/strided_loop.hpp"
#include "backend/pooling_geometry.hpp"

namespace nabla::cpu {
namespace {

using pooling::Geometry;
using pooling::make_geometry;
using pooling::Strides5;
using pooling::strides5;
using pooling::visit_index;

/// Rows (n, d, h) per parallel chunk for rows of `work` elements each.
int64_t row_grain(int64_t work) {
  return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(work, 1));
}

/// Runs body(kUnit) with kUnit = true when every channel stride is 1 (the loops over C then
/// vectorise), as an integral constant so that the branch is resolved at compile time.
template <class Body>
void with_unit_channels(bool unit, Body&& body) {
  if (unit) {
    body(std::true_type{});
  } else {
    body(std::false_type{});
  }
}

// The loops that mix values with indices live in out-of-line functions with __restrict__
// parameters. GCC does not trust restrict on local pointers (nor, here, on inlined parameters): it
// versions each loop on a run-time overlap test and, for C below the vector width (64 one-byte
// indices) or adjacent outputs (dx's left and right cells), runs the scalar copy. Measured on
// [128, 26, 26, 32], one thread: forward 1.35 -> 0.76 ms; backward about 10 -> 0.40 ms.

/// y, idx = the first maximum of four rows (the 2x2 window) and its position 0-3.
template <class T, class I>
[[gnu::noinline]] void max_of_four(const T* __restrict__ p0, const T* __restrict__ p1,
                                   const T* __restrict__ p2, const T* __restrict__ p3,
                                   T* __restrict__ y, I* __restrict__ idx, int64_t C) {
  for (int64_t c = 0; c < C; ++c) {
    T m = p0[c];
    I k = 0;
    const T v1 = p1[c], v2 = p2[c], v3 = p3[c];
    if (pooling::beats(v1, m)) {
      m = v1;
      k = 1;
    }
    if (pooling::beats(v2, m)) {
      m = v2;
      k = 2;
    }
    if (pooling::beats(v3, m)) {
      m = v3;
      k = 3;
    }
    y[c] = m;
    idx[c] = k;
  }
}

/// y, idx = x, off where x beats the running maximum y (or is NaN).
template <class T, class I, bool kUnit>
[[gnu::noinline]] void update_max(const T* __restrict__ x, int64_t x_step, I off, T* __restrict__ y,
                                  I* __restrict__ idx, int64_t C) {
  const int64_t step = kUnit ? 1 : x_step;
  for (int64_t c = 0; c < C; ++c) {
    const T v = x[c * step];
    const bool take = pooling::beats(v, y[c]);
    y[c] = take ? v : y[c];
    idx[c] = take ? off : idx[c];
  }
}

/// out = g where idx names this cell (`want`), else 0.
template <class T, class I>
[[gnu::noinline]] void route(const I* __restrict__ idx, const T* __restrict__ g, I want,
                             T* __restrict__ out, int64_t C) {
  for (int64_t c = 0; c < C; ++c) out[c] = idx[c] == want ? g[c] : T(0);
}

/// out += g where idx names this cell.
template <class T, class I, bool kUnit>
[[gnu::noinline]] void route_add(const I* __restrict__ idx, int64_t idx_step,
                                 const T* __restrict__ g, int64_t g_step, I want,
                                 T* __restrict__ out, int64_t C) {
  const int64_t is = kUnit ? 1 : idx_step, gs = kUnit ? 1 : g_step;
  for (int64_t c = 0; c < C; ++c) out[c] += idx[c * is] == want ? g[c * gs] : T(0);
}

// ---------------------------------------------------------------------------------------------
// Forward

/// max_pool on output rows [begin, end): the first maximum of each window and its offset; the
/// output row itself is the accumulator.
template <class T, class I, bool kUnit>
void max_pool_rows(const Geometry& g, const T* x, const Strides5& xs, T* y, I* idx, int64_t begin,
                   int64_t end) {
  const int64_t C = g.channels, xc = kUnit ? 1 : xs[4];
  for (int64_t row = begin; row < end; ++row) {
    const int64_t n = row / (g.out[0] * g.out[1]), od = row / g.out[1] % g.out[0],
                  oh = row % g.out[1];
    for (int64_t ow = 0; ow < g.out[2]; ++ow) {
      T* yo = y + (row * g.out[2] + ow) * C;
      I* io = idx + (row * g.out[2] + ow) * C;
      bool first = true;
      for (int64_t d = g.lo(0, od); d < g.hi(0, od); ++d) {
        for (int64_t h = g.lo(1, oh); h < g.hi(1, oh); ++h) {
          for (int64_t w = g.lo(2, ow); w < g.hi(2, ow); ++w) {
            const T* xp = x + n * xs[0] + d * xs[1] + h * xs[2] + w * xs[3];
            const auto off = static_cast<I>(g.window_offset(d, h, w, od, oh, ow));
            if (first) {
              for (int64_t c = 0; c < C; ++c) yo[c] = xp[c * xc];
              std::fill(io, io + C, off);
              first = false;
              continue;
            }
            update_max<T, I, kUnit>(xp, xc, off, yo, io, C);
          }
        }
      }
    }
  }
}

/// The 2x2 stride-2 case, unit channel stride: four input rows of C per output row of C.
template <class T, class I>
void max_pool_2x2_rows(const Geometry& g, const T* x, const Strides5& xs, T* y, I* idx,
                       int64_t begin, int64_t end) {
  const int64_t C = g.channels;
  for (int64_t row = begin; row < end; ++row) {
    const int64_t n = row / (g.out[0] * g.out[1]), d = row / g.out[1] % g.out[0],
                  oh = row % g.out[1];
    const T* top = x + n * xs[0] + d * xs[1] + 2 * oh * xs[2];
    for (int64_t ow = 0; ow < g.out[2]; ++ow) {
      const T* p0 = top + 2 * ow * xs[3];
      const T* p1 = p0 + xs[3];
      const T* p2 = p0 + xs[2];
      const T* p3 = p2 + xs[3];
      max_of_four(p0, p1, p2, p3, y + (row * g.out[2] + ow) * C, idx + (row * g.out[2] + ow) * C,
                  C);
    }
  }
}

template <class T>
void avg_pool_rows(const Geometry& g, const T* x, const Strides5& xs, T* y, int64_t begin,
                   int64_t end, int64_t xc) {
  const int64_t C = g.channels;
  for (int64_t row = begin; row < end; ++row) {
    const int64_t n = row / (g.out[0] * g.out[1]), od = row / g.out[1] % g.out[0],
                  oh = row % g.out[1];
    for (int64_t ow = 0; ow < g.out[2]; ++ow) {
      T* yo = y + (row * g.out[2] + ow) * C;
      std::fill(yo, yo + C, T(0));
      int64_t count = 0;
      for (int64_t d = g.lo(0, od); d < g.hi(0, od); ++d) {
        for (int64_t h = g.lo(1, oh); h < g.hi(1, oh); ++h) {
          for (int64_t w = g.lo(2, ow); w < g.hi(2, ow); ++w) {
            const T* xp = x + n * xs[0] + d * xs[1] + h * xs[2] + w * xs[3];
            for (int64_t c = 0; c < C; ++c) yo[c] += xp[c * xc];
            ++count;
          }
        }
      }
      const T scale = T(1) / static_cast<T>(count);
      for (int64_t c = 0; c < C; ++c) yo[c] *= scale;
    }
  }
}

template <class T>
void avg_pool_2x2_rows(const Geometry& g, const T* x, const Strides5& xs, T* y, int64_t begin,
                       int64_t end) {
  const int64_t C = g.channels;
  for (int64_t row = begin; row < end; ++row) {
    const int64_t n = row / (g.out[0] * g.out[1]), d = row / g.out[1] % g.out[0],
                  oh = row % g.out[1];
    const T* top = x + n * xs[0] + d * xs[1] + 2 * oh * xs[2];
    for (int64_t ow = 0; ow < g.out[2]; ++ow) {
      const T* p0 = top + 2 * ow * xs[3];
      const T* p1 = p0 + xs[3];
      const T* p2 = p0 + xs[2];
      const T* p3 = p2 + xs[3];
      T* yo = y + (row * g.out[2] + ow) * C;
      // Summed in the generic loop's order: both paths give the same bits.
      for (int64_t c = 0; c < C; ++c) yo[c] = (((p0[c] + p1[c]) + p2[c]) + p3[c]) * T(0.25);
    }
  }
}

/// Output rows (n, d, h) and the work per row.
int64_t output_rows(const Geometry& g) { return g.batch * g.out[0] * g.out[1]; }
int64_t row_work(const Geometry& g, int64_t row_length) {
  return row_length * g.channels * g.cells();
}

void max_pool_kernel(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &y = ctx.outputs[0], &idx = ctx.outputs[1];
  const Geometry g = make_geometry(x.shape(), y.shape(), ctx.attrs);
  const Strides5 xs = strides5(x);
  visit_dtype(x.dtype(), [&]<class T>(T) {
    if constexpr (!std::is_same_v<T, bool>) {
      visit_index(idx.dtype(), [&]<class I>(I) {
        const T* px = static_cast<const T*>(x.data_ptr());
        T* py = static_cast<T*>(y.data_ptr());
        I* pi = static_cast<I*>(idx.data_ptr());
        const int64_t grain = row_grain(row_work(g, g.out[2]));
        if (g.is_2x2() && xs[4] == 1) {
          parallel_for(0, output_rows(g), grain, [&](int64_t b, int64_t e) {
            max_pool_2x2_rows<T, I>(g, px, xs, py, pi, b, e);
          });
          return;
        }
        with_unit_channels(xs[4] == 1, [&](auto unit) {
          parallel_for(0, output_rows(g), grain, [&](int64_t b, int64_t e) {
            max_pool_rows<T, I, decltype(unit)::value>(g, px, xs, py, pi, b, e);
          });
        });
      });
    }
  });
}

template <class T>
void avg_pool_typed(const Tensor& x, const Tensor& y, const Geometry& g) {
  const Strides5 xs = strides5(x);
  const T* px = static_cast<const T*>(x.data_ptr());
  T* py = static_cast<T*>(y.data_ptr());
  const int64_t grain = row_grain(row_work(g, g.out[2]));
  if (g.is_2x2() && xs[4] == 1) {
    parallel_for(0, output_rows(g), grain,
                 [&](int64_t b, int64_t e) { avg_pool_2x2_rows<T>(g, px, xs, py, b, e); });
    return;
  }
  with_unit_channels(xs[4] == 1, [&](auto unit) {
    const int64_t xc = decltype(unit)::value ? 1 : xs[4];
    parallel_for(0, output_rows(g), grain,
                 [&](int64_t b, int64_t e) { avg_pool_rows<T>(g, px, xs, py, b, e, xc); });
  });
}

void avg_pool_kernel(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &y = ctx.outputs[0];
  const Geometry g = make_geometry(x.shape(), y.shape(), ctx.attrs);
  if (x.dtype() == DType::Float32) {
    avg_pool_typed<float>(x, y, g);
  } else {
    avg_pool_typed<double>(x, y, g);
  }
}

// ---------------------------------------------------------------------------------------------
// Gradients: parallel over input rows (n, d, h); each dx cell sums what the covering windows
// send it.

/// Calls fn(od, oh, ow, offset) for every output whose window covers input cell (d, h, w),
/// with the cell's row-major offset inside that window.
template <class Fn>
void for_each_cover(const Geometry& g, int64_t d, int64_t h, int64_t w, Fn&& fn) {
  for (int64_t od = g.first_cover(0, d); od <= g.last_cover(0, d); ++od) {
    for (int64_t oh = g.first_cover(1, h); oh <= g.last_cover(1, h); ++oh) {
      for (int64_t ow = g.first_cover(2, w); ow <= g.last_cover(2, w); ++ow) {
        fn(od, oh, ow, g.window_offset(d, h, w, od, oh, ow));
      }
    }
  }
}

/// dx = the gradient of max_pool: dy added where the window's index names the cell.
template <class T, class I, bool kUnit>
void max_pool_backward_rows(const Geometry& g, const I* idx, const Strides5& is, const T* dy,
                            const Strides5& gs, T* dx, int64_t begin, int64_t end) {
  const int64_t C = g.channels, ic = kUnit ? 1 : is[4], gc = kUnit ? 1 : gs[4];
  for (int64_t row = begin; row < end; ++row) {
    const int64_t n = row / (g.in[0] * g.in[1]), d = row / g.in[1] % g.in[0], h = row % g.in[1];
    for (int64_t w = 0; w < g.in[2]; ++w) {
      T* out = dx + (row * g.in[2] + w) * C;
      std::fill(out, out + C, T(0));
      for_each_cover(g, d, h, w, [&](int64_t od, int64_t oh, int64_t ow, int64_t off) {
        const I* ip = idx + n * is[0] + od * is[1] + oh * is[2] + ow * is[3];
        const T* gp = dy + n * gs[0] + od * gs[1] + oh * gs[2] + ow * gs[3];
        const auto want = static_cast<I>(off);
        route_add<T, I, kUnit>(ip, ic, gp, gc, want, out, C);
      });
    }
  }
}

/// The 2x2 stride-2 gradient with unit channel strides: each dx row reads one row of dy and of
/// the indices; cells outside every window (odd trailing row/column) get 0.
template <class T, class I>
void max_pool_backward_2x2_rows(const Geometry& g, const I* idx, const Strides5& is, const T* dy,
                                const Strides5& gs, T* dx, int64_t begin, int64_t end) {
  const int64_t C = g.channels;
  for (int64_t row = begin; row < end; ++row) {
    const int64_t n = row / (g.in[0] * g.in[1]), d = row / g.in[1] % g.in[0], h = row % g.in[1];
    T* out_row = dx + row * g.in[2] * C;
    const int64_t oh = h / 2;
    if (oh >= g.out[1]) {
      std::fill(out_row, out_row + g.in[2] * C, T(0));
      continue;
    }
    const I* irow = idx + n * is[0] + d * is[1] + oh * is[2];
    const T* grow = dy + n * gs[0] + d * gs[1] + oh * gs[2];
    const auto base = static_cast<I>(2 * (h % 2)), base1 = static_cast<I>(base + 1);
    for (int64_t ow = 0; ow < g.out[2]; ++ow) {
      const I* ip = irow + ow * is[3];
      const T* gp = grow + ow * gs[3];
      T* left = out_row + 2 * ow * C;
      route(ip, gp, base, left, C);
      route(ip, gp, base1, left + C, C);
    }
    std::fill(out_row + 2 * g.out[2] * C, out_row + g.in[2] * C, T(0));
  }
}

void max_pool_backward_kernel(const KernelContext& ctx) {
  const Tensor &idx = ctx.inputs[0], &dy = ctx.inputs[1], &dx = ctx.outputs[0];
  const Geometry g = make_geometry(dx.shape(), dy.shape(), ctx.attrs);
  const Strides5 is = strides5(idx), gs = strides5(dy);
  const int64_t rows = g.batch * g.in[0] * g.in[1];
  const int64_t grain = row_grain(row_work(g, g.in[2]));
  const bool unit = is[4] == 1 && gs[4] == 1;
  auto run = [&]<class T>(T) {
    visit_index(idx.dtype(), [&]<class I>(I) {
      const I* pi = static_cast<const I*>(idx.data_ptr());
      const T* pg = static_cast<const T*>(dy.data_ptr());
      T* pd = static_cast<T*>(dx.data_ptr());
      if (g.is_2x2() && unit) {
        parallel_for(0, rows, grain, [&](int64_t b, int64_t e) {
          max_pool_backward_2x2_rows<T, I>(g, pi, is, pg, gs, pd, b, e);
        });
        return;
      }
      with_unit_channels(unit, [&](auto u) {
        parallel_for(0, rows, grain, [&](int64_t b, int64_t e) {
          max_pool_backward_rows<T, I, decltype(u)::value>(g, pi, is, pg, gs, pd, b, e);
        });
      });
    });
  };
  if (dy.dtype() == DType::Float32) {
    run(float{});
  } else {
    run(double{});
  }
}

/// dx = the gradient of avg_pool: each covering window sends dy / (its real cell count).
template <class T>
void avg_pool_backward_rows(const Geometry& g, const T* dy, const Strides5& gs, T* dx,
                            int64_t begin, int64_t end, int64_t gc) {
  const int64_t C = g.channels;
  for (int64_t row = begin; row < end; ++row) {
    const int64_t n = row / (g.in[0] * g.in[1]), d = row / g.in[1] % g.in[0], h = row % g.in[1];
    for (int64_t w = 0; w < g.in[2]; ++w) {
      T* out = dx + (row * g.in[2] + w) * C;
      std::fill(out, out + C, T(0));
      for_each_cover(g, d, h, w, [&](int64_t od, int64_t oh, int64_t ow, int64_t) {
        const T scale = T(1) / static_cast<T>(g.real_cells(od, oh, ow));
        const T* gp = dy + n * gs[0] + od * gs[1] + oh * gs[2] + ow * gs[3];
        for (int64_t c = 0; c < C; ++c) out[c] += gp[c * gc] * scale;
      });
    }
  }
}

template <class T>
void avg_pool_backward_2x2_rows(const Geometry& g, const T* dy, const Strides5& gs, T* dx,
                                int64_t begin, int64_t end) {
  const int64_t C = g.channels;
  for (int64_t row = begin; row < end; ++row) {
    const int64_t n = row / (g.in[0] * g.in[1]), d = row / g.in[1] % g.in[0], h = row % g.in[1];
    T* out_row = dx + row * g.in[2] * C;
    const int64_t oh = h / 2;
    if (oh >= g.out[1]) {
      std::fill(out_row, out_row + g.in[2] * C, T(0));
      continue;
    }
    const T* grow = dy + n * gs[0] + d * gs[1] + oh * gs[2];
    for (int64_t ow = 0; ow < g.out[2]; ++ow) {
      const T* gp = grow + ow * gs[3];
      T* left = out_row + 2 * ow * C;
      T* right = left + C;
      for (int64_t c = 0; c < C; ++c) {
        const T v = gp[c] * T(0.25);
        left[c] = v;
        right[c] = v;
      }
    }
    std::fill(out_row + 2 * g.out[2] * C, out_row + g.in[2] * C, T(0));
  }
}

template <class T>
void avg_pool_backward_typed(const Tensor& dy, const Tensor& dx, const Geometry& g) {
  const Strides5 gs = strides5(dy);
  const T* pg = static_cast<const T*>(dy.data_ptr());
  T* pd = static_cast<T*>(dx.data_ptr());
  const int64_t rows = g.batch * g.in[0] * g.in[1];
  const int64_t grain = row_grain(row_work(g, g.in[2]));
  if (g.is_2x2() && gs[4] == 1) {
    parallel_for(0, rows, grain,
                 [&](int64_t b, int64_t e) { avg_pool_backward_2x2_rows<T>(g, pg, gs, pd, b, e); });
    return;
  }
  with_unit_channels(gs[4] == 1, [&](auto unit) {
    const int64_t gc = decltype(unit)::value ? 1 : gs[4];
    parallel_for(0, rows, grain,
                 [&](int64_t b, int64_t e) { avg_pool_backward_rows<T>(g, pg, gs, pd, b, e, gc); });
  });
}

void avg_pool_backward_kernel(const KernelContext& ctx) {
  const Tensor &dy = ctx.inputs[0], &dx = ctx.outputs[0];
  const Geometry g = make_geometry(dx.shape(), dy.shape(), ctx.attrs);
  if (dy.dtype() == DType::Float32) {
    avg_pool_backward_typed<float>(dy, dx, g);
  } else {
    avg_pool_backward_typed<double>(dy, dx, g);
  }
}

/// out[o] = values at the cell indices[o] names in o's window (0 for padding or a bad index):
/// the adjoint of max_pool_backward, used only by second derivatives, so one plain loop.
template <class T, class I>
void max_pool_gather_rows(const Geometry& g, const I* idx, const Strides5& is, const T* values,
                          const Strides5& vs, T* out, int64_t begin, int64_t end) {
  const int64_t C = g.channels;
  for (int64_t row = begin; row < end; ++row) {
    const int64_t n = row / (g.out[0] * g.out[1]), od = row / g.out[1] % g.out[0],
                  oh = row % g.out[1];
    for (int64_t ow = 0; ow < g.out[2]; ++ow) {
      T* o = out + (row * g.out[2] + ow) * C;
      const I* ip = idx + n * is[0] + od * is[1] + oh * is[2] + ow * is[3];
      for (int64_t c = 0; c < C; ++c) {
        int64_t d = 0, h = 0, w = 0;
        const bool inside = g.window_cell(static_cast<int64_t>(ip[c * is[4]]), od, oh, ow, d, h, w);
        o[c] = inside ? values[vs.offset(n, d, h, w, c)] : T(0);
      }
    }
  }
}

void max_pool_gather_kernel(const KernelContext& ctx) {
  const Tensor &idx = ctx.inputs[0], &values = ctx.inputs[1], &out = ctx.outputs[0];
  const Geometry g = make_geometry(values.shape(), out.shape(), ctx.attrs);
  const Strides5 is = strides5(idx), vs = strides5(values);
  auto run = [&]<class T>(T) {
    visit_index(idx.dtype(), [&]<class I>(I) {
      const I* pi = static_cast<const I*>(idx.data_ptr());
      const T* pv = static_cast<const T*>(values.data_ptr());
      T* po = static_cast<T*>(out.data_ptr());
      parallel_for(0, output_rows(g), row_grain(g.out[2] * g.channels), [&](int64_t b, int64_t e) {
        max_pool_gather_rows<T, I>(g, pi, is, pv, vs, po, b, e);
      });
    });
  };
  if (values.dtype() == DType::Float32) {
    run(float{});
  } else {
    run(double{});
  }
}

}  // namespace

void register_pooling_kernels(KernelTable& table) {
  table.add("max_pool", DeviceKind::CPU, &max_pool_kernel);
  table.add("avg_pool", DeviceKind::CPU, &avg_pool_kernel);
  table.add("max_pool_backward", DeviceKind::CPU, &max_pool_backward_kernel);
  table.add("avg_pool_backward", DeviceKind::CPU, &avg_pool_backward_kernel);
  table.add("max_pool_gather", DeviceKind::CPU, &max_pool_gather_kernel);
}

}  // namespace nabla::cpu
