// CPU kernels of the LAPACK-backed factorizations (src/ops/linalg_decompositions.cpp): LU (getrf,
// getrs), QR (geqrf + orgqr), Cholesky (potrf), the symmetric eigen-decomposition (syevd) and the
// SVD (gesdd; gesvd when gesdd does not converge). Every matrix of a batch is copied into a
// column-major work buffer, factored there and written back row-major; LAPACK's status goes to
// the op's `info` output (Note [LAPACK status]). eigh and svd first check for NaN and infinity,
// which newer LAPACKs reject as illegal arguments, and report them with their own info code;
// their vectors' signs follow Note [Singular vector signs] (backend/linalg_conventions.hpp), so
// that the CUDA kernels (cuSOLVER) give the same ones.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <type_traits>
#include <vector>

#include "backend/cpu/kernels.hpp"
#include "backend/cpu/lapack_util.hpp"
#include "backend/linalg_conventions.hpp"
#include "nabla/util/parallel.hpp"

namespace nabla::cpu {
namespace {

using lapack::as_lapack_int;
using lapack::for_each_matrix;
using lapack::from_column_major;
using lapack::MatrixBatch;
using lapack::to_column_major;

// ---- LAPACK's float and double routines under one name each. The _work variants neither scan
// the input for NaNs (the plain LAPACKE calls would report a NaN as an illegal argument) nor
// allocate behind our back; with LAPACK_COL_MAJOR they call LAPACK directly. ----

// Argument orders are LAPACK's, with the (first) matrix moved to the front.
template <class T>
lapack_int getrf(T* a, lapack_int m, lapack_int n, lapack_int lda, lapack_int* ipiv) {
  if constexpr (std::is_same_v<T, float>) {
    return LAPACKE_sgetrf_work(LAPACK_COL_MAJOR, m, n, a, lda, ipiv);
  } else {
    return LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, m, n, a, lda, ipiv);
  }
}
template <class T>
lapack_int getrs(const T* lu, char trans, lapack_int n, lapack_int nrhs, lapack_int lda,
                 const lapack_int* ipiv, T* b, lapack_int ldb) {
  if constexpr (std::is_same_v<T, float>) {
    return LAPACKE_sgetrs_work(LAPACK_COL_MAJOR, trans, n, nrhs, lu, lda, ipiv, b, ldb);
  } else {
    return LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, trans, n, nrhs, lu, lda, ipiv, b, ldb);
  }
}
template <class T>
lapack_int geqrf(T* a, lapack_int m, lapack_int n, lapack_int lda, T* tau, T* work,
                 lapack_int lwork) {
  if constexpr (std::is_same_v<T, float>) {
    return LAPACKE_sgeqrf_work(LAPACK_COL_MAJOR, m, n, a, lda, tau, work, lwork);
  } else {
    return LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, m, n, a, lda, tau, work, lwork);
  }
}
template <class T>
lapack_int orgqr(T* a, lapack_int m, lapack_int n, lapack_int k, lapack_int lda, const T* tau,
                 T* work, lapack_int lwork) {
  if constexpr (std::is_same_v<T, float>) {
    return LAPACKE_sorgqr_work(LAPACK_COL_MAJOR, m, n, k, a, lda, tau, work, lwork);
  } else {
    return LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, m, n, k, a, lda, tau, work, lwork);
  }
}
template <class T>
lapack_int potrf(T* a, char uplo, lapack_int n, lapack_int lda) {
  if constexpr (std::is_same_v<T, float>) {
    return LAPACKE_spotrf_work(LAPACK_COL_MAJOR, uplo, n, a, lda);
  } else {
    return LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, uplo, n, a, lda);
  }
}
template <class T>
lapack_int syevd(T* a, char jobz, char uplo, lapack_int n, lapack_int lda, T* w, T* work,
                 lapack_int lwork, lapack_int* iwork, lapack_int liwork) {
  if constexpr (std::is_same_v<T, float>) {
    return LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, jobz, uplo, n, a, lda, w, work, lwork, iwork,
                               liwork);
  } else {
    return LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, jobz, uplo, n, a, lda, w, work, lwork, iwork,
                               liwork);
  }
}
template <class T>
lapack_int gesdd(T* a, char jobz, lapack_int m, lapack_int n, lapack_int lda, T* s, T* u,
                 lapack_int ldu, T* vt, lapack_int ldvt, T* work, lapack_int lwork,
                 lapack_int* iwork) {
  if constexpr (std::is_same_v<T, float>) {
    return LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, jobz, m, n, a, lda, s, u, ldu, vt, ldvt, work,
                               lwork, iwork);
  } else {
    return LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, jobz, m, n, a, lda, s, u, ldu, vt, ldvt, work,
                               lwork, iwork);
  }
}
template <class T>
lapack_int gesvd(T* a, char job, lapack_int m, lapack_int n, lapack_int lda, T* s, T* u,
                 lapack_int ldu, T* vt, lapack_int ldvt, T* work, lapack_int lwork) {
  if constexpr (std::is_same_v<T, float>) {
    return LAPACKE_sgesvd_work(LAPACK_COL_MAJOR, job, job, m, n, a, lda, s, u, ldu, vt, ldvt, work,
                               lwork);
  } else {
    return LAPACKE_dgesvd_work(LAPACK_COL_MAJOR, job, job, m, n, a, lda, s, u, ldu, vt, ldvt, work,
                               lwork);
  }
}

