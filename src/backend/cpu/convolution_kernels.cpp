// CPU kernels of the three convolution core ops (src/ops/convolution.cpp), float32 and float64:
// channels-last im2col + BLAS gemm. The output rows are cut into blocks whose column matrix stays
// in L2; blocks run in parallel on nabla's pool, each calling a single-threaded gemm (OpenBLAS's
// OpenMP build inside a parallel region), with per-thread column buffers reused across calls.
//   forward:         y[block] = col[block] @ w              (the bias preloaded, beta = 1)
//   input-gradient:  dcol = g[block] @ w^T, col2im adds it into dx (blocks of whole samples, so
//                    threads never add into the same sample)
//   weight-gradient: dw += col[block]^T @ g[block], into per-thread partial sums that are then
//                    added in a fixed order (the result does not depend on timing)
// 1x1, stride-1, unpadded convolutions are a single gemm on x itself; few input channels per
// group (first layers, depthwise) take the direct loops of convolution_direct.hpp instead.
// conv_relu is the forward kernel with relu applied to each block while it is in cache.
// float32 goes to oneDNN first when nabla is built with it (convolution_onednn.hpp).
#include <algorithm>
#include <type_traits>
#include <vector>

#include "backend/cpu/convolution_direct.hpp"
#include "backend/cpu/convolution_im2col.hpp"
#include "backend/cpu/convolution_onednn.hpp"
#include "backend/cpu/dense.hpp"
#include "backend/cpu/gemm.hpp"
#include "backend/cpu/kernels.hpp"
#include "backend/cpu/strided_loop.hpp"
#include "backend/scalar_functors.hpp"
#include "nabla/util/parallel.hpp"

namespace nabla::cpu {
namespace {

// A block's column matrix stays within half of this machine's 1 MiB L2, leaving room for the
// gemm's packed panels and the block's output rows. (bench_conv, cnnA's conv2 on 1 thread:
// 256 KiB to 1 MiB within 2% of each other; 4 MiB 5-10% slower.)
constexpr int64_t kColumnBytes = 512 * 1024;
// Below this many rows per gemm, BLAS's per-call cost shows.
constexpr int64_t kMinBlockRows = 32;

/// A buffer of at least n elements owned by the calling thread and kept for its next calls (the
/// pool's threads live as long as the process): no allocation per block or per call.
template <class T>
T* scratch(int64_t n) {
  thread_local std::vector<T> buffer;
  if (static_cast<int64_t>(buffer.size()) < n) buffer.resize(static_cast<size_t>(n));
  return buffer.data();
}

/// Rows whose working set fits kColumnBytes (at least kMinBlockRows): the column matrix, or for
/// the direct loops the tap table and the rows' outputs (or output gradients).
int64_t cache_rows(const ConvPlan& p, size_t itemsize, bool direct) {
  const auto size = static_cast<int64_t>(itemsize);
  const int64_t row_bytes =
      direct ? p.kernel_volume * static_cast<int64_t>(sizeof(int64_t)) + p.c_out * size
             : std::max<int64_t>(p.col_width, 1) * size;
  return std::max(kColumnBytes / row_bytes, kMinBlockRows);
}

/// Rows per block over the flat row range: cache-sized, and at least one block per thread.
int64_t block_rows(const ConvPlan& p, size_t itemsize, bool direct) {
  const int64_t threads = num_threads();
  const int64_t per_thread = std::max((p.rows() + threads - 1) / threads, kMinBlockRows);
  return std::max<int64_t>(1, std::min(cache_rows(p, itemsize, direct), per_thread));
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// y = relu(y) over n elements (conv_relu, on a block still in cache).
template <class T>
void relu_in_place(T* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = scalar::Relu{}(y[i]);
}

/// y = conv(x, w) + bias (then relu when `relu`); x [N, *in, C_in], w [K * C_in / G, C_out],
/// y [N * out, C_out].
template <class T>
void conv_forward(const ConvPlan& p, const T* x, const T* w, const T* bias, bool relu, T* y) {
  const int64_t rows = p.rows();
  // Preloading the bias lets the gemm add it (beta = 1): no second pass over y.
  auto preload = [&](T* out, int64_t count) {
    if (bias == nullptr) return T(0);
    for (int64_t r = 0; r < count; ++r) std::copy_n(bias, p.c_out, out + r * p.c_out);
    return T(1);
  };
  if (p.col_width == 0 || p.pointwise) {
    const T beta = preload(y, rows);
    if (p.col_width == 0) {  // no input channels: the bias alone
      if (beta == T(0)) std::fill_n(y, rows * p.c_out, T(0));
    } else {  // one gemm on x itself; BLAS threads it
      gemm<T>(false, false, rows, p.c_out, p.c_in, x, p.c_in, w, p.c_out, beta, y, p.c_out);
    }
    if (relu) {
      parallel_for(0, rows * p.c_out, kElementwiseGrain,
                   [&](int64_t i0, int64_t i1) { relu_in_place(y + i0, i1 - i0); });
    }
    return;
  }
  const bool direct = use_direct(p);
  const TapOffsets taps = direct ? tap_offsets(p) : TapOffsets{};
  const int64_t block = block_rows(p, sizeof(T), direct), blocks = ceil_div(rows, block);
  parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
    T* col = direct ? nullptr : scratch<T>(block * p.col_width);
    int64_t* at = direct ? scratch<int64_t>(block * p.kernel_volume) : nullptr;
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t r0 = b * block, count = std::min(block, rows - r0);
      T* out = y + r0 * p.c_out;
      const T beta = preload(out, count);
      if (direct) {
        if (beta == T(0)) std::fill_n(out, count * p.c_out, T(0));
        tap_table(p, taps, r0, count, at);
        direct_forward(p, x, w, at, count, out);
      } else {
        for (int64_t group = 0; group < p.groups; ++group) {
          im2col(p, x, r0, count, group, col);
          gemm<T>(false, false, count, p.group_out, p.col_width, col, p.col_width,
                  w + group * p.group_out, p.c_out, beta, out + group * p.group_out, p.c_out);
        }
      }
      if (relu) relu_in_place(out, count * p.c_out);
    }
  });
}

