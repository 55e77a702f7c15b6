// SvdBatch (linalg_svd.hpp): cusolverDn<t>gesvdjBatched for batches of small matrices,
// cusolverDnXgesvd per matrix otherwise.
#ifdef NABLA_HAVE_CUDA
#include "backend/cuda/linalg_svd.hpp"

#include <algorithm>
#include <climits>

#include "backend/cuda/cusolver_handle.hpp"
#include "backend/cuda/linalg_library.hpp"

namespace nabla::cuda::linalg {
namespace {

/// gesvdjBatched's documented limit on rows and columns.
constexpr int64_t kJacobiMaxOrder = 32;

/// Flags matrices with NaN or infinity and overwrites them with zeros (a trivial problem).
void replace_non_finite(DType dtype, const Matrices& work, int32_t* flags, cudaStream_t s) {
  flag_non_finite(dtype, work, flags, s);
  copy_matrices(dtype, work, work, {.failed = flags, .fill = 0.0}, s);
}

}  // namespace

template <class T>
SvdBatch<T>::SvdBatch(const Tensor& a, SvdVectors vectors, T* s, int32_t* info, int32_t* non_finite)
    : device_(a.device()), stream_(stream(a.device())) {
  const Matrices in = matrices_of(a);
  const int64_t count = in.count();
  if (count > 1 && count <= INT_MAX && in.rows <= kJacobiMaxOrder && in.cols <= kJacobiMaxOrder) {
    jacobi(a, vectors, s, info, non_finite);
  } else {
    qr_iteration(a, vectors, s, info, non_finite);
  }
}

// gesvdjBatched: A column-major m x n (lda m), U m x m and V n x n (full; the batched routine has
// no economy mode), for jobz = VECTOR; s sorted descending (the default of gesvdjInfo).
template <class T>
void SvdBatch<T>::jacobi(const Tensor& a, SvdVectors vectors, T* s, int32_t* info,
                         int32_t* non_finite) {
  const Matrices in = matrices_of(a);
  const int64_t count = in.count(), m = in.rows, n = in.cols, k = std::min(m, n);
  work_ = DeviceArray<T>(count * m * n, device_);
  left_ = DeviceArray<T>(count * m * m, device_);
  right_ = DeviceArray<T>(count * n * n, device_);
  const Matrices work = column_major(work_.get(), count, m, n, m, m * n);
  copy_matrices(a.dtype(), work, in, {}, stream_);
  if (non_finite != nullptr) replace_non_finite(a.dtype(), work, non_finite, stream_);
  const cusolverEigMode_t jobz =
      vectors == SvdVectors::None ? CUSOLVER_EIG_MODE_NOVECTOR : CUSOLVER_EIG_MODE_VECTOR;
  const CusolverLease solver = cusolver(device_);
  const int lwork = gesvdj_batched_buffer_size(
      solver.handle(), jobz, as_int(m), as_int(n), work_.get(), as_int(m), s, left_.get(),
      as_int(m), right_.get(), as_int(n), solver.gesvdj(), as_int(count));
  const DeviceArray<T> scratch(lwork, device_);
  gesvdj_batched(solver.handle(), jobz, as_int(m), as_int(n), work_.get(), as_int(m), s,
                 left_.get(), as_int(m), right_.get(), as_int(n), scratch.get(), lwork, info,
                 solver.gesvdj(), as_int(count));
  const bool full = vectors == SvdVectors::Full;
  u_ = column_major(left_.get(), count, m, full ? m : k, m, m * m);
  v_ = column_major(right_.get(), count, n, full ? n : k, n, n * n);
}

// Xgesvd on W = A (m >= n) or W = A^T (m < n), W rows_w x k column-major with rows_w >= k:
// W = Uw diag(s) VTw with Uw rows_w x (rows_w or k) (jobu 'A' or 'S') and VTw k x k (jobvt 'S').
// For W = A^T, A = VTw^T diag(s) Uw^T: U = VTw^T and V = Uw.
template <class T>
void SvdBatch<T>::qr_iteration(const Tensor& a, SvdVectors vectors, T* s, int32_t* info,
                               int32_t* non_finite) {
  const Matrices in = matrices_of(a);
  const int64_t count = in.count(), m = in.rows, n = in.cols, k = std::min(m, n);
  const bool transpose = m < n, want = vectors != SvdVectors::None;
  const bool full = vectors == SvdVectors::Full;
  const int64_t rows_w = std::max(m, n), u_cols_w = full ? rows_w : k;
  work_ = DeviceArray<T>(count * m * n, device_);
  left_ = DeviceArray<T>(want ? count * rows_w * u_cols_w : 1, device_);
  right_ = DeviceArray<T>(want ? count * k * k : 1, device_);
  const Matrices work = transpose ? row_major(work_.get(), count, m, n, n, m * n)
                                  : column_major(work_.get(), count, m, n, m, m * n);
  copy_matrices(a.dtype(), work, in, {}, stream_);
  if (non_finite != nullptr) replace_non_finite(a.dtype(), work, non_finite, stream_);
  const signed char jobu = want ? (full ? 'A' : 'S') : 'N', jobvt = want ? 'S' : 'N';
  const int64_t u_stride = want ? rows_w * u_cols_w : 0, vt_stride = want ? k * k : 0;
  const CusolverLease solver = cusolver(device_);
  constexpr cudaDataType type = kDataType<T>;
  size_t device_bytes = 0, host_bytes = 0;
  check(cusolverDnXgesvd_bufferSize(solver.handle(), solver.params(), jobu, jobvt, rows_w, k, type,
                                    work_.get(), rows_w, type, s, type, left_.get(), rows_w, type,
                                    right_.get(), k, type, &device_bytes, &host_bytes),
        "cusolverDnXgesvd_bufferSize");
  const DeviceArray<char> scratch(static_cast<int64_t>(device_bytes), device_);
  HostWorkspace host(host_bytes);
  for (int64_t b = 0; b < count; ++b) {
    check(cusolverDnXgesvd(solver.handle(), solver.params(), jobu, jobvt, rows_w, k, type,
                           work_.get() + b * m * n, rows_w, type, s + b * k, type,
                           left_.get() + b * u_stride, rows_w, type, right_.get() + b * vt_stride,
                           k, type, scratch.get(), device_bytes, host.get(), host_bytes, info + b),
          "cusolverDnXgesvd");
  }
  host.finish(stream_);
  if (!want) return;
  const Matrices uw = column_major(left_.get(), count, rows_w, u_cols_w, rows_w, u_stride);
  const Matrices vtw_transposed = row_major(right_.get(), count, k, k, k, k * k);  // VTw^T
  u_ = transpose ? vtw_transposed : uw;
  v_ = transpose ? uw : vtw_transposed;
}

template class SvdBatch<float>;
template class SvdBatch<double>;

}  // namespace nabla::cuda::linalg
#endif