/// The workspace size a query (lwork = -1) reported in work[0]. Float queries round large sizes
/// to 24 bits, possibly down: a little margin keeps the buffer large enough.
template <class T>
lapack_int workspace_size(T query) {
  return as_lapack_int(
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil(static_cast<double>(query) * 1.000001))));
}

/// LAPACK wants leading dimensions >= 1 even for empty matrices.
lapack_int leading(int64_t rows) { return as_lapack_int(std::max<int64_t>(1, rows)); }

/// Writes the identity into the row-major rows x cols matrix `out`.
template <class T>
void write_identity(T* out, int64_t rows, int64_t cols) {
  std::fill(out, out + rows * cols, T(0));
  for (int64_t i = 0; i < std::min(rows, cols); ++i) out[i * cols + i] = T(1);
}

/// Element offset of vector b of a [..., k] tensor (row-major numbering of the batch).
int64_t vector_offset(const Tensor& t, int64_t b) {
  int64_t result = 0;
  for (int64_t axis = t.ndim() - 2; axis >= 0; --axis) {
    result += (b % t.size(axis)) * t.strides()[static_cast<size_t>(axis)];
    b /= t.size(axis);
  }
  return result;
}

/// The info code of a matrix with NaN or infinite elements, which the eigen and singular value
/// routines reject (newer LAPACKs as an illegal argument, older ones may not return).
using linalg_conventions::kNonFiniteInput;

/// Flips the columns j < count of the row-major rows x cols matrix `a` (and, when given, the rows
/// j of the row-major count x other_cols matrix `b`) by Note [Singular vector signs].
template <class T>
void fix_signs(T* a, int64_t rows, int64_t cols, int64_t count, T* b, int64_t other_cols) {
  for (int64_t j = 0; j < count; ++j) {
    const int sign =
        linalg_conventions::vector_sign(rows, [&](int64_t i) { return a[i * cols + j]; });
    if (sign > 0) continue;
    for (int64_t i = 0; i < rows; ++i) a[i * cols + j] = -a[i * cols + j];
    if (b != nullptr) {
      for (int64_t i = 0; i < other_cols; ++i) b[j * other_cols + i] = -b[j * other_cols + i];
    }
  }
}

/// True when the first `count` elements of `data` are finite; otherwise the `outputs` (pointer,
/// count) are filled with NaN.
template <class T>
bool all_finite_or_nan(const T* data, int64_t count,
                       std::initializer_list<std::pair<T*, int64_t>> outputs) {
  for (int64_t i = 0; i < count; ++i) {
    if (!std::isfinite(data[i])) {
      for (const auto& [out, size] : outputs) {
        if (out != nullptr) std::fill(out, out + size, std::numeric_limits<T>::quiet_NaN());
      }
      return false;
    }
  }
  return true;
}

// ---- LU: linalg_lu_factor (A) -> (LU, pivots) ----

