// nabla::matmul against raw cblas_sgemm on the same inputs (square float32, 128-2048), and the
// threading schemes for batched small matmuls. The overhead target: <= 5% at 512x512.
// NABLA_BENCH_BLAS_THREADS=1 pins OpenBLAS to one thread after nabla's pool is set up: the
// "BLAS single-threaded, nabla parallelises" scheme that bench/run.sh compares with the default.
#include <cblas.h>

#include <cstdlib>

#include "bench_util.hpp"

namespace nabla::bench {
namespace {

// C[rows, n] = A[rows, k] B[k, n], row-major, contiguous.
void sgemm(int64_t rows, int64_t n, int64_t k, const float* a, const float* b, float* c) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(rows),
              static_cast<int>(n), static_cast<int>(k), 1.0f, a, static_cast<int>(k), b,
              static_cast<int>(n), 0.0f, c, static_cast<int>(n));
}

double square_flops(int64_t n) { return 2.0 * static_cast<double>(n) * n * n; }

void BM_NablaMatmul(benchmark::State& state) {
  const int64_t n = state.range(0);
  const Tensor a = random_floats({n, n}), b = random_floats({n, n});
  for (auto _ : state) {
    Tensor c = matmul(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  set_rate(state, "FLOPS", square_flops(n));
}

// The reference: one sgemm into a preallocated output.
void BM_Sgemm(benchmark::State& state) {
  const int64_t n = state.range(0);
  const Tensor a = random_floats({n, n}), b = random_floats({n, n});
  const Tensor c = Tensor::empty({n, n});
  for (auto _ : state) {
    sgemm(n, n, n, a.data<float>(), b.data<float>(), c.data<float>());
    benchmark::ClobberMemory();
  }
  set_rate(state, "FLOPS", square_flops(n));
}

// sgemm into a freshly allocated output, as nabla must do: separates allocation from dispatch.
void BM_SgemmFreshOutput(benchmark::State& state) {
  const int64_t n = state.range(0);
  const Tensor a = random_floats({n, n}), b = random_floats({n, n});
  for (auto _ : state) {
    Tensor c = Tensor::empty({n, n});
    sgemm(n, n, n, a.data<float>(), b.data<float>(), c.data<float>());
    benchmark::DoNotOptimize(c.data_ptr());
  }
  set_rate(state, "FLOPS", square_flops(n));
}

// One big matmul under the "BLAS on one thread" scheme: nabla splits A's rows over its threads
// and each thread calls sgemm (OpenBLAS runs single-threaded inside an OpenMP parallel region).
void BM_SgemmRowSplit(benchmark::State& state) {
  const int64_t n = state.range(0);
  const Tensor a = random_floats({n, n}), b = random_floats({n, n});
  const Tensor c = Tensor::empty({n, n});
  const float* pa = a.data<float>();
  const float* pb = b.data<float>();
  float* pc = c.data<float>();
  const int64_t grain = (n + num_threads() - 1) / num_threads();
  for (auto _ : state) {
    parallel_for(0, n, grain, [&](int64_t begin, int64_t end) {
      sgemm(end - begin, n, n, pa + begin * n, pb, pc + begin * n);
    });
    benchmark::ClobberMemory();
  }
  set_rate(state, "FLOPS", square_flops(n));
}

// ---- batched small matmuls: [batch, m, m] @ [batch, m, m] ----

double batched_flops(const benchmark::State& state) {
  return static_cast<double>(state.range(0)) * square_flops(state.range(1));
}

void BM_NablaMatmulBatched(benchmark::State& state) {
  const int64_t batch = state.range(0), m = state.range(1);
  const Tensor a = random_floats({batch, m, m}), b = random_floats({batch, m, m});
  for (auto _ : state) {
    Tensor c = matmul(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  set_rate(state, "FLOPS", batched_flops(state));
}

// A serial loop of sgemm calls, each using as many threads as OpenBLAS is given.
void BM_SgemmBatchLoop(benchmark::State& state) {
  const int64_t batch = state.range(0), m = state.range(1);
  const Tensor a = random_floats({batch, m, m}), b = random_floats({batch, m, m});
  const Tensor c = Tensor::empty({batch, m, m});
  for (auto _ : state) {
    for (int64_t i = 0; i < batch; ++i) {
      sgemm(m, m, m, a.data<float>() + i * m * m, b.data<float>() + i * m * m,
            c.data<float>() + i * m * m);
    }
    benchmark::ClobberMemory();
  }
  set_rate(state, "FLOPS", batched_flops(state));
}

// The batch split over nabla's threads, one single-threaded sgemm per matrix.
void BM_SgemmBatchParallel(benchmark::State& state) {
  const int64_t batch = state.range(0), m = state.range(1);
  const Tensor a = random_floats({batch, m, m}), b = random_floats({batch, m, m});
  const Tensor c = Tensor::empty({batch, m, m});
  const float* pa = a.data<float>();
  const float* pb = b.data<float>();
  float* pc = c.data<float>();
  for (auto _ : state) {
    parallel_for(0, batch, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        sgemm(m, m, m, pa + i * m * m, pb + i * m * m, pc + i * m * m);
      }
    });
    benchmark::ClobberMemory();
  }
  set_rate(state, "FLOPS", batched_flops(state));
}

void square_sizes(benchmark::internal::Benchmark* b) {
  for (int64_t n : {128, 256, 512, 1024, 2048}) b->Arg(n);
  b->ArgName("n")->UseRealTime()->Unit(benchmark::kMicrosecond);
}

void batched_sizes(benchmark::internal::Benchmark* b) {
  b->Args({256, 32})->Args({64, 128})->ArgNames({"batch", "m"});
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_NablaMatmul)->Apply(square_sizes);
BENCHMARK(BM_Sgemm)->Apply(square_sizes);
BENCHMARK(BM_SgemmFreshOutput)->Apply(square_sizes);
BENCHMARK(BM_SgemmRowSplit)->Apply(square_sizes);
BENCHMARK(BM_NablaMatmulBatched)->Apply(batched_sizes);
BENCHMARK(BM_SgemmBatchLoop)->Apply(batched_sizes);
BENCHMARK(BM_SgemmBatchParallel)->Apply(batched_sizes);

}  // namespace
}  // namespace nabla::bench

int main(int argc, char** argv) {
  // Set nabla's pool up first: it calls omp_set_num_threads, which would undo the pinning below.
  (void)nabla::num_threads();
  if (const char* blas_threads = std::getenv("NABLA_BENCH_BLAS_THREADS")) {
    // OpenBLAS's OpenMP build implements this with omp_set_num_threads too; nabla's parallel_for
    // still forks its own count (it passes num_threads() explicitly).
    openblas_set_num_threads(std::atoi(blas_threads));
  }
  benchmark::AddCustomContext("openblas_num_threads", std::to_string(openblas_get_num_threads()));
  benchmark::AddCustomContext("openblas_config", openblas_get_config());
  return nabla::bench::run_benchmarks(argc, argv);
}
