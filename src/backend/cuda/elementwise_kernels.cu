// CUDA kernels of the elementwise families (elementwise_ops.def), cast, assign and where: the
// generic grid-stride kernels (elementwise_map.cuh), instantiated over the scalar functors that
// the CPU kernels use too (design.md §2), so both backends compute the same scalar math. Operands
// of any layout go through an OffsetCalc; contiguous ones take a branch that indexes them directly.
// Complex dtypes compute with libcu++'s complex type (Note [Complex numbers on the CPU and CUDA]).

// The functors must be callable from kernels: this has to come before any include that may pull
// in scalar_functors.hpp or vector_math.hpp.
#define NABLA_HOST_DEVICE __host__ __device__

#include <cstdint>
#include <type_traits>

#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/elementwise_map.cuh"
#include "backend/cuda/kernels.hpp"
#include "backend/cuda/launch.cuh"
#include "backend/cuda/strided_index.cuh"
#include "backend/scalar_functors.hpp"

namespace nabla::cuda {
namespace {

using scalar::Accepts;
using scalar::ComplexResult;
using scalar::Result;

// The op names, as template arguments: a kernel is a plain function pointer with no other way
// to know which op it serves, and its errors must name the op.
namespace names {
#define NABLA_UNARY_OP(name, Functor, A) inline constexpr char name[] = #name;
#define NABLA_BINARY_OP(name, Functor, A, R) inline constexpr char name[] = #name;
#include "backend/elementwise_ops.def"
inline constexpr char cast[] = "cast";
inline constexpr char assign[] = "assign";
}  // namespace names

template <class T>
__global__ void map_where(T* out, const bool* cond, const T* x, const T* y, OffsetCalc<4> calc,
                          int64_t n) {
  if (calc.contiguous) {
    for (int64_t i = grid_index(); i < n; i += grid_stride()) out[i] = cond[i] ? x[i] : y[i];
  } else {
    for (int64_t i = grid_index(); i < n; i += grid_stride()) {
      const Offsets<4> o = calc.get(i);
      out[o.at[0]] = cond[o.at[1]] ? x[o.at[2]] : y[o.at[3]];
    }
  }
}

// ---- Per-element operations handed to the kernels.

/// A binary functor's result converted to the op's output dtype (bool for comparisons).
template <class Functor, class Out>
struct BinaryAs {
  template <class T>
  __device__ Out operator()(T a, T b) const {
    return static_cast<Out>(Functor{}(a, b));
  }
};

/// The cast op's conversion: convert_element, C++'s conversion between real types (bool is
/// x != 0) and a real value into a complex one's real part, as the CPU kernel. Floats go to uint8
/// through int32, which is what the CPU's conversion does on x86 (cvttss2si, then the low byte):
/// -1.0 -> 255 there, where the GPU's direct conversion would saturate to 0. Values outside int32
/// (and NaN) stay undefined, as Tensor::astype documents.
template <class Out>
struct ConvertTo {
  template <class In>
  __device__ Out operator()(In x) const {
    if constexpr (std::is_same_v<Out, uint8_t> && std::is_floating_point_v<In>) {
      return static_cast<uint8_t>(static_cast<int32_t>(x));
    } else {
      return convert_element<Out>(x);
    }
  }
};

// ---- Kernel-table entries.

template <const char* Name, class Functor, Accepts A, ComplexResult C>
void unary_kernel(const KernelContext& ctx) {
  scalar::visit_accepted<A, C>(ctx.inputs[0].dtype(), [&]<class T>(T) {
    using Out = decltype(Functor{}(T{}));  // T, except abs of a complex number
    launch_unary<Out, T>(Name, ctx.outputs[0], ctx.inputs[0], Functor{});
  });
}

template <const char* Name, class Functor, Accepts A, Result R, ComplexResult C>
void binary_kernel(const KernelContext& ctx) {
  scalar::visit_accepted<A, C>(ctx.inputs[0].dtype(), [&]<class T>(T) {
    using Out = std::conditional_t<R == Result::Bool, bool, T>;
    launch_binary<Out, T>(Name, ctx.outputs[0], ctx.inputs[0], ctx.inputs[1],
                          BinaryAs<Functor, Out>{});
  });
}

/// Copies `in` into `out` with conversion, through both layouts (broadcasting `in`): cast, and
/// assign with its destination as `out`. Both ops refuse complex -> real in their infer rules,
/// so those conversions are not compiled.
void convert_into(const char* op, const Tensor& out, const Tensor& in) {
  scalar::visit_element(in.dtype(), [&]<class In>(In) {
    scalar::visit_element(out.dtype(), [&]<class Out>(Out) {
      if constexpr (is_complex_v<In> && !is_complex_v<Out>) {
        NABLA_ASSERT(false, op, ": ", in.dtype(), " -> ", out.dtype(), " reached the kernel");
      } else {
        launch_unary<Out, In>(op, out, in, ConvertTo<Out>{});
      }
    });
  });
}

void cast_kernel(const KernelContext& ctx) {
  convert_into(names::cast, ctx.outputs[0], ctx.inputs[0]);
}

/// assign(dst, src): src converted into dst's memory through dst's strides (any layout).
void assign_kernel(const KernelContext& ctx) {
  convert_into(names::assign, ctx.inputs[0], ctx.inputs[1]);
}

/// where(cond, x, y): x and y have one dtype (the op promotes first), cond is bool.
void where_kernel(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  scalar::visit_element(out.dtype(), [&]<class T>(T) {
    const int64_t n = out.numel();
    if (n == 0) return;
    const OffsetCalc<4> calc = make_offset_calc<4>(
        out.shape(), {&out, &ctx.inputs[0], &ctx.inputs[1], &ctx.inputs[2]}, "where");
    map_where<<<blocks_for(n), kThreads, 0, stream(out.device())>>>(
        device_data<T>(out), device_data<const bool>(ctx.inputs[0]),
        device_data<const T>(ctx.inputs[1]), device_data<const T>(ctx.inputs[2]), calc, n);
    check_launch("where");
  });
}

}  // namespace

void register_elementwise_kernels(KernelTable& table) {
#define NABLA_UNARY_OP(name, Functor, A) \
  table.add(                             \
      #name, DeviceKind::CUDA,           \
      &unary_kernel<names::name, scalar::Functor, Accepts::A, scalar::complex_result(#name)>);
#define NABLA_BINARY_OP(name, Functor, A, R)                                    \
  table.add(#name, DeviceKind::CUDA,                                            \
            &binary_kernel<names::name, scalar::Functor, Accepts::A, Result::R, \
                           scalar::complex_result(#name)>);
#include "backend/elementwise_ops.def"
  table.add("cast", DeviceKind::CUDA, &cast_kernel);
  table.add("assign", DeviceKind::CUDA, &assign_kernel);
  table.add("where", DeviceKind::CUDA, &where_kernel);
}

}  // namespace nabla::cuda
