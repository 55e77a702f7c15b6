// 2x2 stride-2 max and average pooling, forward and backward, on the pooling shapes of the
// issue-5 CNNs (cnnA: [128, 24, 24, 64]; cnnB: [128, 26, 26, 32] and [128, 11, 11, 64]), in GB/s
// of the bytes each pass must move, next to a parallel copy of the input (the bandwidth a
// one-read-one-write pass can reach here).
#include <cstring>

#include "bench_util.hpp"

namespace nabla::bench {
namespace {

const Shape kShapes[] = {{128, 24, 24, 64}, {128, 26, 26, 32}, {128, 11, 11, 64}};
const PoolOptions k2x2{{2}};

const Shape& shape_of(const benchmark::State& state) {
  return kShapes[static_cast<size_t>(state.range(0))];
}

Shape pooled(const Shape& x) { return {x[0], x[1] / 2, x[2] / 2, x[3]}; }

void label(benchmark::State& state) {
  const Shape& s = shape_of(state);
  state.SetLabel(to_string(s));
}

/// x read, y written, and the one-byte indices written.
void BM_MaxPoolForward(benchmark::State& state) {
  const Shape& s = shape_of(state);
  const Tensor x = random_floats(s);
  for (auto _ : state) {
    Tensor y = max_pool(x, k2x2);
    benchmark::DoNotOptimize(y.data_ptr());
  }
  const double out = static_cast<double>(pooled(s).numel());
  set_bytes(state, 4.0 * static_cast<double>(s.numel()) + 5.0 * out);
  label(state);
}

/// Indices and dy read, dx written.
void BM_MaxPoolBackward(benchmark::State& state) {
  const Shape& s = shape_of(state);
  const auto [y, indices] = max_pool_with_indices(random_floats(s), k2x2);
  const Tensor g = random_floats(y.shape());
  for (auto _ : state) {
    Tensor dx = max_pool_backward(indices, g, s, k2x2);
    benchmark::DoNotOptimize(dx.data_ptr());
  }
  const double out = static_cast<double>(y.numel());
  set_bytes(state, 4.0 * static_cast<double>(s.numel()) + 5.0 * out);
  label(state);
}

/// Through autograd, as training runs it: forward with a recorded node, then backward.
void BM_MaxPoolTrainingStep(benchmark::State& state) {
  const Shape& s = shape_of(state);
  const Tensor x = random_floats(s).requires_grad_();
  const Tensor g = random_floats(pooled(s));
  for (auto _ : state) {
    Tensor y = max_pool(x, k2x2);
    Tensor dx = autograd::grad({y}, {x}, {g})[0];
    benchmark::DoNotOptimize(dx.data_ptr());
  }
  const double out = static_cast<double>(pooled(s).numel());
  set_bytes(state, 8.0 * static_cast<double>(s.numel()) + 10.0 * out);
  label(state);
}

void BM_AvgPoolForward(benchmark::State& state) {
  const Shape& s = shape_of(state);
  const Tensor x = random_floats(s);
  for (auto _ : state) {
    Tensor y = avg_pool(x, k2x2);
    benchmark::DoNotOptimize(y.data_ptr());
  }
  set_bytes(state, 4.0 * static_cast<double>(s.numel() + pooled(s).numel()));
  label(state);
}

void BM_AvgPoolBackward(benchmark::State& state) {
  const Shape& s = shape_of(state);
  const Tensor g = random_floats(pooled(s));
  for (auto _ : state) {
    Tensor dx = avg_pool_backward(g, s, k2x2);
    benchmark::DoNotOptimize(dx.data_ptr());
  }
  set_bytes(state, 4.0 * static_cast<double>(s.numel() + pooled(s).numel()));
  label(state);
}

/// The ceiling: the input copied by every thread in parallel (one read, one write per byte).
void BM_CopyInput(benchmark::State& state) {
  const Shape& s = shape_of(state);
  const Tensor x = random_floats(s);
  const float* src = x.data<float>();
  const int64_t n = s.numel();
  for (auto _ : state) {
    Tensor y = Tensor::empty(s);
    float* dst = y.data<float>();
    parallel_for(0, n, 1 << 16, [&](int64_t begin, int64_t end) {
      std::memcpy(dst + begin, src + begin, static_cast<size_t>(end - begin) * sizeof(float));
    });
    benchmark::DoNotOptimize(y.data_ptr());
  }
  set_bytes(state, 8.0 * static_cast<double>(n));
  label(state);
}

void shapes(benchmark::internal::Benchmark* b) {
  b->DenseRange(0, 2)->ArgName("shape")->UseRealTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_MaxPoolForward)->Apply(shapes);
BENCHMARK(BM_MaxPoolBackward)->Apply(shapes);
BENCHMARK(BM_MaxPoolTrainingStep)->Apply(shapes);
BENCHMARK(BM_AvgPoolForward)->Apply(shapes);
BENCHMARK(BM_AvgPoolBackward)->Apply(shapes);
BENCHMARK(BM_CopyInput)->Apply(shapes);

}  // namespace
}  // namespace nabla::bench

int main(int argc, char** argv) { return nabla::bench::run_benchmarks(argc, argv); }
