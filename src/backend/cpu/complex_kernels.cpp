// CPU kernels of the complex-number ops (ops/complex.cpp): elementwise maps over any layout,
// through the strided loops every elementwise kernel uses, with the scalar functors the CUDA
// kernels share.
#include <complex>

#include "backend/cpu/kernels.hpp"
#include "backend/cpu/strided_loop.hpp"
#include "backend/scalar_functors.hpp"

namespace nabla::cpu {
namespace {

/// out = fn(x) for a complex x; Out is the result type of fn (real parts, or complex for conj).
template <class Fn>
void map_complex(const KernelContext& ctx, Fn fn) {
  const Tensor &x = ctx.inputs[0], &out = ctx.outputs[0];
  auto run = [&]<class R>(R) {
    using C = std::complex<R>;
    using Out = decltype(fn(C{}));
    unary_loop<Out, C>(out, x, [fn](C z) { return fn(z); });
  };
  x.dtype() == DType::Complex64 ? run(float{}) : run(double{});
}

void real_kernel(const KernelContext& ctx) { map_complex(ctx, scalar::Real{}); }
void imag_kernel(const KernelContext& ctx) { map_complex(ctx, scalar::Imag{}); }
void conj_kernel(const KernelContext& ctx) { map_complex(ctx, scalar::Conj{}); }
void angle_kernel(const KernelContext& ctx) { map_complex(ctx, scalar::Angle{}); }

/// complex(re, im): re and im of one float dtype, broadcast to the output.
void complex_kernel(const KernelContext& ctx) {
  auto run = [&]<class R>(R) {
    binary_loop<std::complex<R>, R>(ctx.outputs[0], ctx.inputs[0], ctx.inputs[1],
                                    [](R re, R im) { return scalar::MakeComplex{}(re, im); });
  };
  ctx.inputs[0].dtype() == DType::Float32 ? run(float{}) : run(double{});
}

}  // namespace

void register_complex_kernels(KernelTable& table) {
  table.add("real", DeviceKind::CPU, &real_kernel);
  table.add("imag", DeviceKind::CPU, &imag_kernel);
  table.add("conj", DeviceKind::CPU, &conj_kernel);
  table.add("angle", DeviceKind::CPU, &angle_kernel);
  table.add("complex", DeviceKind::CPU, &complex_kernel);
}

}  // namespace nabla::cpu
