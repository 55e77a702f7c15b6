// CUDA kernels of the indexing family: concatenate, take and gather (copies and lookups), and the
// scatters scatter_add, index_add (accumulate src into a copy of x at indices along an axis) and
// as_strided_scatter (overwrite a window of a copy of x). Inputs, attributes, dtypes and results
// are the CPU kernels' (backend/cpu/manipulation_kernels.cpp, backend/cpu/scatter_kernels.cpp);
// every operand may have any layout (OffsetCalc). None of these ops declares OpDef::complex, so
// dispatch refuses complex tensors before a kernel runs; the kernels still refuse them with a
// DeviceError rather than instantiate complex device code.
//
// Index values. The ops range-check indices in their infer rules only for CPU index tensors
// (reading a CUDA tensor there would synchronise the device). Indices in [-size, 0) wrap, as on
// the CPU; an index still outside [0, size) must not touch memory it does not own, so here:
//  - take and gather write 0 for it (a defined value, rather than whatever the allocator's block
//    held);
//  - scatter_add and index_add drop its contribution (skip, not clamp: clamping would add into
//    an element that the caller never named).
//
// Determinism of scatter_add and index_add (the gradients of gather and take, so they run in
// every training step that uses those): no atomics. Each output element is summed by one thread
// that starts from x's value and adds its sources in index order, which is exactly the CPU
// kernel's order, so results are bitwise the same on every run and equal to the CPU's (float
// addition rounds identically on both). Two ways to find an element's sources:
//  - per lane (the CPU's scheme): one thread per position outside the axis walks the whole
//    axis. Used when the axis is short or there are enough lanes to fill the GPU;
//  - sorted: a stable radix sort (CUB) of (target element, source position) pairs groups the
//    sources of each target in index order; the thread at the start of each group sums it. Used
//    otherwise, e.g. an embedding's gradient (index_add along rows with a long index), where
//    there are few lanes but many rows. A target that receives many sources is still summed by
//    one thread, sequentially (splitting it would change the order of the additions).
// Both ways add in the same order, so which one a shape takes never changes a result.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cub/device/device_radix_sort.cuh>
#include <type_traits>
#include <utility>
#include <vector>

#include "backend/concatenate_slabs.hpp"
#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/kernels.hpp"
#include "backend/cuda/launch.cuh"
#include "backend/cuda/strided_index.cuh"
#include "backend/take_strides.hpp"

