// CUDA kernels of linalg_eigh, linalg_svd and linalg_lstsq, with the CPU kernels' inputs, outputs
// and statuses (backend/cpu/linalg_decomposition_kernels.cpp, backend/cpu/linalg_solve_kernels.cpp;
// Note [CUDA linalg status]):
//  - eigh: cusolverDnXsyevd for one matrix, cusolverDnXsyevBatched for a batch (ascending
//    eigenvalues, as LAPACK's syevd); eigenvector signs by Note [Singular vector signs];
//  - svd: SvdBatch (linalg_svd.hpp), signs likewise (u_j decides, v_j follows);
//  - lstsq: gelsd's minimum-norm solution from the SVD, X = V diag(1/s_i for kept s_i) U^T B,
//    with gelsd's rank cutoff (linalg_conventions.hpp); the two products are cuBLAS GEMMs.
// eigh and svd give a matrix with NaN or infinity the status kNonFiniteInput and NaN outputs, as
// the CPU kernels do (such a matrix is factored as zeros, never handed to cuSOLVER).
#ifdef NABLA_HAVE_CUDA
#include <algorithm>
#include <string>

#include "backend/cuda/cublas_handle.hpp"
#include "backend/cuda/cusolver_handle.hpp"
#include "backend/cuda/linalg_common.hpp"
#include "backend/cuda/linalg_device.hpp"
#include "backend/cuda/linalg_library.hpp"
#include "backend/cuda/linalg_svd.hpp"
#include "backend/linalg_conventions.hpp"

