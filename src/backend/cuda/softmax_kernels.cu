// softmax and log_softmax along one axis on CUDA, as the CPU kernel (backend/cpu/
// softmax_kernels.cpp): per lane (the elements along the axis) one pass for the max (NaN if any
// element is NaN), one for the sum of exp(x - max) in double, one to write
// exp(x - max) / sum or (x - max) - log(sum). Input and output of any layout.
//
// Two mappings of lanes to threads. When a lane's elements are adjacent in memory (the usual
// softmax over the last axis) a warp runs each lane of up to 1024 elements and a block each
// longer one, so a warp's loads are consecutive. When the axis is not the unit-stride dim but
// neighbouring lanes are adjacent (softmax over channels of a [N, C, H, W] tensor, say), one
// thread runs each lane, so the threads of a warp again read consecutive addresses; that thread
// then sums in the CPU's order.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/kernels.hpp"
#include "backend/cuda/launch.cuh"

namespace nabla::cuda {
namespace {

/// Lane dims (the tensor's dims other than the axis, collapsed) that a kernel maps a lane index
/// through; further, outer dims are looped over by the host, one launch each.
constexpr int kMaxLaneDims = 6;

/// Maps a lane index to the element offsets of its first element in x and out.
struct LaneMap {
  int rank = 0;
  int64_t extent[kMaxLaneDims] = {};
  int64_t x_stride[kMaxLaneDims] = {};
  int64_t out_stride[kMaxLaneDims] = {};

