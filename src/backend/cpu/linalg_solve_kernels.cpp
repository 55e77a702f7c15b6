// CPU kernels of the LAPACK-backed solvers (src/ops/linalg_solve.cpp): the determinant's LU
// (getrf), the inverse and general solves (gesv; the inverse solves for the identity, as NumPy
// does), triangular solves (trtrs) and least squares (gelsd). Every matrix of a batch is copied
// into column-major work buffers; the status of each goes to the op's `info` output
// (Note [LAPACK status]), and a failed matrix's result is NaN so that nothing uninitialised leaks.
#include <algorithm>
#include <cmath>
#include <limits>
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
using lapack::to_row_major;

// Type-generic names for LAPACKE's _work entry points. The _work variants skip LAPACKE's NaN scan
// of the inputs, which would report NaN as an illegal argument: NaN in, NaN out, as in NumPy.
lapack_int getrf(lapack_int n, float* a, lapack_int* ipiv) {
  return LAPACKE_sgetrf_work(LAPACK_COL_MAJOR, n, n, a, std::max(1, n), ipiv);
}
lapack_int getrf(lapack_int n, double* a, lapack_int* ipiv) {
  return LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, n, n, a, std::max(1, n), ipiv);
}
lapack_int getri(lapack_int n, float* a, const lapack_int* ipiv, float* work, lapack_int lwork) {
  return LAPACKE_sgetri_work(LAPACK_COL_MAJOR, n, a, std::max(1, n), ipiv, work, lwork);
}
lapack_int getri(lapack_int n, double* a, const lapack_int* ipiv, double* work, lapack_int lwork) {
  return LAPACKE_dgetri_work(LAPACK_COL_MAJOR, n, a, std::max(1, n), ipiv, work, lwork);
}
lapack_int gesv(lapack_int n, lapack_int k, float* a, lapack_int* ipiv, float* b) {
  return LAPACKE_sgesv_work(LAPACK_COL_MAJOR, n, k, a, std::max(1, n), ipiv, b, std::max(1, n));
}
lapack_int gesv(lapack_int n, lapack_int k, double* a, lapack_int* ipiv, double* b) {
  return LAPACKE_dgesv_work(LAPACK_COL_MAJOR, n, k, a, std::max(1, n), ipiv, b, std::max(1, n));
}
lapack_int trtrs(char uplo, char diag, lapack_int n, lapack_int k, const float* a, float* b) {
  return LAPACKE_strtrs_work(LAPACK_COL_MAJOR, uplo, 'N', diag, n, k, a, std::max(1, n), b,
                             std::max(1, n));
}
lapack_int trtrs(char uplo, char diag, lapack_int n, lapack_int k, const double* a, double* b) {
  return LAPACKE_dtrtrs_work(LAPACK_COL_MAJOR, uplo, 'N', diag, n, k, a, std::max(1, n), b,
                             std::max(1, n));
}
lapack_int gelsd(lapack_int m, lapack_int n, lapack_int k, float* a, float* b, lapack_int ldb,
                 float* s, double rcond, lapack_int* rank, float* work, lapack_int lwork,
                 lapack_int* iwork) {
  return LAPACKE_sgelsd_work(LAPACK_COL_MAJOR, m, n, k, a, std::max(1, m), b, ldb, s,
                             static_cast<float>(rcond), rank, work, lwork, iwork);
}
lapack_int gelsd(lapack_int m, lapack_int n, lapack_int k, double* a, double* b, lapack_int ldb,
                 double* s, double rcond, lapack_int* rank, double* work, lapack_int lwork,
                 lapack_int* iwork) {
  return LAPACKE_dgelsd_work(LAPACK_COL_MAJOR, m, n, k, a, std::max(1, m), b, ldb, s, rcond, rank,
                             work, lwork, iwork);
}

template <class T>
constexpr T kNaN = std::numeric_limits<T>::quiet_NaN();

/// Calls kernel<float> or kernel<double> by the first input's dtype (the infer rules admit no
/// other).
template <template <class> class Kernel>
void by_dtype(const KernelContext& ctx) {
  if (ctx.inputs[0].dtype() == DType::Float32) {
    Kernel<float>::run(ctx);
  } else {
    Kernel<double>::run(ctx);
  }
}

