// Pooling kernels on CUDA, with the CPU kernels' results (backend/cpu/pooling_kernels.cpp):
// max_pool, avg_pool and max_pool_gather run one thread per output element, the two gradients
// one thread per input element gathering from the windows that cover it (pooling_elements.hpp).
// Channels are the fastest index of every grid, so the threads of a warp touch neighbouring
// addresses of channels-last data. Inputs of any layout: each kernel takes its operands' strides
// (pooling::Strides5); outputs are contiguous, indexed by the thread's linear index.

// The geometry and per-thread rules must be callable from kernels: this has to come before any
// include that may pull in pooling_geometry.hpp.
#define NABLA_HOST_DEVICE __host__ __device__

#include <cstdint>
#include <type_traits>

#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/kernels.hpp"
#include "backend/cuda/launch.cuh"
#include "backend/cuda/pooling_elements.hpp"
#include "backend/pooling_geometry.hpp"

namespace nabla::cuda {
namespace {

using pooling::Geometry;
using pooling::Strides5;

template <class Index, class T, class I>
__global__ void __launch_bounds__(kThreads)
    max_pool_kernel(Geometry g, const T* x, Strides5 xs, T* y, I* index, int64_t total) {
  for (int64_t i = grid_index(); i < total; i += grid_stride()) {
    const PoolCell o = unravel_pool_cell<Index>(i, g.out[0], g.out[1], g.out[2], g.channels);
    max_pool_at(g, x, xs, o, y[i], index[i]);
  }
}

template <class Index, class T>
__global__ void __launch_bounds__(kThreads)
    avg_pool_kernel(Geometry g, const T* x, Strides5 xs, T* y, int64_t total) {
  for (int64_t i = grid_index(); i < total; i += grid_stride()) {
    y[i] = avg_pool_at(g, x, xs,
                       unravel_pool_cell<Index>(i, g.out[0], g.out[1], g.out[2], g.channels));
  }
}

template <class Index, class T, class I>
__global__ void __launch_bounds__(kThreads)
    max_pool_backward_kernel(Geometry g, const I* index, Strides5 is, const T* dy, Strides5 gs,
                             T* dx, int64_t total) {
  for (int64_t i = grid_index(); i < total; i += grid_stride()) {
    dx[i] = max_pool_backward_at(
        g, index, is, dy, gs, unravel_pool_cell<Index>(i, g.in[0], g.in[1], g.in[2], g.channels));
  }
}

template <class Index, class T>
__global__ void __launch_bounds__(kThreads)
    avg_pool_backward_kernel(Geometry g, const T* dy, Strides5 gs, T* dx, int64_t total) {
  for (int64_t i = grid_index(); i < total; i += grid_stride()) {
    dx[i] = avg_pool_backward_at(
        g, dy, gs, unravel_pool_cell<Index>(i, g.in[0], g.in[1], g.in[2], g.channels));
  }
}

template <class Index, class T, class I>
__global__ void __launch_bounds__(kThreads)
    max_pool_gather_kernel(Geometry g, const I* index, Strides5 is, const T* values, Strides5 vs,
                           T* out, int64_t total) {
  for (int64_t i = grid_index(); i < total; i += grid_stride()) {
    out[i] =
        max_pool_gather_at(g, index, is, values, vs,
                           unravel_pool_cell<Index>(i, g.out[0], g.out[1], g.out[2], g.channels));
  }
}

/// Calls fn(Index{}) with the narrowest unsigned type that holds every index below `total`.
template <class Fn>
void with_index_type(int64_t total, Fn&& fn) {
  if (total <= int64_t{0xFFFFFFFF}) {
    fn(uint32_t{});
  } else {
    fn(uint64_t{});
  }
}

/// inputs: x [N, *spatial, C] (any numeric dtype but bool, any layout); outputs: y and the
/// window offsets of the maxima (uint8 or int32), both [N, *out, C].
void max_pool_cuda(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &y = ctx.outputs[0], &index = ctx.outputs[1];
  const int64_t total = y.numel();
  if (total == 0) return;
  const Geometry g = pooling::make_geometry(x.shape(), y.shape(), ctx.attrs);
  const Strides5 xs = pooling::strides5(x);
  const cudaStream_t s = stream(x.device());
  visit_dtype(x.dtype(), [&]<class T>(T) {
    if constexpr (!std::is_same_v<T, bool>) {
      pooling::visit_index(index.dtype(), [&]<class I>(I) {
        with_index_type(total, [&]<class Index>(Index) {
          max_pool_kernel<Index, T, I><<<blocks_for(total), kThreads, 0, s>>>(
              g, device_data<const T>(x), xs, device_data<T>(y), device_data<I>(index), total);
        });
      });
    }
  });
  check_launch("max_pool");
}

/// inputs: x [N, *spatial, C] (float32 or float64, any layout); output: [N, *out, C].
void avg_pool_cuda(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &y = ctx.outputs[0];
  const int64_t total = y.numel();
  if (total == 0) return;
  const Geometry g = pooling::make_geometry(x.shape(), y.shape(), ctx.attrs);
  const Strides5 xs = pooling::strides5(x);
  const cudaStream_t s = stream(x.device());
  visit_floating_dtype(x.dtype(), [&]<class T>(T) {
    with_index_type(total, [&]<class Index>(Index) {
      avg_pool_kernel<Index, T><<<blocks_for(total), kThreads, 0, s>>>(
          g, device_data<const T>(x), xs, device_data<T>(y), total);
    });
  });
  check_launch("avg_pool");
}

/// inputs: indices, dy [N, *out, C] (any layout); attrs: input_shape; output: dx.
void max_pool_backward_cuda(const KernelContext& ctx) {
  const Tensor &index = ctx.inputs[0], &dy = ctx.inputs[1], &dx = ctx.outputs[0];
  const int64_t total = dx.numel();
  if (total == 0) return;
  const Geometry g = pooling::make_geometry(dx.shape(), dy.shape(), ctx.attrs);
  const Strides5 is = pooling::strides5(index), gs = pooling::strides5(dy);
  const cudaStream_t s = stream(dy.device());
  visit_floating_dtype(dy.dtype(), [&]<class T>(T) {
    pooling::visit_index(index.dtype(), [&]<class I>(I) {
      with_index_type(total, [&]<class Index>(Index) {
        max_pool_backward_kernel<Index, T, I><<<blocks_for(total), kThreads, 0, s>>>(
            g, device_data<const I>(index), is, device_data<const T>(dy), gs, device_data<T>(dx),
            total);
      });
    });
  });
  check_launch("max_pool_backward");
}

/// inputs: dy [N, *out, C] (any layout); attrs: input_shape; output: dx.
void avg_pool_backward_cuda(const KernelContext& ctx) {
  const Tensor &dy = ctx.inputs[0], &dx = ctx.outputs[0];
  const int64_t total = dx.numel();
  if (total == 0) return;
  const Geometry g = pooling::make_geometry(dx.shape(), dy.shape(), ctx.attrs);
  const Strides5 gs = pooling::strides5(dy);
  const cudaStream_t s = stream(dy.device());
  visit_floating_dtype(dy.dtype(), [&]<class T>(T) {
    with_index_type(total, [&]<class Index>(Index) {
      avg_pool_backward_kernel<Index, T><<<blocks_for(total), kThreads, 0, s>>>(
          g, device_data<const T>(dy), gs, device_data<T>(dx), total);
    });
  });
  check_launch("avg_pool_backward");
}

/// inputs: indices [N, *out, C], values [N, *spatial, C] (any layout); output: [N, *out, C].
void max_pool_gather_cuda(const KernelContext& ctx) {
  const Tensor &index = ctx.inputs[0], &values = ctx.inputs[1], &out = ctx.outputs[0];
  const int64_t total = out.numel();
  if (total == 0) return;
  const Geometry g = pooling::make_geometry(values.shape(), out.shape(), ctx.attrs);
  const Strides5 is = pooling::strides5(index), vs = pooling::strides5(values);
  const cudaStream_t s = stream(values.device());
  visit_floating_dtype(values.dtype(), [&]<class T>(T) {
    pooling::visit_index(index.dtype(), [&]<class I>(I) {
      with_index_type(total, [&]<class Index>(Index) {
        max_pool_gather_kernel<Index, T, I><<<blocks_for(total), kThreads, 0, s>>>(
            g, device_data<const I>(index), is, device_data<const T>(values), vs,
            device_data<T>(out), total);
      });
    });
  });
  check_launch("max_pool_gather");
}

}  // namespace

void register_pooling_kernels(KernelTable& table) {
  table.add("max_pool", DeviceKind::CUDA, &max_pool_cuda);
  table.add("avg_pool", DeviceKind::CUDA, &avg_pool_cuda);
  table.add("max_pool_backward", DeviceKind::CUDA, &max_pool_backward_cuda);
  table.add("avg_pool_backward", DeviceKind::CUDA, &avg_pool_backward_cuda);
  table.add("max_pool_gather", DeviceKind::CUDA, &max_pool_gather_cuda);
}

}  // namespace nabla::cuda
