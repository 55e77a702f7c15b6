// Ops along one axis: sort/argsort (stable, NaN last, descending) and cumsum, against
// double-precision references lane by lane, in several layouts, with negative axes, zero-sized
// dimensions and the error paths.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nabla/nabla.hpp>
#include <string>

namespace {
using namespace nabla;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// The lanes of a row-major [shape] tensor along `axis`: lane l holds the element indices
/// (flat, row-major) of its axis positions in order.
std::vector<std::vector<int64_t>> lanes(const Shape& shape, int64_t axis) {
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= shape[d];
  for (int64_t d = axis + 1; d < shape.rank(); ++d) inner *= shape[d];
  const int64_t n = shape[axis];
  std::vector<std::vector<int64_t>> out;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      std::vector<int64_t> lane;
      for (int64_t k = 0; k < n; ++k) lane.push_back((o * n + k) * inner + i);
      out.push_back(std::move(lane));
    }
  }
  return out;
}

/// The same values as `x` in other layouts: transposed, every other element.
std::vector<std::pair<std::string, Tensor>> layouts(const Tensor& x) {
  std::vector<std::pair<std::string, Tensor>> out{{"contiguous", x}};
  if (x.ndim() >= 2) out.emplace_back("transposed", x.transpose().contiguous().transpose());
  Shape wide = x.shape();
  wide.push_back(2);
  out.emplace_back("step2", x.unsqueeze(-1).expand(wide).contiguous().select(-1, 0));
  return out;
}

/// Reference argsort of one lane: insertion sort (stable by construction) where NaN is the
/// largest value.
std::vector<int64_t> argsort_ref(const std::vector<double>& v, bool descending) {
  auto key_less = [&](double a, double b) {  // the "comes strictly before" relation
    const bool a_nan = std::isnan(a), b_nan = std::isnan(b);
    if (descending) return (a_nan && !b_nan) || (!a_nan && !b_nan && a > b);
    return (b_nan && !a_nan) || (!a_nan && !b_nan && a < b);
  };
  std::vector<int64_t> order;
  for (int64_t i = 0; i < static_cast<int64_t>(v.size()); ++i) {
    auto pos = order.end();
    while (pos != order.begin() &&
           key_less(v[static_cast<size_t>(i)], v[static_cast<size_t>(*(pos - 1))])) {
      --pos;
    }
    order.insert(pos, i);
  }
  return order;
}

void expect_same_value(double got, double want, const std::string& what) {
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << what;
  } else {
    EXPECT_EQ(got, want) << what;
  }
}

void check_sort(const Tensor& x, int64_t axis, bool descending, const std::string& what) {
  const int64_t ax = axis < 0 ? axis + x.ndim() : axis;
  const std::vector<double> values = x.to_vector<double>();
  for (const auto& [name, xv] : layouts(x)) {
    const Tensor sorted = sort(xv, axis, descending);
    const Tensor order = argsort(xv, axis, descending);
    ASSERT_EQ(sorted.shape(), x.shape());
    ASSERT_EQ(order.shape(), x.shape());
    EXPECT_EQ(sorted.dtype(), x.dtype());
    EXPECT_EQ(order.dtype(), int64);
    const std::vector<double> got_values = sorted.to_vector<double>();
    const std::vector<int64_t> got_order = order.to_vector<int64_t>();
    for (const auto& lane : lanes(x.shape(), ax)) {
      std::vector<double> v;
      for (int64_t e : lane) v.push_back(values[static_cast<size_t>(e)]);
      const std::vector<int64_t> want = argsort_ref(v, descending);
      for (size_t k = 0; k < lane.size(); ++k) {
        const auto e = static_cast<size_t>(lane[k]);
        const std::string where = what + " " + name + " at element " + std::to_string(e);
        ASSERT_EQ(got_order[e], want[k]) << where;
        expect_same_value(got_values[e], v[static_cast<size_t>(want[k])], where);
      }
    }
  }
}

TEST(Sorting, MatchesStableReferenceWithTiesAndNaN) {
  random::seed(11);
  for (DType dtype : {float32, float64}) {
    // few distinct values, so ties are common, and a sprinkle of NaN
    Tensor x = random::randint(-3, 4, {5, 7, 6}, int32).astype(dtype);
    const Tensor nan_mask = random::uniform({5, 7, 6}) < 0.15;
    x = where(nan_mask, kNaN, x).astype(dtype);
    for (int64_t axis : {0, 1, 2, -1, -3}) {
      for (bool descending : {false, true}) {
        check_sort(x, axis, descending,
                   std::string(dtype_name(dtype)) + " axis " + std::to_string(axis) +
                       (descending ? " desc" : " asc"));
      }
    }
  }
}

TEST(Sorting, IntegerBoolAndLongRows) {
  random::seed(12);
  check_sort(random::randint(-5, 5, {4, 300}, int32), -1, false, "int32");
  check_sort(random::randint(-5, 5, {300, 3}, int64), 0, true, "int64 desc");
  check_sort(random::randint(0, 2, {6, 9}, int32).astype(bool_), 1, false, "bool");
  check_sort(random::uniform({3000}, -1, 1, float64), 0, false, "long row");
  check_sort(random::uniform({2, 0, 3}), 1, false, "empty axis");
  check_sort(random::uniform({2, 0, 3}), 2, true, "empty lanes");
}