// linalg_det_lu: A [..., n, n] -> det, logabsdet, sign [...]. det = sign * exp(logabsdet), as
// NumPy computes it: the running product of the pivots could overflow where the result does not.
template <class T>
struct DetLu {
  static void run(const KernelContext& ctx) {
    const MatrixBatch batch(ctx.inputs[0]);
    const T* a = ctx.inputs[0].data<T>();
    T* det = ctx.outputs[0].data<T>();
    T* logabsdet = ctx.outputs[1].data<T>();
    T* sign = ctx.outputs[2].data<T>();
    const int64_t n = batch.rows();
    for_each_matrix(batch.count(), 2.0 / 3 * n * n * n, [&](int64_t begin, int64_t end) {
      std::vector<T> lu(static_cast<size_t>(n * n));
      std::vector<lapack_int> pivots(static_cast<size_t>(n));
      for (int64_t b = begin; b < end; ++b) {
        to_row_major(batch, a, b, lu.data());  // A^T to LAPACK: the same determinant
        const lapack_int info = n == 0 ? 0 : getrf(as_lapack_int(n), lu.data(), pivots.data());
        const auto d = linalg_conventions::determinant_from_lu<T>(
            n, [&](int64_t i) { return lu[static_cast<size_t>(i + i * n)]; },
            [&](int64_t i) { return static_cast<int64_t>(pivots[static_cast<size_t>(i)]); },
            static_cast<int32_t>(info));
        det[b] = d.det;
        logabsdet[b] = d.logabsdet;
        sign[b] = d.sign;
      }
    });
  }
};

// linalg_inv: A [..., n, n] -> inverse [..., n, n], info [...]. getrf + getri (2 n^3 flops; gesv
// against the identity, NumPy's way, takes 8/3 n^3 and measured 1.6x slower at 256 x 256). The
// row-major copy of A is A^T to LAPACK, and inv(A^T) = inv(A)^T comes back row-major as inv(A):
// no transposition either way.
template <class T>
struct Inv {
  static void run(const KernelContext& ctx) {
    const MatrixBatch batch(ctx.inputs[0]);
    const T* a = ctx.inputs[0].data<T>();
    T* out = ctx.outputs[0].data<T>();
    int32_t* info = ctx.outputs[1].data<int32_t>();
    const int64_t n = batch.rows();
    if (n == 0) {
      std::fill(info, info + batch.count(), 0);
      return;
    }
    for_each_matrix(batch.count(), 2.0 * n * n * n, [&](int64_t begin, int64_t end) {
      std::vector<lapack_int> pivots(static_cast<size_t>(n));
      T query = 0;
      (void)getri(as_lapack_int(n), out, pivots.data(), &query, -1);
      std::vector<T> work(static_cast<size_t>(std::max<T>(query, T(1))));
      for (int64_t b = begin; b < end; ++b) {
        T* inverse = out + b * n * n;
        to_row_major(batch, a, b, inverse);
        lapack_int status = getrf(as_lapack_int(n), inverse, pivots.data());
        if (status == 0) {
          status = getri(as_lapack_int(n), inverse, pivots.data(), work.data(),
                         as_lapack_int(static_cast<int64_t>(work.size())));
        }
        info[b] = status;
        if (status != 0) std::fill(inverse, inverse + n * n, kNaN<T>);
      }
    });
  }
};

/// The general and triangular solves: A [..., n, n] and B [..., n, k] into column-major buffers,
/// solve(a, x, pivots) overwrites x with the solution; X [..., n, k] is NaN where it failed.
template <class T, class Solve>
void solve_batch(const KernelContext& ctx, double flops, Solve&& solve) {
  const MatrixBatch a_batch(ctx.inputs[0]), b_batch(ctx.inputs[1]);
  const T* a = ctx.inputs[0].data<T>();
  const T* rhs = ctx.inputs[1].data<T>();
  T* out = ctx.outputs[0].data<T>();
  int32_t* info = ctx.outputs[1].data<int32_t>();
  const int64_t n = a_batch.rows(), k = b_batch.cols();
  for_each_matrix(a_batch.count(), flops, [&](int64_t begin, int64_t end) {
    std::vector<T> lu(static_cast<size_t>(n * n)), x(static_cast<size_t>(n * k));
    std::vector<lapack_int> pivots(static_cast<size_t>(n));
    for (int64_t b = begin; b < end; ++b) {
      to_column_major(a_batch, a, b, lu.data(), n);
      to_column_major(b_batch, rhs, b, x.data(), n);
      const lapack_int status = n == 0 ? 0 : solve(lu.data(), x.data(), pivots.data());
      info[b] = status;
      if (status != 0) std::fill(x.begin(), x.end(), kNaN<T>);
      from_column_major(x.data(), n, n, k, out, b);
    }
  });
}

// linalg_solve: A [..., n, n], B [..., n, k] (equal batch dims) -> X [..., n, k], info [...].
template <class T>
struct Solve {
  static void run(const KernelContext& ctx) {
    const int64_t n = ctx.inputs[0].size(-1), k = ctx.inputs[1].size(-1);
    solve_batch<T>(ctx, 2.0 / 3 * n * n * n + 2.0 * n * n * k,
                   [&](T* lu, T* x, lapack_int* pivots) {
                     return gesv(as_lapack_int(n), as_lapack_int(k), lu, pivots, x);
                   });
  }
};

