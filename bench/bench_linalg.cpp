// nabla::linalg against the LAPACK routine it calls, on the same 256 x 256 float64 matrices (and a
// batch of 64 small 32 x 32 ones). The reference copies the input into a preallocated
// column-major buffer (LAPACK overwrites it) and calls LAPACKE directly: the overhead target is
// <= 10% at 256 x 256 (bench/RESULTS.md "Linear algebra").
#include <lapacke.h>

#include <cstring>
#include <vector>

#include "bench_util.hpp"

namespace nabla::bench {
namespace {

constexpr int64_t kN = 256;

Tensor general(int64_t n) { return random::uniform({n, n}, -1.0, 1.0, float64); }
Tensor spd(int64_t n) {
  Tensor a = general(n);
  return matmul(a, transpose(a)) + eye(n, {}, 0, float64) * static_cast<double>(n);
}

// Column-major copy of a row-major square matrix (what nabla's kernels do before LAPACK).
void to_column_major(const double* src, double* dst, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t i = 0; i < n; ++i) dst[i + j * n] = src[i * n + j];
  }
}

struct Workspace {
  explicit Workspace(int64_t n)
      : a(static_cast<size_t>(n * n)),
        b(static_cast<size_t>(n * n)),
        v(static_cast<size_t>(n)),
        w(static_cast<size_t>(n * n)),
        pivots(static_cast<size_t>(n)) {}
  std::vector<double> a, b, v, w;
  std::vector<lapack_int> pivots;
};

template <class Call>
void lapack_loop(benchmark::State& state, const Tensor& input, Call call) {
  const int n = static_cast<int>(input.shape()[0]);
  Workspace ws(n);
  for (auto _ : state) {
    to_column_major(input.data<double>(), ws.a.data(), n);
    call(n, ws);
    benchmark::ClobberMemory();
  }
}

void BM_LapackSolve(benchmark::State& state) {
  const Tensor a = general(kN), b = random::uniform({kN, 1}, -1.0, 1.0, float64);
  lapack_loop(state, a, [&](int n, Workspace& ws) {
    std::memcpy(ws.b.data(), b.data<double>(), sizeof(double) * static_cast<size_t>(n));
    LAPACKE_dgesv(LAPACK_COL_MAJOR, n, 1, ws.a.data(), n, ws.pivots.data(), ws.b.data(), n);
  });
}
void BM_NablaSolve(benchmark::State& state) {
  const Tensor a = general(kN), b = random::uniform({kN, 1}, -1.0, 1.0, float64);
  for (auto _ : state) benchmark::DoNotOptimize(linalg::solve(a, b).data_ptr());
}

void BM_LapackInv(benchmark::State& state) {
  lapack_loop(state, general(kN), [](int n, Workspace& ws) {
    LAPACKE_dgetrf(LAPACK_COL_MAJOR, n, n, ws.a.data(), n, ws.pivots.data());
    LAPACKE_dgetri(LAPACK_COL_MAJOR, n, ws.a.data(), n, ws.pivots.data());
  });
}
void BM_NablaInv(benchmark::State& state) {
  const Tensor a = general(kN);
  for (auto _ : state) benchmark::DoNotOptimize(linalg::inv(a).data_ptr());
}

void BM_LapackDet(benchmark::State& state) {
  lapack_loop(state, general(kN), [](int n, Workspace& ws) {
    LAPACKE_dgetrf(LAPACK_COL_MAJOR, n, n, ws.a.data(), n, ws.pivots.data());
    double det = 1;
    for (int i = 0; i < n; ++i) det *= ws.a[static_cast<size_t>(i + i * n)];
    benchmark::DoNotOptimize(det);
  });
}
void BM_NablaDet(benchmark::State& state) {
  const Tensor a = general(kN);
  for (auto _ : state) benchmark::DoNotOptimize(linalg::det(a).data_ptr());
}

