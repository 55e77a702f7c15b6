// CUDA kernels for sort (stable; sorted values and their int64 positions; NaN the largest value)
// and cumsum, with the CPU kernels' attributes and results (backend/cpu/manipulation_kernels.cpp).
// Inputs may have any layout and outputs are written through their strides.
//
// sort: every element becomes a radix key (sort_keys.cuh) whose order is the CPU comparison's,
// ties included, so a stable sort of (key, position) pairs is the CPU's std::stable_sort, bit for
// bit (values are copied from the input by position, so NaN payloads and -0.0 survive). By row
// length n:
//  - n <= kThreadRowMax: one thread per row ranks its elements by counting, in registers;
//  - n <= kBlockRowMax: one block per row sorts it in shared memory (cub::BlockRadixSort);
//  - longer: a device-wide stable radix sort (cub::DeviceRadixSort) of every key with its
//    position, then, when there are several rows, a second stable sort by row number, which
//    groups the rows back together without disturbing the order inside each.
// cumsum: see Note [CUDA cumsum partitioning] in scan_plan.cuh.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cub/block/block_radix_sort.cuh>
#include <cub/device/device_radix_sort.cuh>
#include <type_traits>
#include <vector>

#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/kernels.hpp"
#include "backend/cuda/launch.cuh"
#include "backend/cuda/scan_plan.cuh"
#include "backend/cuda/sort_keys.cuh"
#include "backend/cuda/strided_index.cuh"

