// CUDA kernels of the Philox random ops (random_uniform, random_normal, random_randint,
// random_key, dropout) and of the remaining generators of the creation family (linspace, eye).
//
// The random ops are counter-based (nabla/util/philox.hpp): element i is a pure function of
// (seed, counter + i), so a seed gives the same tensor on every device. These kernels keep that
// promise by computing exactly what the CPU kernels (backend/cpu/creation_kernels.cpp and
// dropout_kernels.cpp) compute:
//
// - Philox itself is philox.hpp's own philox::generate, to_unit_float and to_unit_double: they
//   are constexpr, and the CUDA kernels are built with --expt-relaxed-constexpr
//   (src/backend/CMakeLists.txt), so device code calls the one definition the CPU uses.
// - Every floating-point add and multiply is an explicitly rounded intrinsic (__fadd_rn,
//   __dmul_rn, ...), which nvcc never fuses into an FMA; it fuses a * b + c by default, the CPU
//   build (x86-64 baseline, ISO C++) never does. Subnormals are kept on both sides (nvcc's default
//   -ftz=false; the CPU kernels here do not flush).
// - randint's multiply-high, unsigned __int128 on the CPU, is __umul64hi: the same 64 bits.
//
// Bit-identical to the CPU: random_uniform, random_randint, random_key, dropout (forward and its
// gradient, which is the same op on the gradient with the same key), linspace and eye.
// random_normal is only ulp-close: its Box-Muller transform calls log and cos, and CUDA's
// (within 1 and 2 ulp) are not glibc's (below 1 ulp), so a float64 draw can differ from the CPU's
// in its last bits. Every other step of the formula is rounded as on the CPU, and a float32 draw
// is the float64 value rounded, so float32 normals differ only when that small float64 difference
// straddles a float32 rounding boundary (about one element in 10^8, by one float32 ulp).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <type_traits>
#include <vector>

#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/kernels.hpp"
#include "backend/cuda/launch.cuh"
#include "backend/cuda/strided_index.cuh"
#include "nabla/util/philox.hpp"

namespace nabla::cuda {
namespace {

// ---- Arithmetic rounded as the CPU rounds it: one rounding per operation, never contracted.

__device__ inline float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ inline double mul_rn(double a, double b) { return __dmul_rn(a, b); }

/// Word `j` (0..3) of a Philox block, without indexing the array at a runtime position (which
/// would put the block in local memory instead of registers).
__device__ inline uint32_t word_of(const philox::Block& block, uint64_t j) {
  const uint32_t low = (j & 1) != 0 ? block[1] : block[0];
  const uint32_t high = (j & 1) != 0 ? block[3] : block[2];
  return (j & 2) != 0 ? high : low;
}

/// static_cast<T>(v) as the CPU build computes it, out-of-range values included. C++ leaves a
/// float-to-integer conversion out of range (or of NaN) undefined; x86-64's cvttsd2si, which the
/// CPU kernels compile to, gives the "integer indefinite" INT_MIN of its width (32 bits for int32
/// and uint8, whose low byte GCC keeps; 64 for int64), while the GPU's cvt saturates. Mirroring
/// the CPU keeps linspace identical on both devices for every input.
template <class T>
__device__ inline T from_double(double v) {
  if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, bool>) {
    return static_cast<T>(v);
  } else if constexpr (sizeof(T) == 8) {
    const bool in_range = v >= -0x1p63 && v < 0x1p63;  // false for NaN
    return in_range ? static_cast<T>(v) : static_cast<T>(INT64_MIN);
  } else {
    const bool in_range = v > -2147483649.0 && v < 2147483648.0;  // truncates into int32
    return static_cast<T>(in_range ? static_cast<int32_t>(v) : INT32_MIN);
  }
}

uint64_t attr_u64(const KernelContext& ctx, const char* key) {
  return static_cast<uint64_t>(ctx.attrs.get<int64_t>(key));
}

// ---- linspace, eye

template <class T>
__global__ void linspace_fill(T* out, double start, double step, double stop, bool exact_last,
                              int64_t n) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    // the last point is exactly `stop`, as NumPy guarantees (and the CPU kernel does)
    const double v = (exact_last && i == n - 1)
                         ? stop
                         : __dadd_rn(start, __dmul_rn(step, static_cast<double>(i)));
    out[i] = from_double<T>(v);
  }
}

void linspace_kernel(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  const double start = ctx.attrs.get<double>("start"), stop = ctx.attrs.get<double>("stop");
  const bool endpoint = ctx.attrs.get<bool>("endpoint");
  const int64_t num = out.numel();
  if (num == 0) return;
  const int64_t divisions = endpoint ? num - 1 : num;
  // computed on the host as on the CPU, so the device sees the same rounded step
  const double step = divisions > 0 ? (stop - start) / static_cast<double>(divisions) : 0.0;
  const cudaStream_t s = stream(out.device());
  visit_dtype(out.dtype(), [&]<class T>(T) {
    linspace_fill<T><<<blocks_for(num), kThreads, 0, s>>>(device_data<T>(out), start, step, stop,
                                                          endpoint && num > 1, num);
  });
  check_launch("linspace");
}