TEST(Sorting, NumPyExamples) {
  const Tensor x = tensor({3.f, std::nanf(""), 1.f, -INFINITY, 1.f, INFINITY});
  const auto ascending = sort(x).to_vector<float>();
  EXPECT_EQ(std::vector<float>(ascending.begin(), ascending.end() - 1),
            (std::vector<float>{-INFINITY, 1, 1, 3, INFINITY}));
  EXPECT_TRUE(std::isnan(ascending.back()));
  EXPECT_EQ(argsort(x).to_vector<int64_t>(), (std::vector<int64_t>{3, 2, 4, 0, 5, 1}));
  // descending reverses the order of values, NaN (the largest) first; ties stay stable
  EXPECT_EQ(argsort(x, -1, true).to_vector<int64_t>(), (std::vector<int64_t>{1, 5, 0, 2, 4, 3}));
  const Tensor m = tensor({{3, 1, 2}, {0, 5, 4}});
  EXPECT_EQ(sort(m, 0).to_vector<int32_t>(), (std::vector<int32_t>{0, 1, 2, 3, 5, 4}));
  EXPECT_EQ(argsort(m).to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 0, 0, 2, 1}));
  // a broadcast (stride-0) input
  EXPECT_EQ(sort(tensor({2, 1}).unsqueeze(0).expand({2, 2})).to_vector<int32_t>(),
            (std::vector<int32_t>{1, 2, 1, 2}));
}

TEST(Sorting, Errors) {
  EXPECT_THROW((void)sort(zeros({2, 3}), 2), IndexError);
  EXPECT_THROW((void)argsort(zeros({2, 3}), -3), IndexError);
  EXPECT_THROW((void)sort(tensor(1.f)), IndexError);
  try {
    (void)argsort(zeros({2}), 1);
    FAIL();
  } catch (const IndexError& e) {
    EXPECT_NE(std::string(e.what()).find("argsort"), std::string::npos) << e.what();
  }
}

// ---- cumsum ----

void check_cumsum(const Tensor& x, int64_t axis, DType want_dtype, double tolerance) {
  const int64_t ax = axis < 0 ? axis + x.ndim() : axis;
  const std::vector<double> values = x.to_vector<double>();
  for (const auto& [name, xv] : layouts(x)) {
    const Tensor got = cumsum(xv, axis);
    ASSERT_EQ(got.shape(), x.shape());
    EXPECT_EQ(got.dtype(), want_dtype);
    const std::vector<double> out = got.to_vector<double>();
    for (const auto& lane : lanes(x.shape(), ax)) {
      double sum = 0;
      for (int64_t e : lane) {
        sum += values[static_cast<size_t>(e)];
        ASSERT_NEAR(out[static_cast<size_t>(e)], sum, tolerance * (1 + std::abs(sum)))
            << name << " axis " << axis << " element " << e;
      }
    }
  }
}

TEST(Cumsum, MatchesReference) {
  random::seed(13);
  for (int64_t axis : {0, 1, 2, -1, -2}) {
    check_cumsum(random::uniform({6, 5, 40}), axis, float32, 1e-6);
    check_cumsum(random::uniform({6, 5, 40}, -1, 1, float64), axis, float64, 1e-13);
    check_cumsum(random::randint(-100, 100, {6, 5, 40}, int32), axis, int64, 0);
    check_cumsum(random::randint(-100, 100, {6, 5, 40}, int64), axis, int64, 0);
    check_cumsum(random::randint(0, 2, {6, 5, 40}, int32).astype(bool_), axis, int64, 0);
  }
  check_cumsum(random::uniform({100000}, 0, 1), 0, float32, 1e-6);  // one long lane
  check_cumsum(random::uniform({3, 0, 2}), 1, float32, 0);
  check_cumsum(random::uniform({3, 0, 2}), 2, float32, 0);
}

TEST(Cumsum, ExamplesAndErrors) {
  EXPECT_EQ(cumsum(tensor({{1, 2, 3}, {4, 5, 6}}), 0).to_vector<int64_t>(),
            (std::vector<int64_t>{1, 2, 3, 5, 7, 9}));
  EXPECT_EQ(cumsum(tensor({{1, 2, 3}, {4, 5, 6}}), -1).to_vector<int64_t>(),
            (std::vector<int64_t>{1, 3, 6, 4, 9, 15}));
  // int32 sums that overflow int32 are exact in int64
  const Tensor big = full({3}, 2000000000, int32);
  EXPECT_EQ(cumsum(big, 0).to_vector<int64_t>().back(), 6000000000);
  const Tensor row = tensor({1.5, 2.5}).unsqueeze(0).expand({2, 2});  // stride 0
  EXPECT_EQ(cumsum(row, 0).to_vector<double>(), (std::vector<double>{1.5, 2.5, 3, 5}));
  EXPECT_THROW((void)cumsum(zeros({2, 3}), 2), IndexError);
  EXPECT_THROW((void)cumsum(tensor(1.f), 0), IndexError);
}

TEST(Cumsum, SortAndCumsumGiveTheSameResultOnAnyThreadCount) {
  const int saved = num_threads();
  random::seed(14);
  const Tensor x = random::randint(-20, 20, {400, 300}, int32).astype(float32);
  auto run = [&](int threads) {
    set_num_threads(threads);
    return std::vector<std::vector<double>>{
        argsort(x, 1).to_vector<double>(),          argsort(x, 0, true).to_vector<double>(),
        sort(x.transpose(), 1).to_vector<double>(), cumsum(x, 0).to_vector<double>(),
        cumsum(x, 1).to_vector<double>(),           cumsum(x.transpose(), 1).to_vector<double>()};
  };
  const auto one = run(1);
  EXPECT_EQ(run(4), one);
  set_num_threads(saved);
  check_sort(x.slice(0, 0, 50), 1, false, "large rows");
  check_cumsum(x, 0, float32, 1e-6);
}

}  // namespace