void BM_LapackCholesky(benchmark::State& state) {
  lapack_loop(state, spd(kN), [](int n, Workspace& ws) {
    LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', n, ws.a.data(), n);
  });
}
void BM_NablaCholesky(benchmark::State& state) {
  const Tensor a = spd(kN);
  for (auto _ : state) benchmark::DoNotOptimize(linalg::cholesky(a).data_ptr());
}

void BM_LapackQr(benchmark::State& state) {
  lapack_loop(state, general(kN), [](int n, Workspace& ws) {
    LAPACKE_dgeqrf(LAPACK_COL_MAJOR, n, n, ws.a.data(), n, ws.v.data());
    std::memcpy(ws.w.data(), ws.a.data(), sizeof(double) * static_cast<size_t>(n * n));
    LAPACKE_dorgqr(LAPACK_COL_MAJOR, n, n, n, ws.w.data(), n, ws.v.data());
  });
}
void BM_NablaQr(benchmark::State& state) {
  const Tensor a = general(kN);
  for (auto _ : state) benchmark::DoNotOptimize(linalg::qr(a).Q.data_ptr());
}

void BM_LapackEigh(benchmark::State& state) {
  lapack_loop(state, spd(kN), [](int n, Workspace& ws) {
    LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'L', n, ws.a.data(), n, ws.v.data());
  });
}
void BM_NablaEigh(benchmark::State& state) {
  const Tensor a = spd(kN);
  for (auto _ : state) benchmark::DoNotOptimize(linalg::eigh(a).eigenvectors.data_ptr());
}

void BM_LapackSvd(benchmark::State& state) {
  lapack_loop(state, general(kN), [](int n, Workspace& ws) {
    std::vector<double> u(static_cast<size_t>(n * n));
    LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', n, n, ws.a.data(), n, ws.v.data(), u.data(), n,
                   ws.w.data(), n);
  });
}
void BM_NablaSvd(benchmark::State& state) {
  const Tensor a = general(kN);
  for (auto _ : state) benchmark::DoNotOptimize(linalg::svd(a, false).S.data_ptr());
}

// A batch of small matrices: nabla spreads the batch over its threads.
void BM_LapackInvBatch64x32(benchmark::State& state) {
  const Tensor a = random::uniform({64, 32, 32}, -1.0, 1.0, float64);
  Workspace ws(32);
  for (auto _ : state) {
    for (int64_t b = 0; b < 64; ++b) {
      to_column_major(a.data<double>() + b * 32 * 32, ws.a.data(), 32);
      LAPACKE_dgetrf(LAPACK_COL_MAJOR, 32, 32, ws.a.data(), 32, ws.pivots.data());
      LAPACKE_dgetri(LAPACK_COL_MAJOR, 32, ws.a.data(), 32, ws.pivots.data());
    }
    benchmark::ClobberMemory();
  }
}
void BM_NablaInvBatch64x32(benchmark::State& state) {
  const Tensor a = random::uniform({64, 32, 32}, -1.0, 1.0, float64);
  for (auto _ : state) benchmark::DoNotOptimize(linalg::inv(a).data_ptr());
}

#define NABLA_LINALG_PAIR(name)                                             \
  BENCHMARK(BM_Lapack##name)->Unit(benchmark::kMicrosecond)->UseRealTime(); \
  BENCHMARK(BM_Nabla##name)->Unit(benchmark::kMicrosecond)->UseRealTime()

NABLA_LINALG_PAIR(Solve);
NABLA_LINALG_PAIR(Inv);
NABLA_LINALG_PAIR(Det);
NABLA_LINALG_PAIR(Cholesky);
NABLA_LINALG_PAIR(Qr);
NABLA_LINALG_PAIR(Eigh);
NABLA_LINALG_PAIR(Svd);
NABLA_LINALG_PAIR(InvBatch64x32);

}  // namespace
}  // namespace nabla::bench

int main(int argc, char** argv) { return nabla::bench::run_benchmarks(argc, argv); }