void lu_factor_kernel(const KernelContext& ctx) {
  const Tensor& a = ctx.inputs[0];
  const MatrixBatch batch(a);
  const int64_t m = batch.rows(), n = batch.cols(), k = std::min(m, n);
  visit_floating_dtype(a.dtype(), [&]<class T>(T) {
    const T* src = a.data<T>();
    T* lu = ctx.outputs[0].data<T>();
    lapack_int* pivots = ctx.outputs[1].data<int32_t>();
    for_each_matrix(batch.count(), m * n * k, [&](int64_t begin, int64_t end) {
      std::vector<T> work(static_cast<size_t>(std::max<int64_t>(1, m * n)));
      for (int64_t b = begin; b < end; ++b) {
        to_column_major(batch, src, b, work.data(), m);
        // A zero pivot (info > 0) is not an error here: U is singular, lu_solve reports it.
        (void)getrf(work.data(), as_lapack_int(m), as_lapack_int(n), leading(m), pivots + b * k);
        from_column_major(work.data(), m, m, n, lu, b);
      }
    });
  });
}

/// The row order LAPACK's pivots describe: rows i and pivots[i] - 1 swapped in turn, so that
/// (P^T A)[i] = A[order[i]]. Out-of-range pivots (not from getrf) are skipped.
std::vector<int64_t> row_order(const int32_t* pivots, int64_t stride, int64_t k, int64_t m) {
  std::vector<int64_t> order(static_cast<size_t>(m));
  std::iota(order.begin(), order.end(), 0);
  for (int64_t i = 0; i < k; ++i) {
    const int64_t j = pivots[i * stride] - 1;
    if (j >= 0 && j < m) std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
  return order;
}

// linalg_lu_permutation (pivots [..., k] int32; attr rows m) -> P [..., m, m] with A = P L U.
void lu_permutation_kernel(const KernelContext& ctx) {
  const Tensor& pivots = ctx.inputs[0];
  const Tensor& out = ctx.outputs[0];
  const int64_t m = ctx.attrs.get<int64_t>("rows"), k = pivots.size(-1);
  const int64_t stride = pivots.strides().back(), count = out.numel() / std::max<int64_t>(1, m * m);
  const int32_t* base = pivots.data<int32_t>();
  visit_floating_dtype(out.dtype(), [&]<class T>(T) {
    T* p = out.data<T>();
    parallel_for(0, count, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, m * m)),
                 [&](int64_t begin, int64_t end) {
                   for (int64_t b = begin; b < end; ++b) {
                     const auto order = row_order(base + vector_offset(pivots, b), stride, k, m);
                     T* matrix = p + b * m * m;
                     std::fill(matrix, matrix + m * m, T(0));
                     for (int64_t i = 0; i < m; ++i)
                       matrix[order[static_cast<size_t>(i)] * m + i] = T(1);
                   }
                 });
  });
}

// linalg_lu_solve (LU [..., n, n], pivots [..., n], B [..., n, r]; attr adjoint) -> (X, info):
// A X = B, or A^T X = B with adjoint. info = i + 1 when U[i, i] is the first zero on U's diagonal
// (X is then NaN); getrs itself cannot tell.
void lu_solve_kernel(const KernelContext& ctx) {
  const Tensor &lu = ctx.inputs[0], &pivots = ctx.inputs[1], &rhs = ctx.inputs[2];
  const MatrixBatch lu_batch(lu), rhs_batch(rhs);
  const int64_t n = lu_batch.rows(), r = rhs_batch.cols();
  const char trans = ctx.attrs.get<bool>("adjoint") ? 'T' : 'N';
  int32_t* info = ctx.outputs[1].data<int32_t>();
  const int32_t* pivot_base = pivots.data<int32_t>();
  const int64_t pivot_stride = pivots.strides().back();
  visit_floating_dtype(lu.dtype(), [&]<class T>(T) {
    const T *lu_data = lu.data<T>(), *rhs_data = rhs.data<T>();
    T* x = ctx.outputs[0].data<T>();
    for_each_matrix(lu_batch.count(), n * n * (r + 1), [&](int64_t begin, int64_t end) {
      std::vector<T> factor(static_cast<size_t>(std::max<int64_t>(1, n * n)));
      std::vector<T> solution(static_cast<size_t>(std::max<int64_t>(1, n * r)));
      std::vector<lapack_int> ipiv(static_cast<size_t>(std::max<int64_t>(1, n)));
      for (int64_t b = begin; b < end; ++b) {
        to_column_major(lu_batch, lu_data, b, factor.data(), n);
        info[b] = 0;
        for (int64_t i = 0; i < n && info[b] == 0; ++i) {
          if (factor[static_cast<size_t>(i + i * n)] == T(0)) info[b] = as_lapack_int(i + 1);
        }
        if (info[b] != 0) {
          std::fill(x + b * n * r, x + (b + 1) * n * r, std::numeric_limits<T>::quiet_NaN());
          continue;
        }
        const int32_t* p = pivot_base + vector_offset(pivots, b);
        for (int64_t i = 0; i < n; ++i) ipiv[static_cast<size_t>(i)] = p[i * pivot_stride];
        to_column_major(rhs_batch, rhs_data, b, solution.data(), n);
        (void)getrs(factor.data(), trans, as_lapack_int(n), as_lapack_int(r), leading(n),
                    ipiv.data(), solution.data(), leading(n));
        from_column_major(solution.data(), n, n, r, x, b);
      }
    });
  });
}