namespace nabla::cuda {
namespace {

[[noreturn]] void refuse_complex(const char* op) {
  throw DeviceError(detail::str_cat(op, ": complex tensors are not supported on CUDA yet"));
}

/// Calls fn(E{}) with E an unsigned integer of `t`'s element size: copies and lookups move
/// elements as raw bits, so three instantiations serve every real dtype.
template <class Fn>
void visit_element_size(const char* op, DType t, Fn&& fn) {
  if (is_complex(t)) refuse_complex(op);
  switch (dtype_size(t)) {
    case 1:
      fn(uint8_t{});
      return;
    case 4:
      fn(uint32_t{});
      return;
    case 8:
      fn(uint64_t{});
      return;
    default:
      NABLA_ASSERT(false, op, ": unexpected element size of ", t);
  }
}

int64_t axis_attr(const KernelContext& ctx, int64_t rank) {
  const int64_t axis = ctx.attrs.get<int64_t>("axis");
  return axis < 0 ? axis + rank : axis;
}

/// `i` wrapped like the CPU kernels (negatives count from the end); -1 when it is still outside
/// [0, size), which only an unchecked (CUDA) index tensor can hold.
__device__ inline int64_t wrap_index(int64_t i, int64_t size) {
  if (i < 0) i += size;
  return i >= 0 && i < size ? i : -1;
}

// ---- Copies: concatenate's slabs, as_strided_scatter's window, the scatters' copy of x.

template <class E>
__global__ void copy_elements(E* __restrict__ dst, const E* __restrict__ src, OffsetCalc<2> calc,
                              int64_t n) {
  if (calc.contiguous) {
    for (int64_t i = grid_index(); i < n; i += grid_stride()) dst[i] = src[i];
  } else {
    for (int64_t i = grid_index(); i < n; i += grid_stride()) {
      const Offsets<2> o = calc.get(i);
      dst[o.at[0]] = src[o.at[1]];
    }
  }
}

/// dst = src elementwise; both have dst's shape and any strides.
void copy_into(const char* op, const Tensor& dst, const Tensor& src) {
  const int64_t n = dst.numel();
  if (n == 0) return;
  const OffsetCalc<2> calc = make_offset_calc<2>(dst.shape(), {&dst, &src}, op);
  visit_element_size(op, dst.dtype(), [&]<class E>(E) {
    copy_elements<E><<<blocks_for(n), kThreads, 0, stream(dst.device())>>>(
        device_data<E>(dst), device_data<const E>(src), calc, n);
  });
  check_launch(op);
}

// ---- concatenate: inputs share the output's dtype (the op promotes first).

/// One launch per input, into its slab of the output.
void concatenate_kernel(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  for_each_concatenate_slab(
      out, ctx.inputs, axis_attr(ctx, out.ndim()),
      [](const Tensor& slab, const Tensor& in) { copy_into("concatenate", slab, in); });
}

// ---- take / gather: out = source[..., wrap(index), ...]

/// Walks the output's index space; operand 1 is the int64 index, operand 2 the source with
/// stride 0 along the gathered axis (the CPU's views, as stride lists).
template <class E>
__global__ void gather_elements(E* __restrict__ out, const int64_t* __restrict__ index,
                                const E* __restrict__ source, OffsetCalc<3> calc, int64_t n,
                                int64_t size, int64_t axis_stride) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    const Offsets<3> o = calc.get(i);
    const int64_t k = wrap_index(index[o.at[1]], size);
    out[o.at[0]] = k >= 0 ? source[o.at[2] + k * axis_stride] : E{0};
  }
}

/// out[p] = x[view(p) + wrap(index[view(p)]) * x's axis stride] over out's shape, where
/// `index_strides` and `x_strides` (one per output dimension) map output positions into the
/// operands.
void gather_along(const char* op, const Tensor& out, const Tensor& x, const Tensor& index,
                  int64_t axis, std::vector<int64_t> index_strides,
                  std::vector<int64_t> x_strides) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const std::vector<int64_t> sizes(out.shape().begin(), out.shape().end());
  const OffsetCalc<3> calc = make_offset_calc<3>(
      sizes, {out.strides(), std::move(index_strides), std::move(x_strides)}, op);
  const int64_t size = x.shape()[axis], axis_stride = x.strides()[static_cast<size_t>(axis)];
  visit_element_size(op, out.dtype(), [&]<class E>(E) {
    // An empty x (size 0 along the axis) is never read: every index is out of range then.
    const E* source = x.numel() > 0 ? device_data<const E>(x) : nullptr;
    gather_elements<E><<<blocks_for(n), kThreads, 0, stream(out.device())>>>(
        device_data<E>(out), device_data<const int64_t>(index), source, calc, n, size, axis_stride);
  });
  check_launch(op);
}

// inputs: x, index (int64) -> out: x.shape[:axis] + index.shape + x.shape[axis+1:]
void take_kernel(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &index = ctx.inputs[1], &out = ctx.outputs[0];
  const int64_t axis = axis_attr(ctx, x.ndim());
  TakeStrides s = take_strides(x, index, axis, out.ndim());
  gather_along("take", out, x, index, axis, std::move(s.index), std::move(s.x));
}

// inputs: x, index (int64, x's rank) -> out: index.shape;
// out[..., j, ...] = x[..., index[..., j, ...], ...] along axis
void gather_kernel(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &index = ctx.inputs[1], &out = ctx.outputs[0];
  const int64_t axis = axis_attr(ctx, x.ndim());
  std::vector<int64_t> x_strides = x.strides();
  x_strides[static_cast<size_t>(axis)] = 0;
  gather_along("gather", out, x, index, axis, index.strides(), std::move(x_strides));
}

