// CUDA kernels of the LU-based ops, with the CPU kernels' inputs, outputs and statuses
// (backend/cpu/linalg_decomposition_kernels.cpp, backend/cpu/linalg_solve_kernels.cpp):
// linalg_lu_factor, linalg_lu_permutation, linalg_lu_solve, linalg_det_lu, linalg_inv and
// linalg_solve. Factorizations and solves: LuBatch (linalg_lu.hpp); statuses: Note [CUDA linalg
// status]. Each kernel factors the same matrix the CPU's does (A, or A^T for det and inv), so the
// pivots agree, not just the results.
#ifdef NABLA_HAVE_CUDA
#include <algorithm>

#include "backend/cuda/linalg_common.hpp"
#include "backend/cuda/linalg_device.hpp"
#include "backend/cuda/linalg_lu.hpp"

namespace nabla::cuda::linalg {
namespace {

// linalg_lu_factor: A [..., m, n] -> LU [..., m, n] (row-major), pivots [..., min(m, n)] int32.
// A zero pivot is not an error here, as on the CPU: U is singular and lu_solve reports it.
void lu_factor_kernel(const KernelContext& ctx) {
  const Tensor &a = ctx.inputs[0], &lu = ctx.outputs[0];
  if (lu.numel() == 0) return;
  visit_floating_dtype(a.dtype(), [&]<class T>(T) {
    const LuBatch<T> factors(a, /*transpose=*/false, device_data<int32_t>(ctx.outputs[1]));
    const Matrices out = matrices_of(lu);
    copy_matrices(a.dtype(), out,
                  column_major(factors.factors(), out.count(), out.rows, out.cols, out.rows,
                               out.rows * out.cols),
                  {}, stream(a.device()));
  });
}

// linalg_lu_permutation: pivots [..., k] int32 (attr rows m) -> P [..., m, m] with A = P L U.
void lu_permutation_kernel(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  lu_permutation(ctx.inputs[0], out, ctx.attrs.get<int64_t>("rows"), stream(out.device()));
}

// linalg_lu_solve: LU [..., n, n], pivots [..., n], B [..., n, r] (attr adjoint) -> X, info.
// info = i + 1 for the first zero U[i, i], and that matrix's X is NaN (getrs cannot tell).
void lu_solve_kernel(const KernelContext& ctx) {
  const Tensor &lu = ctx.inputs[0], &rhs = ctx.inputs[2];
  const Tensor &x = ctx.outputs[0], &info = ctx.outputs[1];
  const cudaStream_t s = stream(lu.device());
  const Matrices factors_in = matrices_of(lu);
  const int64_t count = factors_in.count(), n = factors_in.rows, r = rhs.size(-1);
  if (count == 0) return;
  auto* status = device_data<int32_t>(info);
  if (n == 0) {
    check(cudaMemsetAsync(status, 0, static_cast<size_t>(count) * sizeof(int32_t), s),
          "linalg_lu_solve: cudaMemsetAsync");
    return;
  }
  visit_floating_dtype(lu.dtype(), [&]<class T>(T) {
    const LuBatch<T> factors(lu, ctx.inputs[1]);
    first_zero_diagonal(lu.dtype(), column_major(factors.factors(), count, n, n, n, n * n), status,
                        s);
    if (r == 0) return;
    const DeviceArray<T> work(count * n * r, lu.device());
    const Matrices solution = column_major(work.get(), count, n, r, n, n * r);
    copy_matrices(lu.dtype(), solution, matrices_of(rhs), {}, s);
    factors.solve(ctx.attrs.get<bool>("adjoint"), work.get(), r);
    copy_matrices(lu.dtype(), matrices_of(x), solution, {.failed = status}, s);
  });
}

// linalg_det_lu: A [..., n, n] -> det, logabsdet, sign [...]. Factors A^T, as the CPU does (the
// same determinant); a zero pivot gives det 0, logabsdet -inf, sign 0.
void det_lu_kernel(const KernelContext& ctx) {
  const Tensor& a = ctx.inputs[0];
  const int64_t n = a.size(-1);
  const cudaStream_t s = stream(a.device());
  visit_floating_dtype(a.dtype(), [&]<class T>(T) {
    const LuBatch<T> factors(a, /*transpose=*/true);
    determinant(a.dtype(), factors.factors(), factors.pivots(), factors.info(), factors.count(), n,
                device_data(ctx.outputs[0]), device_data(ctx.outputs[1]),
                device_data(ctx.outputs[2]), s);
  });
}

// linalg_inv: A [..., n, n] -> inverse [..., n, n], info [...]. getrf of the row-major copy
// (A^T to the library), then getrs against the identity, written straight into the output:
// inv(A^T) in column-major order is inv(A) row-major. cuSOLVER has no getri; a singular matrix
// (info > 0) gets NaN, as on the CPU.
void inv_kernel(const KernelContext& ctx) {
  const Tensor &a = ctx.inputs[0], &out = ctx.outputs[0];
  auto* status = device_data<int32_t>(ctx.outputs[1]);
  const cudaStream_t s = stream(a.device());
  visit_floating_dtype(a.dtype(), [&]<class T>(T) {
    const LuBatch<T> factors(a, /*transpose=*/true, nullptr, status);
    const int64_t count = factors.count(), n = a.size(-1);
    if (count == 0 || n == 0) return;
    const Matrices inverse = column_major(device_data<T>(out), count, n, n, n, n * n);
    fill_identity(a.dtype(), inverse, s);
    factors.solve(/*transpose=*/false, device_data<T>(out), n);
    copy_matrices(a.dtype(), inverse, inverse, {.failed = status}, s);
  });
}

// linalg_solve: A [..., n, n], B [..., n, k] (one batch shape) -> X [..., n, k], info [...]:
// gesv's getrf + getrs; a singular matrix's X is NaN. Without right-hand sides (k = 0) nothing
// is factored and info is 0: the CPU's gesv (OpenBLAS's) returns at once then, where reference
// LAPACK would still factor A and report a singular one.
void solve_kernel(const KernelContext& ctx) {
  const Tensor &a = ctx.inputs[0], &rhs = ctx.inputs[1], &x = ctx.outputs[0];
  auto* status = device_data<int32_t>(ctx.outputs[1]);
  const cudaStream_t s = stream(a.device());
  const int64_t n = a.size(-1), k = rhs.size(-1);
  if (k == 0) {
    const int64_t count = ctx.outputs[1].numel();
    if (count > 0) {
      check(cudaMemsetAsync(status, 0, static_cast<size_t>(count) * sizeof(int32_t), s),
            "linalg_solve: cudaMemsetAsync");
    }
    return;
  }
  visit_floating_dtype(a.dtype(), [&]<class T>(T) {
    const LuBatch<T> factors(a, /*transpose=*/false, nullptr, status);
    const int64_t count = factors.count();
    if (count * n == 0) return;
    const DeviceArray<T> work(count * n * k, a.device());
    const Matrices solution = column_major(work.get(), count, n, k, n, n * k);
    copy_matrices(a.dtype(), solution, matrices_of(rhs), {}, s);
    factors.solve(/*transpose=*/false, work.get(), k);
    copy_matrices(a.dtype(), matrices_of(x), solution, {.failed = status}, s);
  });
}

}  // namespace

void register_lu_kernels(KernelTable& table) {
  table.add("linalg_lu_factor", DeviceKind::CUDA, &lu_factor_kernel);
  table.add("linalg_lu_permutation", DeviceKind::CUDA, &lu_permutation_kernel);
  table.add("linalg_lu_solve", DeviceKind::CUDA, &lu_solve_kernel);
  table.add("linalg_det_lu", DeviceKind::CUDA, &det_lu_kernel);
  table.add("linalg_inv", DeviceKind::CUDA, &inv_kernel);
  table.add("linalg_solve", DeviceKind::CUDA, &solve_kernel);
}

}  // namespace nabla::cuda::linalg
#endif
