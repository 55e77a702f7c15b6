// The CPU's reduction driver, generic over a Reducer (identity, step, merge, finish). It turns any
// input layout into kept and reduced dimension lists and runs one of two loops: an inner loop when
// the reduced elements are closest in memory, an outer loop (vectorised across kept columns) when
// the kept ones are. See Note [Deterministic reduction chunks].
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "nabla/tensor/tensor.hpp"
#include "nabla/util/parallel.hpp"

namespace nabla::cpu {

// Note [Deterministic reduction chunks]
// Results must not depend on the thread count. Each output's reduced range is cut into chunks whose
// size depends only on the shape (kReduceChunk elements); each chunk is reduced in a fixed order
// into a partial result and the partials are merged in chunk order. Threads only decide who
// computes which chunk, never how values are grouped. Chunking also bounds the float error: a chunk
// is summed in blocks of SIMD lanes (contiguous) or sequentially in double (strided), and partials
// are few.

inline constexpr int64_t kReduceChunk = 65536;  // reduced elements per partial result
inline constexpr int64_t kReduceCols = 256;     // kept columns per task of the outer loop
inline constexpr int64_t kReduceGrain = 32768;  // elements of work per parallel chunk
inline constexpr int64_t kReduceLanes = 32;     // independent accumulators (SIMD lanes)
inline constexpr int64_t kLaneBlock = 1024;     // elements per block of lane accumulators

/// One dimension of the iteration: extent and strides in elements (out_stride 0 when reduced).
struct ReduceDim {
  int64_t size;
  int64_t in_stride;
  int64_t out_stride;
};

/// Kept and reduced dimensions, each ordered outer -> inner by decreasing |input stride| and with
/// mergeable neighbours merged. Size-1 dimensions are dropped; `reduced` is never empty (a single
/// element is a dimension of size 1).
struct ReduceGeometry {
  std::vector<ReduceDim> kept;
  std::vector<ReduceDim> reduced;
  int64_t n_out = 1;
  int64_t n_red = 1;
};

namespace detail {
inline int64_t magnitude(int64_t v) { return v < 0 ? -v : v; }

inline void sort_and_merge(std::vector<ReduceDim>& dims) {
  std::stable_sort(dims.begin(), dims.end(), [](const ReduceDim& a, const ReduceDim& b) {
    if (magnitude(a.in_stride) != magnitude(b.in_stride)) {
      return magnitude(a.in_stride) > magnitude(b.in_stride);
    }
    return a.out_stride > b.out_stride;
  });
  std::vector<ReduceDim> merged;
  for (const ReduceDim& d : dims) {
    if (!merged.empty()) {
      ReduceDim& outer = merged.back();
      if (outer.in_stride == d.in_stride * d.size && outer.out_stride == d.out_stride * d.size) {
        outer = {outer.size * d.size, d.in_stride, d.out_stride};
        continue;
      }
    }
    merged.push_back(d);
  }
  dims = std::move(merged);
}
}  // namespace detail

/// The geometry of reducing `in` over the axes flagged in `reduced`, writing a contiguous output
/// whose elements are the kept axes in their original order.
/// (Also for a value given by its shape and strides, which the fused kernels never materialise.)
inline ReduceGeometry make_geometry(const Shape& shape, std::span<const int64_t> strides,
                                    const std::vector<bool>& reduced) {
  ReduceGeometry g;
  int64_t out_stride = 1;
  for (int64_t d = shape.rank() - 1; d >= 0; --d) {
    const int64_t size = shape[d];
    const int64_t stride = strides[static_cast<size_t>(d)];
    if (reduced[static_cast<size_t>(d)]) {
      g.n_red *= size;
      if (size != 1) g.reduced.push_back({size, stride, 0});
    } else {
      g.n_out *= size;
      if (size != 1) g.kept.push_back({size, stride, out_stride});
      out_stride *= size;
    }
  }
  detail::sort_and_merge(g.kept);
  detail::sort_and_merge(g.reduced);
  if (g.reduced.empty()) g.reduced.push_back({1, 0, 0});
  return g;
}
inline ReduceGeometry make_geometry(const Tensor& in, const std::vector<bool>& reduced) {
  return make_geometry(in.shape(), in.strides(), reduced);
}

/// A multi-index over dims (outer -> inner) with running input and output offsets.
class DimWalker {
 public:
  explicit DimWalker(std::span<const ReduceDim> dims) : dims_(dims), index_(dims.size(), 0) {}
  /// Moves to the row-major flat position `flat`.
  void reset(int64_t flat) {
    in_ = out_ = 0;
    for (size_t d = dims_.size(); d-- > 0;) {
      const int64_t i = flat % dims_[d].size;
      flat /= dims_[d].size;
      index_[d] = i;
      in_ += i * dims_[d].in_stride;
      out_ += i * dims_[d].out_stride;
    }
  }
  void next() {
    for (size_t d = dims_.size(); d-- > 0;) {
      in_ += dims_[d].in_stride;
      out_ += dims_[d].out_stride;
      if (++index_[d] < dims_[d].size) return;
      in_ -= dims_[d].in_stride * dims_[d].size;
      out_ -= dims_[d].out_stride * dims_[d].size;
      index_[d] = 0;
    }
  }
  [[nodiscard]] int64_t in() const { return in_; }
  [[nodiscard]] int64_t out() const { return out_; }