// ---- scatter_add / index_add: out = x, then out[.., wrap(index[p, j]), ..] += src[p, j]

/// a + b in T, wrapping for integers like the CPU's static_cast<T>(a + b), but computed in the
/// unsigned type so that a signed overflow is not undefined behaviour.
template <class T>
__device__ inline T add_element(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  } else {
    return a + b;
  }
}

/// The scattered axis: n source positions along it, `size` output positions, and each
/// operand's stride along it.
struct ScatterAxis {
  int64_t n, size, out_step, index_step, src_step;
};

/// An axis at most this long is summed by one thread per lane whatever the lane count: a short
/// sequential loop costs less than sorting.
constexpr int64_t kPerLaneMaxAxis = 32;
/// This many lanes fill the GPU (every thread a grid-stride launch runs at once), so one thread
/// per lane is as parallel as sorting would be, without its passes over memory.
constexpr int64_t kPerLaneMinLanes = kMaxBlocks * kThreads;

bool sum_per_lane(int64_t n, int64_t lanes) {
  return n <= kPerLaneMaxAxis || lanes >= kPerLaneMinLanes;
}

/// The CPU's scheme: one thread per lane (position outside the axis) adds the lane's sources in
/// index order. Lanes own disjoint output elements, so no two threads touch one element.
/// `lanes` gives each lane's offsets into out, index and src (operands 0, 1, 2).
template <class T>
__global__ void scatter_add_per_lane(T* __restrict__ out, const int64_t* __restrict__ index,
                                     const T* __restrict__ src, OffsetCalc<3> lanes,
                                     int64_t n_lanes, ScatterAxis a) {
  for (int64_t lane = grid_index(); lane < n_lanes; lane += grid_stride()) {
    const Offsets<3> o = lanes.get(lane);
    for (int64_t j = 0; j < a.n; ++j) {
      const int64_t i = wrap_index(index[o.at[1] + j * a.index_step], a.size);
      if (i < 0) continue;  // out of range: dropped
      T& target = out[o.at[0] + i * a.out_step];
      target = add_element(target, src[o.at[2] + j * a.src_step]);
    }
  }
}

/// Sort keys and values for scatter_add: source element (lane, j), numbered lane * n + j, gets
/// key lane * size + wrap(index) (its target's number) or `sentinel` (lanes * size, past every
/// target) when out of range, and value its offset in src. Numbering lane-major keeps each
/// target's sources in index order through the stable sort.
__global__ void scatter_add_keys(uint64_t* __restrict__ keys, int64_t* __restrict__ values,
                                 const int64_t* __restrict__ index, OffsetCalc<3> lanes,
                                 int64_t total, uint64_t sentinel, ScatterAxis a) {
  for (int64_t e = grid_index(); e < total; e += grid_stride()) {
    const int64_t lane = e / a.n, j = e - lane * a.n;
    const Offsets<3> o = lanes.get(lane);
    const int64_t i = wrap_index(index[o.at[1] + j * a.index_step], a.size);
    keys[e] = i >= 0 ? static_cast<uint64_t>(lane * a.size + i) : sentinel;
    values[e] = o.at[2] + j * a.src_step;
  }
}

/// Sort keys and values for index_add: index position j gets key wrap(index[j]) (sentinel: size)
/// and value j's offset along src's axis.
__global__ void index_add_keys(uint64_t* __restrict__ keys, int64_t* __restrict__ values,
                               const int64_t* __restrict__ index, int64_t k, ScatterAxis a) {
  for (int64_t j = grid_index(); j < k; j += grid_stride()) {
    const int64_t i = wrap_index(index[j * a.index_step], a.size);
    keys[j] = i >= 0 ? static_cast<uint64_t>(i) : static_cast<uint64_t>(a.size);
    values[j] = j * a.src_step;
  }
}

/// The end of the run of equal keys that starts at `t`, or -1 when `t` does not start a run (or
/// starts the out-of-range run): only the first position of a run sums it.
__device__ inline int64_t run_from(const uint64_t* keys, int64_t t, int64_t count,
                                   uint64_t sentinel) {
  const uint64_t key = keys[t];
  if (key == sentinel || (t > 0 && keys[t - 1] == key)) return -1;
  int64_t end = t + 1;
  while (end < count && keys[end] == key) ++end;
  return end;
}

