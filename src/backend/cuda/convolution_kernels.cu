// CUDA kernels of the convolution core ops (src/ops/convolution.cpp) through cuDNN, float32 and
// float64, computing what the CPU kernels (backend/cpu/convolution_kernels.cpp) compute:
//   conv, conv_relu    y = relu?(conv(x, w) + bias)     cudnnConvolutionForward
//   conv_input_grad    dx from g and w                   cudnnConvolutionBackwardData
//   conv_weight_grad   dw from x and g                   cudnnConvolutionBackwardFilter
// How the operands meet cuDNN is Note [Convolutions on cuDNN] (convolution_geometry.hpp): each
// goes in place when it already is packed in cuDNN's layout, else through one gather copy
// (convolution_staging.cuh); bias and relu are one pass over y after cuDNN, which equals
// relu(conv(...) + bias) exactly.
// Degenerate shapes never reach cuDNN: an empty output is left alone, and an output whose sums
// are all empty (no input channels or positions, no output channels, no samples) is zeros (then
// the bias, for the forward ops).

// The scalar functors must be callable from kernels: before any include that may pull them in.
#define NABLA_HOST_DEVICE __host__ __device__

#include <cstdint>

#include "backend/cuda/convolution_cudnn.hpp"
#include "backend/cuda/convolution_layout_kernels.hpp"
#include "backend/cuda/convolution_staging.cuh"
#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/kernels.hpp"
#include "backend/cuda/launch.cuh"
#include "backend/scalar_functors.hpp"
#include "nabla/tensor/storage.hpp"

namespace nabla::cuda {
namespace {

/// dst = the gather `plan` over src (zeros in its padding).
template <class T, class Index>
__global__ void pad_permute_kernel(const PadPermuteCopy plan, const T* __restrict__ src,
                                   T* __restrict__ dst, int64_t n) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    const int64_t from = plan.source(static_cast<Index>(i));
    dst[i] = from < 0 ? T(0) : src[from];
  }
}

template <class T>
void pad_permute(const char* op, const PadPermuteCopy& plan, const T* src, T* dst, cudaStream_t s) {
  const int64_t n = plan.numel();
  if (n == 0) return;
  if (n <= int64_t{0xFFFFFFFF}) {
    pad_permute_kernel<T, uint32_t><<<blocks_for(n), kThreads, 0, s>>>(plan, src, dst, n);
  } else {
    pad_permute_kernel<T, uint64_t><<<blocks_for(n), kThreads, 0, s>>>(plan, src, dst, n);
  }
  check_launch(op);
}

/// y [rows, channels] = relu?(y + bias?) in place; bias [channels] of stride bias_stride.
template <class T, bool kBias, bool kRelu>
__global__ void bias_relu_kernel(T* __restrict__ y, const T* __restrict__ bias, int64_t bias_stride,
                                 int64_t n, int64_t channels) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    T v = y[i];
    if constexpr (kBias) v += bias[(i % channels) * bias_stride];
    if constexpr (kRelu) v = scalar::Relu{}(v);
    y[i] = v;
  }
}

template <class T, bool kRelu>
void bias_relu(const char* op, const Tensor& y, const Tensor* bias, cudaStream_t s) {
  const int64_t n = y.numel(), channels = y.size(-1);
  if (bias == nullptr && !kRelu) return;
  T* out = device_data<T>(y);
  if (bias == nullptr) {
    bias_relu_kernel<T, false, kRelu>
        <<<blocks_for(n), kThreads, 0, s>>>(out, nullptr, 0, n, channels);
  } else {
    bias_relu_kernel<T, true, kRelu><<<blocks_for(n), kThreads, 0, s>>>(
        out, device_data<const T>(*bias), bias->strides()[0], n, channels);
  }
  check_launch(op);
}

void fill_zeros(const char* op, const Tensor& out, cudaStream_t s) {
  check(cudaMemsetAsync(device_data(out), 0, static_cast<size_t>(out.numel()) * out.itemsize(), s),
        op);
}

/// cuDNN's vectorised kernels want aligned operands; a view at an odd offset is copied.
constexpr uintptr_t kAlignment = 16;
bool aligned(const void* p) { return reinterpret_cast<uintptr_t>(p) % kAlignment == 0; }

/// Operand t as cuDNN reads it under `plan`: t's own memory when the copy would reproduce it,
/// else a packed copy in `scratch`.
template <class T>
const T* stage(const char* op, const PadPermuteCopy& plan, const Tensor& t, Buffer& scratch,
               cudaStream_t s) {
  const T* data = device_data<const T>(t);
  if (plan.is_view() && aligned(data)) return data;
  scratch = Buffer(static_cast<size_t>(plan.numel()) * sizeof(T), t.device());
  T* copy = static_cast<T*>(scratch.data());
  pad_permute(op, plan, data, copy, s);
  return copy;
}

