// CUDA kernels of linalg_cholesky, linalg_qr and linalg_solve_triangular, with the CPU kernels'
// inputs, outputs and statuses (backend/cpu/linalg_decomposition_kernels.cpp,
// backend/cpu/linalg_solve_kernels.cpp; Note [CUDA linalg status]):
//  - cholesky: potrf (cusolverDnXpotrf for one matrix, cusolverDn<t>potrfBatched for a batch) on
//    the row-major copy with the other triangle, as the CPU: no transposition either way;
//  - qr: Householder QR, cusolverDnXgeqrf + cusolverDn<t>orgqr per matrix (cuSOLVER has no
//    batched orgqr), whose R and Q carry LAPACK's signs (the same reflectors, beta = -sign(alpha)
//    * norm, as geqrf's larfg);
//  - solve_triangular: cuBLAS trsm on the transposed problem X^T A^T = B^T, which reads A's and
//    B's row-major copies and leaves X row-major in the output.
#ifdef NABLA_HAVE_CUDA
#include <algorithm>
#include <string>

#include "backend/cuda/cublas_handle.hpp"
#include "backend/cuda/cusolver_handle.hpp"
#include "backend/cuda/linalg_common.hpp"
#include "backend/cuda/linalg_device.hpp"
#include "backend/cuda/linalg_library.hpp"

