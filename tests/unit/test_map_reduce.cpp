// map, reduce, filter, apply_along_axis/map_rows, vectorize, compose/pipe: against hand-written
// loops over several dtypes and layouts, gradients by finite differences, and every error path.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <nabla/nabla.hpp>
#include <stdexcept>
#include <vector>

#include "nabla/graph/symbolic.hpp"
#include "tensor_test_util.hpp"

namespace nabla {
namespace {

using nabla::testing::expect_error;

Tensor normal64(const Shape& shape) { return random::normal(shape, 0.0, 1.0, float64); }

bool allclose(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return false;
  const std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::abs(x[i] - y[i]) > 1e-12 + 1e-9 * std::abs(y[i])) return false;
  }
  return true;
}

TEST(MapReduce, IssueSnippet) {
  using namespace nabla;
  Tensor A = random::normal({4, 4}, 0.0, 1.0).astype(float64);
  Tensor sq = map(A, [](double v) { return v * v; });
  Tensor total = reduce(A, 1, 0.0, [](double acc, double v) { return acc + v; });
  Tensor pos = filter(A, [](double v) { return v > 0; });

  const std::vector<double> a = A.to_vector<double>();
  std::vector<double> squares, sums(4, 0.0), positives;
  for (size_t i = 0; i < a.size(); ++i) {
    squares.push_back(a[i] * a[i]);
    sums[i / 4] += a[i];
    if (a[i] > 0) positives.push_back(a[i]);
  }
  EXPECT_EQ(sq.dtype(), float64);
  EXPECT_EQ(sq.shape(), (Shape{4, 4}));
  EXPECT_EQ(sq.to_vector<double>(), squares);
  EXPECT_EQ(total.dtype(), float64);
  EXPECT_EQ(total.shape(), (Shape{4}));
  EXPECT_EQ(total.to_vector<double>(), sums);
  EXPECT_EQ(pos.dtype(), float64);
  EXPECT_EQ(pos.to_vector<double>(), positives);
}

TEST(Map, ResultDtypeFollowsTheCallable) {
  const Tensor ints = tensor({{1, -2, 3}, {4, 5, -6}});  // int32
  const Tensor halves = map(ints, [](double v) { return v / 2; });
  EXPECT_EQ(halves.dtype(), float64);
  EXPECT_EQ(halves.to_vector<double>(), (std::vector<double>{0.5, -1, 1.5, 2, 2.5, -3}));

  const Tensor floats = ints.astype(float32);
  const Tensor cubes = map(floats, [](float v) { return v * v * v; });
  EXPECT_EQ(cubes.dtype(), float32);
  EXPECT_EQ(cubes.to_vector<float>(), (std::vector<float>{1, -8, 27, 64, 125, -216}));

  const Tensor even = map(ints, [](int v) { return v % 2 == 0; });
  EXPECT_EQ(even.dtype(), bool_);
  EXPECT_EQ(even.to_vector<bool>(), (std::vector<bool>{false, true, false, true, false, true}));

  // A generic lambda is elementwise; C++'s arithmetic decides the type (int32 * int32 = int32).
  const Tensor squares = map(ints, [](auto v) { return v * v; });
  EXPECT_EQ(squares.dtype(), int32);
  EXPECT_EQ(squares.to_vector<int32_t>(), (std::vector<int32_t>{1, 4, 9, 16, 25, 36}));
  // long long is int64 (int64_t is long on Linux).
  const Tensor wide = map(ints.astype(int64), [](int64_t v) { return v * 3LL; });
  EXPECT_EQ(wide.dtype(), int64);
  EXPECT_EQ(wide.to_vector<int64_t>(), (std::vector<int64_t>{3, -6, 9, 12, 15, -18}));
  // bool and uint8 elements convert to the parameter type.
  const Tensor flags = tensor({true, false, true});
  EXPECT_EQ(map(flags, [](double v) { return v + 1; }).to_vector<double>(),
            (std::vector<double>{2, 1, 2}));
  const Tensor bytes = tensor({uint8_t{250}, uint8_t{3}});
  const Tensor bytes_plus = map(bytes, [](uint8_t v) { return static_cast<uint8_t>(v + 10); });
  EXPECT_EQ(bytes_plus.dtype(), uint8);
  EXPECT_EQ(bytes_plus.to_vector<int32_t>(), (std::vector<int32_t>{4, 13}));  // wraps
  // Empty and 0-d tensors.
  EXPECT_EQ(map(zeros({0, 3}), [](float v) { return v; }).shape(), (Shape{0, 3}));
  EXPECT_EQ(map(tensor(2.0), [](double v) { return v * 4; }).item<double>(), 8.0);
}