/// dx = conv_input_grad(g, w); g [N * out, C_out], dx [N, *in, C_in].
template <class T>
void conv_input_grad(const ConvPlan& p, const T* g, const T* w, T* dx) {
  const int64_t rows = p.rows();
  if (p.group_out == 0) {  // no output channels: nothing flows back
    std::fill_n(dx, p.batch * p.in_per_sample, T(0));
    return;
  }
  if (p.pointwise) {
    gemm<T>(false, true, rows, p.c_in, p.c_out, g, p.c_out, w, p.c_out, T(0), dx, p.c_in);
    return;
  }
  // Direct only for depthwise convolutions: with several output channels per group it would
  // reduce each tap's products across a vector (slower than the gemm + col2im path).
  const bool direct = use_direct(p) && p.groups > 1 && p.group_in == 1;
  const TapOffsets taps = direct ? tap_offsets(p) : TapOffsets{};
  // Whole samples per chunk: col2im of different chunks never touches the same element.
  const int64_t per_sample = p.out_per_sample, fit = cache_rows(p, sizeof(T), direct);
  const int64_t samples = std::clamp<int64_t>(fit / std::max<int64_t>(per_sample, 1), 1,
                                              ceil_div(p.batch, num_threads()));
  const int64_t chunk_rows = samples * per_sample;
  const int64_t block = ceil_div(chunk_rows, ceil_div(chunk_rows, fit));  // even sub-blocks
  parallel_for(0, ceil_div(p.batch, samples), 1, [&](int64_t c0, int64_t c1) {
    T* dcol = direct ? nullptr : scratch<T>(block * p.col_width);
    int64_t* at = direct ? scratch<int64_t>(block * p.kernel_volume) : nullptr;
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t n0 = c * samples, n1 = std::min(p.batch, n0 + samples);
      std::fill(dx + n0 * p.in_per_sample, dx + n1 * p.in_per_sample, T(0));
      for (int64_t r0 = n0 * per_sample; r0 < n1 * per_sample; r0 += block) {
        const int64_t count = std::min(block, n1 * per_sample - r0);
        if (direct) {
          tap_table(p, taps, r0, count, at);
          direct_input_grad(p, g + r0 * p.c_out, w, at, count, dx);
          continue;
        }
        for (int64_t group = 0; group < p.groups; ++group) {
          gemm<T>(false, true, count, p.col_width, p.group_out,
                  g + r0 * p.c_out + group * p.group_out, p.c_out, w + group * p.group_out, p.c_out,
                  T(0), dcol, p.col_width);
          col2im(p, dcol, r0, count, group, dx);
        }
      }
    }
  });
}

