// The cost of reverse-mode autodiff (docs/autodiff.md) on top of the dispatch path: recording a
// node for a tiny op, a tiny forward + backward, a chain of 100 tiny ops, and one small MLP
// training step against the same forward without recording. The target: autodiff
// overhead on a tiny op stays near the dispatch cost (bench_dispatch.cpp's add, ~0.4 us).
// bench/numpy_reference.py times the same rows with torch.autograd.
#include "bench_util.hpp"

namespace nabla::bench {
namespace {

// Gradient policy for the forward + backward rows: zero_grad() before every backward (a training
// loop's zero_grad / backward pair), except in the ...Accumulate row, where the leaf's gradient
// keeps accumulating (grad = grad + g each backward) and is reset only every kZeroEvery calls.
constexpr int64_t kZeroEvery = 4096;

// Baseline: no input requires grad, so dispatch skips the hook (BM_DispatchAdd's row).
void BM_AddNoGrad(benchmark::State& state) {
  const Tensor a = random_floats({1}), b = random_floats({1});
  for (auto _ : state) {
    Tensor c = add(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
}

// Forward + recording: one OpNode (edges, input specs, attrs) and, because the leaf holds its
// accumulator only weakly, one AccumulateGrad per call; all freed when `c` is dropped.
void BM_AddRecorded(benchmark::State& state) {
  Tensor a = random_floats({1});
  a.requires_grad_();
  const Tensor b = random_floats({1});
  for (auto _ : state) {
    Tensor c = add(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
}

// zero_grad(), forward, backward (seed 1, add's VJP, AccumulateGrad adds into the zeros).
void BM_AddForwardBackward(benchmark::State& state) {
  Tensor a = random_floats({1});
  a.requires_grad_();
  const Tensor b = random_floats({1});
  for (auto _ : state) {
    a.zero_grad();
    Tensor c = add(a, b);
    c.backward();
  }
  benchmark::DoNotOptimize(a.grad().data_ptr());
}

// Forward, backward; the gradient accumulates across calls (no zero_grad in the timed path).
void BM_AddForwardBackwardAccumulate(benchmark::State& state) {
  Tensor a = random_floats({1});
  a.requires_grad_();
  const Tensor b = random_floats({1});
  int64_t calls = 0;
  for (auto _ : state) {
    if (++calls % kZeroEvery == 0) a.zero_grad();
    Tensor c = add(a, b);
    c.backward();
  }
  benchmark::DoNotOptimize(a.grad().data_ptr());
}

// A chain of 100 tiny ops, y = y * 1.0001f (each a scalar -> 0-d tensor op and a mul that
// saves its inputs). Per-op cost = time / 100. The forward alone (no input requires grad) is the
// reference.
constexpr int kChain = 100;

Tensor chain(const Tensor& x) {
  Tensor y = x;
  for (int i = 0; i < kChain; ++i) y = y * 1.0001f;
  return y;
}

void BM_Chain100Forward(benchmark::State& state) {
  const Tensor x = random_floats({1});
  for (auto _ : state) {
    Tensor y = chain(x);
    benchmark::DoNotOptimize(y.data_ptr());
  }
}

void BM_Chain100ForwardBackward(benchmark::State& state) {
  Tensor x = random_floats({1});
  x.requires_grad_();
  for (auto _ : state) {
    x.zero_grad();
    Tensor y = chain(x);
    y.backward();
  }
  benchmark::DoNotOptimize(x.grad().data_ptr());
}

// A small training step: x [64, 784], W1 [784, 128], W2 [128, 10];
// loss = mean(square(matmul(tanh(matmul(x, W1)), W2))). Forward under NoGradGuard, forward with
// recording, and zero_grad + forward + backward (gradients of W1 and W2).
struct Mlp {
  Tensor x = random_floats({64, 784});
  Tensor w1 = random_floats({784, 128}) * 0.05f;
  Tensor w2 = random_floats({128, 10}) * 0.1f;
  Mlp() {
    w1.requires_grad_();
    w2.requires_grad_();
  }
  [[nodiscard]] Tensor loss() const { return mean(square(matmul(tanh(matmul(x, w1)), w2))); }
};

void BM_MlpForwardNoGrad(benchmark::State& state) {
  const Mlp mlp;
  for (auto _ : state) {
    NoGradGuard no_grad;
    Tensor loss = mlp.loss();
    benchmark::DoNotOptimize(loss.data_ptr());
  }
}

void BM_MlpForwardRecorded(benchmark::State& state) {
  const Mlp mlp;
  for (auto _ : state) {
    Tensor loss = mlp.loss();
    benchmark::DoNotOptimize(loss.data_ptr());
  }
}

void BM_MlpForwardBackward(benchmark::State& state) {
  const Mlp mlp;
  for (auto _ : state) {
    mlp.w1.zero_grad();
    mlp.w2.zero_grad();
    Tensor loss = mlp.loss();
    loss.backward();
  }
  benchmark::DoNotOptimize(mlp.w1.grad().data_ptr());
}

BENCHMARK(BM_AddNoGrad)->UseRealTime();
BENCHMARK(BM_AddRecorded)->UseRealTime();
BENCHMARK(BM_AddForwardBackward)->UseRealTime();
BENCHMARK(BM_AddForwardBackwardAccumulate)->UseRealTime();
BENCHMARK(BM_Chain100Forward)->UseRealTime();
BENCHMARK(BM_Chain100ForwardBackward)->UseRealTime();
BENCHMARK(BM_MlpForwardNoGrad)->UseRealTime();
BENCHMARK(BM_MlpForwardRecorded)->UseRealTime();
BENCHMARK(BM_MlpForwardBackward)->UseRealTime();

}  // namespace
}  // namespace nabla::bench

int main(int argc, char** argv) { return nabla::bench::run_benchmarks(argc, argv); }