TEST(Map, NonContiguousInputsInRowMajorOrder) {
  const Tensor x = normal64({5, 6});
  for (const auto& [name, view] : nabla::testing::layouts(x)) {
    const Tensor y = map(view, [](double v) { return 2 * v + 1; });
    const std::vector<double> values = view.to_vector<double>();
    std::vector<double> expected;
    for (double v : values) expected.push_back(2 * v + 1);
    EXPECT_EQ(y.to_vector<double>(), expected) << name;
    EXPECT_TRUE(y.is_contiguous()) << name;
  }
  const Tensor t = x.transpose().slice(0, 1, 6, 2);  // [3, 5], strided
  std::vector<double> expected;
  for (double v : t.to_vector<double>()) expected.push_back(std::exp(v));
  EXPECT_EQ(map(t, [](double v) { return std::exp(v); }).to_vector<double>(), expected);
}

TEST(Map, ParallelOverAMillionElements) {
  const Tensor x = random::uniform({1000, 1000}, -1.0, 1.0, float32);
  const Tensor y = map(x, [](float v) { return std::sin(v) * 3.0; });  // float -> double
  ASSERT_EQ(y.dtype(), float64);
  const std::vector<float> in = x.to_vector<float>();
  const std::vector<double> out = y.to_vector<double>();
  for (size_t i = 0; i < in.size(); ++i) ASSERT_EQ(out[i], std::sin(in[i]) * 3.0) << i;
  // Every element is visited exactly once.
  std::atomic<int64_t> calls{0};
  (void)map(x, [&calls](float v) {
    calls.fetch_add(1, std::memory_order_relaxed);
    return v;
  });
  EXPECT_EQ(calls.load(), 1000000);
}

TEST(Map, TensorCallableKeepsGradients) {
  const auto f = [](const Tensor& v) { return nabla::tanh(v) * v + 1.0; };
  const Tensor x = normal64({3, 4});
  EXPECT_EQ(map(x, f).to_vector<double>(), f(x).to_vector<double>());
  const auto result =
      nabla::testing::gradcheck([&](const std::vector<Tensor>& in) { return map(in[0], f); }, {x});
  EXPECT_TRUE(result.passed) << result.report;
  // The result is recorded: backward reaches the input.
  const Tensor leaf = normal64({4}).requires_grad_();
  sum(map(leaf, [](const Tensor& v) { return v * v; })).backward();
  EXPECT_EQ(leaf.grad().to_vector<double>(), (leaf.detach() * 2.0).to_vector<double>());
  // A generic lambda could take a Tensor too, but the elementwise path wins: no gradient.
  const Tensor scalar_path = map(leaf, [](auto v) { return v * v; });
  EXPECT_FALSE(scalar_path.requires_grad());
  EXPECT_EQ(scalar_path.to_vector<double>(), (leaf.detach() * leaf.detach()).to_vector<double>());
}

TEST(Map, TensorCallableOnSymbolicInputs) {
  const Tensor in = graph::input({1, 3});
  const Tensor out = map(in, [](const Tensor& v) { return nabla::exp(v); });
  EXPECT_TRUE(out.is_symbolic());
  EXPECT_EQ(out.shape(), (Shape{1, 3}));
}

