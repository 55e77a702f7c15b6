// The CPU's n-ary elementwise loop. Operands (output first) are broadcast to the output's shape
// (stride 0 on broadcast dimensions), adjacent dimensions that are contiguous for every operand
// are merged, and the element range is split across the thread pool; each chunk walks rows of
// the innermost dimension and hands them to a row function with per-operand strides. Shared by
// every elementwise, cast and where kernel.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "nabla/tensor/tensor.hpp"
#include "nabla/util/parallel.hpp"

namespace nabla::cpu {

/// Elements per parallel chunk: small enough to spread 1M elements over threads, large enough
/// that thread start-up (~1-2 us) is noise.
inline constexpr int64_t kElementwiseGrain = 32768;

/// `t` with `axis` removed: one element per lane (the elements along `axis`), for kernels that
/// run along an axis (sort, cumsum, softmax) over a plan of lanes.
inline Tensor lanes_of(const Tensor& t, int64_t axis) {
  Shape shape = t.shape();
  std::vector<int64_t> strides = t.strides();
  shape.erase(axis);
  strides.erase(strides.begin() + axis);
  return Tensor::view_of(t, Layout(std::move(shape), std::move(strides), t.offset()));
}

template <size_t N>
struct StridedPlan {
  std::vector<int64_t> shape;                   // merged dims, innermost last
  std::array<std::vector<int64_t>, N> strides;  // in elements, per operand
  std::array<char*, N> base{};                  // address of element [0, ..., 0]
  std::array<int64_t, N> itemsize{};
};

/// Strides of `t` broadcast to `shape` (right-aligned, 0 on broadcast or missing dims).
inline std::vector<int64_t> broadcast_strides(const Tensor& t, const Shape& shape) {
  const int64_t rank = shape.rank(), offset = rank - t.ndim();
  std::vector<int64_t> strides(static_cast<size_t>(rank), 0);
  for (int64_t d = offset; d < rank; ++d) {
    const int64_t extent = t.shape()[d - offset];
    strides[static_cast<size_t>(d)] =
        extent == 1 ? 0 : t.strides()[static_cast<size_t>(d - offset)];
  }
  return strides;
}

template <size_t N>
StridedPlan<N> make_plan(const Shape& shape, const std::array<const Tensor*, N>& operands) {
  std::array<std::vector<int64_t>, N> full;
  for (size_t k = 0; k < N; ++k) full[k] = broadcast_strides(*operands[k], shape);
  StridedPlan<N> plan;
  for (size_t k = 0; k < N; ++k) {
    plan.base[k] = static_cast<char*>(operands[k]->data_ptr());
    plan.itemsize[k] = static_cast<int64_t>(operands[k]->itemsize());
  }
  for (int64_t d = 0; d < shape.rank(); ++d) {
    const int64_t extent = shape[d];
    if (extent == 1) continue;
    bool merge = !plan.shape.empty();
    for (size_t k = 0; k < N && merge; ++k) {
      merge = plan.strides[k].back() == full[k][static_cast<size_t>(d)] * extent;
    }
    if (merge) {
      plan.shape.back() *= extent;
      for (size_t k = 0; k < N; ++k) plan.strides[k].back() = full[k][static_cast<size_t>(d)];
    } else {
      plan.shape.push_back(extent);
      for (size_t k = 0; k < N; ++k) plan.strides[k].push_back(full[k][static_cast<size_t>(d)]);
    }
  }
  if (plan.shape.empty()) {  // a single element
    plan.shape.push_back(1);
    for (size_t k = 0; k < N; ++k) plan.strides[k].push_back(0);
  }
  return plan;
}

/// Calls row(n, pointers, inner_strides) for every run of the innermost dimension, in parallel.
/// `pointers[k]` is operand k's first element of the run; strides are in elements.
template <size_t N, class Row>
void for_each_row(const StridedPlan<N>& plan, int64_t grain, Row&& row) {
  const auto rank = static_cast<int64_t>(plan.shape.size());
  int64_t total = 1;
  for (int64_t d : plan.shape) total *= d;
  const int64_t inner = plan.shape.back();
  std::array<int64_t, N> inner_strides;
  for (size_t k = 0; k < N; ++k) inner_strides[k] = plan.strides[k].back();

  parallel_for(0, total, grain, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> index(static_cast<size_t>(rank));
    int64_t rest = begin;
    for (int64_t d = rank - 1; d >= 0; --d) {
      index[static_cast<size_t>(d)] = rest % plan.shape[static_cast<size_t>(d)];
      rest /= plan.shape[static_cast<size_t>(d)];
    }
    std::array<char*, N> ptr;
    for (size_t k = 0; k < N; ++k) {
      int64_t off = 0;
      for (int64_t d = 0; d < rank; ++d) {
        off += index[static_cast<size_t>(d)] * plan.strides[k][static_cast<size_t>(d)];
      }
      ptr[k] = plan.base[k] + off * plan.itemsize[k];
    }
    int64_t pos = begin;
    while (pos < end) {
      const int64_t n = std::min(inner - index.back(), end - pos);
      row(n, ptr, inner_strides);
      pos += n;
      // advance to the next row start: inner index wraps, outer indices carry
      index.back() += n;
      for (size_t k = 0; k < N; ++k) ptr[k] += n * inner_strides[k] * plan.itemsize[k];
      for (int64_t d = rank - 1;
           d > 0 && index[static_cast<size_t>(d)] == plan.shape[static_cast<size_t>(d)]; --d) {
        index[static_cast<size_t>(d)] = 0;
        ++index[static_cast<size_t>(d - 1)];
        for (size_t k = 0; k < N; ++k) {
          ptr[k] += (plan.strides[k][static_cast<size_t>(d - 1)] -
                     plan.shape[static_cast<size_t>(d)] * plan.strides[k][static_cast<size_t>(d)]) *
                    plan.itemsize[k];
        }
      }
    }
  });
}

