// Elementwise add and exp on 1M-16M float32, in GB/s, against plain loops over the same buffers
// (a copy loop: the memory-bandwidth yardstick; an add loop: the same traffic as nabla's add).
// The plain loops are split over nabla's threads with the grain nabla's kernels use.
#include <sys/mman.h>

#include <cstdlib>
#include <memory>

#include "bench_util.hpp"

namespace nabla::bench {
namespace {

constexpr int64_t kGrain = 32768;  // = cpu::kElementwiseGrain (src/backend/cpu/strided_loop.hpp)
constexpr double kFloat = sizeof(float);

void BM_NablaAdd(benchmark::State& state) {
  const int64_t n = state.range(0);
  const Tensor a = random_floats({n}), b = random_floats({n});
  for (auto _ : state) {
    Tensor c = add(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  set_bytes(state, 3 * kFloat * n);  // two reads, one write
}

void BM_NablaExp(benchmark::State& state) {
  const int64_t n = state.range(0);
  const Tensor a = random_floats({n});
  for (auto _ : state) {
    Tensor c = exp(a);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  set_bytes(state, 2 * kFloat * n);
}

void BM_CopyLoop(benchmark::State& state) {
  const int64_t n = state.range(0);
  const Tensor a = random_floats({n}), c = Tensor::empty({n});
  const float* src = a.data<float>();
  float* dst = c.data<float>();
  for (auto _ : state) {
    parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) dst[i] = src[i];
    });
    benchmark::ClobberMemory();
  }
  set_bytes(state, 2 * kFloat * n);
}

void add_loop(const float* x, const float* y, float* out, int64_t n) {
  parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = x[i] + y[i];
  });
}

void BM_AddLoop(benchmark::State& state) {
  const int64_t n = state.range(0);
  const Tensor a = random_floats({n}), b = random_floats({n}), c = Tensor::empty({n});
  for (auto _ : state) {
    add_loop(a.data<float>(), b.data<float>(), c.data<float>(), n);
    benchmark::ClobberMemory();
  }
  set_bytes(state, 3 * kFloat * n);
}

// The add loop into an output allocated per call, as nabla's add does: the difference from
// BM_AddLoop is the allocator (and, above glibc's mmap threshold, page faults on fresh pages).
void BM_AddLoopFreshOutput(benchmark::State& state) {
  const int64_t n = state.range(0);
  const Tensor a = random_floats({n}), b = random_floats({n});
  for (auto _ : state) {
    Tensor c = Tensor::empty({n});
    add_loop(a.data<float>(), b.data<float>(), c.data<float>(), n);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  set_bytes(state, 3 * kFloat * n);
}

// As BM_AddLoopFreshOutput, but the fresh output is 2 MiB-aligned and advised to use transparent
// huge pages (what NumPy does for large arrays): 512x fewer page faults on a fresh mapping. It
// measures the allocator change suggested for nabla's CPU allocator (src/tensor/storage.cpp).
void BM_AddLoopFreshHugePageOutput(benchmark::State& state) {
  const int64_t n = state.range(0);
  const Tensor a = random_floats({n}), b = random_floats({n});
  constexpr size_t kHugePage = size_t{2} << 20;
  const size_t bytes =
      (static_cast<size_t>(n) * sizeof(float) + kHugePage - 1) / kHugePage * kHugePage;
  for (auto _ : state) {
    std::unique_ptr<void, decltype(&std::free)> out(std::aligned_alloc(kHugePage, bytes),
                                                    &std::free);
    madvise(out.get(), bytes, MADV_HUGEPAGE);
    add_loop(a.data<float>(), b.data<float>(), static_cast<float*>(out.get()), n);
    benchmark::DoNotOptimize(out.get());
  }
  set_bytes(state, 3 * kFloat * n);
}

void sizes(benchmark::internal::Benchmark* b) {
  b->Arg(int64_t{1} << 20)->Arg(int64_t{1} << 22)->Arg(int64_t{1} << 24)->ArgName("n");
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_NablaAdd)->Apply(sizes);
BENCHMARK(BM_NablaExp)->Apply(sizes);
BENCHMARK(BM_CopyLoop)->Apply(sizes);
BENCHMARK(BM_AddLoop)->Apply(sizes);
BENCHMARK(BM_AddLoopFreshOutput)->Apply(sizes);
BENCHMARK(BM_AddLoopFreshHugePageOutput)->Apply(sizes);

}  // namespace
}  // namespace nabla::bench

int main(int argc, char** argv) { return nabla::bench::run_benchmarks(argc, argv); }