TEST(Map, Errors) {
  expect_error<ValueError>([] { (void)map(Tensor(), [](double v) { return v; }); },
                           {"map", "undefined"});
  expect_error<ValueError>([] { (void)map(Tensor(), [](const Tensor& v) { return v; }); },
                           {"map", "undefined"});
  expect_error<ValueError>(
      [] {
        (void)map(graph::input({1, 3}), [](double v) { return v; });
      },
      {"map", "symbolic", "[1, 3]"});
  expect_error<ShapeError>(
      [] {
        (void)map(zeros({2, 3}), [](const Tensor& v) { return sum(v); });
      },
      {"map", "elementwise", "[]", "[2, 3]"});
  expect_error<DTypeError>(
      [] {
        (void)map(tensor({1, 2}), [](std::floating_point auto v) { return v; });
      },
      {"map", "int32"});
  // An exception thrown by the callable on a worker thread reaches the caller.
  EXPECT_THROW(
      (void)map(zeros({1 << 18}),
                [](float v) -> float { throw std::runtime_error("boom" + std::to_string(v)); }),
      std::runtime_error);
}

TEST(Reduce, AlongAnAxisAgainstLoops) {
  const Tensor x = normal64({3, 4, 5});
  const std::vector<double> a = x.to_vector<double>();
  const auto plus = [](double acc, double v) { return acc + v; };
  for (int64_t axis : {0, 1, 2, -1, -3}) {
    const Tensor r = reduce(x, axis, 0.0, plus);
    const int64_t d = axis < 0 ? axis + 3 : axis;
    std::vector<int64_t> dims{3, 4, 5};
    const int64_t n = dims[static_cast<size_t>(d)];
    dims.erase(dims.begin() + d);
    ASSERT_EQ(r.shape(), Shape(dims)) << axis;
    // Loop in the same order: fold index k along the axis for each output position.
    std::vector<double> expected(static_cast<size_t>(60 / n), 0.0);
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 4; ++j)
        for (int64_t k = 0; k < 5; ++k) {
          const int64_t idx[3] = {i, j, k};
          int64_t p = 0;
          for (int64_t q = 0; q < 3; ++q)
            if (q != d) p = p * (q == 0 ? 3 : q == 1 ? 4 : 5) + idx[q];
          expected[static_cast<size_t>(p)] += a[static_cast<size_t>((i * 4 + j) * 5 + k)];
        }
    EXPECT_EQ(r.to_vector<double>(), expected) << axis;
  }
}

TEST(Reduce, AccumulatorTypeAndFoldOrder) {
  const Tensor digits = tensor({{1, 2, 3}, {4, 0, 6}});  // int32
  // Left to right: ((init * 10 + a) * 10 + b) ... (not associative, so order shows).
  const auto number = [](int acc, int v) { return acc * 10 + v; };
  const Tensor rows = reduce(digits, 1, 7, number);
  EXPECT_EQ(rows.dtype(), int32);
  EXPECT_EQ(rows.to_vector<int32_t>(), (std::vector<int32_t>{7123, 7406}));
  EXPECT_EQ(reduce(digits, 0, 0, number).to_vector<int32_t>(), (std::vector<int32_t>{14, 20, 36}));
  // int32 elements, double init -> float64.
  const Tensor mean_like = reduce(digits, -1, 0.0, [](double acc, int v) { return acc + v / 3.0; });
  EXPECT_EQ(mean_like.dtype(), float64);
  EXPECT_DOUBLE_EQ(mean_like.to_vector<double>()[0], 2.0);
  // int init combined by a generic lambda with float elements: the accumulator is float.
  const Tensor f = reduce(digits.astype(float32), 1, 0, [](auto acc, auto v) { return acc + v; });
  EXPECT_EQ(f.dtype(), float32);
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{6, 10}));
  // bool results.
  const Tensor all_positive = reduce(digits, 1, true, [](bool acc, int v) { return acc && v > 0; });
  EXPECT_EQ(all_positive.dtype(), bool_);
  EXPECT_EQ(all_positive.to_vector<bool>(), (std::vector<bool>{true, false}));
  // An empty axis gives init.
  EXPECT_EQ(
      reduce(zeros({2, 0}), 1, 5.0, [](double a, float v) { return a + v; }).to_vector<double>(),
      (std::vector<double>{5, 5}));
  // Over all elements, row-major, sequentially: a 0-d tensor.
  const Tensor all = reduce(digits, int64_t{0}, [](int64_t acc, int v) { return acc * 10 + v; });
  EXPECT_EQ(all.shape(), Shape{});
  EXPECT_EQ(all.dtype(), int64);
  EXPECT_EQ(all.item<int64_t>(), 123406);
  EXPECT_EQ(reduce(zeros({0}), 1.5, [](double a, float v) { return a + v; }).item<double>(), 1.5);
}

