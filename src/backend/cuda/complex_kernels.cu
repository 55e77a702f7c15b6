// CUDA kernels of the complex-number ops (ops/complex.cpp): real, imag, conj, angle and
// complex(re, im), elementwise maps over any layout with the scalar functors of the CPU kernels
// (backend/cpu/complex_kernels.cpp), computing with libcu++'s complex type (Note [Complex numbers
// on the CPU and CUDA]).

// The functors must be callable from kernels: this has to come before any include that may pull
// in scalar_functors.hpp.
#define NABLA_HOST_DEVICE __host__ __device__

#include "backend/cuda/elementwise_map.cuh"
#include "backend/cuda/kernels.hpp"
#include "backend/scalar_functors.hpp"

namespace nabla::cuda {
namespace {

// The op names, as template arguments: a kernel's errors must name its op.
constexpr char kReal[] = "real";
constexpr char kImag[] = "imag";
constexpr char kConj[] = "conj";
constexpr char kAngle[] = "angle";

/// real, imag, angle (-> the real dtype of the parts) and conj (-> the same dtype) of a complex
/// tensor.
template <const char* Name, class Functor>
void part_kernel(const KernelContext& ctx) {
  auto run = [&]<class R>(R) {
    using C = scalar::Complex<R>;
    using Out = decltype(Functor{}(C{}));
    launch_unary<Out, C>(Name, ctx.outputs[0], ctx.inputs[0], Functor{});
  };
  ctx.inputs[0].dtype() == DType::Complex64 ? run(float{}) : run(double{});
}

/// complex(re, im): re and im of one float dtype, broadcast to the output.
void complex_kernel(const KernelContext& ctx) {
  auto run = [&]<class R>(R) {
    launch_binary<scalar::Complex<R>, R>("complex", ctx.outputs[0], ctx.inputs[0], ctx.inputs[1],
                                         scalar::MakeComplex{});
  };
  ctx.inputs[0].dtype() == DType::Float32 ? run(float{}) : run(double{});
}

}  // namespace

void register_complex_kernels(KernelTable& table) {
  table.add("real", DeviceKind::CUDA, &part_kernel<kReal, scalar::Real>);
  table.add("imag", DeviceKind::CUDA, &part_kernel<kImag, scalar::Imag>);
  table.add("conj", DeviceKind::CUDA, &part_kernel<kConj, scalar::Conj>);
  table.add("angle", DeviceKind::CUDA, &part_kernel<kAngle, scalar::Angle>);
  table.add("complex", DeviceKind::CUDA, &complex_kernel);
}

}  // namespace nabla::cuda