/// An element's bytes: eye only places one of two values, converted on the host as the CPU
/// kernel converts them, so one kernel per element size serves every dtype, complex included.
template <size_t N>
struct alignas(N) Bytes {
  unsigned char b[N];
};

template <size_t N>
__global__ void eye_fill(Bytes<N>* out, Bytes<N> one, Bytes<N> zero, int64_t cols, int64_t k,
                         int64_t n) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    out[i] = i % cols - i / cols == k ? one : zero;
  }
}

void eye_kernel(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  const int64_t n = out.numel();
  if (n == 0) return;
  const int64_t k = ctx.attrs.get<int64_t>("k");
  const int64_t cols = out.shape()[1];
  const cudaStream_t s = stream(out.device());
  visit_dtype_with_complex(out.dtype(), [&]<class T>(T) {
    const T on = convert_element<T>(true), off = convert_element<T>(false);
    Bytes<sizeof(T)> one, zero;
    std::memcpy(one.b, &on, sizeof(T));
    std::memcpy(zero.b, &off, sizeof(T));
    eye_fill<sizeof(T)><<<blocks_for(n), kThreads, 0, s>>>(device_data<Bytes<sizeof(T)>>(out), one,
                                                           zero, cols, k, n);
  });
  check_launch("eye");
}

// ---- random_uniform, random_normal, random_randint, random_key

/// float32: 24 random bits scaled in float, then the CPU's guard against rounding up to `high`.
__global__ void uniform_float(float* out, uint64_t seed, uint64_t counter, float low, float range,
                              float high, int64_t n) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    const philox::Block w = philox::generate(counter + static_cast<uint64_t>(i), seed);
    const float v = __fadd_rn(low, __fmul_rn(range, philox::to_unit_float(w[0])));
    out[i] = v < high ? v : low;
  }
}

/// float64: 53 random bits from words 0 and 1.
__global__ void uniform_double(double* out, uint64_t seed, uint64_t counter, double low,
                               double range, int64_t n) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    const philox::Block w = philox::generate(counter + static_cast<uint64_t>(i), seed);
    out[i] = __dadd_rn(low, __dmul_rn(range, philox::to_unit_double(w[0], w[1])));
  }
}

void random_uniform_kernel(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  const int64_t n = out.numel();
  if (n == 0) return;
  const uint64_t seed = attr_u64(ctx, "seed"), counter = attr_u64(ctx, "counter");
  const double low = ctx.attrs.get<double>("low"), high = ctx.attrs.get<double>("high");
  const cudaStream_t s = stream(out.device());
  // The bounds and the width are rounded on the host exactly as the CPU kernel rounds them.
  if (out.dtype() == DType::Float32) {
    uniform_float<<<blocks_for(n), kThreads, 0, s>>>(
        device_data<float>(out), seed, counter, static_cast<float>(low),
        static_cast<float>(high - low), static_cast<float>(high), n);
  } else if (out.dtype() == DType::Float64) {
    uniform_double<<<blocks_for(n), kThreads, 0, s>>>(device_data<double>(out), seed, counter, low,
                                                      high - low, n);
  } else {
    return;  // the op's infer rule admits floating dtypes only; the CPU kernel writes nothing
  }
  check_launch("random_uniform");
}

/// Box-Muller on two 53-bit uniforms (words 0-1 and 2-3), the CPU kernel's formula step by step;
/// u1 in (0, 1] keeps the log finite.
template <class T>
__global__ void normal_fill(T* out, uint64_t seed, uint64_t counter, double mean, double stddev,
                            int64_t n) {
  constexpr double kTwoPi = 2.0 * std::numbers::pi;  // exact: a power-of-two multiple of pi
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    const philox::Block w = philox::generate(counter + static_cast<uint64_t>(i), seed);
    const double u1 = __dsub_rn(1.0, philox::to_unit_double(w[0], w[1]));
    const double u2 = philox::to_unit_double(w[2], w[3]);
    // log and cos are CUDA's, not glibc's: the ulp-level difference this file's header describes
    const double radius = __dsqrt_rn(__dmul_rn(-2.0, log(u1)));
    const double z = __dmul_rn(radius, cos(__dmul_rn(kTwoPi, u2)));
    out[i] = static_cast<T>(__dadd_rn(mean, __dmul_rn(stddev, z)));
  }
}