TEST(Reduce, NonContiguousAndLarge) {
  const Tensor x = normal64({6, 8});
  const Tensor t = x.transpose().slice(0, 0, 8, 2);  // [4, 6]
  const std::vector<double> a = t.contiguous().to_vector<double>();
  std::vector<double> maxima(4, -INFINITY);
  for (size_t i = 0; i < a.size(); ++i) maxima[i / 6] = std::max(maxima[i / 6], a[i]);
  EXPECT_EQ(reduce(t, 1, -INFINITY, [](double m, double v) { return std::max(m, v); })
                .to_vector<double>(),
            maxima);

  const Tensor big = random::randint(0, 100, {1000, 1000}, int32);
  const Tensor sums = reduce(big, 1, int64_t{0}, [](int64_t acc, int32_t v) { return acc + v; });
  EXPECT_EQ(sums.to_vector<int64_t>(), sum(big, {1}).to_vector<int64_t>());
  const Tensor columns = reduce(big, 0, int64_t{0}, [](int64_t acc, int32_t v) { return acc + v; });
  EXPECT_EQ(columns.to_vector<int64_t>(), sum(big, {0}).to_vector<int64_t>());
}

TEST(Reduce, Errors) {
  const auto plus = [](double a, double b) { return a + b; };
  expect_error<IndexError>(
      [&] {
        (void)reduce(zeros({2, 3}), 2, 0.0, plus);
      },
      {"reduce", "axis 2", "rank 2"});
  expect_error<IndexError>(
      [&] {
        (void)reduce(zeros({2, 3}), -3, 0.0, plus);
      },
      {"reduce", "axis -3"});
  expect_error<IndexError>([&] { (void)reduce(tensor(1.0), 0, 0.0, plus); }, {"reduce", "rank 0"});
  expect_error<ValueError>([&] { (void)reduce(Tensor(), 0, 0.0, plus); }, {"reduce", "undefined"});
  expect_error<ValueError>(
      [&] {
        (void)reduce(graph::input({1, 2}), 1, 0.0, plus);
      },
      {"reduce", "symbolic"});
  expect_error<ValueError>(
      [&] {
        (void)reduce(graph::input({1, 2}), 0.0, plus);
      },
      {"reduce", "symbolic"});
}

TEST(Filter, PredicateAgainstLoops) {
  const Tensor x = normal64({7, 9});
  for (const auto& [name, view] : nabla::testing::layouts(x)) {
    std::vector<double> expected;
    for (double v : view.to_vector<double>())
      if (v > 0.3) expected.push_back(v);
    const Tensor kept = filter(view, [](double v) { return v > 0.3; });
    EXPECT_EQ(kept.dtype(), float64) << name;
    EXPECT_EQ(kept.to_vector<double>(), expected) << name;
  }
  const Tensor ints = tensor({{3, 8, 1}, {6, 5, 2}});
  const Tensor even = filter(ints, [](int v) { return v % 2 == 0; });
  EXPECT_EQ(even.dtype(), int32);
  EXPECT_EQ(even.to_vector<int32_t>(), (std::vector<int32_t>{8, 6, 2}));
  EXPECT_EQ(filter(ints, [](int) { return false; }).shape(), (Shape{0}));
  // A predicate returning a non-bool (contextually converted).
  EXPECT_EQ(filter(ints, [](int v) { return v % 3; }).to_vector<int32_t>(),
            (std::vector<int32_t>{8, 1, 5, 2}));
  const Tensor flags = tensor({true, false, true});
  EXPECT_EQ(filter(flags, [](bool v) { return v; }).to_vector<bool>(),
            (std::vector<bool>{true, true}));
  // A million elements: the parallel predicate keeps row-major order.
  const Tensor big = random::uniform({1 << 20}, 0.0, 1.0, float32);
  const Tensor small = filter(big, [](float v) { return v < 0.25f; });
  std::vector<float> expected;
  for (float v : big.to_vector<float>())
    if (v < 0.25f) expected.push_back(v);
  EXPECT_EQ(small.to_vector<float>(), expected);
}

