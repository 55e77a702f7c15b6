// CUDA kernels of the fused optimizer updates (Note [Fused optimizer updates] in
// src/ops/optimizer_updates.cpp): one pass over contiguous float32/float64 tensors, updating
// weight and state in place, element by element in the CPU kernel's order of operations
// (backend/cpu/optimizer_kernels.cpp), so both devices round alike.
//
// Two things keep the rounding identical. Every operation is an explicitly rounded intrinsic,
// which nvcc never fuses into an FMA (it fuses a * b + c by default; the CPU build, x86-64
// baseline with ISO C++ and no -ffp-contract, never does). And float32 uses the .ftz forms,
// flushing subnormal inputs and results to zero as the CPU kernel's FlushDenormals (MXCSR FTZ +
// DAZ) does. float64 has no flushing form on the GPU, so a float64 update that meets subnormal
// values can differ from the CPU's in them (and only there).
//
// The per-step scalars (learning rate or alpha, and the weight decay factor) are read on the
// GPU from their float64 [2] tensor, which lives on the weight's device: copying them to the
// host would wait for the whole queue every step.
#include <cstdint>

#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/kernels.hpp"
#include "backend/cuda/launch.cuh"

namespace nabla::cuda {
namespace {

// Correctly rounded float32 arithmetic with subnormals flushed, never contracted.
__device__ inline float mul(float a, float b) {
  float r;
  asm("mul.rn.ftz.f32 %0, %1, %2;" : "=f"(r) : "f"(a), "f"(b));
  return r;
}
__device__ inline float add(float a, float b) {
  float r;
  asm("add.rn.ftz.f32 %0, %1, %2;" : "=f"(r) : "f"(a), "f"(b));
  return r;
}
__device__ inline float sub(float a, float b) {
  float r;
  asm("sub.rn.ftz.f32 %0, %1, %2;" : "=f"(r) : "f"(a), "f"(b));
  return r;
}
__device__ inline float div(float a, float b) {
  float r;
  asm("div.rn.ftz.f32 %0, %1, %2;" : "=f"(r) : "f"(a), "f"(b));
  return r;
}
__device__ inline float sqrt_of(float a) {
  float r;
  asm("sqrt.rn.ftz.f32 %0, %1;" : "=f"(r) : "f"(a));
  return r;
}
// Correctly rounded float64 arithmetic, never contracted.
__device__ inline double mul(double a, double b) { return __dmul_rn(a, b); }
__device__ inline double add(double a, double b) { return __dadd_rn(a, b); }
__device__ inline double sub(double a, double b) { return __dsub_rn(a, b); }
__device__ inline double div(double a, double b) { return __ddiv_rn(a, b); }
__device__ inline double sqrt_of(double a) { return __dsqrt_rn(a); }

/// inputs: weight, grad, scalars (learning rate, decay)[, velocity]; n elements each.
template <class T, bool kMomentum, bool kNesterov>
__global__ void sgd_update_kernel(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ v,
                                  const double* __restrict__ scalars, const T momentum, int64_t n) {
  const T lr = static_cast<T>(scalars[0]);
  const bool decayed = scalars[1] != 1.0;  // the same test as the CPU kernel, on every thread
  const T decay = static_cast<T>(scalars[1]);
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    T x = decayed ? mul(w[i], decay) : w[i];
    if constexpr (!kMomentum) {
      x = sub(x, mul(g[i], lr));
    } else {
      const T velocity = sub(mul(v[i], momentum), mul(g[i], lr));
      v[i] = velocity;
      x = kNesterov ? add(x, sub(mul(velocity, momentum), mul(g[i], lr))) : add(x, velocity);
    }
    w[i] = x;
  }
}

template <class T>
struct AdamConstants {
  T one_minus_beta_1, one_minus_beta_2, epsilon;
};

/// inputs: weight, grad, scalars (alpha, decay), m, v[, v_max]; n elements each.
template <class T, bool kAmsgrad>
__global__ void adam_update_kernel(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ m,
                                   T* __restrict__ v, T* __restrict__ v_max,
                                   const double* __restrict__ scalars, const AdamConstants<T> c,
                                   int64_t n) {
  const T alpha = static_cast<T>(scalars[0]);
  const bool decayed = scalars[1] != 1.0;
  const T decay = static_cast<T>(scalars[1]);
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    const T x = decayed ? mul(w[i], decay) : w[i];
    const T gi = g[i];
    const T mi = add(m[i], mul(sub(gi, m[i]), c.one_minus_beta_1));
    T vi = add(v[i], mul(sub(mul(gi, gi), v[i]), c.one_minus_beta_2));
    m[i] = mi;
    v[i] = vi;
    if constexpr (kAmsgrad) {  // NaN-propagating like the composite's maximum()
      const T previous = v_max[i];
      vi = previous != previous ? previous : (previous < vi || vi != vi ? vi : previous);
      v_max[i] = vi;
    }
    w[i] = sub(x, div(mul(mi, alpha), add(sqrt_of(vi), c.epsilon)));
  }
}