// ---- QR: linalg_qr (A; attr mode) -> (Q, R) ----
// reduced: Q [m, k], R [k, n]; complete: Q [m, m], R [m, n]; r: Q empty, R [k, n].

void qr_kernel(const KernelContext& ctx) {
  const Tensor& a = ctx.inputs[0];
  const MatrixBatch batch(a);
  const int64_t m = batch.rows(), n = batch.cols(), k = std::min(m, n);
  const std::string& mode = ctx.attrs.get<std::string>("mode");
  const bool want_q = mode != "r";
  const int64_t q_cols = mode == "complete" ? m : k, r_rows = mode == "complete" ? m : k;
  const int64_t columns = std::max(n, q_cols);  // orgqr builds Q in place over the reflectors
  visit_floating_dtype(a.dtype(), [&]<class T>(T) {
    const T* src = a.data<T>();
    T *q = want_q ? ctx.outputs[0].data<T>() : nullptr, *r = ctx.outputs[1].data<T>();
    for_each_matrix(batch.count(), m * n * k, [&](int64_t begin, int64_t end) {
      const lapack_int lda = leading(m);
      std::vector<T> work_a(static_cast<size_t>(std::max<int64_t>(1, m * columns)));
      std::vector<T> tau(static_cast<size_t>(std::max<int64_t>(1, k)));
      T query_qr = 0, query_q = 0;
      (void)geqrf(work_a.data(), as_lapack_int(m), as_lapack_int(n), lda, tau.data(), &query_qr,
                  -1);
      if (want_q && k > 0) {
        (void)orgqr(work_a.data(), as_lapack_int(m), as_lapack_int(q_cols), as_lapack_int(k), lda,
                    tau.data(), &query_q, -1);
      }
      std::vector<T> work(
          static_cast<size_t>(std::max(workspace_size(query_qr), workspace_size(query_q))));
      const auto lwork = as_lapack_int(static_cast<int64_t>(work.size()));
      for (int64_t b = begin; b < end; ++b) {
        to_column_major(batch, src, b, work_a.data(), m);
        (void)geqrf(work_a.data(), as_lapack_int(m), as_lapack_int(n), lda, tau.data(), work.data(),
                    lwork);
        T* r_out = r + b * r_rows * n;
        for (int64_t i = 0; i < r_rows; ++i) {
          for (int64_t j = 0; j < n; ++j)
            r_out[i * n + j] = i <= j ? work_a[static_cast<size_t>(i + j * m)] : T(0);
        }
        if (!want_q || m == 0) continue;
        if (k == 0) {  // no reflectors: Q is the identity (orgqr's quick return leaves it unset)
          write_identity(q + b * m * q_cols, m, q_cols);
          continue;
        }
        (void)orgqr(work_a.data(), as_lapack_int(m), as_lapack_int(q_cols), as_lapack_int(k), lda,
                    tau.data(), work.data(), lwork);
        from_column_major(work_a.data(), m, m, q_cols, q, b);
      }
    });
  });
}

// ---- Cholesky: linalg_cholesky (A; attr upper) -> (L or U, info) ----

