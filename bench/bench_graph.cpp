// Graph mode against eager mode on a whole training step: the Keras MNIST MLP (784-512-512-10,
// relu, softmax cross-entropy) with a plain SGD update, at batch 32 (per-op overhead dominates)
// and 128. Eager: forward, autograd::grad, in-place update. Graph: the same callable traced once
// with nabla::function (backward and update inside the graph), run under NoGradGuard since the
// gradients are already part of the graph. Also a forward pass alone (inference), and a model
// of two independent branches of small ops, whose graph runs them concurrently (Note [Inter-op
// parallelism]) or one after the other (graph::set_inter_op_parallelism(false)).
#include "bench_util.hpp"

namespace nabla::bench {
namespace {

struct Mlp {
  std::vector<Tensor> weights;
  Mlp() {
    random::seed(0);
    const int64_t sizes[] = {784, 512, 512, 10};
    for (int k = 0; k < 3; ++k) {
      weights.push_back(random::normal({sizes[k], sizes[k + 1]}, 0.0, 0.05).requires_grad_());
      weights.push_back(zeros({sizes[k + 1]}).requires_grad_());
    }
  }
  [[nodiscard]] Tensor forward(const Tensor& x) const {
    Tensor h = x;
    for (size_t k = 0; k < 3; ++k) {
      h = matmul(h, weights[2 * k]) + weights[2 * k + 1];
      if (k < 2) h = relu(h);
    }
    return h;
  }
  [[nodiscard]] Tensor train_step(const Tensor& x, const Tensor& y) {
    EnableGradGuard grad_mode;  // as Keras's train_step: the caller may have turned it off
    const Tensor loss =
        mean(nn::losses::sparse_categorical_crossentropy(y, forward(x), /*from_logits=*/true));
    const std::vector<Tensor> grads = autograd::grad({loss}, weights);
    NoGradGuard no_grad;
    for (size_t k = 0; k < weights.size(); ++k) weights[k].sub_(grads[k] * 0.01);
    return loss;
  }
};

Tensor images(int64_t batch) { return random::uniform({batch, 784}, 0.0, 1.0); }
Tensor labels(int64_t batch) { return random::randint(0, 10, {batch}); }

void BM_TrainStepEager(benchmark::State& state) {
  Mlp mlp;
  const Tensor x = images(state.range(0)), y = labels(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(mlp.train_step(x, y).item<float>());
}

void BM_TrainStepGraph(benchmark::State& state) {
  Mlp mlp;
  const Tensor x = images(state.range(0)), y = labels(state.range(0));
  auto step = function([&](const Tensor& xs, const Tensor& ys) { return mlp.train_step(xs, ys); });
  NoGradGuard no_grad;  // the backward pass is in the graph: nothing to record outside it
  (void)step(x, y);     // trace outside the timed loop
  for (auto _ : state) benchmark::DoNotOptimize(step(x, y).item<float>());
}

void BM_ForwardEager(benchmark::State& state) {
  Mlp mlp;
  const Tensor x = images(state.range(0));
  NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(mlp.forward(x).data_ptr());
}

void BM_ForwardGraph(benchmark::State& state) {
  Mlp mlp;
  const Tensor x = images(state.range(0));
  auto forward = function([&](const Tensor& xs) { return mlp.forward(xs); });
  NoGradGuard no_grad;
  (void)forward(x);
  for (auto _ : state) benchmark::DoNotOptimize(forward(x).data_ptr());
}

/// Two branches of 8 small matmul + tanh layers (batch 32, width given: 64 or 128, results too
/// small for intra-op parallelism) joined at the end.
struct TwoBranches {
  std::vector<Tensor> left, right;
  explicit TwoBranches(int64_t width) {
    random::seed(0);
    for (int k = 0; k < 8; ++k) {
      left.push_back(random::normal({width, width}, 0.0, 0.1));
      right.push_back(random::normal({width, width}, 0.0, 0.1));
    }
  }
  [[nodiscard]] Tensor forward(const Tensor& x) const {
    Tensor a = x, b = x;
    for (size_t k = 0; k < left.size(); ++k) {
      a = tanh(matmul(a, left[k]));
      b = tanh(matmul(b, right[k]));
    }
    return a + b;
  }
};

void BM_TwoBranchesEager(benchmark::State& state) {
  const TwoBranches model(state.range(0));
  const Tensor x = random_floats({32, state.range(0)});
  for (auto _ : state) benchmark::DoNotOptimize(model.forward(x).data_ptr());
}

void two_branches_graph(benchmark::State& state, bool concurrent) {
  const TwoBranches model(state.range(0));
  const Tensor x = random_floats({32, state.range(0)});
  auto forward = function([&](const Tensor& xs) { return model.forward(xs); });
  graph::set_inter_op_parallelism(concurrent);
  (void)forward(x);
  for (auto _ : state) benchmark::DoNotOptimize(forward(x).data_ptr());
  graph::set_inter_op_parallelism(false);
}
void BM_TwoBranchesGraphSerial(benchmark::State& state) { two_branches_graph(state, false); }
void BM_TwoBranchesGraphConcurrent(benchmark::State& state) { two_branches_graph(state, true); }

BENCHMARK(BM_TwoBranchesEager)->Arg(64)->Arg(128)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TwoBranchesGraphSerial)
    ->Arg(64)
    ->Arg(128)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TwoBranchesGraphConcurrent)
    ->Arg(64)
    ->Arg(128)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TrainStepEager)->Arg(32)->Arg(128)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TrainStepGraph)->Arg(32)->Arg(128)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ForwardEager)->Arg(32)->Arg(128)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ForwardGraph)->Arg(32)->Arg(128)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace nabla::bench

int main(int argc, char** argv) { return nabla::bench::run_benchmarks(argc, argv); }