/// Adds src[values[u]] for u in [begin, end) onto *target, in that order. The loads do not
/// depend on the running sum, so unrolling lets several be in flight while the additions stay
/// in sequence.
template <class T>
__device__ inline void add_run(T* target, const T* __restrict__ src, const int64_t* values,
                               int64_t begin, int64_t end) {
  T acc = *target;
#pragma unroll 4
  for (int64_t u = begin; u < end; ++u) acc = add_element(acc, src[values[u]]);
  *target = acc;
}

template <class T>
__global__ void scatter_add_sorted(T* __restrict__ out, const T* __restrict__ src,
                                   const uint64_t* __restrict__ keys,
                                   const int64_t* __restrict__ values, OffsetCalc<3> lanes,
                                   int64_t total, uint64_t sentinel, ScatterAxis a) {
  for (int64_t t = grid_index(); t < total; t += grid_stride()) {
    const int64_t end = run_from(keys, t, total, sentinel);
    if (end < 0) continue;
    const auto target = static_cast<int64_t>(keys[t]);
    const int64_t lane = target / a.size;
    const int64_t offset = lanes.get(lane).at[0] + (target - lane * a.size) * a.out_step;
    add_run(out + offset, src, values, t, end);
  }
}

/// Thread (t, lane), lanes fastest so that a warp shares t and touches neighbouring lanes:
/// when t starts a run of equal rows, it sums that run of src's lane into out's row.
template <class T>
__global__ void index_add_sorted(T* __restrict__ out, const T* __restrict__ src,
                                 const uint64_t* __restrict__ keys,
                                 const int64_t* __restrict__ values, OffsetCalc<3> lanes,
                                 int64_t n_lanes, ScatterAxis a) {
  const int64_t total = a.n * n_lanes;
  const auto sentinel = static_cast<uint64_t>(a.size);
  for (int64_t g = grid_index(); g < total; g += grid_stride()) {
    const int64_t t = g / n_lanes, lane = g - t * n_lanes;
    const int64_t end = run_from(keys, t, a.n, sentinel);
    if (end < 0) continue;
    const Offsets<3> o = lanes.get(lane);
    add_run(out + o.at[0] + static_cast<int64_t>(keys[t]) * a.out_step, src + o.at[2], values, t,
            end);
  }
}

/// Keys and values sorted by key (stably), in device memory owned by `memory`. The memory goes
/// back to the caching allocator when this is destroyed, while kernels may still use it: safe,
/// since whatever reuses it is queued after them on the same stream.
struct SortedPairs {
  Buffer memory;
  const uint64_t* keys = nullptr;
  const int64_t* values = nullptr;
};

/// DeviceError "<op>: radix sort: <CUDA's message>" unless the sort succeeded (the message is
/// only built on failure: this runs for every sorted scatter).
void check_sort(const char* op, cudaError_t status) {
  if (status != cudaSuccess) check(status, detail::str_cat(op, ": radix sort").c_str());
}