namespace nabla::cuda {
namespace {

constexpr unsigned kFullWarp = 0xffffffffu;
/// Blocks launched at most by the one-block-or-warp-per-row kernels; they loop over the rest.
constexpr int64_t kMaxRowBlocks = kMaxBlocks * 8;

int64_t axis_attr(const KernelContext& ctx, int64_t rank) {
  const int64_t axis = ctx.attrs.get<int64_t>("axis");
  return axis < 0 ? axis + rank : axis;
}

// A 0-d tensor (which the ops' infer rules refuse today) is one lane of one element.
int64_t axis_length(const Tensor& t, int64_t axis) { return t.ndim() == 0 ? 1 : t.shape()[axis]; }
int64_t axis_step(const Tensor& t, int64_t axis) {
  return t.ndim() == 0 ? 0 : t.strides()[static_cast<size_t>(axis)];
}

/// Offsets of every operand's lane starts: `shape` without dimension `axis`, one lane per
/// position (the CPU's lanes_of), lanes numbered row-major.
template <int N>
OffsetCalc<N> lanes_calc(const char* op, const Shape& shape, int64_t axis,
                         const std::array<const Tensor*, N>& operands) {
  std::vector<int64_t> sizes(shape.begin(), shape.end());
  std::array<std::vector<int64_t>, N> strides;
  for (size_t k = 0; k < N; ++k) strides[k] = operands[k]->strides();
  if (!sizes.empty()) {
    sizes.erase(sizes.begin() + axis);
    for (std::vector<int64_t>& s : strides) s.erase(s.begin() + axis);
  }
  return make_offset_calc<N>(sizes, strides, op);
}

__device__ inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

unsigned row_blocks(int64_t rows, int64_t rows_per_block) {
  return static_cast<unsigned>(
      std::clamp<int64_t>((rows + rows_per_block - 1) / rows_per_block, 1, kMaxRowBlocks));
}

// ---- sort

/// The sorted axis: its length and each operand's stride along it.
struct SortAxis {
  int64_t n, value_step, index_step, x_step;
};

/// Operands of one sort: outputs and input at element [0, ..., 0], lane starts (values,
/// indices, x) and the axis.
template <class T>
struct SortArgs {
  T* values;
  int64_t* indices;
  const T* x;
  OffsetCalc<3> lanes;
  int64_t n_lanes;
  SortAxis axis;
  bool descending;
};

constexpr int kThreadRowMax = 16;
constexpr int kBlockRowMax = 2048;

/// Rows of up to kThreadRowMax: the whole row lives in one thread's registers (the loops have
/// constant bounds and unroll, so the arrays are never indexed at run time).
template <class T>
__global__ void sort_rows_per_thread(SortArgs<T> p) {
  using K = RadixKey<T>;
  const SortAxis& a = p.axis;
  for (int64_t lane = grid_index(); lane < p.n_lanes; lane += grid_stride()) {
    const Offsets<3> o = p.lanes.get(lane);
    T row[kThreadRowMax];
    K keys[kThreadRowMax];
#pragma unroll
    for (int i = 0; i < kThreadRowMax; ++i) {
      row[i] = i < a.n ? p.x[o.at[2] + i * a.x_step] : T{};
      keys[i] = i < a.n ? radix_key(row[i], p.descending) : kPaddingKey<K>;
    }
#pragma unroll
    for (int i = 0; i < kThreadRowMax; ++i) {
      if (i < a.n) {
        const int rank = stable_rank(keys, i);
        p.values[o.at[0] + rank * a.value_step] = row[i];
        p.indices[o.at[1] + rank * a.index_step] = i;
      }
    }
  }
}

/// Rows of up to kBlock * kItems: one block per row. Thread t holds positions
/// [t * kItems, (t + 1) * kItems) (the blocked arrangement, the order BlockRadixSort is stable
/// in) and gets sorted ranks t, t + kBlock, ... back, so the stores are coalesced.
template <class T, int kBlock, int kItems>
__global__ void __launch_bounds__(kBlock) sort_rows_in_block(SortArgs<T> p) {
  using K = RadixKey<T>;
  using BlockSort = cub::BlockRadixSort<K, kBlock, kItems, int>;
  __shared__ typename BlockSort::TempStorage temp;
  const SortAxis& a = p.axis;
  const auto n = static_cast<int>(a.n);
  for (int64_t lane = blockIdx.x; lane < p.n_lanes; lane += gridDim.x) {
    const Offsets<3> o = p.lanes.get(lane);
    K keys[kItems];
    int positions[kItems];
#pragma unroll
    for (int k = 0; k < kItems; ++k) {
      const int i = static_cast<int>(threadIdx.x) * kItems + k;
      positions[k] = i;
      keys[k] = i < n ? radix_key(p.x[o.at[2] + i * a.x_step], p.descending) : kPaddingKey<K>;
    }
    BlockSort(temp).SortBlockedToStriped(keys, positions);
#pragma unroll
    for (int k = 0; k < kItems; ++k) {
      const int j = k * kBlock + static_cast<int>(threadIdx.x);
      if (j < n) {
        const int i = positions[k];
        p.values[o.at[0] + j * a.value_step] = p.x[o.at[2] + i * a.x_step];
        p.indices[o.at[1] + j * a.index_step] = i;
      }
    }
    __syncthreads();  // the next row reuses temp
  }
}

// Long rows: device-wide sorts over a batch of whole rows [first_lane, first_lane + count / n).
// Positions count elements within the batch (row-major), so they fit 32 bits.

template <class T>
__global__ void make_sort_keys(RadixKey<T>* __restrict__ keys, uint32_t* __restrict__ positions,
                               SortArgs<T> p, int64_t first_lane, int64_t count) {
  const SortAxis& a = p.axis;
  for (int64_t e = grid_index(); e < count; e += grid_stride()) {
    const int64_t lane = e / a.n, i = e - lane * a.n;
    keys[e] = radix_key(p.x[p.lanes.get(first_lane + lane).at[2] + i * a.x_step], p.descending);
    positions[e] = static_cast<uint32_t>(e);
  }
}

__global__ void row_of_position(uint32_t* __restrict__ rows, const uint32_t* __restrict__ positions,
                                int64_t count, uint32_t n) {
  for (int64_t e = grid_index(); e < count; e += grid_stride()) rows[e] = positions[e] / n;
}

/// Element e of the batch's output is rank e % n of row e / n: `positions[e]` says which input
/// element that is.
template <class T>
__global__ void write_sorted(SortArgs<T> p, const uint32_t* __restrict__ positions,
                             int64_t first_lane, int64_t count) {
  const SortAxis& a = p.axis;
  for (int64_t e = grid_index(); e < count; e += grid_stride()) {
    const int64_t lane = e / a.n, j = e - lane * a.n;
    const int64_t i = static_cast<int64_t>(positions[e]) - lane * a.n;
    const Offsets<3> o = p.lanes.get(first_lane + lane);
    p.values[o.at[0] + j * a.value_step] = p.x[o.at[2] + i * a.x_step];
    p.indices[o.at[1] + j * a.index_step] = i;
  }
}

/// Elements per device-wide sort (whole rows, at least one): bounds the scratch memory (at most
/// 32 bytes an element) while leaving each sort large enough to fill the GPU.
constexpr int64_t kGlobalSortBatch = int64_t{1} << 27;

constexpr size_t kAlign = 256;
size_t aligned(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

/// Stable device-wide radix sort of (keys, values) by bits [0, end_bit), on `s`, with scratch
/// from `temp` (grown when too small; the old block is reused only by work queued after).
template <class K, class V>
void radix_sort(cub::DoubleBuffer<K>& keys, cub::DoubleBuffer<V>& values, int64_t count,
                int end_bit, Buffer& temp, Device device, cudaStream_t s) {
  const auto items = static_cast<uint32_t>(count);
  size_t bytes = 0;
  check(cub::DeviceRadixSort::SortPairs(nullptr, bytes, keys, values, items, 0, end_bit, s),
        "sort: radix sort");
  if (temp.data() == nullptr || bytes > temp.bytes())
    temp = Buffer(std::max<size_t>(bytes, 1), device);
  check(cub::DeviceRadixSort::SortPairs(temp.data(), bytes, keys, values, items, 0, end_bit, s),
        "sort: radix sort");
}

template <class T>
void sort_globally(const SortArgs<T>& p, Device device, cudaStream_t s) {
  using K = RadixKey<T>;
  const int64_t n = p.axis.n;
  NABLA_CHECK(n <= int64_t{0xFFFFFFFF}, DeviceError,
              "sort: the CUDA kernel sorts at most 2^32 - 1 elements along an axis, got ", n);
  const int64_t batch_lanes = std::clamp<int64_t>(kGlobalSortBatch / n, 1, p.n_lanes);
  const auto batch = static_cast<size_t>(batch_lanes * n);
  const size_t key_bytes = aligned(batch * sizeof(K)), word_bytes = aligned(batch * 4);
  const bool several_rows = batch_lanes > 1;
  Buffer memory(2 * key_bytes + (several_rows ? 4 : 2) * word_bytes, device);
  Buffer temp;
  char* base = static_cast<char*>(memory.data());
  auto words = [&](int k) {
    return reinterpret_cast<uint32_t*>(base + 2 * key_bytes + k * word_bytes);
  };
  K* key_arrays[2] = {reinterpret_cast<K*>(base), reinterpret_cast<K*>(base + key_bytes)};

  for (int64_t first = 0; first < p.n_lanes; first += batch_lanes) {
    const int64_t lanes = std::min(batch_lanes, p.n_lanes - first), count = lanes * n;
    cub::DoubleBuffer<K> keys(key_arrays[0], key_arrays[1]);
    cub::DoubleBuffer<uint32_t> positions(words(0), words(1));
    make_sort_keys<T><<<blocks_for(count), kThreads, 0, s>>>(keys.Current(), positions.Current(), p,
                                                             first, count);
    check_launch("sort");
    radix_sort(keys, positions, count, 8 * static_cast<int>(sizeof(K)), temp, device, s);
    if (lanes > 1) {
      cub::DoubleBuffer<uint32_t> rows(words(2), words(3));
      row_of_position<<<blocks_for(count), kThreads, 0, s>>>(rows.Current(), positions.Current(),
                                                             count, static_cast<uint32_t>(n));
      check_launch("sort");
      radix_sort(rows, positions, count,
                 static_cast<int>(std::bit_width(static_cast<uint64_t>(lanes - 1))), temp, device,
                 s);
    }
    write_sorted<T><<<blocks_for(count), kThreads, 0, s>>>(p, positions.Current(), first, count);
    check_launch("sort");
  }
}

template <class T, int kBlock, int kItems>
void sort_in_blocks(const SortArgs<T>& p, cudaStream_t s) {
  sort_rows_in_block<T, kBlock, kItems><<<row_blocks(p.n_lanes, 1), kBlock, 0, s>>>(p);
  check_launch("sort");
}

// outputs: values (x's dtype), indices (int64), both x's shape
void sort_kernel(const KernelContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  const Tensor &values = ctx.outputs[0], &indices = ctx.outputs[1];
  if (x.numel() == 0) return;
  const int64_t axis = axis_attr(ctx, x.ndim());
  const SortAxis a{axis_length(x, axis), axis_step(values, axis), axis_step(indices, axis),
                   axis_step(x, axis)};
  const OffsetCalc<3> lanes = lanes_calc<3>("sort", x.shape(), axis, {&values, &indices, &x});
  const int64_t n_lanes = x.numel() / a.n;
  const bool descending = ctx.attrs.get<bool>("descending");
  const cudaStream_t s = stream(x.device());
  visit_dtype(x.dtype(), [&]<class T>(T) {
    const SortArgs<T> p{device_data<T>(values),
                        device_data<int64_t>(indices),
                        device_data<const T>(x),
                        lanes,
                        n_lanes,
                        a,
                        descending};
    if (a.n <= kThreadRowMax) {
      sort_rows_per_thread<T><<<blocks_for(n_lanes), kThreads, 0, s>>>(p);
      check_launch("sort");
    } else if (a.n <= 128) {
      sort_in_blocks<T, 32, 4>(p, s);
    } else if (a.n <= 512) {
      sort_in_blocks<T, 128, 4>(p, s);
    } else if (a.n <= kBlockRowMax) {
      sort_in_blocks<T, 256, kBlockRowMax / 256>(p, s);
    } else {
      sort_globally(p, x.device(), s);
    }
  });
}

// ---- cumsum (Note [CUDA cumsum partitioning])

/// Inclusive sum over the warp's lanes (Kogge-Stone: log2(32) shuffle steps).
template <class Acc>
__device__ inline Acc warp_inclusive_sum(Acc v, int lane) {
#pragma unroll
  for (int d = 1; d < kWarpSize; d *= 2) {
    const Acc up = __shfl_up_sync(kFullWarp, v, d);
    if (lane >= d) v = up + v;
  }
  return v;
}

/// Row mode: warp u scans stretch u % segments of lane u / segments. kWrite false: the first
/// pass, which only stores the stretch's sum in totals[u]; kWrite true: running sums into out,
/// starting from prefixes[u - 1] (the scanned stretch sums) for all but a lane's first stretch.
template <class In, class Out, class Acc, bool kWrite>
__global__ void __launch_bounds__(kThreads)
    scan_rows(Out* __restrict__ out, const In* __restrict__ x, const Acc* __restrict__ prefixes,
              Acc* __restrict__ totals, OffsetCalc<2> lanes, int64_t n_lanes, ScanAxis a) {
  constexpr int kWarpsPerBlock = kThreads / kWarpSize;
  const int lane_id = static_cast<int>(threadIdx.x) % kWarpSize;
  const int64_t units = n_lanes * a.segments;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * kWarpsPerBlock;
  for (int64_t u = grid_index() / kWarpSize; u < units; u += warps) {
    const int64_t lane = u / a.segments, s = u - lane * a.segments;
    const Offsets<2> o = lanes.get(lane);
    const int64_t begin = s * a.segment_length, end = min64(a.n, begin + a.segment_length);
    Acc carry = kWrite && s > 0 ? prefixes[u - 1] : Acc{0};
    for (int64_t tile = begin; tile < end; tile += kScanTile) {
      Acc items[kScanItems];
      const Acc sum = load_tile_items(items, x, o.at[1], a.x_step, tile, end, lane_id);
      const Acc inclusive = warp_inclusive_sum(sum, lane_id);
      if constexpr (kWrite) {
        const Acc before = __shfl_up_sync(kFullWarp, inclusive, 1);
        store_tile_items(out, o.at[0], a.out_step, items, lane_id == 0 ? carry : carry + before,
                         tile, end, lane_id);
      }
      carry = carry + __shfl_sync(kFullWarp, inclusive, kWarpSize - 1);
    }
    if (!kWrite && lane_id == 0) totals[u] = carry;
  }
}

/// Column mode: thread u scans stretch u / n_lanes of lane u % n_lanes (neighbouring threads,
/// neighbouring lanes); stretch sums and prefixes are stored lane-major, as in the row mode.
template <class T, bool kWrite>
__global__ void scan_columns(T* __restrict__ out, const T* __restrict__ x,
                             const ScanAcc<T>* __restrict__ prefixes,
                             ScanAcc<T>* __restrict__ totals, OffsetCalc<2> lanes, int64_t n_lanes,
                             ScanAxis a) {
  using Acc = ScanAcc<T>;
  const int64_t units = n_lanes * a.segments;
  for (int64_t u = grid_index(); u < units; u += grid_stride()) {
    const int64_t s = u / n_lanes, lane = u - s * n_lanes;
    const Offsets<2> o = lanes.get(lane);
    const int64_t begin = s * a.segment_length, end = min64(a.n, begin + a.segment_length);
    const int64_t slot = lane * a.segments + s;
    const Acc start = kWrite && s > 0 ? prefixes[slot - 1] : Acc{0};
    const Acc last = scan_stretch(out, o.at[0], x, o.at[1], a, begin, end, start, kWrite);
    if constexpr (!kWrite) totals[slot] = last;
  }
}

template <class T, bool kWrite>
void scan_pass(ScanMode mode, T* out, const T* x, const ScanAcc<T>* prefixes, ScanAcc<T>* totals,
               const OffsetCalc<2>& lanes, int64_t n_lanes, const ScanAxis& a, cudaStream_t s) {
  const int64_t units = n_lanes * a.segments;
  if (mode == ScanMode::kRow) {
    scan_rows<T, T, ScanAcc<T>, kWrite>
        <<<row_blocks(units, kThreads / kWarpSize), kThreads, 0, s>>>(out, x, prefixes, totals,
                                                                      lanes, n_lanes, a);
  } else {
    scan_columns<T, kWrite>
        <<<blocks_for(units), kThreads, 0, s>>>(out, x, prefixes, totals, lanes, n_lanes, a);
  }
  check_launch("cumsum");
}

template <class T>
void cumsum_typed(const Tensor& out, const Tensor& x, const OffsetCalc<2>& lanes, int64_t n_lanes,
                  const ScanAxis& a, ScanMode mode) {
  using Acc = ScanAcc<T>;
  const cudaStream_t s = stream(out.device());
  T* o = device_data<T>(out);
  const T* in = device_data<const T>(x);
  if (a.segments == 1)
    return scan_pass<T, true>(mode, o, in, nullptr, nullptr, lanes, n_lanes, a, s);

  // Stretch sums, then their inclusive scan per lane (one warp per lane: a lane of `segments`
  // contiguous sums), then the stretches again from those prefixes.
  const auto slots = static_cast<size_t>(n_lanes * a.segments);
  Buffer memory(2 * aligned(slots * sizeof(Acc)), out.device());
  Acc* totals = static_cast<Acc*>(memory.data());
  Acc* prefixes =
      reinterpret_cast<Acc*>(static_cast<char*>(memory.data()) + aligned(slots * sizeof(Acc)));
  scan_pass<T, false>(mode, nullptr, in, nullptr, totals, lanes, n_lanes, a, s);
  const std::vector<int64_t> lane_stride{a.segments};
  const OffsetCalc<2> sum_lanes =
      make_offset_calc<2>({n_lanes}, std::array{lane_stride, lane_stride}, "cumsum");
  const ScanAxis sums{a.segments, 1, 1, 1, a.segments};
  scan_rows<Acc, Acc, Acc, true><<<row_blocks(n_lanes, kThreads / kWarpSize), kThreads, 0, s>>>(
      prefixes, totals, nullptr, nullptr, sum_lanes, n_lanes, sums);
  check_launch("cumsum");
  scan_pass<T, true>(mode, o, in, prefixes, nullptr, lanes, n_lanes, a, s);
}

// x and out share a dtype: int64 or floating (the op widens the others first)
void cumsum_kernel(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &out = ctx.outputs[0];
  if (x.numel() == 0) return;
  const int64_t axis = axis_attr(ctx, x.ndim());
  ScanAxis a{axis_length(x, axis), axis_step(x, axis), axis_step(out, axis), 1, 1};
  const OffsetCalc<2> lanes = lanes_calc<2>("cumsum", x.shape(), axis, {&out, &x});
  const int64_t n_lanes = x.numel() / a.n;
  // As the CPU kernel decides between its two loops: is the axis x's densest direction?
  const bool axis_densest = n_lanes == 1 || std::abs(a.x_step) <= std::abs(lanes.strides[0][1]);
  const ScanPlan plan = plan_scan(a.n, n_lanes, axis_densest);
  a.segments = plan.segments;
  a.segment_length = plan.segment_length;
  visit_dtype(out.dtype(), [&]<class T>(T) {
    if constexpr (std::is_same_v<T, int64_t> || std::is_floating_point_v<T>) {
      cumsum_typed<T>(out, x, lanes, n_lanes, a, plan.mode);
    } else {
      NABLA_ASSERT(false, "cumsum: expected int64 or a floating dtype, got ", out.dtype());
    }
  });
}

}  // namespace

void register_sort_scan_kernels(KernelTable& table) {
  table.add("sort", DeviceKind::CUDA, &sort_kernel);
  table.add("cumsum", DeviceKind::CUDA, &cumsum_kernel);
}

}  // namespace nabla::cuda
