// Random tensors: reproducible from a seed and independent of the thread count; distribution
// sanity checks; permutation and shuffle (built on argsort and take).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nabla/nabla.hpp>
#include <set>

namespace {
using namespace nabla;

/// Restores the thread count when a test changes it.
struct ThreadCountGuard {
  int saved = num_threads();
  ~ThreadCountGuard() { set_num_threads(saved); }
};

TEST(Random, SameSeedSameNumbers) {
  auto draw = [] {
    std::vector<double> all;
    for (const Tensor& t :
         {random::uniform({50}), random::normal({7, 3}, 1.0, 2.0, float64),
          random::randint(-4, 9, {40}).astype(float64), random::permutation(30).astype(float64)}) {
      const auto v = t.to_vector<double>();
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  };
  random::seed(42);
  const auto first = draw();
  const auto second = draw();  // fresh counters: different numbers
  random::seed(42);
  EXPECT_EQ(draw(), first);
  EXPECT_NE(first, second);
  random::seed(43);
  EXPECT_NE(draw(), first);
}

TEST(Random, ThreadCountDoesNotChangeTheNumbers) {
  ThreadCountGuard guard;
  auto draw = [](int threads) {
    set_num_threads(threads);
    random::seed(7);
    // large enough that the kernels split the work across threads
    return std::vector<std::vector<double>>{
        random::uniform({300000}, -1, 1, float64).to_vector<double>(),
        random::normal({300000}).to_vector<double>(),
        random::randint(0, 1000, {300000}, int32).to_vector<double>(),
        random::permutation(100000).to_vector<double>()};
  };
  const auto one = draw(1);
  EXPECT_EQ(draw(2), one);
  EXPECT_EQ(draw(4), one);
}

TEST(Random, UniformRangeAndMoments) {
  random::seed(1);
  const Tensor u = random::uniform({1000000}, -2.0, 3.0);
  EXPECT_EQ(u.dtype(), float32);
  EXPECT_GE(min(u).item<float>(), -2.f);
  EXPECT_LT(max(u).item<float>(), 3.f);
  EXPECT_NEAR(mean(u).item<double>(), 0.5, 0.01);
  EXPECT_NEAR(nabla::std(u).item<double>(), 5.0 / std::sqrt(12.0), 0.01);
  EXPECT_EQ(random::uniform({3}, 1, 1, float64).to_vector<double>(), (std::vector<double>(3, 1)));
  EXPECT_THROW((void)random::uniform({3}, 2, 1), ValueError);
  EXPECT_THROW((void)random::uniform({3}, 0, 1, int32), DTypeError);
}

TEST(Random, NormalMoments) {
  random::seed(2);
  const Tensor n = random::normal({1000000}, 3.0, 2.0, float64);
  EXPECT_EQ(n.dtype(), float64);
  // standard errors: mean 2/1000 = 0.002, std about 0.0014
  EXPECT_NEAR(mean(n).item<double>(), 3.0, 0.01);
  EXPECT_NEAR(nabla::std(n).item<double>(), 2.0, 0.01);
  const double within_one = mean(abs(n - 3.0) < 2.0).item<double>();
  EXPECT_NEAR(within_one, 0.6827, 0.005);
  EXPECT_FALSE(any(n != n).item<bool>());  // no NaN
  EXPECT_THROW((void)random::normal({3}, 0, -1), ValueError);
}

TEST(Random, RandintBounds) {
  random::seed(3);
  const Tensor r = random::randint(-3, 4, {100000}, int32);
  EXPECT_EQ(r.dtype(), int32);
  EXPECT_EQ(min(r).item<int32_t>(), -3);
  EXPECT_EQ(max(r).item<int32_t>(), 3);
  for (int32_t v = -3; v <= 3; ++v) {  // each value about 1/7 of the draws
    EXPECT_NEAR(mean(r == v).item<double>(), 1.0 / 7, 0.01) << v;
  }
  EXPECT_EQ(random::randint(5, 6, {4}).to_vector<int64_t>(), (std::vector<int64_t>(4, 5)));
  // ranges wider than 2^63 must not overflow (the kernel works in unsigned arithmetic)
  const Tensor wide = random::randint(-(int64_t{1} << 62), int64_t{1} << 62, {1000});
  EXPECT_GT(max(abs(wide)).item<int64_t>(), int64_t{1} << 60);
  EXPECT_GE(min(wide).item<int64_t>(), -(int64_t{1} << 62));
  EXPECT_LT(max(wide).item<int64_t>(), int64_t{1} << 62);
  const int64_t lowest = std::numeric_limits<int64_t>::min();
  const Tensor full_range = random::randint(lowest, std::numeric_limits<int64_t>::max(), {1000});
  EXPECT_LT(min(full_range).item<int64_t>(), lowest / 2);
  EXPECT_THROW((void)random::randint(3, 3, {2}), ValueError);
  EXPECT_THROW((void)random::randint(0, 3, {2}, float32), DTypeError);
  EXPECT_THROW((void)random::randint(0, 3, {2}, bool_), DTypeError);
}

TEST(Random, PermutationIsAPermutation) {
  random::seed(4);
  for (int64_t n : {0, 1, 2, 10, 1000}) {
    const Tensor p = random::permutation(n);
    EXPECT_EQ(p.dtype(), int64);
    EXPECT_EQ(p.shape(), (Shape{n}));
    EXPECT_EQ(sort(p).to_vector<int64_t>(), arange(n).to_vector<int64_t>());
  }
  // not the identity, and position 0 takes many values across draws
  EXPECT_NE(random::permutation(1000).to_vector<int64_t>(), arange(1000).to_vector<int64_t>());
  std::set<int64_t> firsts;
  for (int i = 0; i < 50; ++i) firsts.insert(random::permutation(10).to_vector<int64_t>()[0]);
  EXPECT_GE(firsts.size(), 8u);
  EXPECT_THROW((void)random::permutation(-1), ValueError);
}

TEST(Random, ShufflePermutesRowsInPlace) {
  random::seed(5);
  Tensor x = (arange(0, 60).reshape({20, 3}) * 10).astype(float32);  // row i: 30i, 30i+10, ...
  const Tensor alias = x;
  const Tensor view = x.slice(1, 0, 1);
  const void* storage = x.data_ptr();
  random::shuffle(x);
  EXPECT_EQ(x.data_ptr(), storage);  // in place
  EXPECT_TRUE(x.is_same(alias));
  const auto v = x.to_vector<float>();
  std::vector<float> firsts;
  for (int64_t i = 0; i < 20; ++i) {
    const float base = v[static_cast<size_t>(3 * i)];
    firsts.push_back(base);
    EXPECT_EQ(v[static_cast<size_t>(3 * i + 1)], base + 10) << "row " << i << " was torn apart";
    EXPECT_EQ(v[static_cast<size_t>(3 * i + 2)], base + 20) << "row " << i << " was torn apart";
  }
  EXPECT_EQ(view.to_vector<float>(), firsts);  // views see the new order
  std::vector<float> sorted_firsts = firsts;
  std::sort(sorted_firsts.begin(), sorted_firsts.end());
  std::vector<float> expected;
  for (int i = 0; i < 20; ++i) expected.push_back(static_cast<float>(30 * i));
  EXPECT_EQ(sorted_firsts, expected);
  EXPECT_NE(firsts, expected);  // 1/20! chance of a false failure

  Tensor t = arange(0, 12).reshape({3, 4}).transpose();  // a non-contiguous view, 4 rows
  random::shuffle(t);
  const auto cols = t.to_vector<int64_t>();
  for (int64_t i = 0; i < 4; ++i) {
    const int64_t c = cols[static_cast<size_t>(3 * i)];
    EXPECT_EQ(cols[static_cast<size_t>(3 * i + 1)], c + 4);
    EXPECT_EQ(cols[static_cast<size_t>(3 * i + 2)], c + 8);
  }
  Tensor scalar = tensor(1.f);
  EXPECT_THROW(random::shuffle(scalar), ValueError);
  Tensor empty = zeros({0, 2});
  random::shuffle(empty);
  EXPECT_EQ(empty.shape(), (Shape{0, 2}));
}

}  // namespace