void cholesky_kernel(const KernelContext& ctx) {
  const Tensor& a = ctx.inputs[0];
  const MatrixBatch batch(a);
  const int64_t n = batch.rows();
  const bool upper = ctx.attrs.get<bool>("upper");
  int32_t* info = ctx.outputs[1].data<int32_t>();
  visit_floating_dtype(a.dtype(), [&]<class T>(T) {
    const T* src = a.data<T>();
    T* out = ctx.outputs[0].data<T>();
    // The row-major copy of A is A^T to LAPACK, and A is symmetric: factoring the other
    // triangle gives U = L^T in column-major order, which is L read row-major. No transposition.
    const char flipped = upper ? 'L' : 'U';
    for_each_matrix(batch.count(), n * n * n / 3.0, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        T* factor = out + b * n * n;
        lapack::to_row_major(batch, src, b, factor);
        info[b] = potrf(factor, flipped, as_lapack_int(n), leading(n));
        for (int64_t i = 0; i < n; ++i) {  // zero the triangle LAPACK left untouched
          T* row = factor + i * n;
          if (upper) {
            std::fill(row, row + i, T(0));
          } else {
            std::fill(row + i + 1, row + n, T(0));
          }
        }
      }
    });
  });
}

// ---- Symmetric eigen-decomposition: linalg_eigh (A; attrs uplo, compute_v) -> (w, V, info) ----

void eigh_kernel(const KernelContext& ctx) {
  const Tensor& a = ctx.inputs[0];
  const MatrixBatch batch(a);
  const int64_t n = batch.rows();
  const bool vectors = ctx.attrs.get<bool>("compute_v");
  const char jobz = vectors ? 'V' : 'N';
  const char uplo = ctx.attrs.get<std::string>("uplo") == "U" ? 'U' : 'L';
  int32_t* info = ctx.outputs[2].data<int32_t>();
  visit_floating_dtype(a.dtype(), [&]<class T>(T) {
    const T* src = a.data<T>();
    T *w = ctx.outputs[0].data<T>(), *v = vectors ? ctx.outputs[1].data<T>() : nullptr;
    for_each_matrix(batch.count(), 4 * n * n * n, [&](int64_t begin, int64_t end) {
      std::vector<T> work_a(static_cast<size_t>(std::max<int64_t>(1, n * n)));
      T query = 0;
      lapack_int iquery = 0;
      (void)syevd(work_a.data(), jobz, uplo, as_lapack_int(n), leading(n), w, &query, -1, &iquery,
                  -1);
      std::vector<T> work(static_cast<size_t>(workspace_size(query)));
      std::vector<lapack_int> iwork(static_cast<size_t>(std::max<lapack_int>(1, iquery)));
      for (int64_t b = begin; b < end; ++b) {
        to_column_major(batch, src, b, work_a.data(), n);
        if (!all_finite_or_nan<T>(work_a.data(), n * n,
                                  {{w + b * n, n}, {vectors ? v + b * n * n : nullptr, n * n}})) {
          info[b] = kNonFiniteInput;
          continue;
        }
        info[b] = syevd(work_a.data(), jobz, uplo, as_lapack_int(n), leading(n), w + b * n,
                        work.data(), as_lapack_int(static_cast<int64_t>(work.size())), iwork.data(),
                        as_lapack_int(static_cast<int64_t>(iwork.size())));
        if (vectors) {
          from_column_major(work_a.data(), n, n, n, v, b);
          fix_signs<T>(v + b * n * n, n, n, n, nullptr, 0);
        }
      }
    });
  });
}

// ---- SVD: linalg_svd (A; attrs full_matrices, compute_uv) -> (U, S, Vh, info) ----

template <class T>
struct SvdBuffers {
  std::vector<T> a, u, vt, work;
  std::vector<lapack_int> iwork;
};