 private:
  std::span<const ReduceDim> dims_;
  std::vector<int64_t> index_;
  int64_t in_ = 0;
  int64_t out_ = 0;
};

/// Reduces n <= kLaneBlock contiguous elements with kReduceLanes independent accumulators of
/// type R::Lane, which the compiler maps to SIMD registers, then merges the lanes pairwise in
/// R::Acc. A float32 sum keeps float lanes (each adds at most kLaneBlock / kReduceLanes
/// values) and merges them in double.
template <class R, class T>
typename R::Acc reduce_block(const T* x, int64_t n) {
  using Acc = typename R::Acc;
  using Lane = typename R::Lane;
  Lane lane[kReduceLanes];
  for (Lane& a : lane) a = static_cast<Lane>(R::identity());
  int64_t i = 0;
  for (; i + kReduceLanes <= n; i += kReduceLanes) {
    for (int64_t j = 0; j < kReduceLanes; ++j) lane[j] = R::lane_step(lane[j], x[i + j]);
  }
  const int64_t rest = n - i;
  for (int64_t j = 0; j < rest && j < kReduceLanes; ++j) lane[j] = R::lane_step(lane[j], x[i + j]);
  Acc wide[kReduceLanes];
  for (int64_t j = 0; j < kReduceLanes; ++j) wide[j] = static_cast<Acc>(lane[j]);
  for (int64_t width = kReduceLanes / 2; width > 0; width /= 2) {
    for (int64_t j = 0; j < width; ++j) wide[j] = R::merge(wide[j], wide[j + width]);
  }
  return wide[0];
}

/// Reduces n contiguous elements block by block; block(b, len) points to elements [b, b + len)
/// (len <= kLaneBlock), so a caller may produce each block just before it is read (the fused
/// kernels do). Runs are at most kReduceChunk long (see the Note), so at most
/// kReduceChunk / kLaneBlock block results are merged in sequence.
template <class R, class Block>
typename R::Acc reduce_blocks(int64_t n, Block&& block) {
  typename R::Acc acc = R::identity();
  for (int64_t b = 0; b < n; b += kLaneBlock) {
    const int64_t len = std::min(kLaneBlock, n - b);
    acc = R::merge(acc, reduce_block<R>(block(b, len), len));
  }
  return acc;
}

template <class R, class T>
typename R::Acc reduce_contiguous(const T* x, int64_t n) {
  return reduce_blocks<R>(n, [x](int64_t b, int64_t) { return x + b; });
}

/// Reduces one run of n elements at `stride`; r0 is the flat reduced index of its first element.
/// Contiguous runs use the lanes (R::kLanes) or the reducer's own R::contiguous_run; short runs,
/// where setting up lanes costs more than it saves, and strided ones take the scalar loop.
template <class R, class T>
typename R::Acc reduce_run(const T* x, int64_t n, int64_t stride, int64_t r0) {
  if (stride == 1 && n >= kReduceLanes) {
    if constexpr (requires { R::contiguous_run(x, n, r0); }) {
      return R::contiguous_run(x, n, r0);
    } else if constexpr (R::kLanes) {
      return reduce_contiguous<R>(x, n);
    }
  }
  typename R::Acc acc = R::identity();
  for (int64_t i = 0; i < n; ++i) acc = R::step(acc, x[i * stride], r0 + i);
  return acc;
}

/// Reduces the flat reduced range [begin, end) of the elements based at `base`. `outer` walks
/// g.reduced without its innermost dimension.
template <class R, class T>
typename R::Acc reduce_range(const T* base, const ReduceGeometry& g, DimWalker& outer,
                             int64_t begin, int64_t end) {
  const ReduceDim& inner = g.reduced.back();
  outer.reset(begin / inner.size);
  int64_t pos = begin % inner.size;
  typename R::Acc acc = R::identity();
  for (int64_t r = begin; r < end;) {
    const int64_t n = std::min(inner.size - pos, end - r);
    acc = R::merge(acc,
                   reduce_run<R>(base + outer.in() + pos * inner.in_stride, n, inner.in_stride, r));
    r += n;
    pos = 0;
    outer.next();
  }
  return acc;
}

/// Merges partials[o * chunks + c] over c in order and writes each output o.
template <class R>
void merge_partials(const std::vector<typename R::Acc>& partials, int64_t chunks,
                    const ReduceGeometry& g, typename R::Out* out) {
  parallel_for(0, g.n_out, std::max<int64_t>(1, kReduceGrain / chunks), [&](int64_t b, int64_t e) {
    DimWalker w(g.kept);
    w.reset(b);
    for (int64_t o = b; o < e; ++o, w.next()) {
      typename R::Acc acc = partials[static_cast<size_t>(o * chunks)];
      for (int64_t c = 1; c < chunks; ++c) {
        acc = R::merge(acc, partials[static_cast<size_t>(o * chunks + c)]);
      }
      out[w.out()] = R::finish(acc);
    }
  });
}

/// Inner loop: one task per (output, chunk of the reduced range), reading runs of the innermost
/// reduced dimension.
template <class R, class T>
void reduce_inner(const T* in, typename R::Out* out, const ReduceGeometry& g) {
  const std::span<const ReduceDim> outer_reduced(g.reduced.data(), g.reduced.size() - 1);
  const int64_t chunks = (g.n_red + kReduceChunk - 1) / kReduceChunk;
  if (chunks == 1) {
    parallel_for(
        0, g.n_out, std::max<int64_t>(1, kReduceGrain / g.n_red), [&](int64_t b, int64_t e) {
          DimWalker kept(g.kept), outer(outer_reduced);
          kept.reset(b);
          for (int64_t o = b; o < e; ++o, kept.next()) {
            out[kept.out()] = R::finish(reduce_range<R>(in + kept.in(), g, outer, 0, g.n_red));
          }
        });
    return;
  }
  std::vector<typename R::Acc> partials(static_cast<size_t>(g.n_out * chunks));
  parallel_for(0, g.n_out * chunks, 1, [&](int64_t b, int64_t e) {
    DimWalker kept(g.kept), outer(outer_reduced);
    for (int64_t t = b; t < e; ++t) {
      const int64_t chunk = t % chunks;
      kept.reset(t / chunks);
      partials[static_cast<size_t>(t)] =
          reduce_range<R>(in + kept.in(), g, outer, chunk * kReduceChunk,
                          std::min(g.n_red, (chunk + 1) * kReduceChunk));
    }
  });
  merge_partials<R>(partials, chunks, g, out);
}

/// acc[c] = step(acc[c], row[c * stride]) for rows r0..r1-1, row r at base + rows.in() (`rows`
/// positioned at r0); each row is one vectorisable pass when stride is 1. Reducers with a
/// narrower Lane (float32 sums) add kLaneBlock / kReduceLanes rows at a time in float lanes, as
/// reduce_block does, and merge those into acc. A reducer may bring its own R::accumulate_rows.
template <class R, class T>
void accumulate_rows(typename R::Acc* acc, const T* base, int64_t width, int64_t stride,
                     DimWalker& rows, int64_t r0, int64_t r1) {
  using Acc = typename R::Acc;
  if constexpr (requires { R::accumulate_rows(acc, base, width, stride, rows, r0, r1); }) {
    R::accumulate_rows(acc, base, width, stride, rows, r0, r1);
  } else if constexpr (R::kLanes && !std::is_same_v<typename R::Lane, Acc>) {
    using Lane = typename R::Lane;
    constexpr int64_t kLaneRows = kLaneBlock / kReduceLanes;
    Lane lane[kReduceCols];
    for (int64_t r = r0; r < r1;) {
      const int64_t r_end = std::min(r1, r + kLaneRows);
      for (int64_t c = 0; c < width; ++c) lane[c] = static_cast<Lane>(R::identity());
      for (; r < r_end; ++r, rows.next()) {
        const T* p = base + rows.in();
        if (stride == 1) {
          for (int64_t c = 0; c < width; ++c) lane[c] = R::lane_step(lane[c], p[c]);
        } else {
          for (int64_t c = 0; c < width; ++c) lane[c] = R::lane_step(lane[c], p[c * stride]);
        }
      }
      for (int64_t c = 0; c < width; ++c) acc[c] = R::merge(acc[c], static_cast<Acc>(lane[c]));
    }
  } else {
    for (int64_t r = r0; r < r1; ++r, rows.next()) {
      const T* p = base + rows.in();
      if (stride == 1) {
        for (int64_t c = 0; c < width; ++c) acc[c] = R::step(acc[c], p[c], r);
      } else {
        for (int64_t c = 0; c < width; ++c) acc[c] = R::step(acc[c], p[c * stride], r);
      }
    }
  }
}

/// The outer loop for narrow rows: fewer than kReduceLanes columns whose successive rows (along
/// the innermost reduced dimension) follow each other in memory, e.g. summing [N, 3] over N. A run
/// of rows is then one strided array in which element e belongs to column e % width; it is read
/// in blocks of `period` (a multiple of width) elements into that many lanes, which fold into
/// their columns at the end.
template <class R, class T>
void accumulate_folded(typename R::Acc* acc, const T* base, int64_t width, int64_t stride,
                       const ReduceGeometry& g, DimWalker& rows, int64_t r0, int64_t r1) {
  using Acc = typename R::Acc;
  using Lane = typename R::Lane;
  constexpr int64_t kLaneRows = kLaneBlock / kReduceLanes;  // values per Lane before a merge
  const int64_t period = width * (kReduceCols / width);
  const int64_t run = g.reduced.back().size;
  Acc wide[kReduceCols];
  Lane lane[kReduceCols];
  for (int64_t j = 0; j < period; ++j) wide[j] = R::identity();
  for (int64_t r = r0; r < r1;) {
    const int64_t m = (std::min(r1, r - r % run + run) - r) * width;  // to the end of this run
    const T* x = base + rows.in();
    for (int64_t b = 0; b < m; b += period * kLaneRows) {
      const int64_t end = std::min(m, b + period * kLaneRows);
      for (int64_t j = 0; j < period; ++j) lane[j] = static_cast<Lane>(R::identity());
      int64_t e = b;
      for (; e + period <= end; e += period) {
        if (stride == 1) {
          for (int64_t j = 0; j < period; ++j) lane[j] = R::lane_step(lane[j], x[e + j]);
        } else {
          for (int64_t j = 0; j < period; ++j) lane[j] = R::lane_step(lane[j], x[(e + j) * stride]);
        }
      }
      for (int64_t j = 0; e + j < end; ++j) lane[j] = R::lane_step(lane[j], x[(e + j) * stride]);
      for (int64_t j = 0; j < period; ++j) wide[j] = R::merge(wide[j], static_cast<Acc>(lane[j]));
    }
    r += m / width;
    rows.reset(r);
  }
  for (int64_t j = 0; j < period; ++j) acc[j % width] = R::merge(acc[j % width], wide[j]);
}

/// How the outer loop splits its work: tasks are (outer kept index, block of `cols` kept columns,
/// chunk of `rows_per_chunk` reduced rows), task t = (outer * col_blocks + block) * chunks + chunk.
/// `fold`: rows too narrow for lanes are read as one folded array (accumulate_folded).
struct OuterTiling {
  int64_t cols, col_blocks, rows_per_chunk, chunks, tasks, grain;
  bool fold;
};

inline OuterTiling outer_tiling(const ReduceGeometry& g, bool lanes) {
  OuterTiling t{};
  const ReduceDim inner = g.kept.back();
  t.cols = std::min(inner.size, kReduceCols);
  t.col_blocks = (inner.size + t.cols - 1) / t.cols;
  t.rows_per_chunk = std::max<int64_t>(1, kReduceChunk / t.cols);
  t.chunks = (g.n_red + t.rows_per_chunk - 1) / t.rows_per_chunk;
  t.tasks = g.n_out / inner.size * t.col_blocks * t.chunks;
  t.grain = std::max<int64_t>(1, kReduceGrain / (t.cols * std::min(t.rows_per_chunk, g.n_red)));
  t.fold = lanes && inner.size < kReduceLanes && g.reduced.back().size >= kReduceLanes &&
           g.reduced.back().in_stride == inner.size * inner.in_stride;
  return t;
}

/// Outer loop: the innermost kept dimension is closest in memory, so each task accumulates rows
/// of up to kReduceCols kept columns into a local accumulator row (reduction over leading axes).
/// Tasks are (outer kept index, column block, chunk of reduced rows).
template <class R, class T>
void reduce_outer(const T* in, typename R::Out* out, const ReduceGeometry& g) {
  using Acc = typename R::Acc;
  const ReduceDim inner = g.kept.back();
  const std::span<const ReduceDim> outer_kept(g.kept.data(), g.kept.size() - 1);
  const OuterTiling tiling = outer_tiling(g, R::kLanes);
  const int64_t cols = tiling.cols, col_blocks = tiling.col_blocks, chunks = tiling.chunks;
  const int64_t rows_per_chunk = tiling.rows_per_chunk;
  const bool fold = tiling.fold;
  std::vector<Acc> partials(static_cast<size_t>(chunks > 1 ? g.n_out * chunks : 0));
  parallel_for(0, tiling.tasks, tiling.grain, [&](int64_t b, int64_t e) {
    DimWalker kept(outer_kept), rows(g.reduced);
    Acc acc[kReduceCols];
    for (int64_t t = b; t < e; ++t) {
      const int64_t chunk = t % chunks, block = t / chunks % col_blocks;
      const int64_t outer_index = t / chunks / col_blocks;
      kept.reset(outer_index);
      const int64_t col0 = block * cols, width = std::min(cols, inner.size - col0);
      const T* base = in + kept.in() + col0 * inner.in_stride;
      for (int64_t c = 0; c < width; ++c) acc[c] = R::identity();
      const int64_t r0 = chunk * rows_per_chunk, r1 = std::min(g.n_red, r0 + rows_per_chunk);
      rows.reset(r0);
      if constexpr (R::kLanes) {
        if (fold) {
          accumulate_folded<R>(acc, base, width, inner.in_stride, g, rows, r0, r1);
        } else {
          accumulate_rows<R>(acc, base, width, inner.in_stride, rows, r0, r1);
        }
      } else {
        accumulate_rows<R>(acc, base, width, inner.in_stride, rows, r0, r1);
      }
      if (chunks == 1) {
        typename R::Out* o = out + kept.out() + col0 * inner.out_stride;
        for (int64_t c = 0; c < width; ++c) o[c * inner.out_stride] = R::finish(acc[c]);
      } else {
        const int64_t first = outer_index * inner.size + col0;  // flat index over g.kept
        for (int64_t c = 0; c < width; ++c) {
          partials[static_cast<size_t>((first + c) * chunks + chunk)] = acc[c];
        }
      }
    }
  });
  if (chunks > 1) merge_partials<R>(partials, chunks, g, out);
}

/// The outer loop when the kept elements are closer in memory, and also when the reduced runs are
/// too short for lanes but there are enough kept columns to vectorise across instead.
inline bool uses_outer_loop(const ReduceGeometry& g) {
  return !g.kept.empty() &&
         (detail::magnitude(g.kept.back().in_stride) <
              detail::magnitude(g.reduced.back().in_stride) ||
          (g.reduced.back().size < kReduceLanes && g.kept.back().size >= kReduceLanes));
}

/// Reduces `in` (any layout) into the contiguous `out` of g.n_out elements.
template <class R, class T>
void run_reduction(const T* in, typename R::Out* out, const ReduceGeometry& g) {
  if (g.n_out == 0) return;
  if (g.n_red == 0) {  // empty reduction: the identity (ops without one reject this in infer)
    std::fill(out, out + g.n_out, R::finish(R::identity()));
    return;
  }
  uses_outer_loop(g) ? reduce_outer<R>(in, out, g) : reduce_inner<R>(in, out, g);
}

}  // namespace nabla::cpu
