// FunctionOptions::unknown_batch: one trace of the body serves every batch size when the traces at
// the first batch size and at the probe size generalize (Note [Unknown batch dimension]); every
// result equals the eager computation at its own batch size, and a body that uses the batch size
// non-linearly is traced per batch size instead of giving a wrong result.
//
// Results are compared exactly: a graph runs the same ops with the same kernels on the same
// shapes as the eager code (fusion and the other passes are bit-identical, docs/graph.md), so
// any difference would be a wrong template, not rounding.
#include <gtest/gtest.h>

#include "nabla/nabla.hpp"

namespace nabla {
namespace {

const FunctionOptions kUnknownBatch{.name = "unknown_batch", .unknown_batch = true};

void expect_same(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  EXPECT_EQ(got.to_vector<double>(), want.to_vector<double>()) << what;
}

void expect_same(const std::vector<Tensor>& got, const std::vector<Tensor>& want,
                 const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t k = 0; k < got.size(); ++k) {
    expect_same(got[k], want[k], what + " result " + std::to_string(k));
  }
}

Tensor batch_of(int64_t batch, const Shape& rest, uint64_t seed) {
  random::seed(seed);
  Shape shape = rest;
  shape.insert(0, batch);
  return random::uniform(shape, -1.0, 1.0);
}

TEST(GraphUnknownBatch, IssueSnippetTracesTwiceForEveryBatchSize) {
  random::seed(7);
  Tensor w = random::normal({784, 10}, 0.0, 0.01).requires_grad_();
  auto loss_of = [&](const Tensor& x, const Tensor& y) {
    return mean(nn::losses::sparse_categorical_crossentropy(y, matmul(x, w), true));
  };
  auto step = function(loss_of, kUnknownBatch);
  for (int64_t batch : {32, 32, 17, 5}) {
    const Tensor x = batch_of(batch, {784}, 100 + static_cast<uint64_t>(batch));
    const Tensor y = random::randint(0, 10, {batch});
    const Tensor loss = step(x, y);
    const Tensor eager = loss_of(x, y);
    expect_same(loss, eager, "loss at batch " + std::to_string(batch));
    // The graph's result is differentiable from eager code, with the eager gradient.
    loss.backward();
    const Tensor traced_grad = w.grad().clone();
    w.zero_grad();
    eager.backward();
    expect_same(traced_grad, w.grad(), "gradient at batch " + std::to_string(batch));
    w.zero_grad();
  }
  EXPECT_EQ(step.num_traces(), 2u);  // batch 32 and the probe; 17 and 5 reuse the template
  const Graph& g = step.graph_for(batch_of(9, {784}, 1), random::randint(0, 10, {9}));
  EXPECT_EQ(step.num_traces(), 2u);
  EXPECT_NO_THROW(g.verify());
  EXPECT_EQ(g.spec({g.inputs[0], 0}).shape, (Shape{9, 784}));
}

// Attributes that record the batch size: a reshape to [B, -1], a shape [B, n], a mean's divisor
// (a fill of B or 12 * B), factors 1/B, 3/B and 1/(12 * B), B * 2^-52, an expand to [B, 3, 4].
// Batch 1 last: every multiple of B is then its k.
TEST(GraphUnknownBatch, AttributesThatDependOnTheBatchSize) {
  auto body = [](const Tensor& x) {
    const int64_t batch = x.shape()[0];
    const auto n = static_cast<double>(batch);
    const Tensor flat = reshape(x, {batch, -1});
    const Tensor padded = concatenate({flat, zeros({batch, 5})}, 1);
    const Tensor scaled =
        x * (1.0 / n) + x * (3.0 / n) + x * (1.0 / static_cast<double>(12 * batch));
    const Tensor tiny = x + n * 0x1p-52;
    return std::vector<Tensor>{padded, mean(x, {0}), mean(x),
                               scaled, tiny,         expand(sum(x, {0}, true), x.shape())};
  };
  auto f = function(body, kUnknownBatch);
  for (int64_t batch : {8, 3, 11, 8, 1}) {
    const Tensor x = batch_of(batch, {3, 4}, static_cast<uint64_t>(batch));
    expect_same(f(x), body(x), "batch " + std::to_string(batch));
  }
  EXPECT_EQ(f.num_traces(), 2u);
}

// Random ops reserve counters in proportion to the batch: random::uniform one per element,
// dropout one per four mask elements (ceil(5 * B / 4) for a [B, 5] mask). The graph draws the
// numbers the eager code draws from the same state and leaves the generator where it does.
TEST(GraphUnknownBatch, RandomOpsDrawWhatEagerDraws) {
  auto body = [](const Tensor& x) {
    const Tensor noise = random::uniform({x.shape()[0], 5}, 0.0, 1.0);
    return dropout(x + noise, 0.5);
  };
  auto f = function(body, kUnknownBatch);
  for (int64_t batch : {8, 3, 13, 1}) {
    const Tensor x = batch_of(batch, {5}, 42);
    random::seed(9);
    const Tensor eager = body(x);
    const Tensor eager_next = random::uniform({3}, 0.0, 1.0);
    random::seed(9);
    const Tensor traced = f(x);
    const Tensor traced_next = random::uniform({3}, 0.0, 1.0);
    expect_same(traced, eager, "batch " + std::to_string(batch));
    expect_same(traced_next, eager_next, "the next draw after batch " + std::to_string(batch));
  }
  EXPECT_EQ(f.num_traces(), 2u);
}

// autograd::grad inside the body records the backward pass; at a new batch size its expands,
// sums and divisors follow B.
TEST(GraphUnknownBatch, GradientInsideTheTrace) {
  random::seed(3);
  const Tensor w = random::normal({4, 2}, 0.0, 0.5).requires_grad_();
  auto body = [&](const Tensor& x, const Tensor& y) {
    const Tensor loss = mean(square(matmul(x, w) - y));
    return std::vector<Tensor>{loss, autograd::grad({loss}, {w})[0]};
  };
  auto f = function(body, kUnknownBatch);
  for (int64_t batch : {16, 7, 2}) {
    const Tensor x = batch_of(batch, {4}, 1);
    const Tensor y = batch_of(batch, {2}, 2);
    expect_same(f(x, y), body(x, y), "batch " + std::to_string(batch));
  }
  EXPECT_EQ(f.num_traces(), 2u);
}

// B / 2 is not a multiple of B: the traces do not generalize, and every batch size is traced.
TEST(GraphUnknownBatch, NonLinearUsesAreTracedPerBatchSize) {
  auto halves = [](const Tensor& x) { return reshape(x, {x.shape()[0] / 2, -1}) * 2.0; };
  auto f = function(halves, kUnknownBatch);
  for (int64_t batch : {8, 6, 10, 6}) {
    const Tensor x = batch_of(batch, {3}, 5);
    expect_same(f(x), halves(x), "batch " + std::to_string(batch));
  }
  EXPECT_EQ(f.num_traces(), 4u);  // 8 and its probe, 6, 10

  // x[:16] looks constant at 32 and the probe. It is right at 40; at 5 the slice's shape rule
  // gives 5 rows where the template says 16, so 5 is traced and the template is dropped.
  auto head = [](const Tensor& x) { return x.slice(0, 0, 16) + 1.0; };
  auto g = function(head, kUnknownBatch);
  const Tensor x32 = batch_of(32, {2}, 1), x40 = batch_of(40, {2}, 2), x5 = batch_of(5, {2}, 3),
               x50 = batch_of(50, {2}, 4);
  expect_same(g(x32), head(x32), "batch 32");
  expect_same(g(x40), head(x40), "batch 40");
  EXPECT_EQ(g.num_traces(), 2u);
  expect_same(g(x5), head(x5), "batch 5");
  EXPECT_EQ(g.num_traces(), 3u);
  expect_same(g(x50), head(x50), "batch 50");
  EXPECT_EQ(g.num_traces(), 4u);  // the template is no longer used
  expect_same(g(x40), head(x40), "batch 40 again");
  EXPECT_EQ(g.num_traces(), 4u);  // its specialization stays cached

  // A captured tensor made from B's value differs between the traces.
  auto by_value = [](const Tensor& x) {
    return x * tensor(static_cast<float>(x.shape()[0])) + tensor({1.f, 2.f});
  };
  auto h = function(by_value, kUnknownBatch);
  for (int64_t batch : {4, 3}) {
    const Tensor x = batch_of(batch, {2}, 6);
    expect_same(h(x), by_value(x), "batch " + std::to_string(batch));
  }
  EXPECT_EQ(h.num_traces(), 3u);
}

// A tensor the body makes while tracing is a new capture in each trace; equal contents still
// generalize.
TEST(GraphUnknownBatch, ConstantsMadeWhileTracing) {
  auto body = [](const Tensor& x) { return x * tensor({1.f, 2.f, 3.f}); };
  auto f = function(body, kUnknownBatch);
  for (int64_t batch : {4, 9}) {
    const Tensor x = batch_of(batch, {3}, 8);
    expect_same(f(x), body(x), "batch " + std::to_string(batch));
  }
  EXPECT_EQ(f.num_traces(), 2u);
}

TEST(GraphUnknownBatch, WhichArgumentsAreBatched) {
  // Dimension 0 disagrees: the call is traced for its exact signature, without a probe.
  auto pair = [](const Tensor& a, const Tensor& b) { return sum(a) + sum(b); };
  auto f = function(pair, kUnknownBatch);
  const Tensor a4 = batch_of(4, {3}, 1), b5 = batch_of(5, {3}, 2);
  expect_same(f(a4, b5), pair(a4, b5), "[4, 3] and [5, 3]");
  expect_same(f(a4, b5), pair(a4, b5), "again");
  EXPECT_EQ(f.num_traces(), 1u);
  const Tensor a6 = batch_of(6, {3}, 3), b7 = batch_of(7, {3}, 4);
  expect_same(f(a6, b7), pair(a6, b7), "[6, 3] and [7, 3]");
  EXPECT_EQ(f.num_traces(), 2u);

  // A 0-d argument is a per-call scalar, not batched.
  auto scale = [](const Tensor& x, const Tensor& s) { return x * s; };
  auto g = function(scale, kUnknownBatch);
  for (int64_t batch : {4, 9, 2}) {
    const Tensor x = batch_of(batch, {3}, 5);
    const Tensor s = tensor(static_cast<float>(batch));
    expect_same(g(x, s), scale(x, s), "batch " + std::to_string(batch));
  }
  EXPECT_EQ(g.num_traces(), 2u);
  // Another dtype of the scalar is another batch-free signature: a new template.
  const Tensor x3 = batch_of(3, {3}, 6);
  expect_same(g(x3, tensor(2.0)), scale(x3, tensor(2.0)), "float64 scalar");
  EXPECT_EQ(g.num_traces(), 4u);
  // Only scalars, or an empty batch: exact traces.
  expect_same(g(tensor(1.f), tensor(2.f)), scale(tensor(1.f), tensor(2.f)), "scalars");
  EXPECT_EQ(g.num_traces(), 5u);
  const Tensor empty = zeros({0, 3});
  expect_same(g(empty, tensor(2.f)), scale(empty, tensor(2.f)), "batch 0");
  EXPECT_EQ(g.num_traces(), 6u);

  // Without the option, every batch size is a trace.
  auto exact = function([](const Tensor& x) { return x * 2.0; });
  for (int64_t batch : {4, 9, 2}) (void)exact(batch_of(batch, {3}, 7));
  EXPECT_EQ(exact.num_traces(), 3u);
}

// A first call at the probe size itself probes at another size.
TEST(GraphUnknownBatch, FirstBatchEqualToTheProbe) {
  auto body = [](const Tensor& x) { return x - mean(x, {0}); };
  auto f = function(body, kUnknownBatch);
  for (int64_t batch : {1000003, 3}) {
    const Tensor x = batch_of(batch, {1}, 1);
    expect_same(f(x), body(x), "batch " + std::to_string(batch));
  }
  EXPECT_EQ(f.num_traces(), 2u);
}

TEST(GraphUnknownBatch, KerasModelForwardAtTwoBatchSizes) {
  random::seed(11);
  // Dense(6) then Dropout: a [B, 6] mask reserves ceil(6 * B / 4) counters, odd B included.
  auto model =
      nn::Sequential({nn::Dense(6, {.activation = "relu"}), nn::Dropout(0.5), nn::Dense(3)});
  const Tensor built = model(batch_of(2, {4}, 1), false);  // weights built eagerly
  auto train =
      function([&](const Tensor& x) { return model(x, /*training=*/true); }, kUnknownBatch);
  auto predict =
      function([&](const Tensor& x) { return model(x, /*training=*/false); }, kUnknownBatch);
  // A model first called inside the function builds its weights during the first trace; the
  // probe trace reads the same weights.
  auto fresh = nn::Sequential({nn::Dense(5, {.activation = "tanh"}), nn::Dense(2)});
  auto fresh_predict = function([&](const Tensor& x) { return fresh(x, false); }, kUnknownBatch);
  for (int64_t batch : {8, 5, 13}) {
    const Tensor x = batch_of(batch, {4}, 20 + static_cast<uint64_t>(batch));
    random::seed(4);
    const Tensor eager = model(x, true);
    random::seed(4);
    expect_same(train(x), eager, "training at batch " + std::to_string(batch));
    expect_same(predict(x), model(x, false), "inference at batch " + std::to_string(batch));
    const Tensor traced = fresh_predict(x);
    expect_same(traced, fresh(x, false),
                "a model built while tracing, batch " + std::to_string(batch));
  }
  EXPECT_EQ(train.num_traces(), 2u);
  EXPECT_EQ(predict.num_traces(), 2u);
  EXPECT_EQ(fresh_predict.num_traces(), 2u);
}

TEST(GraphUnknownBatch, RetracingWarningCountsNeitherProbesNorSpecializations) {
  auto polymorphic = function([](const Tensor& x) { return x * 2.0; }, kUnknownBatch);
  ::testing::internal::CaptureStderr();
  for (int64_t batch = 1; batch <= 10; ++batch) (void)polymorphic(ones({batch, 2}));
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(polymorphic.num_traces(), 2u);

  FunctionOptions options = kUnknownBatch;
  options.name = "halves";
  auto halves = function(
      [](const Tensor& x) {
        return reshape(x, {x.shape()[0] / 2, -1});
      },
      options);
  ::testing::internal::CaptureStderr();
  for (int64_t batch = 2; batch <= 10; batch += 2) (void)halves(ones({batch, 2}));
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");  // 5 batch sizes, 6 traces
  EXPECT_EQ(halves.num_traces(), 6u);
  ::testing::internal::CaptureStderr();
  (void)halves(ones({12, 2}));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("'halves' has been traced 7 times"), std::string::npos) << err;
  EXPECT_NE(err.find("unknown_batch"), std::string::npos) << err;
}

}  // namespace
}  // namespace nabla