void random_normal_kernel(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  const int64_t n = out.numel();
  if (n == 0) return;
  const uint64_t seed = attr_u64(ctx, "seed"), counter = attr_u64(ctx, "counter");
  const double mean = ctx.attrs.get<double>("mean"), stddev = ctx.attrs.get<double>("stddev");
  const cudaStream_t s = stream(out.device());
  bool launched = false;
  visit_dtype(out.dtype(), [&]<class T>(T) {
    if constexpr (std::is_floating_point_v<T>) {
      normal_fill<T>
          <<<blocks_for(n), kThreads, 0, s>>>(device_data<T>(out), seed, counter, mean, stddev, n);
      launched = true;
    }
  });
  if (launched) check_launch("random_normal");
}

/// 64 random bits (word 0 high, word 1 low) reduced to [0, range) by multiply-high, in unsigned
/// arithmetic as on the CPU (a range wider than 2^63 would overflow int64).
template <class T>
__global__ void randint_fill(T* out, uint64_t seed, uint64_t counter, uint64_t low, uint64_t range,
                             int64_t n) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    const philox::Block w = philox::generate(counter + static_cast<uint64_t>(i), seed);
    const uint64_t bits = (static_cast<uint64_t>(w[0]) << 32) | w[1];
    const uint64_t r = __umul64hi(bits, range);
    out[i] = static_cast<T>(static_cast<int64_t>(low + r));
  }
}

void random_randint_kernel(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  const int64_t n = out.numel();
  if (n == 0) return;
  const uint64_t seed = attr_u64(ctx, "seed"), counter = attr_u64(ctx, "counter");
  const auto low = static_cast<uint64_t>(ctx.attrs.get<int64_t>("low"));
  const uint64_t range = static_cast<uint64_t>(ctx.attrs.get<int64_t>("high")) - low;
  const cudaStream_t s = stream(out.device());
  visit_dtype(out.dtype(), [&]<class T>(T) {
    randint_fill<T>
        <<<blocks_for(n), kThreads, 0, s>>>(device_data<T>(out), seed, counter, low, range, n);
  });
  check_launch("random_randint");
}

/// random_key's int64 [2] output {seed, counter}: two values passed by argument, so nothing is
/// staged from host memory and the write is ordered on the stream like any kernel.
__global__ void write_key(int64_t* out, int64_t seed, int64_t counter) {
  out[0] = seed;
  out[1] = counter;
}

void random_key_kernel(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  write_key<<<1, 1, 0, stream(out.device())>>>(
      device_data<int64_t>(out), ctx.attrs.get<int64_t>("seed"), ctx.attrs.get<int64_t>("counter"));
  check_launch("random_key");
}

// ---- dropout: out = keep ? x * scale : 0, with keep iff mask word >= threshold. Mask element m
// uses word m % 4 of the block at counter + m / 4 (the CPU kernel's layout), and the key is read
// on the GPU from its int64 [2] tensor: copying it to the host would wait for the whole queue.

__device__ inline void load4(const float* p, float (&v)[4]) {
  const float4 q = *reinterpret_cast<const float4*>(p);
  v[0] = q.x;
  v[1] = q.y;
  v[2] = q.z;
  v[3] = q.w;
}
__device__ inline void load4(const double* p, double (&v)[4]) {
  const double2 a = reinterpret_cast<const double2*>(p)[0];
  const double2 b = reinterpret_cast<const double2*>(p)[1];
  v[0] = a.x;
  v[1] = a.y;
  v[2] = b.x;
  v[3] = b.y;
}
__device__ inline void store4(float* p, const float (&v)[4]) {
  *reinterpret_cast<float4*>(p) = make_float4(v[0], v[1], v[2], v[3]);
}
__device__ inline void store4(double* p, const double (&v)[4]) {
  reinterpret_cast<double2*>(p)[0] = make_double2(v[0], v[1]);
  reinterpret_cast<double2*>(p)[1] = make_double2(v[2], v[3]);
}

/// One mask word per element (the noise shape is the input's): element e draws word e, so a
/// thread takes the four elements of one Philox block and generates it once. `vector_io` (both
/// pointers 16-byte aligned) moves the four with 16-byte accesses.
template <class T>
__global__ void dropout_dense(const T* x, T* out, const int64_t* key, int64_t key_stride,
                              uint64_t threshold, T scale, bool vector_io, int64_t n) {
  const auto seed = static_cast<uint64_t>(key[0]);
  const auto counter = static_cast<uint64_t>(key[key_stride]);
  const int64_t quads = (n + 3) / 4;
  for (int64_t q = grid_index(); q < quads; q += grid_stride()) {
    const philox::Block w = philox::generate(counter + static_cast<uint64_t>(q), seed);
    const int64_t e = 4 * q;
    if (vector_io && e + 4 <= n) {
      T v[4];
      load4(x + e, v);
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        v[j] = static_cast<uint64_t>(w[j]) >= threshold ? mul_rn(v[j], scale) : T(0);
      }
      store4(out + e, v);
    } else {
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        if (e + j < n) {
          out[e + j] = static_cast<uint64_t>(w[j]) >= threshold ? mul_rn(x[e + j], scale) : T(0);
        }
      }
    }
  }
}