/// The geometry in the layout cuDNN runs it in: float32 NHWC unless cuDNN has no algorithm for
/// it there, otherwise (and for float64) NCHW.
CudnnConvGeometry choose_geometry(const char* op, ConvPass pass, const Shape& x, const Shape& w,
                                  const Shape& y, const Attrs& attrs, DType dtype, Device device) {
  if (dtype == DType::Float32) {
    CudnnConvGeometry g = cudnn_geometry(x, w, y, attrs, CudnnLayout::NHWC);
    if (cudnn_supports(op, pass, g, dtype, device)) return g;
  }
  return cudnn_geometry(x, w, y, attrs, CudnnLayout::NCHW);
}

/// out = `pass` of the op's inputs first and second, for a convolution of x by w giving y.
/// Scratch buffers go back to the caching allocator on return, while the queued work may still
/// use them: safe, since whatever reuses them is queued after it on the same stream.
template <class T>
void run_pass(const char* op, ConvPass pass, const Tensor& first, const Tensor& second,
              const Tensor& out, const Shape& x, const Shape& w, const Shape& y,
              const Attrs& attrs) {
  const Device device = out.device();
  const cudaStream_t s = stream(device);
  const CudnnConvGeometry g = choose_geometry(op, pass, x, w, y, attrs, out.dtype(), device);
  const ConvStaging staging = conv_staging(pass, g, first.strides(), second.strides());
  Buffer first_copy, second_copy, result_copy;
  const T* a = stage<T>(op, staging.first, first, first_copy, s);
  const T* b = stage<T>(op, staging.second, second, second_copy, s);
  T* c = device_data<T>(out);
  const bool direct = staging.result.is_view() && aligned(c);
  if (!direct) {
    result_copy = Buffer(static_cast<size_t>(staging.result_numel) * sizeof(T), device);
    c = static_cast<T*>(result_copy.data());
  }
  cudnn_convolution(op, pass, g, out.dtype(), device, a, b, c);
  if (!direct) pad_permute(op, staging.result, c, device_data<T>(out), s);
}

/// inputs: x [N, *in, C_in], w [*k, C_in / G, C_out], optional bias [C_out] (any layout);
/// output: y [N, *out, C_out] (relu(y) for conv_relu).
template <bool kRelu>
void conv_kernel(const KernelContext& ctx) {
  constexpr const char* op = kRelu ? "conv_relu" : "conv";
  const Tensor &x = ctx.inputs[0], &w = ctx.inputs[1];
  const Tensor* bias = ctx.inputs.size() == 3 ? &ctx.inputs[2] : nullptr;
  const Tensor& y = ctx.outputs[0];
  if (y.numel() == 0) return;
  const cudaStream_t s = stream(y.device());
  visit_floating_dtype(y.dtype(), [&]<class T>(T) {
    if (x.numel() == 0 || w.numel() == 0) {
      fill_zeros(op, y, s);
    } else {
      run_pass<T>(op, ConvPass::Forward, x, w, y, x.shape(), w.shape(), y.shape(), ctx.attrs);
    }
    bias_relu<T, kRelu>(op, y, bias, s);
  });
}

/// inputs: g [N, *out, C_out], w [*k, C_in / G, C_out]; output: dx [N, *in, C_in].
void conv_input_grad_kernel(const KernelContext& ctx) {
  constexpr const char* op = "conv_input_grad";
  const Tensor &g = ctx.inputs[0], &w = ctx.inputs[1];
  const Tensor& dx = ctx.outputs[0];
  if (dx.numel() == 0) return;
  if (g.numel() == 0 || w.numel() == 0) return fill_zeros(op, dx, stream(dx.device()));
  visit_floating_dtype(dx.dtype(), [&]<class T>(T) {
    run_pass<T>(op, ConvPass::BackwardData, g, w, dx, dx.shape(), w.shape(), g.shape(), ctx.attrs);
  });
}

/// inputs: x [N, *in, C_in], g [N, *out, C_out]; output: dw [*k, C_in / G, C_out].
void conv_weight_grad_kernel(const KernelContext& ctx) {
  constexpr const char* op = "conv_weight_grad";
  const Tensor &x = ctx.inputs[0], &g = ctx.inputs[1];
  const Tensor& dw = ctx.outputs[0];
  if (dw.numel() == 0) return;
  if (x.numel() == 0 || g.numel() == 0) return fill_zeros(op, dw, stream(dw.device()));
  visit_floating_dtype(dw.dtype(), [&]<class T>(T) {
    run_pass<T>(op, ConvPass::BackwardFilter, x, g, dw, x.shape(), dw.shape(), g.shape(),
                ctx.attrs);
  });
}

}  // namespace

void register_convolution_kernels(KernelTable& table) {
  table.add("conv", DeviceKind::CUDA, &conv_kernel<false>);
  table.add("conv_relu", DeviceKind::CUDA, &conv_kernel<true>);
  table.add("conv_input_grad", DeviceKind::CUDA, &conv_input_grad_kernel);
  table.add("conv_weight_grad", DeviceKind::CUDA, &conv_weight_grad_kernel);
  register_convolution_layout_kernels(table);
}

}  // namespace nabla::cuda