void svd_kernel(const KernelContext& ctx) {
  const Tensor& a = ctx.inputs[0];
  const MatrixBatch batch(a);
  const int64_t m = batch.rows(), n = batch.cols(), k = std::min(m, n);
  const bool full = ctx.attrs.get<bool>("full_matrices"), uv = ctx.attrs.get<bool>("compute_uv");
  const char job = uv ? (full ? 'A' : 'S') : 'N';
  const int64_t u_cols = uv ? (full ? m : k) : 0, vt_rows = uv ? (full ? n : k) : 0;
  int32_t* info = ctx.outputs[3].data<int32_t>();
  visit_floating_dtype(a.dtype(), [&]<class T>(T) {
    const T* src = a.data<T>();
    T *u = uv ? ctx.outputs[0].data<T>() : nullptr, *s = ctx.outputs[1].data<T>();
    T* vh = uv ? ctx.outputs[2].data<T>() : nullptr;
    // LAPACK gets the row-major copy of A, which it reads as C = A^T [n, m]. From C = Uc S Vct,
    // A = Vct^T S Uc^T: Vct [vt_c, m] in column-major order is U [m, vt_c] row-major, and
    // Uc [n, u_c] column-major is Vh [u_c, n] row-major. So gesdd writes U and Vh straight into
    // the outputs, with no transposition before or after.
    const int64_t vt_c = u_cols, u_c = vt_rows;
    for_each_matrix(batch.count(), 8.0 * m * n * k, [&](int64_t begin, int64_t end) {
      const lapack_int lda = leading(n), ldu = leading(n), ldvt = leading(vt_c);
      const auto rows = as_lapack_int(n), cols = as_lapack_int(m);
      SvdBuffers<T> buf;
      buf.a.resize(static_cast<size_t>(std::max<int64_t>(1, m * n)));
      if (!uv) {  // LAPACK still wants valid pointers for the vectors it does not compute
        buf.u.resize(1);
        buf.vt.resize(1);
      }
      buf.iwork.resize(static_cast<size_t>(std::max<int64_t>(1, 8 * k)));
      const auto u_of = [&](int64_t b) { return uv ? vh + b * u_c * n : buf.u.data(); };
      const auto vt_of = [&](int64_t b) { return uv ? u + b * m * vt_c : buf.vt.data(); };
      T query = 0;
      (void)gesdd(buf.a.data(), job, rows, cols, lda, s, u_of(begin), ldu, vt_of(begin), ldvt,
                  &query, -1, buf.iwork.data());
      buf.work.resize(static_cast<size_t>(workspace_size(query)));
      for (int64_t b = begin; b < end; ++b) {
        info[b] = 0;
        if (k == 0) {  // nothing to factor: the singular vectors are any orthonormal basis
          if (uv) write_identity(u + b * m * u_cols, m, u_cols);
          if (uv) write_identity(vh + b * vt_rows * n, vt_rows, n);
          continue;
        }
        lapack::to_row_major(batch, src, b, buf.a.data());
        if (!all_finite_or_nan<T>(buf.a.data(), m * n,
                                  {{s + b * k, k},
                                   {uv ? u + b * m * u_cols : nullptr, m * u_cols},
                                   {uv ? vh + b * vt_rows * n : nullptr, vt_rows * n}})) {
          info[b] = kNonFiniteInput;
          continue;
        }
        info[b] = gesdd(buf.a.data(), job, rows, cols, lda, s + b * k, u_of(b), ldu, vt_of(b), ldvt,
                        buf.work.data(), as_lapack_int(static_cast<int64_t>(buf.work.size())),
                        buf.iwork.data());
        if (info[b] > 0) {
          // gesdd's divide and conquer failed to converge: gesvd's QR iteration is slower but
          // converges in cases where gesdd does not.
          lapack::to_row_major(batch, src, b, buf.a.data());
          (void)gesvd(buf.a.data(), job, rows, cols, lda, s + b * k, u_of(b), ldu, vt_of(b), ldvt,
                      &query, -1);
          std::vector<T> work(static_cast<size_t>(workspace_size(query)));
          info[b] = gesvd(buf.a.data(), job, rows, cols, lda, s + b * k, u_of(b), ldu, vt_of(b),
                          ldvt, work.data(), as_lapack_int(static_cast<int64_t>(work.size())));
        }
        if (uv) fix_signs<T>(u + b * m * u_cols, m, u_cols, k, vh + b * vt_rows * n, n);
      }
    });
  });
}

}  // namespace

void register_linalg_decomposition_kernels(KernelTable& table) {
  table.add("linalg_lu_factor", DeviceKind::CPU, &lu_factor_kernel);
  table.add("linalg_lu_permutation", DeviceKind::CPU, &lu_permutation_kernel);
  table.add("linalg_lu_solve", DeviceKind::CPU, &lu_solve_kernel);
  table.add("linalg_qr", DeviceKind::CPU, &qr_kernel);
  table.add("linalg_cholesky", DeviceKind::CPU, &cholesky_kernel);
  table.add("linalg_eigh", DeviceKind::CPU, &eigh_kernel);
  table.add("linalg_svd", DeviceKind::CPU, &svd_kernel);
}

}  // namespace nabla::cpu