TEST(Filter, MaskAndGradients) {
  const Tensor x = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  const Tensor mask = tensor({{true, false, true}, {false, false, true}});
  EXPECT_EQ(filter(x, mask).to_vector<double>(), (std::vector<double>{1, 3, 6}));
  EXPECT_EQ(filter(x.transpose(), mask.transpose()).to_vector<double>(),
            (std::vector<double>{1, 3, 6}));
  EXPECT_EQ(filter(x, x > 2.5).to_vector<double>(), (std::vector<double>{3, 4, 5, 6}));

  const auto by_mask = [&](const std::vector<Tensor>& in) { return filter(in[0], mask) * 3.0; };
  auto result = nabla::testing::gradcheck(by_mask, {x});
  EXPECT_TRUE(result.passed) << result.report;
  const auto by_predicate = [](const std::vector<Tensor>& in) {
    return nabla::square(filter(in[0], [](double v) { return v > 0; }));
  };
  result = nabla::testing::gradcheck(by_predicate, {normal64({4, 5})});
  EXPECT_TRUE(result.passed) << result.report;

  const Tensor leaf = x.clone().requires_grad_();
  sum(filter(leaf, mask)).backward();
  EXPECT_EQ(leaf.grad().to_vector<double>(), (std::vector<double>{1, 0, 1, 0, 0, 1}));
}

TEST(Filter, Errors) {
  const Tensor x = zeros({2, 3});
  expect_error<DTypeError>([&] { (void)filter(x, zeros({2, 3})); }, {"filter", "bool", "float32"});
  expect_error<ShapeError>(
      [&] {
        (void)filter(x, tensor({true, false, true}));
      },
      {"filter", "[3]", "[2, 3]"});
  expect_error<ValueError>([&] { (void)filter(Tensor(), [](float v) { return v > 0; }); },
                           {"filter", "undefined"});
  expect_error<ValueError>(
      [&] {
        (void)filter(graph::input({1, 3}), [](float v) { return v > 0; });
      },
      {"filter", "symbolic"});
  expect_error<ValueError>(
      [&] {
        (void)filter(x, graph::input({2, 3}, bool_));
      },
      {"filter", "mask", "symbolic"});
}