/// Elements per side of the square tiles of tiled_transpose_loop: two 32x32 float tiles are 8 KiB,
/// well inside L1, and every cache line fetched is used fully.
inline constexpr int64_t kTransposeTile = 32;

/// True when the plan reads a transposed input into a contiguous output: the output's last merged
/// dimension is unit-stride while the input's unit stride is on the dimension before it.
inline bool is_transposed_copy(const StridedPlan<2>& plan) {
  const size_t r = plan.shape.size();
  if (r < 2) return false;
  const auto& out = plan.strides[0];
  const auto& in = plan.strides[1];
  return out[r - 1] == 1 && out[r - 2] == plan.shape[r - 1] && in[r - 2] == 1 && in[r - 1] != 1 &&
         plan.shape[r - 1] >= kTransposeTile && plan.shape[r - 2] >= kTransposeTile;
}

/// out = fn(in) for a transposed input, walking square tiles of the last two dimensions so that
/// neither the strided reads nor the writes miss the cache on every element.
template <class Out, class In, class Fn>
void tiled_transpose_loop(const StridedPlan<2>& plan, Fn fn) {
  const size_t r = plan.shape.size();
  const int64_t rows = plan.shape[r - 2], cols = plan.shape[r - 1];
  const int64_t in_col_stride = plan.strides[1][r - 1];
  const int64_t row_tiles = (rows + kTransposeTile - 1) / kTransposeTile;
  int64_t outer = 1;
  for (size_t d = 0; d + 2 < r; ++d) outer *= plan.shape[d];
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / (kTransposeTile * cols));
  parallel_for(0, outer * row_tiles, grain, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      int64_t rest = task / row_tiles, out_offset = 0, in_offset = 0;
      for (int64_t d = static_cast<int64_t>(r) - 3; d >= 0; --d) {  // outer multi-index
        const auto i = static_cast<size_t>(d);
        out_offset += (rest % plan.shape[i]) * plan.strides[0][i];
        in_offset += (rest % plan.shape[i]) * plan.strides[1][i];
        rest /= plan.shape[i];
      }
      Out* o = reinterpret_cast<Out*>(plan.base[0]) + out_offset;
      const In* a = reinterpret_cast<const In*>(plan.base[1]) + in_offset;
      const int64_t row_begin = (task % row_tiles) * kTransposeTile;
      const int64_t row_end = std::min(rows, row_begin + kTransposeTile);
      for (int64_t col_begin = 0; col_begin < cols; col_begin += kTransposeTile) {
        const int64_t col_end = std::min(cols, col_begin + kTransposeTile);
        for (int64_t row = row_begin; row < row_end; ++row) {
          for (int64_t col = col_begin; col < col_end; ++col) {
            o[row * cols + col] = fn(a[row + col * in_col_stride]);
          }
        }
      }
    }
  });
}

/// out[i] = fn(in[i]) over broadcast operands, with contiguous and broadcast-scalar fast paths
/// that the compiler vectorises, and a tiled path for transposed inputs.
template <class Out, class In, class Fn>
void unary_loop(const Tensor& out, const Tensor& in, Fn fn) {
  auto plan = make_plan<2>(out.shape(), {&out, &in});
  if (is_transposed_copy(plan)) {
    tiled_transpose_loop<Out, In>(plan, fn);
    return;
  }
  for_each_row(plan, kElementwiseGrain,
               [&](int64_t n, const std::array<char*, 2>& p, const std::array<int64_t, 2>& s) {
                 Out* o = reinterpret_cast<Out*>(p[0]);
                 const In* a = reinterpret_cast<const In*>(p[1]);
                 if (s[0] == 1 && s[1] == 1) {
                   for (int64_t i = 0; i < n; ++i) o[i] = fn(a[i]);
                 } else {
                   for (int64_t i = 0; i < n; ++i) o[i * s[0]] = fn(a[i * s[1]]);
                 }
               });
}

template <class Out, class In, class Fn>
void binary_loop(const Tensor& out, const Tensor& lhs, const Tensor& rhs, Fn fn) {
  auto plan = make_plan<3>(out.shape(), {&out, &lhs, &rhs});
  for_each_row(plan, kElementwiseGrain,
               [&](int64_t n, const std::array<char*, 3>& p, const std::array<int64_t, 3>& s) {
                 Out* o = reinterpret_cast<Out*>(p[0]);
                 const In* a = reinterpret_cast<const In*>(p[1]);
                 const In* b = reinterpret_cast<const In*>(p[2]);
                 if (s[0] == 1 && s[1] == 1 && s[2] == 1) {
                   for (int64_t i = 0; i < n; ++i) o[i] = fn(a[i], b[i]);
                 } else if (s[0] == 1 && s[1] == 1 && s[2] == 0) {
                   const In bv = *b;
                   for (int64_t i = 0; i < n; ++i) o[i] = fn(a[i], bv);
                 } else if (s[0] == 1 && s[1] == 0 && s[2] == 1) {
                   const In av = *a;
                   for (int64_t i = 0; i < n; ++i) o[i] = fn(av, b[i]);
                 } else {
                   for (int64_t i = 0; i < n; ++i) o[i * s[0]] = fn(a[i * s[1]], b[i * s[2]]);
                 }
               });
}

}  // namespace nabla::cpu
