// Singular value decompositions A = U diag(s) V^T of a batch on the GPU, shared by linalg_svd and
// linalg_lstsq. Two paths:
//  - Jacobi, batched: cusolverDn<t>gesvdjBatched, one call for the whole batch, for several
//    matrices of at most 32 x 32 (its limit), the common case of many small problems;
//  - QR iteration, looped: cusolverDnXgesvd (LAPACK's gesvd: bidiagonalisation, then implicit QR)
//    once per matrix otherwise. gesvd wants rows >= columns, so a wide A is factored as A^T
//    (its row-major copy) and the roles of U and V swap.
// Either way s is descending, and U and V come back as strided views of work memory.
#pragma once

#include <cstdint>

#include "backend/cuda/linalg_common.hpp"
#include "backend/cuda/linalg_device.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla::cuda::linalg {

enum class SvdVectors : uint8_t { None, Thin, Full };

template <class T>
class SvdBatch {
 public:
  /// Factors every matrix of `a` [..., m, n] (any layout, min(m, n) >= 1): singular values
  /// [count, min(m, n)] into `s` and statuses [count] into `info` (> 0: not converged), both
  /// device memory. With `non_finite`, a matrix with NaN or infinity is flagged there (1, else 0)
  /// and factored as zeros instead, so that no solver ever sees it.
  SvdBatch(const Tensor& a, SvdVectors vectors, T* s, int32_t* info, int32_t* non_finite = nullptr);

  /// U [count, m, m or k] and V [count, n, n or k] (Full or Thin), valid unless None.
  [[nodiscard]] const Matrices& u() const { return u_; }
  [[nodiscard]] const Matrices& v() const { return v_; }

 private:
  void jacobi(const Tensor& a, SvdVectors vectors, T* s, int32_t* info, int32_t* non_finite);
  void qr_iteration(const Tensor& a, SvdVectors vectors, T* s, int32_t* info, int32_t* non_finite);

  Device device_;
  cudaStream_t stream_;
  DeviceArray<T> work_, left_, right_;
  Matrices u_, v_;
};

}  // namespace nabla::cuda::linalg