TEST(ApplyAlongAxis, NumPySemantics) {
  const Tensor x = normal64({2, 3, 4});
  // f: [n] -> [] removes the axis.
  for (int64_t axis : {0, 1, 2, -1}) {
    const Tensor r = apply_along_axis(x, axis, [](const Tensor& s) { return sum(s); });
    EXPECT_TRUE(allclose(r, sum(x, {axis}))) << axis;
  }
  // f: [n] -> [2] replaces it: out[i, :, k] = f(x[i, :, k]).
  const auto ends = [](const Tensor& s) { return stack({s[0], s[-1] * 2.0}); };
  const Tensor r = apply_along_axis(x, 1, ends);
  ASSERT_EQ(r.shape(), (Shape{2, 2, 4}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t k = 0; k < 4; ++k)
      EXPECT_EQ(r.select(2, k)[i].to_vector<double>(), ends(x.select(2, k)[i]).to_vector<double>());
  // f: [n] -> [n, n] (outer product) at axis 0: [3, 3, 3, 4]... -> [2, 2, 3, 4].
  const Tensor o = apply_along_axis(x, 0, [](const Tensor& s) { return outer(s, s); });
  ASSERT_EQ(o.shape(), (Shape{2, 2, 3, 4}));
  EXPECT_EQ(o.select(3, 1).select(2, 2).to_vector<double>(),
            outer(x.select(2, 1).select(1, 2), x.select(2, 1).select(1, 2)).to_vector<double>());
  // Strided input.
  const Tensor t = x.transpose();  // [4, 3, 2]
  EXPECT_TRUE(
      allclose(apply_along_axis(t, 1, [](const Tensor& s) { return sum(s); }), sum(t, {1})));
}

TEST(ApplyAlongAxis, GradientsAndMapRows) {
  const auto f = [](const Tensor& s) { return nabla::softmax(s * s, 0); };
  auto result = nabla::testing::gradcheck(
      [&](const std::vector<Tensor>& in) { return apply_along_axis(in[0], 1, f); },
      {normal64({3, 4, 2})});
  EXPECT_TRUE(result.passed) << result.report;

  const Tensor m = normal64({5, 3});
  const auto norm = [](const Tensor& row) { return nabla::sqrt(sum(row * row)); };
  const Tensor rows = map_rows(m, norm);
  std::vector<Tensor> expected;
  for (int64_t i = 0; i < 5; ++i) expected.push_back(norm(m[i]));
  EXPECT_EQ(rows.to_vector<double>(), stack(expected).to_vector<double>());
  result = nabla::testing::gradcheck(
      [&](const std::vector<Tensor>& in) { return map_rows(in[0], norm); }, {m});
  EXPECT_TRUE(result.passed) << result.report;
}

TEST(ApplyAlongAxis, Errors) {
  const auto id = [](const Tensor& s) { return s; };
  expect_error<ShapeError>(
      [] {
        (void)apply_along_axis(arange(6).reshape({2, 3}), 1, [](const Tensor& s) {
          return s.slice(0, 0, s[0].item<int64_t>() + 1);  // length depends on the slice
        });
      },
      {"apply_along_axis", "one shape", "[1]", "[3]", "slice 1"});
  expect_error<IndexError>(
      [&] {
        (void)apply_along_axis(zeros({2, 3}), 2, id);
      },
      {"apply_along_axis", "axis 2"});
  expect_error<ValueError>(
      [&] {
        (void)apply_along_axis(zeros({0, 3}), 1, id);
      },
      {"apply_along_axis", "[0, 3]"});
  expect_error<ValueError>(
      [&] {
        (void)apply_along_axis(graph::input({1, 3}), 1, id);
      },
      {"apply_along_axis", "symbolic"});
  expect_error<ShapeError>(
      [&] {
        (void)map_rows(zeros({2, 3, 4}), id);
      },
      {"map_rows", "[2, 3, 4]"});
}

TEST(Vectorize, StacksPerSampleResults) {
  const auto per_sample = [](const Tensor& s) { return matmul(s, s.transpose()); };  // [3,2]->[3,3]
  const Tensor x = normal64({4, 3, 2});
  const Tensor y = vectorize(per_sample)(x);
  ASSERT_EQ(y.shape(), (Shape{4, 3, 3}));
  EXPECT_TRUE(allclose(y, matmul(x, x.transpose(1, 2))));

  // Two arguments sharing the batch axis.
  const auto dot_one = [](const Tensor& a, const Tensor& b) { return sum(a * b); };
  const Tensor a = normal64({6, 5}), b = normal64({6, 5});
  EXPECT_TRUE(allclose(vectorize(dot_one)(a, b), sum(a * b, {1})));
  const auto result = nabla::testing::gradcheck(
      [&](const std::vector<Tensor>& in) { return vectorize(dot_one)(in[0], nabla::tanh(in[1])); },
      {a, b});
  EXPECT_TRUE(result.passed) << result.report;
}

TEST(Vectorize, LargeBatchGradient) {
  // 100 samples: the slices come from a halving tree (cheap backward); the gradient is exact.
  const Tensor x = normal64({100, 3}).requires_grad_();
  const Tensor y = vectorize([](const Tensor& s) { return sum(s * s) * 0.5; })(x);
  sum(y).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), x.detach().to_vector<double>());
  const auto result = nabla::testing::gradcheck(
      [](const std::vector<Tensor>& in) {
        return vectorize([](const Tensor& s) { return nabla::exp(s) * s[0]; })(in[0]);
      },
      {normal64({37, 2})});
  EXPECT_TRUE(result.passed) << result.report;
}

