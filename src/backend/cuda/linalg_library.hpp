// cuSOLVER's and cuBLAS's float and double entry points under one overloaded name each, for the
// calls the linalg kernels make outside cuSOLVER's type-generic 64-bit API (cusolverDnX*, which
// takes cudaDataType instead): orgqr, the batched Cholesky and Jacobi SVD, and cuBLAS's batched
// LU, LU solve and triangular solves. Every wrapper checks the status (DeviceError naming `what`).
#pragma once

#include <cublas_v2.h>
#include <cusolverDn.h>

#include <cstdint>
#include <type_traits>

#include "backend/cuda/cublas_handle.hpp"
#include "backend/cuda/cusolver_handle.hpp"
#include "nabla/util/error.hpp"

namespace nabla::cuda::linalg {

/// The cudaDataType of T (float or double), for cusolverDnX* and cublas*Ex.
template <class T>
inline constexpr cudaDataType kDataType = std::is_same_v<T, float> ? CUDA_R_32F : CUDA_R_64F;

inline int orgqr_buffer_size(cusolverDnHandle_t h, int m, int n, int k, const float* a, int lda,
                             const float* tau) {
  int lwork = 0;
  check(cusolverDnSorgqr_bufferSize(h, m, n, k, a, lda, tau, &lwork),
        "cusolverDnSorgqr_bufferSize");
  return lwork;
}
inline int orgqr_buffer_size(cusolverDnHandle_t h, int m, int n, int k, const double* a, int lda,
                             const double* tau) {
  int lwork = 0;
  check(cusolverDnDorgqr_bufferSize(h, m, n, k, a, lda, tau, &lwork),
        "cusolverDnDorgqr_bufferSize");
  return lwork;
}
inline void orgqr(cusolverDnHandle_t h, int m, int n, int k, float* a, int lda, const float* tau,
                  float* work, int lwork, int* info) {
  check(cusolverDnSorgqr(h, m, n, k, a, lda, tau, work, lwork, info), "cusolverDnSorgqr");
}
inline void orgqr(cusolverDnHandle_t h, int m, int n, int k, double* a, int lda, const double* tau,
                  double* work, int lwork, int* info) {
  check(cusolverDnDorgqr(h, m, n, k, a, lda, tau, work, lwork, info), "cusolverDnDorgqr");
}

inline void potrf_batched(cusolverDnHandle_t h, cublasFillMode_t uplo, int n, float** a, int lda,
                          int* info, int batch) {
  check(cusolverDnSpotrfBatched(h, uplo, n, a, lda, info, batch), "cusolverDnSpotrfBatched");
}
inline void potrf_batched(cusolverDnHandle_t h, cublasFillMode_t uplo, int n, double** a, int lda,
                          int* info, int batch) {
  check(cusolverDnDpotrfBatched(h, uplo, n, a, lda, info, batch), "cusolverDnDpotrfBatched");
}

inline int gesvdj_batched_buffer_size(cusolverDnHandle_t h, cusolverEigMode_t jobz, int m, int n,
                                      const float* a, int lda, const float* s, const float* u,
                                      int ldu, const float* v, int ldv, gesvdjInfo_t params,
                                      int batch) {
  int lwork = 0;
  check(cusolverDnSgesvdjBatched_bufferSize(h, jobz, m, n, a, lda, s, u, ldu, v, ldv, &lwork,
                                            params, batch),
        "cusolverDnSgesvdjBatched_bufferSize");
  return lwork;
}
inline int gesvdj_batched_buffer_size(cusolverDnHandle_t h, cusolverEigMode_t jobz, int m, int n,
                                      const double* a, int lda, const double* s, const double* u,
                                      int ldu, const double* v, int ldv, gesvdjInfo_t params,
                                      int batch) {
  int lwork = 0;
  check(cusolverDnDgesvdjBatched_bufferSize(h, jobz, m, n, a, lda, s, u, ldu, v, ldv, &lwork,
                                            params, batch),
        "cusolverDnDgesvdjBatched_bufferSize");
  return lwork;
}
inline void gesvdj_batched(cusolverDnHandle_t h, cusolverEigMode_t jobz, int m, int n, float* a,
                           int lda, float* s, float* u, int ldu, float* v, int ldv, float* work,
                           int lwork, int* info, gesvdjInfo_t params, int batch) {
  check(cusolverDnSgesvdjBatched(h, jobz, m, n, a, lda, s, u, ldu, v, ldv, work, lwork, info,
                                 params, batch),
        "cusolverDnSgesvdjBatched");
}
inline void gesvdj_batched(cusolverDnHandle_t h, cusolverEigMode_t jobz, int m, int n, double* a,
                           int lda, double* s, double* u, int ldu, double* v, int ldv, double* work,
                           int lwork, int* info, gesvdjInfo_t params, int batch) {
  check(cusolverDnDgesvdjBatched(h, jobz, m, n, a, lda, s, u, ldu, v, ldv, work, lwork, info,
                                 params, batch),
        "cusolverDnDgesvdjBatched");
}

inline void getrf_batched(cublasHandle_t h, int n, float* const a[], int lda, int* pivots,
                          int* info, int batch) {
  check(cublasSgetrfBatched(h, n, a, lda, pivots, info, batch), "cublasSgetrfBatched");
}
inline void getrf_batched(cublasHandle_t h, int n, double* const a[], int lda, int* pivots,
                          int* info, int batch) {
  check(cublasDgetrfBatched(h, n, a, lda, pivots, info, batch), "cublasDgetrfBatched");
}
/// getrsBatched's `info` is a host scalar that only reports an invalid argument (a nabla bug).
inline void getrs_batched(cublasHandle_t h, cublasOperation_t trans, int n, int nrhs,
                          const float* const a[], int lda, const int* pivots, float* const b[],
                          int ldb, int batch) {
  int info = 0;
  check(cublasSgetrsBatched(h, trans, n, nrhs, a, lda, pivots, b, ldb, &info, batch),
        "cublasSgetrsBatched");
  NABLA_CHECK(info == 0, DeviceError, "cublasSgetrsBatched: invalid argument ", -info);
}
inline void getrs_batched(cublasHandle_t h, cublasOperation_t trans, int n, int nrhs,
                          const double* const a[], int lda, const int* pivots, double* const b[],
                          int ldb, int batch) {
  int info = 0;
  check(cublasDgetrsBatched(h, trans, n, nrhs, a, lda, pivots, b, ldb, &info, batch),
        "cublasDgetrsBatched");
  NABLA_CHECK(info == 0, DeviceError, "cublasDgetrsBatched: invalid argument ", -info);
}

inline void trsm(cublasHandle_t h, cublasSideMode_t side, cublasFillMode_t uplo,
                 cublasOperation_t trans, cublasDiagType_t diag, int64_t m, int64_t n,
                 const float* a, int64_t lda, float* b, int64_t ldb) {
  const float one = 1;
  check(cublasStrsm_v2_64(h, side, uplo, trans, diag, m, n, &one, a, lda, b, ldb),
        "cublasStrsm_64");
}
inline void trsm(cublasHandle_t h, cublasSideMode_t side, cublasFillMode_t uplo,
                 cublasOperation_t trans, cublasDiagType_t diag, int64_t m, int64_t n,
                 const double* a, int64_t lda, double* b, int64_t ldb) {
  const double one = 1;
  check(cublasDtrsm_v2_64(h, side, uplo, trans, diag, m, n, &one, a, lda, b, ldb),
        "cublasDtrsm_64");
}
inline void trsm_batched(cublasHandle_t h, cublasSideMode_t side, cublasFillMode_t uplo,
                         cublasOperation_t trans, cublasDiagType_t diag, int64_t m, int64_t n,
                         const float* const a[], int64_t lda, float* const b[], int64_t ldb,
                         int64_t batch) {
  const float one = 1;
  check(cublasStrsmBatched_64(h, side, uplo, trans, diag, m, n, &one, a, lda, b, ldb, batch),
        "cublasStrsmBatched_64");
}
inline void trsm_batched(cublasHandle_t h, cublasSideMode_t side, cublasFillMode_t uplo,
                         cublasOperation_t trans, cublasDiagType_t diag, int64_t m, int64_t n,
                         const double* const a[], int64_t lda, double* const b[], int64_t ldb,
                         int64_t batch) {
  const double one = 1;
  check(cublasDtrsmBatched_64(h, side, uplo, trans, diag, m, n, &one, a, lda, b, ldb, batch),
        "cublasDtrsmBatched_64");
}

}  // namespace nabla::cuda::linalg
