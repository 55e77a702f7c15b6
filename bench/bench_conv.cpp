// The convolutions of the cnnA model (Keras's mnist_cnn) at batch 128, in GFLOP/s: forward,
// input-gradient and weight-gradient of conv1 ([128, 28, 28, 1] -> 32, 3x3, the direct kernels)
// and conv2 ([128, 26, 26, 32] -> 64, 3x3, im2col + gemm), and of an RGB first layer
// ([128, 32, 32, 3] -> 32); next to one sgemm of conv2's im2col shape (the rate the
// convolutions are measured against: [128 * 24 * 24, 288] @ [288, 64]).
#include <cblas.h>

#include "bench_util.hpp"
#include "ops/convolution_internal.hpp"

namespace nabla::bench {
namespace {

struct ConvShape {
  int64_t batch, height, width, in, out, k;
  [[nodiscard]] int64_t out_height() const { return height - k + 1; }
  [[nodiscard]] int64_t out_width() const { return width - k + 1; }
  /// 2 * output positions * kernel volume * in * out: the multiply-adds of each of the three.
  [[nodiscard]] double flops() const {
    return 2.0 * static_cast<double>(batch * out_height() * out_width()) * k * k * in * out;
  }
};

// cnnA's conv1 and conv2, and an RGB first layer (the direct kernels' threshold).
constexpr ConvShape kShapes[] = {
    {128, 28, 28, 1, 32, 3}, {128, 26, 26, 32, 64, 3}, {128, 32, 32, 3, 32, 3}};

const ConvParams kValid{.strides = {1, 1}, .dilation = {1, 1}, .pads = {0, 0, 0, 0}, .groups = 1};

struct Operands {
  Tensor x, w, b, g;
  explicit Operands(const ConvShape& s)
      : x(random_floats({s.batch, s.height, s.width, s.in})),
        w(random_floats({s.k, s.k, s.in, s.out})),
        b(random_floats({s.out})),
        g(random_floats({s.batch, s.out_height(), s.out_width(), s.out})) {}
};

void BM_ConvForward(benchmark::State& state) {
  const ConvShape& s = kShapes[state.range(0) - 1];
  const Operands o(s);
  for (auto _ : state) {
    Tensor y = conv_core(o.x, o.w, o.b, kValid);
    benchmark::DoNotOptimize(y.data_ptr());
  }
  set_rate(state, "FLOPS", s.flops());
}

void BM_ConvInputGrad(benchmark::State& state) {
  const ConvShape& s = kShapes[state.range(0) - 1];
  const Operands o(s);
  for (auto _ : state) {
    Tensor dx = conv_input_grad_core(o.g, o.w, {s.height, s.width}, kValid);
    benchmark::DoNotOptimize(dx.data_ptr());
  }
  set_rate(state, "FLOPS", s.flops());
}

void BM_ConvWeightGrad(benchmark::State& state) {
  const ConvShape& s = kShapes[state.range(0) - 1];
  const Operands o(s);
  for (auto _ : state) {
    Tensor dw = conv_weight_grad_core(o.x, o.g, {s.k, s.k}, kValid);
    benchmark::DoNotOptimize(dw.data_ptr());
  }
  set_rate(state, "FLOPS", s.flops());
}

// conv2's gemm on a ready column matrix: the ceiling for an im2col convolution of that shape.
void BM_SgemmConv2Shape(benchmark::State& state) {
  const ConvShape& s = kShapes[1];
  const int64_t rows = s.batch * s.out_height() * s.out_width(), depth = s.k * s.k * s.in;
  const Tensor col = random_floats({rows, depth}), w = random_floats({depth, s.out});
  const Tensor y = Tensor::empty({rows, s.out});
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(rows),
                static_cast<int>(s.out), static_cast<int>(depth), 1.0f, col.data<float>(),
                static_cast<int>(depth), w.data<float>(), static_cast<int>(s.out), 0.0f,
                y.data<float>(), static_cast<int>(s.out));
    benchmark::ClobberMemory();
  }
  set_rate(state, "FLOPS", s.flops());
}

void conv_layers(benchmark::internal::Benchmark* b) {
  b->Arg(1)->Arg(2)->Arg(3)->ArgName("conv")->UseRealTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_ConvForward)->Apply(conv_layers);
BENCHMARK(BM_ConvInputGrad)->Apply(conv_layers);
BENCHMARK(BM_ConvWeightGrad)->Apply(conv_layers);
BENCHMARK(BM_SgemmConv2Shape)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace nabla::bench

int main(int argc, char** argv) { return nabla::bench::run_benchmarks(argc, argv); }