/// A noise shape broadcast along some dimensions: `mask_index` maps an element's linear index to
/// its mask element (stride 0 on the broadcast dimensions), whose block the thread generates.
template <class T>
__global__ void dropout_broadcast(const T* x, T* out, const int64_t* key, int64_t key_stride,
                                  uint64_t threshold, T scale, OffsetCalc<1> mask_index,
                                  int64_t n) {
  const auto seed = static_cast<uint64_t>(key[0]);
  const auto counter = static_cast<uint64_t>(key[key_stride]);
  for (int64_t e = grid_index(); e < n; e += grid_stride()) {
    const auto m = static_cast<uint64_t>(mask_index.get(e).at[0]);
    const uint32_t word = word_of(philox::generate(counter + (m >> 2), seed), m & 3);
    out[e] = static_cast<uint64_t>(word) >= threshold ? mul_rn(x[e], scale) : T(0);
  }
}

/// inputs: x (contiguous: ops/dropout.cpp makes it so), key (int64 [2] {seed, first counter},
/// from random_key, on x's device); attrs: rate, mask_shape. Also the gradient: the VJP is this
/// op on the gradient with the same key.
template <class T>
void dropout_typed(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &key = ctx.inputs[1], &out = ctx.outputs[0];
  const int64_t n = x.numel();
  if (n == 0) return;
  const double rate = ctx.attrs.get<double>("rate");
  const Shape& mask = ctx.attrs.get<Shape>("mask_shape");
  // keep iff word >= threshold: P(keep) = 1 - rate up to 2^-32 (the CPU kernel's values)
  const auto threshold = static_cast<uint64_t>(std::ceil(rate * 4294967296.0));
  const T scale = static_cast<T>(1.0 / (1.0 - rate));
  const T* src = device_data<T>(x);
  T* dst = device_data<T>(out);
  const int64_t* key_data = device_data<int64_t>(key);
  const int64_t key_stride = key.strides()[0];
  const cudaStream_t s = stream(out.device());
  if (mask.numel() == n) {
    const bool vector_io =
        reinterpret_cast<uintptr_t>(src) % 16 == 0 && reinterpret_cast<uintptr_t>(dst) % 16 == 0;
    dropout_dense<T><<<blocks_for((n + 3) / 4), kThreads, 0, s>>>(src, dst, key_data, key_stride,
                                                                  threshold, scale, vector_io, n);
  } else {
    // The mask index of an element: its coordinates times the mask's contiguous strides, with
    // stride 0 on broadcast dimensions (the CPU kernel's rule).
    const int64_t ndim = x.ndim();
    std::vector<int64_t> sizes(static_cast<size_t>(ndim)), mask_stride(static_cast<size_t>(ndim));
    int64_t stride = 1;
    for (int64_t d = ndim - 1; d >= 0; --d) {
      const auto u = static_cast<size_t>(d);
      sizes[u] = x.shape()[d];
      mask_stride[u] = (mask[d] != 1 || x.shape()[d] == 1) ? stride : 0;
      stride *= mask[d];
    }
    const OffsetCalc<1> mask_index = make_offset_calc<1>(sizes, {mask_stride}, "dropout");
    dropout_broadcast<T><<<blocks_for(n), kThreads, 0, s>>>(src, dst, key_data, key_stride,
                                                            threshold, scale, mask_index, n);
  }
  check_launch("dropout");
}

void dropout_kernel(const KernelContext& ctx) {
  if (ctx.inputs[0].dtype() == DType::Float32) {
    dropout_typed<float>(ctx);
  } else if (ctx.inputs[0].dtype() == DType::Float64) {
    dropout_typed<double>(ctx);
  }  // the op's infer rule admits floating dtypes only
}

}  // namespace

void register_random_kernels(KernelTable& table) {
  table.add("linspace", DeviceKind::CUDA, &linspace_kernel);
  table.add("eye", DeviceKind::CUDA, &eye_kernel);
  table.add("random_uniform", DeviceKind::CUDA, &random_uniform_kernel);
  table.add("random_normal", DeviceKind::CUDA, &random_normal_kernel);
  table.add("random_randint", DeviceKind::CUDA, &random_randint_kernel);
  table.add("random_key", DeviceKind::CUDA, &random_key_kernel);
  // dropout's VJP is dropout itself (ops/dropout.cpp): this one kernel serves both directions.
  table.add("dropout", DeviceKind::CUDA, &dropout_kernel);
}

}  // namespace nabla::cuda
