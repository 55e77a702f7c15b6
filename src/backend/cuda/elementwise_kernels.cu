// CUDA kernels of the elementwise families (elementwise_ops.def), cast, assign and where: one
// generic grid-stride kernel per arity, instantiated over the scalar functors that the CPU kernels
// use too (design.md §2), so both backends compute the same scalar math. Operands of any layout
// go through an OffsetCalc; contiguous ones take a branch that indexes them directly.
// Complex dtypes are not on CUDA yet: their kernels throw DeviceError.

// The functors must be callable from kernels: this has to come before any include that may pull
// in scalar_functors.hpp or vector_math.hpp.
#define NABLA_HOST_DEVICE __host__ __device__

#include <cstdint>
#include <type_traits>
#include <utility>

#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/kernels.hpp"
#include "backend/cuda/launch.cuh"
#include "backend/cuda/strided_index.cuh"
#include "backend/scalar_functors.hpp"

namespace nabla::cuda {
namespace {

using scalar::Accepts;
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

[[noreturn]] void refuse_complex(const char* op) {
  throw DeviceError(detail::str_cat(op, ": complex tensors are not supported on CUDA yet"));
}

/// Calls fn(T{}) for the real dtypes `A` allows (the op's infer rule rejects the others); complex
/// dtypes are refused before any complex device code could be instantiated.
template <Accepts A, class Fn>
void visit_accepted(const char* op, DType t, Fn&& fn) {
  if (is_complex(t)) refuse_complex(op);
  scalar::visit_accepted<A, scalar::ComplexResult::None>(t, std::forward<Fn>(fn));
}

// ---- Kernels: one per arity. `calc` maps the linear output index to operand offsets; its
// `contiguous` flag is the same for the whole launch, so the branch costs nothing per element.

template <class Out, class In, class Op>
__global__ void map_unary(Out* out, const In* in, OffsetCalc<2> calc, int64_t n, Op op) {
  if (calc.contiguous) {
    for (int64_t i = grid_index(); i < n; i += grid_stride()) out[i] = op(in[i]);
  } else {
    for (int64_t i = grid_index(); i < n; i += grid_stride()) {
      const Offsets<2> o = calc.get(i);
      out[o.at[0]] = op(in[o.at[1]]);
    }
  }
}

template <class Out, class In, class Op>
__global__ void map_binary(Out* out, const In* lhs, const In* rhs, OffsetCalc<3> calc, int64_t n,
                           Op op) {
  if (calc.contiguous) {
    for (int64_t i = grid_index(); i < n; i += grid_stride()) out[i] = op(lhs[i], rhs[i]);
  } else {
    for (int64_t i = grid_index(); i < n; i += grid_stride()) {
      const Offsets<3> o = calc.get(i);
      out[o.at[0]] = op(lhs[o.at[1]], rhs[o.at[2]]);
    }
  }
}

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
/// x != 0), as the CPU kernel. Floats go to uint8 through int32, which is what the CPU's
/// conversion does on x86 (cvttss2si, then the low byte): -1.0 -> 255 there, where the GPU's
/// direct conversion would saturate to 0. Values outside int32 (and NaN) stay undefined, as
/// Tensor::astype documents.
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

// ---- Launchers: an empty output launches nothing (a grid of 0 blocks is an error).

template <class Out, class In, class Op>
void launch_unary(const char* op_name, const Tensor& out, const Tensor& in, Op op) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const OffsetCalc<2> calc = make_offset_calc<2>(out.shape(), {&out, &in}, op_name);
  map_unary<<<blocks_for(n), kThreads, 0, stream(out.device())>>>(
      device_data<Out>(out), device_data<const In>(in), calc, n, op);
  check_launch(op_name);
}

template <class Out, class In, class Op>
void launch_binary(const char* op_name, const Tensor& out, const Tensor& lhs, const Tensor& rhs,
                   Op op) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const OffsetCalc<3> calc = make_offset_calc<3>(out.shape(), {&out, &lhs, &rhs}, op_name);
  map_binary<<<blocks_for(n), kThreads, 0, stream(out.device())>>>(
      device_data<Out>(out), device_data<const In>(lhs), device_data<const In>(rhs), calc, n, op);
  check_launch(op_name);
}

// ---- Kernel-table entries.

template <const char* Name, class Functor, Accepts A>
void unary_kernel(const KernelContext& ctx) {
  visit_accepted<A>(Name, ctx.inputs[0].dtype(), [&]<class T>(T) {
    using Out = decltype(Functor{}(T{}));  // T for every real dtype
    launch_unary<Out, T>(Name, ctx.outputs[0], ctx.inputs[0], Functor{});
  });
}

template <const char* Name, class Functor, Accepts A, Result R>
void binary_kernel(const KernelContext& ctx) {
  visit_accepted<A>(Name, ctx.inputs[0].dtype(), [&]<class T>(T) {
    using Out = std::conditional_t<R == Result::Bool, bool, T>;
    launch_binary<Out, T>(Name, ctx.outputs[0], ctx.inputs[0], ctx.inputs[1],
                          BinaryAs<Functor, Out>{});
  });
}

/// Copies `in` into `out` with conversion, through both layouts (broadcasting `in`): cast, and
/// assign with its destination as `out`.
void convert_into(const char* op, const Tensor& out, const Tensor& in) {
  if (is_complex(in.dtype()) || is_complex(out.dtype())) refuse_complex(op);
  visit_dtype(in.dtype(), [&]<class In>(In) {
    visit_dtype(out.dtype(),
                [&]<class Out>(Out) { launch_unary<Out, In>(op, out, in, ConvertTo<Out>{}); });
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
  if (is_complex(out.dtype())) refuse_complex("where");
  visit_dtype(out.dtype(), [&]<class T>(T) {
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
  table.add(#name, DeviceKind::CUDA, &unary_kernel<names::name, scalar::Functor, Accepts::A>);
#define NABLA_BINARY_OP(name, Functor, A, R) \
  table.add(#name, DeviceKind::CUDA,         \
            &binary_kernel<names::name, scalar::Functor, Accepts::A, Result::R>);
#include "backend/elementwise_ops.def"
  table.add("cast", DeviceKind::CUDA, &cast_kernel);
  table.add("assign", DeviceKind::CUDA, &assign_kernel);
  table.add("where", DeviceKind::CUDA, &where_kernel);
}

}  // namespace nabla::cuda