namespace nabla::cuda::linalg {
namespace {

// linalg_cholesky: A [..., n, n] (attr upper) -> factor [..., n, n], info [...]. The row-major
// copy of A is A^T to cuSOLVER, and A is symmetric: factoring the other triangle gives U = L^T in
// column-major order, which is L read row-major. info > 0: the leading minor of that order is
// not positive definite (the factor is then as potrf left it, as on the CPU).
void cholesky_kernel(const KernelContext& ctx) {
  const Tensor &a = ctx.inputs[0], &out = ctx.outputs[0];
  const bool upper = ctx.attrs.get<bool>("upper");
  auto* status = device_data<int32_t>(ctx.outputs[1]);
  const Device device = a.device();
  const cudaStream_t s = stream(device);
  const Matrices factor = matrices_of(out);
  const int64_t count = factor.count(), n = factor.rows;
  if (count == 0) return;
  if (n == 0) {
    check(cudaMemsetAsync(status, 0, static_cast<size_t>(count) * sizeof(int32_t), s),
          "linalg_cholesky: cudaMemsetAsync");
    return;
  }
  const cublasFillMode_t flipped = upper ? CUBLAS_FILL_MODE_LOWER : CUBLAS_FILL_MODE_UPPER;
  copy_matrices(a.dtype(), factor, matrices_of(a), {}, s);
  visit_floating_dtype(a.dtype(), [&]<class T>(T) {
    T* data = device_data<T>(out);
    const CusolverLease solver = cusolver(device);
    if (count == 1) {
      constexpr cudaDataType type = kDataType<T>;
      size_t device_bytes = 0, host_bytes = 0;
      check(cusolverDnXpotrf_bufferSize(solver.handle(), solver.params(), flipped, n, type, data, n,
                                        type, &device_bytes, &host_bytes),
            "cusolverDnXpotrf_bufferSize");
      const DeviceArray<char> work(static_cast<int64_t>(device_bytes), device);
      HostWorkspace host(host_bytes);
      check(cusolverDnXpotrf(solver.handle(), solver.params(), flipped, n, type, data, n, type,
                             work.get(), device_bytes, host.get(), host_bytes, status),
            "cusolverDnXpotrf");
      host.finish(s);
    } else {
      const DeviceArray<T*> pointers(count, device);
      pointer_array(reinterpret_cast<void**>(pointers.get()), data, sizeof(T), n * n, count, s);
      potrf_batched(solver.handle(), flipped, as_int(n), pointers.get(), as_int(n), status,
                    as_int(count));
    }
  });
  // Zero the triangle potrf left untouched.
  copy_matrices(a.dtype(), factor, factor, {.keep = upper ? Keep::Upper : Keep::Lower}, s);
}

// linalg_qr: A [..., m, n] (attr mode) -> Q, R. reduced: Q [m, k], R [k, n]; complete: Q [m, m],
// R [m, n]; r: Q empty, R [k, n] (k = min(m, n)).
template <class T>
void qr_matrices(const KernelContext& ctx) {
  const Tensor& a = ctx.inputs[0];
  const Device device = a.device();
  const cudaStream_t s = stream(device);
  const Matrices in = matrices_of(a);
  const int64_t count = in.count(), m = in.rows, n = in.cols, k = std::min(m, n);
  const std::string& mode = ctx.attrs.get<std::string>("mode");
  const bool want_q = mode != "r";
  const int64_t q_cols = mode == "complete" ? m : k, r_rows = mode == "complete" ? m : k;
  if (count == 0 || m == 0) return;  // Q and R are empty
  const DType dtype = a.dtype();
  if (k == 0) {  // no reflectors: R is empty, Q the identity (orgqr would leave it unset)
    if (want_q) fill_identity(dtype, matrices_of(ctx.outputs[0]), s);
    return;
  }
  // orgqr builds Q in place over the reflectors: the work matrices get enough columns for both.
  const int64_t columns = std::max(n, q_cols), stride = m * columns;
  const DeviceArray<T> work(count * stride, device), tau(count * k, device);
  const DeviceArray<int32_t> status(1, device);  // geqrf and orgqr report only illegal arguments
  copy_matrices(dtype, column_major(work.get(), count, m, n, m, stride), in, {}, s);
  const CusolverLease solver = cusolver(device);
  constexpr cudaDataType type = kDataType<T>;
  size_t device_bytes = 0, host_bytes = 0;
  check(cusolverDnXgeqrf_bufferSize(solver.handle(), solver.params(), m, n, type, work.get(), m,
                                    type, tau.get(), type, &device_bytes, &host_bytes),
        "cusolverDnXgeqrf_bufferSize");
  const int orgqr_elements = want_q ? orgqr_buffer_size(solver.handle(), as_int(m), as_int(q_cols),
                                                        as_int(k), work.get(), as_int(m), tau.get())
                                    : 0;
  device_bytes = std::max(device_bytes, static_cast<size_t>(orgqr_elements) * sizeof(T));
  const DeviceArray<char> scratch(static_cast<int64_t>(device_bytes), device);
  HostWorkspace host(host_bytes);
  for (int64_t b = 0; b < count; ++b) {
    check(cusolverDnXgeqrf(solver.handle(), solver.params(), m, n, type, work.get() + b * stride, m,
                           type, tau.get() + b * k, type, scratch.get(), device_bytes, host.get(),
                           host_bytes, status.get()),
          "cusolverDnXgeqrf");
  }
  host.finish(s);
  // R is geqrf's upper triangle (rows past k of a complete R are zero), read before orgqr
  // overwrites it.
  copy_matrices(dtype, matrices_of(ctx.outputs[1]),
                column_major(work.get(), count, r_rows, n, m, stride), {.keep = Keep::Upper}, s);
  if (!want_q) return;
  for (int64_t b = 0; b < count; ++b) {
    orgqr(solver.handle(), as_int(m), as_int(q_cols), as_int(k), work.get() + b * stride, as_int(m),
          tau.get() + b * k, reinterpret_cast<T*>(scratch.get()), orgqr_elements, status.get());
  }
  copy_matrices(dtype, matrices_of(ctx.outputs[0]),
                column_major(work.get(), count, m, q_cols, m, stride), {}, s);
}

void qr_kernel(const KernelContext& ctx) {
  visit_floating_dtype(ctx.inputs[0].dtype(), [&]<class T>(T) { qr_matrices<T>(ctx); });
}

// linalg_solve_triangular: A [..., n, n] read in its `upper` or lower triangle (unit diagonal
// with `unitriangular`), B [..., n, k] -> X [..., n, k] with A X = B, info [...] (> 0: a zero on
// a non-unit diagonal, as trtrs; that X is NaN). With Y = X^T and M = A^T, the solve is
// Y M = B^T (trsm from the right): B^T column-major is B row-major, copied into the output and
// solved in place; M column-major is A's row-major copy, whose triangle is A's other one.
template <class T>
void solve_triangular_matrices(const KernelContext& ctx) {
  const Tensor &a = ctx.inputs[0], &x = ctx.outputs[0];
  const bool upper = ctx.attrs.get<bool>("upper"), unit = ctx.attrs.get<bool>("unitriangular");
  auto* status = device_data<int32_t>(ctx.outputs[1]);
  const Device device = a.device();
  const cudaStream_t s = stream(device);
  const DType dtype = a.dtype();
  const Matrices coefficients = matrices_of(a);
  const int64_t count = coefficients.count(), n = coefficients.rows, k = x.size(-1);
  if (count == 0) return;
  if (n == 0 || unit) {  // trtrs checks no diagonal of a unit triangle
    check(cudaMemsetAsync(status, 0, static_cast<size_t>(count) * sizeof(int32_t), s),
          "linalg_solve_triangular: cudaMemsetAsync");
    if (n == 0) return;
  }
  const DeviceArray<T> work(count * n * n, device);
  const Matrices m = row_major(work.get(), count, n, n, n, n * n);
  copy_matrices(dtype, m, coefficients, {}, s);
  if (!unit) first_zero_diagonal(dtype, m, status, s);
  const Matrices solution = matrices_of(x);
  copy_matrices(dtype, solution, matrices_of(ctx.inputs[1]), {}, s);
  if (k == 0) return;
  const cublasHandle_t handle = cublas_handle(device);
  const cublasFillMode_t fill = upper ? CUBLAS_FILL_MODE_LOWER : CUBLAS_FILL_MODE_UPPER;
  const cublasDiagType_t diag = unit ? CUBLAS_DIAG_UNIT : CUBLAS_DIAG_NON_UNIT;
  T* y = device_data<T>(x);
  if (count == 1) {
    trsm(handle, CUBLAS_SIDE_RIGHT, fill, CUBLAS_OP_N, diag, k, n, work.get(), n, y, k);
  } else {
    const DeviceArray<T*> matrices(count, device), rhs(count, device);
    pointer_array(reinterpret_cast<void**>(matrices.get()), work.get(), sizeof(T), n * n, count, s);
    pointer_array(reinterpret_cast<void**>(rhs.get()), y, sizeof(T), n * k, count, s);
    trsm_batched(handle, CUBLAS_SIDE_RIGHT, fill, CUBLAS_OP_N, diag, k, n, matrices.get(), n,
                 rhs.get(), k, count);
  }
  if (!unit) copy_matrices(dtype, solution, solution, {.failed = status}, s);
}

void solve_triangular_kernel(const KernelContext& ctx) {
  visit_floating_dtype(ctx.inputs[0].dtype(),
                       [&]<class T>(T) { solve_triangular_matrices<T>(ctx); });
}

}  // namespace

void register_factor_kernels(KernelTable& table) {
  table.add("linalg_cholesky", DeviceKind::CUDA, &cholesky_kernel);
  table.add("linalg_qr", DeviceKind::CUDA, &qr_kernel);
  table.add("linalg_solve_triangular", DeviceKind::CUDA, &solve_triangular_kernel);
}

}  // namespace nabla::cuda::linalg
#endif