namespace nabla::cuda::linalg {
namespace {

using linalg_conventions::kNonFiniteInput;

void zero_status(int32_t* info, int64_t count, cudaStream_t s) {
  check(cudaMemsetAsync(info, 0, static_cast<size_t>(count) * sizeof(int32_t), s),
        "linalg: cudaMemsetAsync");
}

// linalg_eigh: A [..., n, n] (attrs uplo, compute_v) -> w [..., n], V [..., n, n] (empty without
// compute_v), info [...]. Only A's `uplo` triangle is read, in column-major order as on the CPU.
template <class T>
void eigh_matrices(const KernelContext& ctx) {
  const Tensor& a = ctx.inputs[0];
  const bool vectors = ctx.attrs.get<bool>("compute_v");
  const cublasFillMode_t uplo =
      ctx.attrs.get<std::string>("uplo") == "U" ? CUBLAS_FILL_MODE_UPPER : CUBLAS_FILL_MODE_LOWER;
  auto* info = device_data<int32_t>(ctx.outputs[2]);
  const Device device = a.device();
  const cudaStream_t s = stream(device);
  const DType dtype = a.dtype();
  const Matrices in = matrices_of(a);
  const int64_t count = in.count(), n = in.rows;
  if (count == 0) return;
  if (n == 0) return zero_status(info, count, s);
  const DeviceArray<T> work(count * n * n, device);
  const DeviceArray<int32_t> non_finite(count, device);
  const Matrices matrices = column_major(work.get(), count, n, n, n, n * n);
  copy_matrices(dtype, matrices, in, {}, s);
  flag_non_finite(dtype, matrices, non_finite.get(), s);
  copy_matrices(dtype, matrices, matrices, {.failed = non_finite.get(), .fill = 0.0}, s);
  T* w = device_data<T>(ctx.outputs[0]);
  const cusolverEigMode_t jobz = vectors ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
  constexpr cudaDataType type = kDataType<T>;
  {
    const CusolverLease solver = cusolver(device);
    size_t device_bytes = 0, host_bytes = 0;
    if (count == 1) {
      check(cusolverDnXsyevd_bufferSize(solver.handle(), solver.params(), jobz, uplo, n, type,
                                        work.get(), n, type, w, type, &device_bytes, &host_bytes),
            "cusolverDnXsyevd_bufferSize");
    } else {
      check(cusolverDnXsyevBatched_bufferSize(solver.handle(), solver.params(), jobz, uplo, n, type,
                                              work.get(), n, type, w, type, &device_bytes,
                                              &host_bytes, count),
            "cusolverDnXsyevBatched_bufferSize");
    }
    const DeviceArray<char> scratch(static_cast<int64_t>(device_bytes), device);
    HostWorkspace host(host_bytes);
    if (count == 1) {
      check(cusolverDnXsyevd(solver.handle(), solver.params(), jobz, uplo, n, type, work.get(), n,
                             type, w, type, scratch.get(), device_bytes, host.get(), host_bytes,
                             info),
            "cusolverDnXsyevd");
    } else {
      check(cusolverDnXsyevBatched(solver.handle(), solver.params(), jobz, uplo, n, type,
                                   work.get(), n, type, w, type, scratch.get(), device_bytes,
                                   host.get(), host_bytes, info, count),
            "cusolverDnXsyevBatched");
    }
    host.finish(s);
  }
  mark_failed(info, non_finite.get(), kNonFiniteInput, count, s);
  const Matrices values = row_major(w, count, 1, n, n, n);
  copy_matrices(dtype, values, values, {.failed = non_finite.get()}, s);
  if (!vectors) return;
  const DeviceArray<T> signs(count * n, device);
  vector_signs(dtype, matrices, n, signs.get(), s);
  copy_matrices(dtype, matrices_of(ctx.outputs[1]), matrices,
                {.failed = non_finite.get(), .signs = signs.get(), .sign_count = n}, s);
}

void eigh_kernel(const KernelContext& ctx) {
  visit_floating_dtype(ctx.inputs[0].dtype(), [&]<class T>(T) { eigh_matrices<T>(ctx); });
}

// linalg_svd: A [..., m, n] (attrs full_matrices, compute_uv) -> U [..., m, k or m], S [..., k],
// Vh [..., k or n, n], info [...]; U and Vh empty without compute_uv. With full_matrices, the
// columns of U (rows of Vh) past k span the orthogonal complement: any orthonormal basis of it
// is an answer, and cuSOLVER's is not LAPACK's.
template <class T>
void svd_matrices(const KernelContext& ctx) {
  const Tensor& a = ctx.inputs[0];
  const bool full = ctx.attrs.get<bool>("full_matrices"), uv = ctx.attrs.get<bool>("compute_uv");
  auto* info = device_data<int32_t>(ctx.outputs[3]);
  const Device device = a.device();
  const cudaStream_t s = stream(device);
  const DType dtype = a.dtype();
  const Matrices in = matrices_of(a);
  const int64_t count = in.count(), k = std::min(in.rows, in.cols);
  if (count == 0) return;
  if (k == 0) {  // nothing to factor: the singular vectors are any orthonormal basis
    zero_status(info, count, s);
    if (uv) fill_identity(dtype, matrices_of(ctx.outputs[0]), s);
    if (uv) fill_identity(dtype, matrices_of(ctx.outputs[2]), s);
    return;
  }
  T* singular = device_data<T>(ctx.outputs[1]);
  const DeviceArray<int32_t> non_finite(count, device);
  const SvdVectors vectors = uv ? (full ? SvdVectors::Full : SvdVectors::Thin) : SvdVectors::None;
  const SvdBatch<T> svd(a, vectors, singular, info, non_finite.get());
  mark_failed(info, non_finite.get(), kNonFiniteInput, count, s);
  const Matrices values = row_major(singular, count, 1, k, k, k);
  copy_matrices(dtype, values, values, {.failed = non_finite.get()}, s);
  if (!uv) return;
  const DeviceArray<T> signs(count * k, device);
  vector_signs(dtype, svd.u(), k, signs.get(), s);
  const CopyOptions signed_columns{
      .failed = non_finite.get(), .signs = signs.get(), .sign_count = k, .signs_by_row = false};
  copy_matrices(dtype, matrices_of(ctx.outputs[0]), svd.u(), signed_columns, s);
  CopyOptions signed_rows = signed_columns;
  signed_rows.signs_by_row = true;
  copy_matrices(dtype, matrices_of(ctx.outputs[2]), transposed(svd.v()), signed_rows, s);
}

void svd_kernel(const KernelContext& ctx) {
  visit_floating_dtype(ctx.inputs[0].dtype(), [&]<class T>(T) { svd_matrices<T>(ctx); });
}

/// How cuBLAS reads a logical rows x cols matrix of `m` (strides of one matrix; batch stride
/// m.batch_strides[0]): as stored column-major (op N) when its rows are unit-stride, as the
/// transpose of a column-major matrix (op T) when its columns are. A size-1 dim's stride is
/// irrelevant, so the leading dimension is then only kept >= the other extent.
struct GemmOperand {
  cublasOperation_t op;
  int64_t ld;
  long long stride;
  const void* data;
};

GemmOperand gemm_operand(const Matrices& m) {
  const long long stride = m.batch_strides.empty() ? 0 : m.batch_strides[0];
  if (m.row_stride == 1 || m.rows == 1) {
    const int64_t ld = m.cols == 1 ? std::max<int64_t>(m.rows, 1) : m.col_stride;
    if (ld >= std::max<int64_t>(m.rows, 1)) return {CUBLAS_OP_N, ld, stride, m.data};
  }
  const int64_t ld = m.rows == 1 ? std::max<int64_t>(m.cols, 1) : m.row_stride;
  NABLA_ASSERT((m.col_stride == 1 || m.cols == 1) && ld >= std::max<int64_t>(m.cols, 1),
               "linalg_lstsq: an operand cuBLAS cannot read in place");
  return {CUBLAS_OP_T, ld, stride, m.data};
}

/// c[b] = a[b] b[b] for `count` batches: a rows x inner, b inner x cols, c column-major with
/// leading dimension `ldc`. No TF32: least squares keeps float32's full precision, as LAPACK.
template <class T>
void batched_product(cublasHandle_t handle, const Matrices& a, const Matrices& b, T* c, int64_t ldc,
                     long long c_stride, int64_t count) {
  const GemmOperand x = gemm_operand(a), y = gemm_operand(b);
  const T one = 1, zero = 0;
  constexpr cudaDataType type = kDataType<T>;
  const cublasComputeType_t compute =
      std::is_same_v<T, float> ? CUBLAS_COMPUTE_32F : CUBLAS_COMPUTE_64F;
  check(cublasGemmStridedBatchedEx_64(handle, x.op, y.op, a.rows, b.cols, a.cols, &one, x.data,
                                      type, x.ld, x.stride, y.data, type, y.ld, y.stride, &zero, c,
                                      type, ldc, c_stride, count, compute, CUBLAS_GEMM_DEFAULT),
        "linalg_lstsq: cublasGemmStridedBatchedEx");
}

// linalg_lstsq: A [..., m, n], B [..., m, r] (attr rcond) -> solution [..., n, r], singular values
// [..., k], rank int64 [...], info [...] (> 0: the SVD did not converge; solution and singular
// values are then NaN, as on the CPU). The solution is X = V C with C = D^+ U^T B, computed as
// X^T = C^T V^T so that it lands row-major in the output.
template <class T>
void lstsq_matrices(const KernelContext& ctx) {
  const Tensor &a = ctx.inputs[0], &rhs = ctx.inputs[1];
  const Tensor &solution = ctx.outputs[0], &singular = ctx.outputs[1];
  auto* rank = device_data<int64_t>(ctx.outputs[2]);
  auto* info = device_data<int32_t>(ctx.outputs[3]);
  const Device device = a.device();
  const cudaStream_t s = stream(device);
  const DType dtype = a.dtype();
  const Matrices in = matrices_of(a);
  const int64_t count = in.count(), m = in.rows, n = in.cols, r = rhs.size(-1);
  const int64_t k = std::min(m, n);
  if (count == 0) return;
  if (k == 0) {  // no singular values: rank 0, and the minimum-norm solution is zero
    zero_status(info, count, s);
    check(cudaMemsetAsync(rank, 0, static_cast<size_t>(count) * sizeof(int64_t), s),
          "linalg_lstsq: cudaMemsetAsync");
    check(cudaMemsetAsync(device_data(solution), 0,
                          static_cast<size_t>(solution.numel()) * solution.itemsize(), s),
          "linalg_lstsq: cudaMemsetAsync");
    return;
  }
  T* values = device_data<T>(singular);
  const SvdBatch<T> svd(a, SvdVectors::Thin, values, info);
  const DeviceArray<T> divisor(count * k, device);
  lstsq_cutoff(dtype, values, count, k, ctx.attrs.get<double>("rcond"), info, rank, divisor.get(),
               s);
  if (r > 0) {
    const DeviceArray<T> b_work(count * m * r, device), c_work(count * k * r, device);
    const Matrices b = column_major(b_work.get(), count, m, r, m, m * r);
    const Matrices c = column_major(c_work.get(), count, k, r, k, k * r);
    copy_matrices(dtype, b, matrices_of(rhs), {}, s);
    const cublasHandle_t handle = cublas_handle(device);
    batched_product<T>(handle, transposed(svd.u()), b, c_work.get(), k, k * r, count);
    divide_rows(dtype, c_work.get(), divisor.get(), count, k, r, s);
    batched_product<T>(handle, transposed(c), transposed(svd.v()), device_data<T>(solution), r,
                       n * r, count);
    const Matrices x = matrices_of(solution);
    copy_matrices(dtype, x, x, {.failed = info}, s);
  }
  const Matrices singular_values = row_major(values, count, 1, k, k, k);
  copy_matrices(dtype, singular_values, singular_values, {.failed = info}, s);
}

void lstsq_kernel(const KernelContext& ctx) {
  visit_floating_dtype(ctx.inputs[0].dtype(), [&]<class T>(T) { lstsq_matrices<T>(ctx); });
}

}  // namespace

void register_spectral_kernels(KernelTable& table) {
  table.add("linalg_eigh", DeviceKind::CUDA, &eigh_kernel);
  table.add("linalg_svd", DeviceKind::CUDA, &svd_kernel);
  table.add("linalg_lstsq", DeviceKind::CUDA, &lstsq_kernel);
}

}  // namespace nabla::cuda::linalg
#endif
