// The generic elementwise kernels of the CUDA backend, the counterpart of the CPU's strided_loop:
// out = op(in) and out = op(lhs, rhs) over operands of any layout (broadcast ones included),
// as grid-stride loops. Shared by the elementwise families and the complex-number ops, which
// hand them the scalar functors of the CPU kernels.
#pragma once

#include <cstdint>

#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/launch.cuh"
#include "backend/cuda/strided_index.cuh"

namespace nabla::cuda {

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

}  // namespace nabla::cuda