template <class T>
T* data(const KernelContext& ctx, size_t i) {
  return i < ctx.inputs.size() ? device_data<T>(ctx.inputs[i]) : nullptr;
}

template <class T>
void sgd_update(const KernelContext& ctx) {
  const Tensor& w = ctx.inputs[0];
  const int64_t n = w.numel();
  if (n == 0) return;
  select(w.device());
  T* v = data<T>(ctx, 3);
  const auto momentum = static_cast<T>(ctx.attrs.get<double>("momentum"));
  const bool nesterov = ctx.attrs.get<bool>("nesterov");
  const cudaStream_t s = stream(w.device());
  auto launch = [&]<bool kMomentum, bool kNesterov>() {
    sgd_update_kernel<T, kMomentum, kNesterov><<<blocks_for(n), kThreads, 0, s>>>(
        data<T>(ctx, 0), data<T>(ctx, 1), v, data<double>(ctx, 2), momentum, n);
  };
  if (v == nullptr) {
    launch.template operator()<false, false>();
  } else if (nesterov) {
    launch.template operator()<true, true>();
  } else {
    launch.template operator()<true, false>();
  }
  check_launch("sgd_update");
}

template <class T>
void adam_update(const KernelContext& ctx) {
  const Tensor& w = ctx.inputs[0];
  const int64_t n = w.numel();
  if (n == 0) return;
  select(w.device());
  // The constants as the CPU kernel computes them: 1 - beta in double, then rounded to T.
  const AdamConstants<T> c{static_cast<T>(1.0 - ctx.attrs.get<double>("beta_1")),
                           static_cast<T>(1.0 - ctx.attrs.get<double>("beta_2")),
                           static_cast<T>(ctx.attrs.get<double>("epsilon"))};
  T* v_max = data<T>(ctx, 5);
  const cudaStream_t s = stream(w.device());
  auto launch = [&]<bool kAmsgrad>() {
    adam_update_kernel<T, kAmsgrad>
        <<<blocks_for(n), kThreads, 0, s>>>(data<T>(ctx, 0), data<T>(ctx, 1), data<T>(ctx, 3),
                                            data<T>(ctx, 4), v_max, data<double>(ctx, 2), c, n);
  };
  if (v_max != nullptr) {
    launch.template operator()<true>();
  } else {
    launch.template operator()<false>();
  }
  check_launch("adam_update");
}

void sgd_update_kernel_entry(const KernelContext& ctx) {
  if (ctx.inputs[0].dtype() == DType::Float32) {
    sgd_update<float>(ctx);
  } else {
    sgd_update<double>(ctx);
  }
}

void adam_update_kernel_entry(const KernelContext& ctx) {
  if (ctx.inputs[0].dtype() == DType::Float32) {
    adam_update<float>(ctx);
  } else {
    adam_update<double>(ctx);
  }
}

}  // namespace

void register_optimizer_kernels(KernelTable& table) {
  table.add("sgd_update", DeviceKind::CUDA, &sgd_update_kernel_entry);
  table.add("adam_update", DeviceKind::CUDA, &adam_update_kernel_entry);
}

}  // namespace nabla::cuda