  __host__ __device__ void offsets(int64_t lane, int64_t& x_offset, int64_t& out_offset) const {
    x_offset = 0;
    out_offset = 0;
    for (int d = rank - 1; d >= 0; --d) {
      const int64_t next = lane / extent[d];
      const int64_t i = lane - next * extent[d];
      x_offset += i * x_stride[d];
      out_offset += i * out_stride[d];
      lane = next;
    }
  }
};

/// One lane's geometry: n elements, step apart in x and out_step apart in out.
struct Lane {
  int64_t n, x_step, out_step;
};

__device__ inline float exp_of(float v) { return expf(v); }
__device__ inline double exp_of(double v) { return exp(v); }

/// max that propagates NaN: the lane max is NaN when any element is (as the CPU kernel's).
template <class T>
__device__ inline T nan_max(T a, T b) {
  if (a != a) return a;
  if (b != b) return b;
  return b > a ? b : a;
}
struct NanMax {
  template <class T>
  __device__ T operator()(T a, T b) const {
    return nan_max(a, b);
  }
};
struct Plus {
  __device__ double operator()(double a, double b) const { return a + b; }
};

template <class V, class Op>
__device__ V warp_reduce(V v, Op op) {
  for (int offset = 16; offset > 0; offset >>= 1)
    v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

/// Reduces over the kGroup threads that share a lane: a warp (kGroup = 32) or the whole block.
/// Every thread of the group gets the same value (combined in one fixed order: deterministic).
template <int kGroup, class V, class Op>
__device__ V group_reduce(V v, Op op) {
  v = warp_reduce(v, op);
  if constexpr (kGroup > 32) {
    constexpr int kWarps = kGroup / 32;
    __shared__ V partial[kWarps];
    const int warp = static_cast<int>(threadIdx.x) / 32;
    if (threadIdx.x % 32 == 0) partial[warp] = v;
    __syncthreads();
    v = partial[0];
    for (int w = 1; w < kWarps; ++w) v = op(v, partial[w]);
    __syncthreads();  // the next reduction rewrites `partial`
  }
  return v;
}

/// Softmax of one lane by the kGroup threads of a group; `rank` is the thread's index in it.
template <class T, bool kLog, int kGroup>
__device__ void softmax_lane_group(const T* x, T* out, const Lane& lane, int rank) {
  T m = -std::numeric_limits<T>::infinity();
  for (int64_t i = rank; i < lane.n; i += kGroup) m = nan_max(m, x[i * lane.x_step]);
  m = group_reduce<kGroup>(m, NanMax{});
  // Summed in double, as the CPU kernel: float32 lanes of many classes keep full precision.
  double total = 0;
  for (int64_t i = rank; i < lane.n; i += kGroup) {
    total += static_cast<double>(exp_of(x[i * lane.x_step] - m));
  }
  total = group_reduce<kGroup>(total, Plus{});
  if constexpr (kLog) {
    // (x - m) - log(sum), not x - (m + log(sum)): see the CPU kernel.
    const auto log_total = static_cast<T>(log(total));
    for (int64_t i = rank; i < lane.n; i += kGroup) {
      out[i * lane.out_step] = (x[i * lane.x_step] - m) - log_total;
    }
  } else {
    const auto scale = static_cast<T>(1.0 / total);
    for (int64_t i = rank; i < lane.n; i += kGroup) {
      out[i * lane.out_step] = exp_of(x[i * lane.x_step] - m) * scale;
    }
  }
}

constexpr int kWarpBlock = 256;         // 8 lanes per block, one per warp
constexpr int kLaneBlock = 512;         // one long lane per block
constexpr int64_t kWarpLaneMax = 1024;  // longest lane a warp runs (32 elements per thread)

/// A warp per lane. Every thread of a warp has the same lane (and the loop the same trip
/// count), so the full-mask shuffles see all 32 threads.
template <class T, bool kLog>
__global__ void __launch_bounds__(kWarpBlock)
    softmax_warp_lanes(const T* x, T* out, LaneMap map, int64_t lanes, Lane lane) {
  constexpr int kWarps = kWarpBlock / 32;
  const int warp = static_cast<int>(threadIdx.x) / 32, rank = static_cast<int>(threadIdx.x) % 32;
  for (int64_t l = static_cast<int64_t>(blockIdx.x) * kWarps + warp; l < lanes;
       l += static_cast<int64_t>(gridDim.x) * kWarps) {
    int64_t x_offset, out_offset;
    map.offsets(l, x_offset, out_offset);
    softmax_lane_group<T, kLog, 32>(x + x_offset, out + out_offset, lane, rank);
  }
}

/// A block per lane; the lane loop is uniform over the block, so every thread reaches the
/// barriers of the reductions.
template <class T, bool kLog>
__global__ void __launch_bounds__(kLaneBlock)
    softmax_block_lanes(const T* x, T* out, LaneMap map, int64_t lanes, Lane lane) {
  for (int64_t l = blockIdx.x; l < lanes; l += gridDim.x) {
    int64_t x_offset, out_offset;
    map.offsets(l, x_offset, out_offset);
    softmax_lane_group<T, kLog, kLaneBlock>(x + x_offset, out + out_offset, lane,
                                            static_cast<int>(threadIdx.x));
  }
}

/// A thread per lane, three passes in the CPU kernel's order (its sums match the CPU's).
template <class T, bool kLog>
__global__ void __launch_bounds__(kThreads)
    softmax_thread_lanes(const T* x, T* out, LaneMap map, int64_t lanes, Lane lane) {
  for (int64_t l = grid_index(); l < lanes; l += grid_stride()) {
    int64_t x_offset, out_offset;
    map.offsets(l, x_offset, out_offset);
    const T* xl = x + x_offset;
    T* ol = out + out_offset;
    T m = -std::numeric_limits<T>::infinity();
    for (int64_t i = 0; i < lane.n; ++i) m = nan_max(m, xl[i * lane.x_step]);
    double total = 0;
    for (int64_t i = 0; i < lane.n; ++i)
      total += static_cast<double>(exp_of(xl[i * lane.x_step] - m));
    if constexpr (kLog) {
      const auto log_total = static_cast<T>(log(total));
      for (int64_t i = 0; i < lane.n; ++i) {
        ol[i * lane.out_step] = (xl[i * lane.x_step] - m) - log_total;
      }
    } else {
      const auto scale = static_cast<T>(1.0 / total);
      for (int64_t i = 0; i < lane.n; ++i) {
        ol[i * lane.out_step] = exp_of(xl[i * lane.x_step] - m) * scale;
      }
    }
  }
}

/// A lane dim of the host's plan: extent and the strides of x and out along it.
struct LaneDim {
  int64_t extent, x_stride, out_stride;
};

/// x's and out's dims other than `axis`, outermost first, size-1 dims dropped and neighbours
/// merged where both tensors step over the pair as over one dim.
std::vector<LaneDim> lane_dims(const Tensor& x, const Tensor& out, int64_t axis) {
  std::vector<LaneDim> dims;
  for (int64_t d = 0; d < x.ndim(); ++d) {
    const int64_t extent = x.shape()[d];
    if (d == axis || extent == 1) continue;
    const auto u = static_cast<size_t>(d);
    const LaneDim dim{extent, x.strides()[u], out.strides()[u]};
    if (!dims.empty()) {
      LaneDim& last = dims.back();
      if (last.x_stride == dim.x_stride * extent && last.out_stride == dim.out_stride * extent) {
        last = {last.extent * extent, dim.x_stride, dim.out_stride};
        continue;
      }
    }
    dims.push_back(dim);
  }
  return dims;
}

/// Strided lanes go one per thread only when there are at least this many: fewer threads would
/// leave most of the GPU idle, so fewer lanes go to a warp or block each, strided or not.
constexpr int64_t kThreadLanesMin = 4096;

template <class T, bool kLog>
void launch(const T* x, T* out, const LaneMap& map, int64_t lanes, const Lane& lane,
            bool lanes_adjacent, cudaStream_t s) {
  if (lane.x_step != 1 && lanes_adjacent && lanes >= kThreadLanesMin) {
    softmax_thread_lanes<T, kLog><<<blocks_for(lanes), kThreads, 0, s>>>(x, out, map, lanes, lane);
  } else if (lane.n <= kWarpLaneMax) {
    constexpr int64_t kLanesPerBlock = kWarpBlock / 32;
    const int64_t blocks = std::min((lanes + kLanesPerBlock - 1) / kLanesPerBlock, kMaxBlocks);
    softmax_warp_lanes<T, kLog>
        <<<static_cast<unsigned>(blocks), kWarpBlock, 0, s>>>(x, out, map, lanes, lane);
  } else {
    const int64_t blocks = std::min(lanes, kMaxBlocks);
    softmax_block_lanes<T, kLog>
        <<<static_cast<unsigned>(blocks), kLaneBlock, 0, s>>>(x, out, map, lanes, lane);
  }
}

/// Where the lanes of one softmax are: the lane geometry, the lane dims a kernel maps (the
/// innermost kMaxLaneDims), and the outer dims beyond those, looped over with one launch each.
struct LanePlan {
  Lane lane{};
  LaneMap map;
  int64_t lanes = 1;  // per launch
  std::vector<LaneDim> looped;
  /// Neighbouring lanes sit next to each other in x: threads reading one lane each coalesce.
  bool lanes_adjacent = false;

  LanePlan(const Tensor& x, const Tensor& out, int64_t axis) {
    const auto u = static_cast<size_t>(axis);
    lane = {x.shape()[axis], x.strides()[u], out.strides()[u]};
    std::vector<LaneDim> dims = lane_dims(x, out, axis);
    const size_t outer = dims.size() > kMaxLaneDims ? dims.size() - kMaxLaneDims : 0;
    looped.assign(dims.begin(), dims.begin() + static_cast<std::ptrdiff_t>(outer));
    for (size_t d = outer; d < dims.size(); ++d) {
      map.extent[map.rank] = dims[d].extent;
      map.x_stride[map.rank] = dims[d].x_stride;
      map.out_stride[map.rank] = dims[d].out_stride;
      lanes *= dims[d].extent;
      ++map.rank;
    }
    lanes_adjacent = map.rank > 0 && map.x_stride[map.rank - 1] == 1;
  }

  /// Calls fn(x_offset, out_offset) once per entry of the looped dims (in elements).
  template <class Fn>
  void for_each_launch(Fn&& fn) const {
    int64_t launches = 1;
    for (const LaneDim& d : looped) launches *= d.extent;
    std::vector<int64_t> index(looped.size(), 0);
    int64_t x_offset = 0, out_offset = 0;
    for (int64_t c = 0; c < launches; ++c) {
      fn(x_offset, out_offset);
      for (auto d = static_cast<int64_t>(looped.size()) - 1; d >= 0; --d) {  // an odometer
        const auto u = static_cast<size_t>(d);
        x_offset += looped[u].x_stride;
        out_offset += looped[u].out_stride;
        if (++index[u] < looped[u].extent) break;
        x_offset -= looped[u].x_stride * looped[u].extent;
        out_offset -= looped[u].out_stride * looped[u].extent;
        index[u] = 0;
      }
    }
  }
};

template <class T, bool kLog>
void run(const Tensor& x, const Tensor& out, int64_t axis) {
  const LanePlan plan(x, out, axis);
  const T* x_base = device_data<T>(x);
  T* out_base = device_data<T>(out);
  const cudaStream_t s = stream(x.device());
  plan.for_each_launch([&](int64_t x_offset, int64_t out_offset) {
    launch<T, kLog>(x_base + x_offset, out_base + out_offset, plan.map, plan.lanes, plan.lane,
                    plan.lanes_adjacent, s);
  });
}

/// inputs: x (float32 or float64, any layout); attrs: axis; output: x's shape and dtype.
template <bool kLog>
void softmax_kernel(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &out = ctx.outputs[0];
  int64_t axis = ctx.attrs.get<int64_t>("axis");
  if (axis < 0) axis += x.ndim();
  if (x.numel() == 0) return;
  select(x.device());
  if (x.dtype() == DType::Float32) {
    run<float, kLog>(x, out, axis);
  } else {
    run<double, kLog>(x, out, axis);
  }
  check_launch(kLog ? "log_softmax" : "softmax");
}

}  // namespace

void register_softmax_kernels(KernelTable& table) {
  table.add("softmax", DeviceKind::CUDA, &softmax_kernel<false>);
  table.add("log_softmax", DeviceKind::CUDA, &softmax_kernel<true>);
}

}  // namespace nabla::cuda
