// sum over all elements ([1M] and [4096, 4096]), over the last axis and over the first axis of
// [4096, 4096] float32, in GB/s read, each against a plain loop doing the same reduction: the
// bandwidth a memory-bound reduction can reach on this machine.
#include <array>

#include "bench_util.hpp"

namespace nabla::bench {
namespace {

constexpr int64_t kSide = 4096;
constexpr int64_t kLanes = 16;  // one AVX-512 register of float partial sums
constexpr double kFloat = sizeof(float);

void BM_NablaSumAll(benchmark::State& state) {
  const int64_t n = state.range(0);
  const Tensor x = n == kSide * kSide ? random_floats({kSide, kSide}) : random_floats({n});
  for (auto _ : state) {
    Tensor s = sum(x);
    benchmark::DoNotOptimize(s.data_ptr());
  }
  set_bytes(state, kFloat * n);
}

void BM_NablaSumLastAxis(benchmark::State& state) {
  const Tensor x = random_floats({kSide, kSide});
  for (auto _ : state) {
    Tensor s = sum(x, {-1});
    benchmark::DoNotOptimize(s.data_ptr());
  }
  set_bytes(state, kFloat * kSide * kSide);
}

void BM_NablaSumFirstAxis(benchmark::State& state) {
  const Tensor x = random_floats({kSide, kSide});
  for (auto _ : state) {
    Tensor s = sum(x, {0});
    benchmark::DoNotOptimize(s.data_ptr());
  }
  set_bytes(state, kFloat * kSide * kSide);
}

// Sum of x[0, n) with kLanes independent float accumulators, so that the compiler vectorises it
// (a single accumulator is one dependent add per element: latency-bound, not bandwidth-bound).
float lane_sum(const float* x, int64_t n) {
  std::array<float, kLanes> acc{};
  const int64_t body = n - n % kLanes;
  for (int64_t i = 0; i < body; i += kLanes) {
    for (int64_t j = 0; j < kLanes; ++j) acc[j] += x[i + j];
  }
  float total = 0.0f;
  for (int64_t i = body; i < n; ++i) total += x[i];
  for (float a : acc) total += a;
  return total;
}

void BM_SumAllLoop(benchmark::State& state) {
  const int64_t n = state.range(0);
  const Tensor x = random_floats({n});
  const float* px = x.data<float>();
  const int threads = num_threads();
  for (auto _ : state) {
    std::array<float, 64> partial{};
    parallel_for(0, threads, 1, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        const int64_t lo = n * t / threads, hi = n * (t + 1) / threads;
        partial[t] = lane_sum(px + lo, hi - lo);
      }
    });
    float total = 0.0f;
    for (int t = 0; t < threads; ++t) total += partial[t];
    benchmark::DoNotOptimize(total);
  }
  set_bytes(state, kFloat * n);
}

void BM_SumLastAxisLoop(benchmark::State& state) {
  const Tensor x = random_floats({kSide, kSide}), s = Tensor::empty({kSide});
  const float* px = x.data<float>();
  float* ps = s.data<float>();
  for (auto _ : state) {
    parallel_for(0, kSide, 64, [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row) ps[row] = lane_sum(px + row * kSide, kSide);
    });
    benchmark::ClobberMemory();
  }
  set_bytes(state, kFloat * kSide * kSide);
}

// Column sums: each thread owns a block of columns and adds the rows into it (contiguous, SIMD).
void BM_SumFirstAxisLoop(benchmark::State& state) {
  const Tensor x = random_floats({kSide, kSide}), s = Tensor::empty({kSide});
  const float* px = x.data<float>();
  float* ps = s.data<float>();
  for (auto _ : state) {
    parallel_for(0, kSide, 256, [&](int64_t begin, int64_t end) {
      for (int64_t col = begin; col < end; ++col) ps[col] = 0.0f;
      for (int64_t row = 0; row < kSide; ++row) {
        const float* r = px + row * kSide;
        for (int64_t col = begin; col < end; ++col) ps[col] += r[col];
      }
    });
    benchmark::ClobberMemory();
  }
  set_bytes(state, kFloat * kSide * kSide);
}

void all_sizes(benchmark::internal::Benchmark* b) {
  b->Arg(int64_t{1} << 20)->Arg(kSide * kSide)->ArgName("n");
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}
void square(benchmark::internal::Benchmark* b) { b->UseRealTime()->Unit(benchmark::kMicrosecond); }

BENCHMARK(BM_NablaSumAll)->Apply(all_sizes);
BENCHMARK(BM_SumAllLoop)->Apply(all_sizes);
BENCHMARK(BM_NablaSumLastAxis)->Apply(square);
BENCHMARK(BM_SumLastAxisLoop)->Apply(square);
BENCHMARK(BM_NablaSumFirstAxis)->Apply(square);
BENCHMARK(BM_SumFirstAxisLoop)->Apply(square);

}  // namespace
}  // namespace nabla::bench

int main(int argc, char** argv) { return nabla::bench::run_benchmarks(argc, argv); }