// linalg_solve_triangular: A [..., n, n] read in its `upper` or lower triangle, B [..., n, k] ->
// X [..., n, k] with A X = B, info [...] (> 0: a zero on the diagonal of a non-unit A).
template <class T>
struct SolveTriangular {
  static void run(const KernelContext& ctx) {
    const int64_t n = ctx.inputs[0].size(-1), k = ctx.inputs[1].size(-1);
    const char uplo = ctx.attrs.get<bool>("upper") ? 'U' : 'L';
    const char diag = ctx.attrs.get<bool>("unitriangular") ? 'U' : 'N';
    solve_batch<T>(ctx, 1.0 * n * n * k, [&](T* lu, T* x, lapack_int*) {
      return trtrs(uplo, diag, as_lapack_int(n), as_lapack_int(k), lu, x);
    });
  }
};

// linalg_lstsq: A [..., m, n], B [..., m, k] -> solution [..., n, k], singular values
// [..., min(m, n)], rank int64 [...], info [...] (> 0: the SVD did not converge).
template <class T>
struct Lstsq {
  static void run(const KernelContext& ctx) {
    const MatrixBatch a_batch(ctx.inputs[0]), b_batch(ctx.inputs[1]);
    const T* a = ctx.inputs[0].data<T>();
    const T* rhs = ctx.inputs[1].data<T>();
    T* solution = ctx.outputs[0].data<T>();
    T* singular = ctx.outputs[1].data<T>();
    auto* rank = ctx.outputs[2].data<int64_t>();
    int32_t* info = ctx.outputs[3].data<int32_t>();
    const int64_t m = a_batch.rows(), n = a_batch.cols(), k = b_batch.cols();
    const int64_t ldb = std::max<int64_t>({1, m, n}), small = std::min(m, n);
    const double rcond = ctx.attrs.get<double>("rcond");
    // No right-hand side (k = 0) still has singular values and a rank; gelsd's inner dlalsd
    // rejects NRHS = 0, so it solves for one zero column that is never written out.
    const lapack_int lm = as_lapack_int(m), ln = as_lapack_int(n),
                     lk = as_lapack_int(std::max<int64_t>(1, k));
    const double flops = 4.0 * m * n * std::max(m, n) + 2.0 * m * n * k;
    for_each_matrix(a_batch.count(), flops, [&](int64_t begin, int64_t end) {
      std::vector<T> work_a(static_cast<size_t>(std::max<int64_t>(1, m * n)));
      std::vector<T> x(static_cast<size_t>(ldb * std::max<int64_t>(1, k)));
      std::vector<T> s(static_cast<size_t>(std::max<int64_t>(1, small)));
      std::vector<T> work;
      std::vector<lapack_int> iwork;
      if (small > 0) {  // workspace query: the optimal lwork and the minimal liwork
        T lwork_query = 0;
        lapack_int liwork_query = 0, rank_unused = 0;
        gelsd(lm, ln, lk, work_a.data(), x.data(), as_lapack_int(ldb), s.data(), rcond,
              &rank_unused, &lwork_query, -1, &liwork_query);
        work.resize(static_cast<size_t>(std::max<T>(1, lwork_query)));
        iwork.resize(static_cast<size_t>(std::max<lapack_int>(1, liwork_query)));
      }
      for (int64_t b = begin; b < end; ++b) {
        to_column_major(a_batch, a, b, work_a.data(), m);
        std::fill(x.begin(), x.end(), T(0));  // rows m.. of an underdetermined system stay 0
        to_column_major(b_batch, rhs, b, x.data(), ldb);
        lapack_int status = 0, r = 0;
        if (small > 0) {
          status =
              gelsd(lm, ln, lk, work_a.data(), x.data(), as_lapack_int(ldb), s.data(), rcond, &r,
                    work.data(), as_lapack_int(static_cast<int64_t>(work.size())), iwork.data());
        }
        info[b] = status;
        rank[b] = r;
        if (status != 0) {
          std::fill(x.begin(), x.end(), kNaN<T>);
          std::fill(s.begin(), s.end(), kNaN<T>);
        }
        from_column_major(x.data(), ldb, n, k, solution, b);
        std::copy(s.begin(), s.begin() + small, singular + b * small);
      }
    });
  }
};

}  // namespace

void register_linalg_solve_kernels(KernelTable& table) {
  table.add("linalg_det_lu", DeviceKind::CPU, &by_dtype<DetLu>);
  table.add("linalg_inv", DeviceKind::CPU, &by_dtype<Inv>);
  table.add("linalg_solve", DeviceKind::CPU, &by_dtype<Solve>);
  table.add("linalg_solve_triangular", DeviceKind::CPU, &by_dtype<SolveTriangular>);
  table.add("linalg_lstsq", DeviceKind::CPU, &by_dtype<Lstsq>);
}

}  // namespace nabla::cpu