/// dw = conv_weight_grad(x, g); x [N, *in, C_in], g [N * out, C_out], dw [K * C_in / G, C_out].
template <class T>
void conv_weight_grad(const ConvPlan& p, const T* x, const T* g, T* dw) {
  const int64_t rows = p.rows(), size = p.col_width * p.c_out;
  std::fill_n(dw, size, T(0));
  if (rows == 0 || size == 0) return;
  if (p.pointwise) {
    gemm<T>(true, false, p.c_in, p.c_out, rows, x, p.c_in, g, p.c_out, T(0), dw, p.c_out);
    return;
  }
  const bool direct = use_direct(p);
  const TapOffsets taps = direct ? tap_offsets(p) : TapOffsets{};
  const int64_t block = block_rows(p, sizeof(T), direct), blocks = ceil_div(rows, block);
  // One accumulator per slot: slot 0 is dw itself; the others are added in slot order after.
  const int64_t slots = std::min<int64_t>(num_threads(), blocks);
  std::vector<T> partial(static_cast<size_t>((slots - 1) * size), T(0));
  parallel_for(0, slots, 1, [&](int64_t s0, int64_t s1) {
    T* col = direct ? nullptr : scratch<T>(block * p.col_width);
    int64_t* at = direct ? scratch<int64_t>(block * p.kernel_volume) : nullptr;
    for (int64_t slot = s0; slot < s1; ++slot) {
      T* acc = slot == 0 ? dw : partial.data() + (slot - 1) * size;
      for (int64_t b = blocks * slot / slots; b < blocks * (slot + 1) / slots; ++b) {
        const int64_t r0 = b * block, count = std::min(block, rows - r0);
        if (direct) {
          tap_table(p, taps, r0, count, at);
          direct_weight_grad(p, x, g + r0 * p.c_out, at, count, acc);
          continue;
        }
        for (int64_t group = 0; group < p.groups; ++group) {
          im2col(p, x, r0, count, group, col);
          gemm<T>(true, false, p.col_width, p.group_out, count, col, p.col_width,
                  g + r0 * p.c_out + group * p.group_out, p.c_out, T(1), acc + group * p.group_out,
                  p.c_out);
        }
      }
    }
  });
  for (int64_t slot = 1; slot < slots; ++slot) {
    const T* part = partial.data() + (slot - 1) * size;
    for (int64_t i = 0; i < size; ++i) dw[i] += part[i];
  }
}

/// inputs: x [N, *in, C_in], w [*k, C_in / G, C_out], optional bias [C_out];
/// output: y [N, *out, C_out] (relu(y) for conv_relu).
template <bool kRelu>
void conv_kernel(const KernelContext& ctx) {
  const Tensor x = dense(ctx.inputs[0]), w = dense(ctx.inputs[1]);
  const Tensor bias = ctx.inputs.size() == 3 ? dense(ctx.inputs[2]) : Tensor();
  const Tensor& y = ctx.outputs[0];
  const ConvPlan p = make_conv_plan(x.shape(), w.shape(), y.shape(), ctx.attrs);
  visit_floating_dtype(y.dtype(), [&]<class T>(T) {
    const T* b = bias.defined() ? bias.data<T>() : nullptr;
    if constexpr (std::is_same_v<T, float>) {
      if (onednn::conv_forward(p, x.data<T>(), w.data<T>(), b, kRelu, y.data<T>())) return;
    }
    conv_forward<T>(p, x.data<T>(), w.data<T>(), b, kRelu, y.data<T>());
  });
}

/// inputs: g [N, *out, C_out], w [*k, C_in / G, C_out]; output: dx [N, *in, C_in].
void conv_input_grad_kernel(const KernelContext& ctx) {
  const Tensor g = dense(ctx.inputs[0]), w = dense(ctx.inputs[1]);
  const Tensor& dx = ctx.outputs[0];
  const ConvPlan p = make_conv_plan(dx.shape(), w.shape(), g.shape(), ctx.attrs);
  visit_floating_dtype(dx.dtype(), [&]<class T>(T) {
    if constexpr (std::is_same_v<T, float>) {
      if (onednn::conv_input_grad(p, g.data<T>(), w.data<T>(), dx.data<T>())) return;
    }
    conv_input_grad<T>(p, g.data<T>(), w.data<T>(), dx.data<T>());
  });
}

/// inputs: x [N, *in, C_in], g [N, *out, C_out]; output: dw [*k, C_in / G, C_out].
void conv_weight_grad_kernel(const KernelContext& ctx) {
  const Tensor x = dense(ctx.inputs[0]), g = dense(ctx.inputs[1]);
  const Tensor& dw = ctx.outputs[0];
  const ConvPlan p = make_conv_plan(x.shape(), dw.shape(), g.shape(), ctx.attrs);
  visit_floating_dtype(dw.dtype(), [&]<class T>(T) {
    if constexpr (std::is_same_v<T, float>) {
      if (onednn::conv_weight_grad(p, x.data<T>(), g.data<T>(), dw.data<T>())) return;
    }
    conv_weight_grad<T>(p, x.data<T>(), g.data<T>(), dw.data<T>());
  });
}

}  // namespace

void register_convolution_kernels(KernelTable& table) {
  table.add("conv", DeviceKind::CPU, &conv_kernel<false>);
  table.add("conv_relu", DeviceKind::CPU, &conv_kernel<true>);
  table.add("conv_input_grad", DeviceKind::CPU, &conv_input_grad_kernel);
  table.add("conv_weight_grad", DeviceKind::CPU, &conv_weight_grad_kernel);
}

}  // namespace nabla::cpu
