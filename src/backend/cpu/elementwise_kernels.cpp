// CPU kernels of the elementwise families (elementwise_ops.def), cast and where: generic
// templates over the scalar functors, instantiated for each dtype the op accepts (complex64 and
// complex128 too for the NABLA_COMPLEX_OP ones).
#include "backend/cpu/kernels.hpp"
#include "backend/cpu/strided_loop.hpp"
#include "backend/scalar_functors.hpp"

namespace nabla::cpu {
namespace {

using scalar::Accepts;
using scalar::ComplexResult;
using scalar::Result;

template <class Functor, Accepts A, ComplexResult C>
void unary_kernel(const KernelContext& ctx) {
  scalar::visit_accepted<A, C>(ctx.inputs[0].dtype(), [&]<class T>(T) {
    using Out = decltype(Functor{}(T{}));  // T, except abs of a complex number
    unary_loop<Out, T>(ctx.outputs[0], ctx.inputs[0], [](T x) { return Functor{}(x); });
  });
}

template <class Functor, Accepts A, Result R, ComplexResult C>
void binary_kernel(const KernelContext& ctx) {
  scalar::visit_accepted<A, C>(ctx.inputs[0].dtype(), [&]<class T>(T) {
    using Out = std::conditional_t<R == Result::Bool, bool, T>;
    binary_loop<Out, T>(ctx.outputs[0], ctx.inputs[0], ctx.inputs[1],
                        [](T a, T b) { return static_cast<Out>(Functor{}(a, b)); });
  });
}

/// Copies with conversion; also the strided copy behind clone() and contiguous().
void cast_kernel(const KernelContext& ctx) {
  visit_dtype_with_complex(ctx.inputs[0].dtype(), [&]<class In>(In) {
    visit_dtype_with_complex(ctx.outputs[0].dtype(), [&]<class Out>(Out) {
      unary_loop<Out, In>(ctx.outputs[0], ctx.inputs[0],
                          [](In x) { return convert_element<Out>(x); });
    });
  });
}

/// where(cond, x, y): x and y have one dtype (the op promotes first).
void where_kernel(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  visit_dtype_with_complex(out.dtype(), [&]<class T>(T) {
    auto plan = make_plan<4>(out.shape(), {&out, &ctx.inputs[0], &ctx.inputs[1], &ctx.inputs[2]});
    for_each_row(plan, kElementwiseGrain,
                 [](int64_t n, const std::array<char*, 4>& p, const std::array<int64_t, 4>& s) {
                   T* o = reinterpret_cast<T*>(p[0]);
                   const bool* c = reinterpret_cast<const bool*>(p[1]);
                   const T* x = reinterpret_cast<const T*>(p[2]);
                   const T* y = reinterpret_cast<const T*>(p[3]);
                   for (int64_t i = 0; i < n; ++i)
                     o[i * s[0]] = c[i * s[1]] ? x[i * s[2]] : y[i * s[3]];
                 });
  });
}

}  // namespace

void register_elementwise_kernels(KernelTable& table) {
#define NABLA_UNARY_OP(name, Functor, A) \
  table.add(#name, DeviceKind::CPU,      \
            &unary_kernel<scalar::Functor, Accepts::A, scalar::complex_result(#name)>);
#define NABLA_BINARY_OP(name, Functor, A, R) \
  table.add(                                 \
      #name, DeviceKind::CPU,                \
      &binary_kernel<scalar::Functor, Accepts::A, Result::R, scalar::complex_result(#name)>);
#include "backend/elementwise_ops.def"
  table.add("cast", DeviceKind::CPU, &cast_kernel);
  // to_device between two CPU devices (Tensor::to itself returns the tensor): a plain copy.
  table.add("to_device", DeviceKind::CPU, &cast_kernel);
  // assign(dst, src): the cast kernel writes through the output's strides, so any layout works.
  table.add("assign", DeviceKind::CPU, [](const KernelContext& ctx) {
    Tensor outputs[] = {ctx.inputs[0]};
    cast_kernel(KernelContext{ctx.inputs.subspan(1), outputs, ctx.attrs});
  });
  table.add("where", DeviceKind::CPU, &where_kernel);
}

}  // namespace nabla::cpu