TEST(Vectorize, Errors) {
  const auto f = [](const Tensor& a, const Tensor&) { return a; };
  expect_error<ShapeError>(
      [&] {
        (void)vectorize(f)(zeros({3, 2}), zeros({4, 2}));
      },
      {"vectorize", "batch size", "[3, 2]", "[4, 2]", "argument 1"});
  expect_error<ShapeError>(
      [&] {
        (void)vectorize(f)(zeros({3, 2}), tensor(1.0f));
      },
      {"vectorize", "argument 1", "0-d"});
  expect_error<ValueError>(
      [&] {
        (void)vectorize(f)(zeros({0, 2}), zeros({0, 2}));
      },
      {"vectorize", "empty batch"});
  expect_error<ValueError>(
      [&] {
        (void)vectorize(f)(graph::input({1, 2}), zeros({1, 2}));
      },
      {"vectorize", "symbolic"});
  expect_error<ShapeError>(
      [] {
        (void)vectorize([](const Tensor& s) { return s.slice(0, 0, s[0].item<int64_t>()); })(
            arange(6).reshape({3, 2}));
      },
      {"vectorize", "one shape", "sample"});
}

TEST(Compose, MathematicalAndPipelineOrder) {
  const auto add1 = [](int v) { return v + 1; };
  const auto twice = [](int v) { return 2 * v; };
  const auto square = [](int v) { return v * v; };
  // compose: right to left; pipe: left to right.
  static_assert(compose(add1, twice)(3) == 7);
  static_assert(pipe(add1, twice)(3) == 8);
  static_assert(compose(add1, twice, square)(3) == 19);  // add1(twice(square(3)))
  static_assert(pipe(add1, twice, square)(3) == 64);     // square(twice(add1(3)))
  static_assert(compose(add1)(1) == 2 && pipe(add1)(1) == 2);
  constexpr auto h = compose(square, add1);
  static_assert(h(4) == 25);

  // Several arguments into the innermost callable, other types, tensors.
  const auto both = compose([](double v) { return v / 2; }, [](int a, int b) { return a + b; });
  EXPECT_EQ(both(3, 4), 3.5);
  const auto to_text = pipe([](int v) { return v * 10; }, [](int v) { return std::to_string(v); });
  EXPECT_EQ(to_text(4), "40");
  const auto normalise =
      pipe([](const Tensor& t) { return t - mean(t); }, [](const Tensor& t) { return t * 2.0; });
  EXPECT_EQ(normalise(tensor({1.0, 3.0})).to_vector<double>(), (std::vector<double>{-2, 2}));
  // Stateful (mutable) callables and use inside map.
  auto counted = compose([n = 0](int v) mutable { return v + ++n; }, twice);
  EXPECT_EQ(counted(1), 3);
  EXPECT_EQ(counted(1), 4);
  EXPECT_EQ(map(tensor({1, 2}), compose(add1, twice)).to_vector<int32_t>(),
            (std::vector<int32_t>{3, 5}));
  // The composition of tensor callables is a tensor callable: map's differentiable path.
  const Tensor x = normal64({3});
  EXPECT_EQ(map(x, pipe([](const Tensor& t) { return t * 3.0; },
                        [](const Tensor& t) { return nabla::exp(t); }))
                .to_vector<double>(),
            nabla::exp(x * 3.0).to_vector<double>());
}

}  // namespace
}  // namespace nabla
