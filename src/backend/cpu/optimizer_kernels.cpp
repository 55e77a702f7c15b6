// CPU kernels of the fused optimizer updates (Note [Fused optimizer updates] in
// src/ops/optimizer_updates.cpp): one pass over contiguous float32/float64 tensors, updating
// weight and state in place. Each element repeats the composite update's operations in the
// same order and precision, so both paths round alike.
//
// Every option is a template parameter, so each loop body is branch-free, and the loops take
// their pointers as __restrict parameters (weight, gradient and states are distinct tensors)
// and their scalars by value: the compiler then vectorises them without runtime alias checks
// (with five arrays those checks made GCC give up on AMSGrad's loop: 8x slower).
#include <cmath>

#include "backend/cpu/flush_denormals.hpp"
#include "backend/cpu/kernels.hpp"
#include "backend/cpu/strided_loop.hpp"
#include "nabla/util/parallel.hpp"

namespace nabla::cpu {
namespace {

template <class T>
T attr(const KernelContext& ctx, const char* name) {
  return static_cast<T>(ctx.attrs.get<double>(name));
}

template <class T>
T* data(const KernelContext& ctx, size_t i) {
  return i < ctx.inputs.size() ? ctx.inputs[i].data<T>() : nullptr;
}

/// Input 2: the per-step values (float64 [2]), read when the update runs (a graph feeds them).
double step_scalar(const KernelContext& ctx, size_t i) { return ctx.inputs[2].data<double>()[i]; }

template <class T>
struct SgdArgs {
  T* w;
  const T* g;
  T* v;
  T lr, momentum, decay;
};

template <class T, bool kMomentum, bool kNesterov, bool kDecay>
void sgd_range(T* __restrict w, const T* __restrict g, T* __restrict v, const T lr,
               const T momentum, const T decay, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    T x = kDecay ? w[i] * decay : w[i];
    if constexpr (!kMomentum) {
      x = x - g[i] * lr;
    } else {
      const T velocity = v[i] * momentum - g[i] * lr;
      v[i] = velocity;
      x = kNesterov ? x + (velocity * momentum - g[i] * lr) : x + velocity;
    }
    w[i] = x;
  }
}

template <class T, bool... kFlags>
void run_sgd(const KernelContext& ctx, const SgdArgs<T>& a) {
  parallel_for(0, ctx.inputs[0].numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
    const FlushDenormals flush;  // states decaying to subnormals: see flush_denormals.hpp
    sgd_range<T, kFlags...>(a.w + begin, a.g + begin, a.v == nullptr ? nullptr : a.v + begin, a.lr,
                            a.momentum, a.decay, end - begin);
  });
}

// inputs: weight, grad, scalars (learning rate, decay)[, velocity]
template <class T>
void sgd_update(const KernelContext& ctx) {
  const SgdArgs<T> a{data<T>(ctx, 0),          data<T>(ctx, 1),
                     data<T>(ctx, 3),          static_cast<T>(step_scalar(ctx, 0)),
                     attr<T>(ctx, "momentum"), static_cast<T>(step_scalar(ctx, 1))};
  const bool momentum = a.v != nullptr, nesterov = ctx.attrs.get<bool>("nesterov");
  const bool decay = step_scalar(ctx, 1) != 1.0;
  if (!momentum) {
    decay ? run_sgd<T, false, false, true>(ctx, a) : run_sgd<T, false, false, false>(ctx, a);
  } else if (nesterov) {
    decay ? run_sgd<T, true, true, true>(ctx, a) : run_sgd<T, true, true, false>(ctx, a);
  } else {
    decay ? run_sgd<T, true, false, true>(ctx, a) : run_sgd<T, true, false, false>(ctx, a);
  }
}

template <class T>
struct AdamArgs {
  T* w;
  const T* g;
  T* m;
  T* v;
  T* v_max;
  T alpha, one_minus_beta_1, one_minus_beta_2, epsilon, decay;
};

template <class T, bool kAmsgrad, bool kDecay>
void adam_range(T* __restrict w, const T* __restrict g, T* __restrict m, T* __restrict v,
                T* __restrict v_max, const AdamArgs<T> a, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const T x = kDecay ? w[i] * a.decay : w[i];
    const T mi = m[i] + (g[i] - m[i]) * a.one_minus_beta_1;
    T vi = v[i] + (g[i] * g[i] - v[i]) * a.one_minus_beta_2;
    m[i] = mi;
    v[i] = vi;
    if constexpr (kAmsgrad) {  // NaN-propagating like the composite's maximum()
      const T previous = v_max[i];
      vi = previous != previous ? previous : (previous < vi || vi != vi ? vi : previous);
      v_max[i] = vi;
    }
    w[i] = x - mi * a.alpha / (std::sqrt(vi) + a.epsilon);
  }
}

template <class T, bool kAmsgrad, bool kDecay>
void run_adam(const KernelContext& ctx, const AdamArgs<T>& a) {
  parallel_for(0, ctx.inputs[0].numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
    const FlushDenormals flush;  // states decaying to subnormals: see flush_denormals.hpp
    adam_range<T, kAmsgrad, kDecay>(a.w + begin, a.g + begin, a.m + begin, a.v + begin,
                                    kAmsgrad ? a.v_max + begin : nullptr, a, end - begin);
  });
}

// inputs: weight, grad, scalars (alpha, decay), m, v[, v_max]
template <class T>
void adam_update(const KernelContext& ctx) {
  const AdamArgs<T> a{data<T>(ctx, 0),
                      data<T>(ctx, 1),
                      data<T>(ctx, 3),
                      data<T>(ctx, 4),
                      data<T>(ctx, 5),
                      static_cast<T>(step_scalar(ctx, 0)),
                      static_cast<T>(1.0 - ctx.attrs.get<double>("beta_1")),
                      static_cast<T>(1.0 - ctx.attrs.get<double>("beta_2")),
                      attr<T>(ctx, "epsilon"),
                      static_cast<T>(step_scalar(ctx, 1))};
  const bool amsgrad = a.v_max != nullptr, decay = step_scalar(ctx, 1) != 1.0;
  if (amsgrad) {
    decay ? run_adam<T, true, true>(ctx, a) : run_adam<T, true, false>(ctx, a);
  } else {
    decay ? run_adam<T, false, true>(ctx, a) : run_adam<T, false, false>(ctx, a);
  }
}

}  // namespace

void register_optimizer_kernels(KernelTable& table) {
  table.add("sgd_update", DeviceKind::CPU, [](const KernelContext& ctx) {
    if (ctx.inputs[0].dtype() == DType::Float32) {
      sgd_update<float>(ctx);
    } else {
      sgd_update<double>(ctx);
    }
  });
  table.add("adam_update", DeviceKind::CPU, [](const KernelContext& ctx) {
    if (ctx.inputs[0].dtype() == DType::Float32) {
      adam_update<float>(ctx);
    } else {
      adam_update<double>(ctx);
    }
  });
}

}  // namespace nabla::cpu