constexpr size_t kAlign = 256;
size_t aligned(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

/// Allocates `count` key-value pairs, has `fill(keys, values)` write them (a kernel launch on
/// `s`), and sorts them by key on `s`. Keys are at most `max_key`, so the sort reads only the
/// bits that can differ (fewer radix passes).
template <class Fill>
SortedPairs sort_pairs(const char* op, Device device, cudaStream_t s, int64_t count,
                       uint64_t max_key, Fill&& fill) {
  const int end_bit = std::max(1, static_cast<int>(std::bit_width(max_key)));
  cub::DoubleBuffer<uint64_t> keys(nullptr, nullptr);
  cub::DoubleBuffer<int64_t> values(nullptr, nullptr);
  size_t temp_bytes = 0;
  check_sort(
      op, cub::DeviceRadixSort::SortPairs(nullptr, temp_bytes, keys, values, count, 0, end_bit, s));

  const size_t array = aligned(static_cast<size_t>(count) * sizeof(uint64_t));  // int64 too
  SortedPairs sorted;
  sorted.memory = Buffer(4 * array + aligned(temp_bytes), device);
  char* base = static_cast<char*>(sorted.memory.data());
  keys = cub::DoubleBuffer<uint64_t>(reinterpret_cast<uint64_t*>(base),
                                     reinterpret_cast<uint64_t*>(base + array));
  values = cub::DoubleBuffer<int64_t>(reinterpret_cast<int64_t*>(base + 2 * array),
                                      reinterpret_cast<int64_t*>(base + 3 * array));
  fill(keys.Current(), values.Current());
  check_launch(op);
  check_sort(op, cub::DeviceRadixSort::SortPairs(base + 4 * array, temp_bytes, keys, values, count,
                                                 0, end_bit, s));
  sorted.keys = keys.Current();
  sorted.values = values.Current();
  return sorted;
}

/// OffsetCalc over `shape` without dimension `axis`: one lane per position outside the axis,
/// operands given by their strides over `shape` (the CPU's lanes_of).
OffsetCalc<3> lanes_calc(const char* op, const Shape& shape, int64_t axis,
                         std::array<std::vector<int64_t>, 3> strides) {
  std::vector<int64_t> sizes(shape.begin(), shape.end());
  sizes.erase(sizes.begin() + axis);
  for (std::vector<int64_t>& s : strides) s.erase(s.begin() + axis);
  return make_offset_calc<3>(sizes, strides, op);
}

/// The common first step of scatter_add and index_add: out = x. False when nothing is left to
/// add (no sources, or no output elements to add them to).
bool copy_x(const char* op, const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &src = ctx.inputs[2], &out = ctx.outputs[0];
  if (is_complex(out.dtype())) refuse_complex(op);
  copy_into(op, out, x);
  return src.numel() > 0 && out.numel() > 0;
}

/// Calls accumulate(T{}) with out's dtype T. Never bool: the ops refuse it (the CPU kernels only
/// copy x then, and so does this).
template <class Accumulate>
void visit_summable(DType t, Accumulate&& accumulate) {
  visit_dtype(t, [&]<class T>(T) {
    if constexpr (!std::is_same_v<T, bool>) accumulate(T{});
  });
}

/// The per-lane path of scatter_add and index_add: one thread sums each lane in index order.
template <class T>
void launch_per_lane(const char* op, const Tensor& out, const Tensor& index, const Tensor& src,
                     const OffsetCalc<3>& lanes, int64_t n_lanes, const ScatterAxis& a,
                     cudaStream_t s) {
  scatter_add_per_lane<T><<<blocks_for(n_lanes), kThreads, 0, s>>>(
      device_data<T>(out), device_data<const int64_t>(index), device_data<const T>(src), lanes,
      n_lanes, a);
  check_launch(op);
}

// inputs: x, index (int64, x's rank, <= x outside axis), src (index's shape) -> out: x's shape
void scatter_add_kernel(const KernelContext& ctx) {
  if (!copy_x("scatter_add", ctx)) return;
  const Tensor &index = ctx.inputs[1], &src = ctx.inputs[2], &out = ctx.outputs[0];
  const int64_t axis = axis_attr(ctx, out.ndim());
  const auto ax = static_cast<size_t>(axis);
  const ScatterAxis a{src.shape()[axis], out.shape()[axis], out.strides()[ax], index.strides()[ax],
                      src.strides()[ax]};
  // Lanes run over index's (= src's) shape outside the axis, which may be smaller than out's.
  const OffsetCalc<3> lanes =
      lanes_calc("scatter_add", src.shape(), axis, {out.strides(), index.strides(), src.strides()});
  const int64_t total = src.numel(), n_lanes = total / a.n;  // a.n > 0: src is not empty
  const cudaStream_t s = stream(out.device());
  visit_summable(out.dtype(), [&]<class T>(T) {
    if (sum_per_lane(a.n, n_lanes)) {
      return launch_per_lane<T>("scatter_add", out, index, src, lanes, n_lanes, a, s);
    }
    const auto sentinel = static_cast<uint64_t>(n_lanes * a.size);
    const SortedPairs sorted =
        sort_pairs("scatter_add", out.device(), s, total, sentinel, [&](uint64_t* k, int64_t* v) {
          scatter_add_keys<<<blocks_for(total), kThreads, 0, s>>>(
              k, v, device_data<const int64_t>(index), lanes, total, sentinel, a);
        });
    scatter_add_sorted<T><<<blocks_for(total), kThreads, 0, s>>>(
        device_data<T>(out), device_data<const T>(src), sorted.keys, sorted.values, lanes, total,
        sentinel, a);
    check_launch("scatter_add");
  });
}

// inputs: x, index (int64, [k]), src (x's shape with k along axis) -> out: x's shape.
// index_add is scatter_add with the 1-D index broadcast over src's shape, as on the CPU; sorting
// then needs only the k indices, not every element of src.
void index_add_kernel(const KernelContext& ctx) {
  if (!copy_x("index_add", ctx)) return;
  const Tensor &index = ctx.inputs[1], &src = ctx.inputs[2], &out = ctx.outputs[0];
  const int64_t axis = axis_attr(ctx, out.ndim());
  const auto ax = static_cast<size_t>(axis);
  const ScatterAxis a{src.shape()[axis], out.shape()[axis], out.strides()[ax], index.strides()[0],
                      src.strides()[ax]};
  const OffsetCalc<3> lanes = lanes_calc(
      "index_add", src.shape(), axis,
      {out.strides(), std::vector<int64_t>(static_cast<size_t>(src.ndim()), 0), src.strides()});
  const int64_t n_lanes = src.numel() / a.n;  // a.n > 0: src is not empty
  const cudaStream_t s = stream(out.device());
  visit_summable(out.dtype(), [&]<class T>(T) {
    if (sum_per_lane(a.n, n_lanes)) {
      return launch_per_lane<T>("index_add", out, index, src, lanes, n_lanes, a, s);
    }
    const SortedPairs sorted =
        sort_pairs("index_add", out.device(), s, a.n, static_cast<uint64_t>(a.size),
                   [&](uint64_t* k, int64_t* v) {
                     index_add_keys<<<blocks_for(a.n), kThreads, 0, s>>>(
                         k, v, device_data<const int64_t>(index), a.n, a);
                   });
    index_add_sorted<T><<<blocks_for(src.numel()), kThreads, 0, s>>>(
        device_data<T>(out), device_data<const T>(src), sorted.keys, sorted.values, lanes, n_lanes,
        a);
    check_launch("index_add");
  });
}

// ---- as_strided_scatter

// inputs: x, src (the window's shape) -> out: x's shape, with the window replaced by src. The
// infer rule checked (for every device: it reads no data) that the window lies inside out and
// never overlaps itself, so the parallel copy writes each element at most once.
void as_strided_scatter_kernel(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &src = ctx.inputs[1], &out = ctx.outputs[0];
  if (is_complex(out.dtype())) refuse_complex("as_strided_scatter");
  copy_into("as_strided_scatter", out, x);
  if (src.numel() == 0) return;
  const Layout window(ctx.attrs.get<Shape>("shape"), ctx.attrs.get<std::vector<int64_t>>("strides"),
                      out.offset() + ctx.attrs.get<int64_t>("offset"));
  copy_into("as_strided_scatter", Tensor::view_of(out, window), src);
}

}  // namespace

void register_indexing_kernels(KernelTable& table) {
  table.add("concatenate", DeviceKind::CUDA, &concatenate_kernel);
  table.add("take", DeviceKind::CUDA, &take_kernel);
  table.add("gather", DeviceKind::CUDA, &gather_kernel);
  table.add("scatter_add", DeviceKind::CUDA, &scatter_add_kernel);
  table.add("index_add", DeviceKind::CUDA, &index_add_kernel);
  table.add("as_strided_scatter", DeviceKind::CUDA, &as_strided_scatter_kernel);
}

}  // namespace nabla::cuda
