// CUDA reduction kernels: sum, prod, max, min, argmax, argmin, with the CPU kernels' attributes,
// dtype rules and results (backend/cpu/reduction_kernels.cpp). The input's dimensions are split
// into kept ones (one output each) and reduced ones, each list ordered and merged by input stride
// (the CPU's make_geometry); one generic kernel then gives every output a group of threads that
// reads its reduced elements and combines them in a shared-memory tree. See Note [CUDA reduction
// layout]. Of the reductions only sum takes complex tensors, as libcu++'s complex type (Note
// [Complex numbers on the CPU and CUDA]).

// The shared accumulator rules must be callable from kernels: before any include that may
// pull them in.
#define NABLA_HOST_DEVICE __host__ __device__

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "backend/complex_number.hpp"
#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/kernels.hpp"
#include "backend/cuda/launch.cuh"
#include "backend/cuda/strided_index.cuh"
#include "backend/reduction_accumulators.hpp"

namespace nabla::cuda {
namespace {

using reduction::is_nan;
using reduction::WideAcc;
using reduction::WideOut;

// Note [CUDA reduction layout]
// A block is a 2-D grid of threads: `out_lanes` outputs times `red_lanes` threads per output, both
// powers of two with a product of at most kThreads. The lanes that run along memory's fastest
// direction are threadIdx.x, so that a warp reads neighbouring addresses:
//  - inner mode (the reduced elements are closest in memory, e.g. summing rows): x = reduction
//    lanes, y = outputs; a long reduction gets a whole block, a row of 32 to ~512 elements a
//    warp (about kMinPerThread elements per lane), a shorter row fewer lanes;
//  - outer mode (the kept elements are closest, e.g. summing [N, C] over N): x = outputs, y =
//    reduction lanes, so a warp reads a stretch of one row.
// Each thread steps through its output's reduced range at a stride of red_lanes, then the lanes
// combine their partial results in a shared-memory tree. When there are too few outputs to fill
// the GPU, the reduced range is also split across gridDim.y blocks; their partials go to a
// workspace that a second kernel merges in split order. Every choice depends only on the shapes,
// never on the GPU, so results are reproducible from run to run (no atomics).

/// Blocks that keep an H200 busy; fewer output blocks than this split the reduced range.
constexpr int64_t kTargetBlocks = kMaxBlocks;
/// Elements each thread reads at least before a reduced range is split further.
constexpr int64_t kMinPerThread = 16;
/// Output blocks launched at most; a grid-stride loop covers the rest.
constexpr int64_t kMaxOutputBlocks = kMaxBlocks * 8;
/// gridDim.y's hardware limit.
constexpr int64_t kMaxSplits = 65535;

// The reducers are host-device so that their merge rules can be checked on a machine without
// a GPU; kernels are their only production callers.

template <class T>
struct SumReducer {
  using Acc = WideAcc<T>;
  using Out = WideOut<T>;
  __host__ __device__ static Acc identity() { return Acc{0}; }
  __host__ __device__ static Acc merge(Acc a, Acc b) {
    if constexpr (std::is_integral_v<Acc>) {
      return static_cast<Acc>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
    } else {
      return a + b;
    }
  }
  __host__ __device__ static Acc step(Acc a, T x, int64_t) { return merge(a, static_cast<Acc>(x)); }
  __host__ __device__ static Out finish(Acc a) { return static_cast<Out>(a); }
};

template <class T>
struct ProdReducer {
  using Acc = WideAcc<T>;
  using Out = WideOut<T>;
  __host__ __device__ static Acc identity() { return Acc{1}; }
  __host__ __device__ static Acc merge(Acc a, Acc b) {
    if constexpr (std::is_integral_v<Acc>) {
      return static_cast<Acc>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
    } else {
      return a * b;
    }
  }
  __host__ __device__ static Acc step(Acc a, T x, int64_t) { return merge(a, static_cast<Acc>(x)); }
  __host__ __device__ static Out finish(Acc a) { return static_cast<Out>(a); }
};

/// max/min keep the dtype; NaN wins over everything (NumPy): `b` replaces `a` when it is better
/// or NaN, and nothing is better than NaN, so a NaN accumulator stays NaN in any merge order.
template <class T, bool kMax>
struct ExtremumReducer {
  using Acc = T;
  using Out = T;
  __host__ __device__ static Acc identity() {
    if constexpr (std::is_floating_point_v<T>) {
      return kMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
    } else {
      return kMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
    }
  }
  __host__ __device__ static Acc merge(Acc a, Acc b) {
    const bool better = kMax ? b > a : b < a;
    return better || is_nan(b) ? b : a;
  }
  __host__ __device__ static Acc step(Acc a, T x, int64_t) { return merge(a, x); }
  __host__ __device__ static Out finish(Acc a) { return a; }
};
template <class T>
using MaxReducer = ExtremumReducer<T, true>;
template <class T>
using MinReducer = ExtremumReducer<T, false>;

/// argmax/argmin: the first index of the extremum along the axis; the first NaN wins (the CPU's
/// ArgReducer). Threads see interleaved indices, so unlike the CPU's merge, which relies on `a`
/// preceding `b`, this one breaks ties by the smaller index and is order-free. index < 0 marks
/// an empty accumulator.
template <class T, bool kMax>
struct ArgReducer {
  struct Acc {
    T value;
    int64_t index;
  };
  using Out = int64_t;
  __host__ __device__ static Acc identity() { return Acc{T{}, -1}; }
  /// Within one thread the indices only grow, so a strict comparison keeps the first extremum.
  __host__ __device__ static bool replaces(T candidate, T current) {
    if (is_nan(current)) return false;
    return (kMax ? candidate > current : candidate < current) || is_nan(candidate);
  }
  __host__ __device__ static Acc step(Acc a, T x, int64_t r) {
    return a.index < 0 || replaces(x, a.value) ? Acc{x, r} : a;
  }
  __host__ __device__ static Acc merge(Acc a, Acc b) {
    if (b.index < 0) return a;
    if (a.index < 0) return b;
    const bool a_first = a.index < b.index;
    const Acc first = a_first ? a : b;  // copies, not references: those would live in memory
    const Acc second = a_first ? b : a;
    return replaces(second.value, first.value) ? second : first;
  }
  __host__ __device__ static Out finish(Acc a) { return a.index; }
};
template <class T>
using ArgmaxReducer = ArgReducer<T, true>;
template <class T>
using ArgminReducer = ArgReducer<T, false>;

/// How a reduction is launched (Note [CUDA reduction layout]).
struct ReduceLaunch {
  int out_lanes;
  int red_lanes;
  bool outputs_fast;  // outer mode: outputs on threadIdx.x
  int64_t splits;     // blocks along gridDim.y sharing one output's reduced range
  int64_t chunk;      // reduced elements per split
  unsigned out_blocks;
};

/// Reduces the elements of `in` that `red` addresses from each output's base offset (`kept`
/// gives the input base and the output offset of output o) over the reduced range of this
/// block's split. With one split it writes R::finish to `out`, else the partial result to
/// partials[split * n_out + o]. Dynamic shared memory: one R::Acc per thread.
template <class R, class T>
__global__ void __launch_bounds__(kThreads)
    reduce_kernel(const T* in, typename R::Out* out, typename R::Acc* partials, OffsetCalc<2> kept,
                  OffsetCalc<1> red, int64_t n_out, int64_t n_red, ReduceLaunch launch) {
  using Acc = typename R::Acc;
  extern __shared__ __align__(16) unsigned char shared_bytes[];
  Acc* shared = reinterpret_cast<Acc*>(shared_bytes);

  const int tid = static_cast<int>(threadIdx.y * blockDim.x + threadIdx.x);
  const int out_lane = static_cast<int>(launch.outputs_fast ? threadIdx.x : threadIdx.y);
  const int red_lane = static_cast<int>(launch.outputs_fast ? threadIdx.y : threadIdx.x);
  // Distance in `shared` between neighbouring reduction lanes of one output.
  const int red_step = launch.outputs_fast ? static_cast<int>(blockDim.x) : 1;
  const int64_t begin = static_cast<int64_t>(blockIdx.y) * launch.chunk;
  const int64_t end = begin + launch.chunk < n_red ? begin + launch.chunk : n_red;
  const int64_t out_stride = static_cast<int64_t>(gridDim.x) * launch.out_lanes;

  // The loop bound is the same for the whole block, so every thread reaches each barrier.
  for (int64_t first = static_cast<int64_t>(blockIdx.x) * launch.out_lanes; first < n_out;
       first += out_stride) {
    const int64_t o = first + out_lane;
    Acc acc = R::identity();
    int64_t out_offset = 0;
    if (o < n_out) {
      const Offsets<2> base = kept.get(o);
      const T* x = in + base.at[0];
      out_offset = base.at[1];
#pragma unroll 4
      for (int64_t r = begin + red_lane; r < end; r += launch.red_lanes) {
        acc = R::step(acc, x[red.get(r).at[0]], r);
      }
    }
    shared[tid] = acc;
    __syncthreads();
    for (int s = launch.red_lanes / 2; s > 0; s /= 2) {
      if (red_lane < s) shared[tid] = R::merge(shared[tid], shared[tid + s * red_step]);
      __syncthreads();
    }
    if (red_lane == 0 && o < n_out) {
      if (launch.splits == 1) {
        out[out_offset] = R::finish(shared[tid]);
      } else {
        partials[static_cast<int64_t>(blockIdx.y) * n_out + o] = shared[tid];
      }
    }
    // Each thread touches only its own slot between the tree's last barrier and the next
    // round's first write, so no barrier is needed here.
  }
}

/// Merges each output's partials in split order and writes the result.
template <class R>
__global__ void merge_partials(const typename R::Acc* partials, typename R::Out* out,
                               OffsetCalc<2> kept, int64_t n_out, int64_t splits) {
  for (int64_t o = grid_index(); o < n_out; o += grid_stride()) {
    typename R::Acc acc = partials[o];
    for (int64_t s = 1; s < splits; ++s) acc = R::merge(acc, partials[s * n_out + o]);
    out[kept.get(o).at[1]] = R::finish(acc);
  }
}

/// One dimension of the iteration: extent and strides in elements.
struct ReduceDim {
  int64_t size;
  int64_t in_stride;
  int64_t out_stride;
};

int64_t magnitude(int64_t v) { return v < 0 ? -v : v; }

/// Orders dims outer -> inner by decreasing |input stride| (the CPU's order), so that the
/// innermost dimension, which neighbouring threads walk, is the one closest in memory.
void sort_by_stride(std::vector<ReduceDim>& dims) {
  std::stable_sort(dims.begin(), dims.end(), [](const ReduceDim& a, const ReduceDim& b) {
    if (magnitude(a.in_stride) != magnitude(b.in_stride)) {
      return magnitude(a.in_stride) > magnitude(b.in_stride);
    }
    return a.out_stride > b.out_stride;
  });
}

/// Kept and reduced dimensions of reducing `in` into `out` over the axes flagged in `reduced`.
/// Size-1 dimensions are left out (they change no offset).
struct ReduceGeometry {
  std::vector<ReduceDim> kept;
  std::vector<ReduceDim> reduced;
  int64_t n_out = 1;
  int64_t n_red = 1;
};

ReduceGeometry make_geometry(const Tensor& in, const Tensor& out,
                             const std::vector<bool>& reduced) {
  ReduceGeometry g;
  // The output keeps every input dimension (keepdims) or only the kept ones; either way its own
  // strides say where each kept coordinate goes.
  const bool keepdims = out.ndim() == in.ndim();
  int64_t out_dim = 0;
  for (int64_t d = 0; d < in.ndim(); ++d) {
    const int64_t size = in.shape()[d];
    const int64_t in_stride = in.strides()[static_cast<size_t>(d)];
    if (reduced[static_cast<size_t>(d)]) {
      g.n_red *= size;
      if (size != 1) g.reduced.push_back({size, in_stride, 0});
      if (keepdims) ++out_dim;
    } else {
      g.n_out *= size;
      const int64_t out_stride = out.strides()[static_cast<size_t>(out_dim++)];
      if (size != 1) g.kept.push_back({size, in_stride, out_stride});
    }
  }
  sort_by_stride(g.kept);
  sort_by_stride(g.reduced);
  return g;
}

OffsetCalc<2> kept_calc(const std::vector<ReduceDim>& dims, const char* op) {
  std::vector<int64_t> sizes;
  std::array<std::vector<int64_t>, 2> strides;
  for (const ReduceDim& d : dims) {
    sizes.push_back(d.size);
    strides[0].push_back(d.in_stride);
    strides[1].push_back(d.out_stride);
  }
  return make_offset_calc<2>(sizes, strides, op);
}

OffsetCalc<1> reduced_calc(const std::vector<ReduceDim>& dims, const char* op) {
  std::vector<int64_t> sizes;
  std::array<std::vector<int64_t>, 1> strides;
  for (const ReduceDim& d : dims) {
    sizes.push_back(d.size);
    strides[0].push_back(d.in_stride);
  }
  return make_offset_calc<1>(sizes, strides, op);
}

/// The smallest power of two >= n, at most kThreads (1 for n <= 1).
int lanes_for(int64_t n) {
  int lanes = 1;
  while (lanes < kThreads && lanes < n) lanes *= 2;
  return lanes;
}

ReduceLaunch plan_launch(const ReduceGeometry& g) {
  ReduceLaunch launch{};
  // Outer mode when a kept dimension is closer in memory than every reduced one.
  launch.outputs_fast = !g.kept.empty() && !g.reduced.empty() &&
                        magnitude(g.kept.back().in_stride) < magnitude(g.reduced.back().in_stride);
  if (launch.outputs_fast) {
    // A warp's width of outputs (one 128-byte line of floats), the rest of the block on the
    // reduction; then widen the outputs again if the reduction is too short to use the block.
    launch.out_lanes = std::min(32, lanes_for(g.n_out));
    launch.red_lanes = std::min(kThreads / launch.out_lanes, lanes_for(g.n_red));
    launch.out_lanes = std::min(kThreads / launch.red_lanes, lanes_for(g.n_out));
  } else {
    // Enough lanes that each reads about kMinPerThread elements, but a whole warp for any row
    // of 32 or more (its reads then fill whole cache lines), and a whole block for long rows.
    const int64_t per_lane_target = (g.n_red + kMinPerThread - 1) / kMinPerThread;
    launch.red_lanes = std::max(std::min(32, lanes_for(g.n_red)), lanes_for(per_lane_target));
    launch.out_lanes = std::min(kThreads / launch.red_lanes, lanes_for(g.n_out));
  }
  const int64_t out_blocks = (g.n_out + launch.out_lanes - 1) / launch.out_lanes;
  launch.out_blocks = static_cast<unsigned>(std::min(out_blocks, kMaxOutputBlocks));
  launch.splits = 1;
  if (out_blocks < kTargetBlocks) {
    const int64_t wanted = kTargetBlocks / out_blocks;
    const int64_t useful = g.n_red / (launch.red_lanes * kMinPerThread);
    launch.splits = std::max<int64_t>(1, std::min({wanted, useful, kMaxSplits}));
  }
  launch.chunk = std::max<int64_t>(1, (g.n_red + launch.splits - 1) / launch.splits);
  if (g.n_red > 0) launch.splits = (g.n_red + launch.chunk - 1) / launch.chunk;  // none empty
  return launch;
}

template <class R, class T>
void run_reduction(const char* op, const Tensor& in, const Tensor& out,
                   const std::vector<bool>& reduced_axes) {
  using Acc = typename R::Acc;
  using Out = typename R::Out;
  NABLA_ASSERT(out.dtype() == dtype_of<Out>, op, ": unexpected output dtype ", out.dtype());
  ReduceGeometry g = make_geometry(in, out, reduced_axes);
  if (g.n_out == 0) return;
  if (g.n_red == 0) g.reduced.clear();  // every output is R::finish(R::identity())
  const OffsetCalc<2> kept = kept_calc(g.kept, op);
  const OffsetCalc<1> red = reduced_calc(g.reduced, op);
  const ReduceLaunch launch = plan_launch(g);

  const cudaStream_t s = stream(out.device());
  // The workspace goes back to the caching allocator when this function returns, while the
  // kernels may still run: safe, since whatever reuses it is queued after them on this stream.
  Buffer workspace;
  Acc* partials = nullptr;
  if (launch.splits > 1) {
    workspace = Buffer(static_cast<size_t>(launch.splits * g.n_out) * sizeof(Acc), out.device());
    partials = static_cast<Acc*>(workspace.data());
  }
  const dim3 block = launch.outputs_fast ? dim3(launch.out_lanes, launch.red_lanes)
                                         : dim3(launch.red_lanes, launch.out_lanes);
  const dim3 grid(launch.out_blocks, static_cast<unsigned>(launch.splits));
  const size_t shared = static_cast<size_t>(launch.out_lanes * launch.red_lanes) * sizeof(Acc);
  reduce_kernel<R, T><<<grid, block, shared, s>>>(device_data<const T>(in), device_data<Out>(out),
                                                  partials, kept, red, g.n_out, g.n_red, launch);
  check_launch(op);
  if (launch.splits > 1) {
    merge_partials<R><<<blocks_for(g.n_out), kThreads, 0, s>>>(partials, device_data<Out>(out),
                                                               kept, g.n_out, launch.splits);
    check_launch(op);
  }
}

template <template <class> class Reducer>
void run_for_dtype(const char* op, const KernelContext& ctx, const std::vector<bool>& reduced) {
  const Tensor& x = ctx.inputs[0];
  scalar::visit_element(x.dtype(), [&]<class T>(T) {
    // Of the reductions only sum takes complex (dispatch refuses it to the others).
    if constexpr (!is_complex_v<T> || std::is_same_v<Reducer<T>, SumReducer<T>>) {
      run_reduction<Reducer<T>, T>(op, x, ctx.outputs[0], reduced);
    }
  });
}

// The op names, as template arguments: a kernel is a plain function pointer.
constexpr char kSum[] = "sum";
constexpr char kProd[] = "prod";
constexpr char kMax[] = "max";
constexpr char kMin[] = "min";
constexpr char kArgmax[] = "argmax";
constexpr char kArgmin[] = "argmin";

/// sum, prod, max, min: attrs "axes" (normalised; empty = all).
template <const char* Name, template <class> class Reducer>
void reduce_op_kernel(const KernelContext& ctx) {
  const auto& axes = ctx.attrs.get<std::vector<int64_t>>("axes");
  std::vector<bool> reduced(static_cast<size_t>(ctx.inputs[0].ndim()), axes.empty());
  for (int64_t axis : axes) reduced[static_cast<size_t>(axis)] = true;
  run_for_dtype<Reducer>(Name, ctx, reduced);
}

/// argmax, argmin: attr "axis" (normalised).
template <const char* Name, template <class> class Reducer>
void arg_reduce_op_kernel(const KernelContext& ctx) {
  std::vector<bool> reduced(static_cast<size_t>(ctx.inputs[0].ndim()), false);
  reduced[static_cast<size_t>(ctx.attrs.get<int64_t>("axis"))] = true;
  run_for_dtype<Reducer>(Name, ctx, reduced);
}

}  // namespace

void register_reduction_kernels(KernelTable& table) {
  table.add("sum", DeviceKind::CUDA, &reduce_op_kernel<kSum, SumReducer>);
  table.add("prod", DeviceKind::CUDA, &reduce_op_kernel<kProd, ProdReducer>);
  table.add("max", DeviceKind::CUDA, &reduce_op_kernel<kMax, MaxReducer>);
  table.add("min", DeviceKind::CUDA, &reduce_op_kernel<kMin, MinReducer>);
  table.add("argmax", DeviceKind::CUDA, &arg_reduce_op_kernel<kArgmax, ArgmaxReducer>);
  table.add("argmin", DeviceKind::CUDA, &arg_reduce_op_kernel<kArgmin, ArgminReducer>);
}

}  // namespace nabla::cuda
