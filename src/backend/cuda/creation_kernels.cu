// CUDA kernels of the creation ops fill and arange. fill converts the value on the host, as the
// CPU kernel does, and writes its bytes, so one kernel per element size serves every dtype.
#include <cstring>

#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/kernels.hpp"
#include "backend/cuda/launch.cuh"

namespace nabla::cuda {
namespace {

template <size_t N>
struct alignas(N) Bytes {
  unsigned char b[N];
};

template <size_t N>
__global__ void fill_bytes(Bytes<N>* out, Bytes<N> value, int64_t n) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) out[i] = value;
}

template <size_t N>
void fill_with(const Tensor& out, const void* value) {
  Bytes<N> pattern;
  std::memcpy(pattern.b, value, N);
  const int64_t n = out.numel();
  fill_bytes<N><<<blocks_for(n), kThreads, 0, stream(out.device())>>>(device_data<Bytes<N>>(out),
                                                                      pattern, n);
  check_launch("fill");
}

void fill_kernel(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  visit_dtype_with_complex(out.dtype(), [&]<class T>(T) {
    const T value = ctx.attrs.get<Scalar>("value").to<T>();
    if constexpr (sizeof(T) == 1) {
      unsigned char byte = 0;
      std::memcpy(&byte, &value, 1);
      check(cudaMemsetAsync(device_data(out), byte, static_cast<size_t>(out.numel()),
                            stream(out.device())),
            "fill: cudaMemsetAsync");
    } else {
      fill_with<sizeof(T)>(out, &value);
    }
  });
}

template <class T>
__global__ void arange_float(T* out, double start, double step, int64_t n) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    out[i] = static_cast<T>(start + step * static_cast<double>(i));
  }
}
template <class T>
__global__ void arange_int(T* out, int64_t start, int64_t step, int64_t n) {
  for (int64_t i = grid_index(); i < n; i += grid_stride())
    out[i] = static_cast<T>(start + step * i);
}

void arange_kernel(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  const Scalar start = ctx.attrs.get<Scalar>("start"), step = ctx.attrs.get<Scalar>("step");
  const int64_t n = out.numel();
  const cudaStream_t s = stream(out.device());
  visit_dtype(out.dtype(), [&]<class T>(T) {
    if constexpr (std::is_floating_point_v<T>) {  // the CPU kernel's formula, in double
      arange_float<T><<<blocks_for(n), kThreads, 0, s>>>(device_data<T>(out), start.to<double>(),
                                                         step.to<double>(), n);
    } else {
      arange_int<T><<<blocks_for(n), kThreads, 0, s>>>(device_data<T>(out), start.to<int64_t>(),
                                                       step.to<int64_t>(), n);
    }
  });
  check_launch("arange");
}

}  // namespace

void register_creation_kernels(KernelTable& table) {
  table.add("fill", DeviceKind::CUDA, &fill_kernel);
  table.add("arange", DeviceKind::CUDA, &arange_kernel);
}

}  // namespace nabla::cuda
