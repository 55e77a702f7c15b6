// The per-call cost of the dispatch path (design.md §2) on ops whose kernel does nearly nothing:
// add/exp of 1-element tensors, a view op (transpose), and the allocation alone for comparison.
// Target: <= 1 us per tiny op. Time per iteration is the per-call cost.
#include "bench_util.hpp"

namespace nabla::bench {
namespace {

void BM_DispatchAdd(benchmark::State& state) {
  const Tensor a = random_floats({1}), b = random_floats({1});
  for (auto _ : state) {
    Tensor c = add(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
}

// `x + 1.0f`: the scalar becomes a 0-d tensor first (a creation op), then add broadcasts.
void BM_DispatchAddScalar(benchmark::State& state) {
  const Tensor a = random_floats({1});
  for (auto _ : state) {
    Tensor c = a + 1.0f;
    benchmark::DoNotOptimize(c.data_ptr());
  }
}

void BM_DispatchExp(benchmark::State& state) {
  const Tensor a = random_floats({1});
  for (auto _ : state) {
    Tensor c = exp(a);
    benchmark::DoNotOptimize(c.data_ptr());
  }
}

// A view op: infer + layout, no allocation of data and no kernel.
void BM_DispatchTranspose(benchmark::State& state) {
  const Tensor x = random_floats({2, 3});
  for (auto _ : state) {
    Tensor t = x.transpose();
    benchmark::DoNotOptimize(t.impl_ptr().get());
  }
}

// What every non-view op pays before its kernel: one output tensor (TensorImpl, Storage, buffer).
void BM_TensorEmpty(benchmark::State& state) {
  for (auto _ : state) {
    Tensor c = Tensor::empty({1});
    benchmark::DoNotOptimize(c.data_ptr());
  }
}

BENCHMARK(BM_DispatchAdd)->UseRealTime();
BENCHMARK(BM_DispatchAddScalar)->UseRealTime();
BENCHMARK(BM_DispatchExp)->UseRealTime();
BENCHMARK(BM_DispatchTranspose)->UseRealTime();
BENCHMARK(BM_TensorEmpty)->UseRealTime();

}  // namespace
}  // namespace nabla::bench

int main(int argc, char** argv) { return nabla::bench::run_benchmarks(argc, argv); }
