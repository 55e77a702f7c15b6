// LU factorizations with partial pivoting (LAPACK's getrf) of a batch of matrices on the GPU, and
// the solves that use them (getrs): shared by lu_factor, lu_solve, det_lu, inv and solve.
//
// Two paths with the same results (row interchanges chosen by the largest |element| of each
// column, the first of equal ones, as LAPACK's idamax):
//  - batched: cuBLAS's getrfBatched/getrsBatched, one launch sequence for the whole batch, for
//    many small square matrices (the case where one call per matrix is all launch overhead);
//  - looped: cuSOLVER's 64-bit cusolverDnXgetrf/Xgetrs once per matrix (blocked, fast for large
//    matrices; the only path for non-square ones). Their pivots are int64 and are narrowed to
//    nabla's int32 (LAPACK's type) by a kernel.
// Pivots are 1-based in both libraries, as in LAPACK.
#pragma once

#include <cstdint>

#include "backend/cuda/linalg_common.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla::cuda::linalg {

template <class T>
class LuBatch {
 public:
  /// Factors every matrix of `a` [..., m, n] (any layout), or its transpose when `transpose`
  /// (the row-major copy, which is A^T to a column-major library: det and inv factor that, as
  /// the CPU kernels do). Pivots [count, min(m, n)] go to `pivots` and statuses [count] to
  /// `info` when given (device memory), else to arrays of this object.
  LuBatch(const Tensor& a, bool transpose, int32_t* pivots = nullptr, int32_t* info = nullptr);
  /// Takes given factors: LU [..., n, n] and int32 pivots [..., n], any layouts (lu_solve's
  /// inputs). info() is null then.
  LuBatch(const Tensor& lu, const Tensor& pivots);

  /// B := op(A)^-1 B for every matrix, op(A) = A^T when `transpose`; b holds count column-major
  /// n x nrhs matrices, packed (stride n * nrhs). Square factors only.
  void solve(bool transpose, T* b, int64_t nrhs) const;

  /// The factors, count column-major rows x cols matrices packed (stride rows * cols), L's unit
  /// diagonal implicit.
  [[nodiscard]] T* factors() const { return a_.get(); }
  [[nodiscard]] const int32_t* pivots() const { return pivots_; }
  [[nodiscard]] const int32_t* info() const { return info_; }
  [[nodiscard]] int64_t count() const { return count_; }

 private:
  void choose_path();
  void factor();

  Device device_;
  cudaStream_t stream_;
  int64_t count_ = 0, rows_ = 0, cols_ = 0;
  bool batched_ = false;
  DeviceArray<T> a_;
  DeviceArray<int32_t> own_pivots_, own_info_;
  DeviceArray<int64_t> pivots64_;  // the looped path's pivots, as cuSOLVER's 64-bit API takes them
  int32_t* pivots_ = nullptr;
  int32_t* info_ = nullptr;
};

}  // namespace nabla::cuda::linalg
