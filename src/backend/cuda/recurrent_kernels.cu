// The device side of the fused recurrences on CUDA: one grid-stride kernel that runs a step's
// per-unit work (recurrent_steps.hpp, shared with the host harness that checks it), the two
// helpers of the backward sweeps, and the contiguous copy of strided inputs. The sweeps that
// launch them between cuBLAS products are in recurrent_kernels.cpp.

// The gate math must be callable from kernels: this has to come before any include that may pull
// in recurrent_gates.hpp or vector_math.hpp.
#define NABLA_HOST_DEVICE __host__ __device__

#include <cstdint>
#include <vector>

#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/launch.cuh"
#include "backend/cuda/recurrent_steps.hpp"
#include "backend/cuda/strided_index.cuh"

namespace nabla::cuda::recurrent {
namespace {

template <class Step>
__global__ void __launch_bounds__(kThreads) step_kernel(Step p, int64_t t) {
  const int64_t n = p.batch * p.units;
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    const int64_t b = i / p.units;
    step_unit(p, t, b, i - b * p.units);
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads)
    previous_states_kernel(const T* h0, const T* h, int64_t steps, int64_t units, T* out,
                           int64_t n) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    previous_state_element(h0, h, steps, units, out, i);
  }
}

/// Columns per block of the column sums: a warp reads 32 adjacent elements of a row.
constexpr int kColumnTile = 32;

/// Block (kColumnTile, kColumnSumSlices): thread (x, y) sums slice y of column x of the block's
/// tile; the slices' sums are then added in order by the threads of slice 0.
template <class T>
__global__ void __launch_bounds__(kColumnTile* kColumnSumSlices)
    column_sums_kernel(const T* x, int64_t rows, int64_t cols, T* out) {
  __shared__ T partial[kColumnSumSlices][kColumnTile];
  const int64_t j = static_cast<int64_t>(blockIdx.x) * kColumnTile + threadIdx.x;
  const int slice = static_cast<int>(threadIdx.y);
  partial[slice][threadIdx.x] =
      j < cols ? column_partial_sum(x, rows, cols, j, slice, kColumnSumSlices) : T(0);
  __syncthreads();
  if (slice == 0 && j < cols) {
    T sum = partial[0][threadIdx.x];
    for (int s = 1; s < kColumnSumSlices; ++s) sum += partial[s][threadIdx.x];
    out[j] = sum;
  }
}

/// E: an unsigned type of the element's size (a copy moves bytes, whatever the dtype).
template <class E>
__global__ void __launch_bounds__(kThreads)
    dense_copy_kernel(const E* src, E* dst, OffsetCalc<1> calc, int64_t n) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) dst[i] = src[calc.get(i).at[0]];
}

template <class E>
void dense_copy(const Tensor& src, void* dst, const OffsetCalc<1>& calc, cudaStream_t s) {
  const int64_t n = src.numel();
  dense_copy_kernel<E>
      <<<blocks_for(n), kThreads, 0, s>>>(device_data<E>(src), static_cast<E*>(dst), calc, n);
}

}  // namespace

template <class Step>
void launch_step(const Step& p, int64_t t, cudaStream_t s) {
  step_kernel<<<blocks_for(p.batch * p.units), kThreads, 0, s>>>(p, t);
}

template <class T>
void launch_previous_states(const T* h0, const T* h, int64_t batch, int64_t steps, int64_t units,
                            T* out, cudaStream_t s) {
  const int64_t n = batch * steps * units;
  previous_states_kernel<<<blocks_for(n), kThreads, 0, s>>>(h0, h, steps, units, out, n);
}

template <class T>
void launch_column_sums(const T* x, int64_t rows, int64_t cols, T* out, cudaStream_t s) {
  const auto blocks = static_cast<unsigned>((cols + kColumnTile - 1) / kColumnTile);
  column_sums_kernel<<<blocks, dim3(kColumnTile, kColumnSumSlices), 0, s>>>(x, rows, cols, out);
}

void launch_dense_copy(const Tensor& src, void* dst, cudaStream_t s) {
  const std::vector<int64_t> sizes(src.shape().begin(), src.shape().end());
  const OffsetCalc<1> calc = make_offset_calc<1>(sizes, {src.strides()}, "recurrent: dense copy");
  switch (src.itemsize()) {
    case 1:
      return dense_copy<uint8_t>(src, dst, calc, s);
    case 4:
      return dense_copy<uint32_t>(src, dst, calc, s);
    default:
      return dense_copy<uint64_t>(src, dst, calc, s);
  }
}

template void launch_step(const LstmForwardStep<float>&, int64_t, cudaStream_t);
template void launch_step(const LstmForwardStep<double>&, int64_t, cudaStream_t);
template void launch_step(const LstmBackwardStep<float>&, int64_t, cudaStream_t);
template void launch_step(const LstmBackwardStep<double>&, int64_t, cudaStream_t);
template void launch_step(const GruForwardStep<float>&, int64_t, cudaStream_t);
template void launch_step(const GruForwardStep<double>&, int64_t, cudaStream_t);
template void launch_step(const GruBackwardStep<float>&, int64_t, cudaStream_t);
template void launch_step(const GruBackwardStep<double>&, int64_t, cudaStream_t);
template void launch_step(const SimpleForwardStep<float>&, int64_t, cudaStream_t);
template void launch_step(const SimpleForwardStep<double>&, int64_t, cudaStream_t);
template void launch_step(const SimpleBackwardStep<float>&, int64_t, cudaStream_t);
template void launch_step(const SimpleBackwardStep<double>&, int64_t, cudaStream_t);
template void launch_previous_states(const float*, const float*, int64_t, int64_t, int64_t, float*,
                                     cudaStream_t);
template void launch_previous_states(const double*, const double*, int64_t, int64_t, int64_t,
                                     double*, cudaStream_t);
template void launch_column_sums(const float*, int64_t, int64_t, float*, cudaStream_t);
template void launch_column_sums(const double*, int64_t, int64_t, double*, cudaStream_t);

}  // namespace nabla::cuda::recurrent
