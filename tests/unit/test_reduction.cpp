// Reductions against a double-precision reference over many layouts and axis sets, plus the
// NumPy rules the random inputs do not reach: dtypes, empty reductions, NaN, errors, accuracy of
// large float32 sums and independence from the thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <nabla/nabla.hpp>
#include <numeric>
#include <random>
#include <string>
#include <tuple>

namespace {
using namespace nabla;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();
constexpr float kInff = std::numeric_limits<float>::infinity();

// ---- reference ----

/// The values of each output's reduction group (row-major over the reduced axes), outputs in
/// row-major order over the kept axes.
std::vector<std::vector<double>> groups(const std::vector<double>& values, const Shape& shape,
                                        std::vector<int64_t> axes) {
  const int64_t rank = shape.rank();
  if (axes.empty()) {
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  }
  std::vector<bool> reduced(static_cast<size_t>(rank), false);
  for (int64_t a : axes) reduced[static_cast<size_t>(a < 0 ? a + rank : a)] = true;
  int64_t n_out = 1;
  for (int64_t d = 0; d < rank; ++d) {
    if (!reduced[static_cast<size_t>(d)]) n_out *= shape[d];
  }
  std::vector<std::vector<double>> out(static_cast<size_t>(n_out));
  std::vector<int64_t> index(static_cast<size_t>(rank), 0);
  for (size_t flat = 0; flat < values.size(); ++flat) {
    int64_t o = 0;
    for (int64_t d = 0; d < rank; ++d) {
      if (!reduced[static_cast<size_t>(d)]) o = o * shape[d] + index[static_cast<size_t>(d)];
    }
    out[static_cast<size_t>(o)].push_back(values[flat]);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[static_cast<size_t>(d)] < shape[d]) break;
      index[static_cast<size_t>(d)] = 0;
    }
  }
  return out;
}

Shape expected_shape(const Shape& shape, std::vector<int64_t> axes, bool keepdims) {
  if (axes.empty()) {
    for (int64_t d = 0; d < shape.rank(); ++d) axes.push_back(d);
  }
  for (int64_t& a : axes) a = a < 0 ? a + shape.rank() : a;
  Shape out;
  for (int64_t d = 0; d < shape.rank(); ++d) {
    if (std::find(axes.begin(), axes.end(), d) == axes.end()) {
      out.push_back(shape[d]);
    } else if (keepdims) {
      out.push_back(1);
    }
  }
  return out;
}

using GroupFn = std::function<double(const std::vector<double>&)>;

double ref_sum(const std::vector<double>& g) { return std::accumulate(g.begin(), g.end(), 0.0); }
double ref_prod(const std::vector<double>& g) {
  return std::accumulate(g.begin(), g.end(), 1.0, std::multiplies<>());
}
double ref_mean(const std::vector<double>& g) { return ref_sum(g) / static_cast<double>(g.size()); }
double ref_var(const std::vector<double>& g, int64_t ddof) {
  const double m = ref_mean(g);
  double ss = 0;
  for (double v : g) ss += (v - m) * (v - m);
  return ss / static_cast<double>(static_cast<int64_t>(g.size()) - ddof);
}
double ref_max(const std::vector<double>& g) { return *std::max_element(g.begin(), g.end()); }
double ref_min(const std::vector<double>& g) { return *std::min_element(g.begin(), g.end()); }
double ref_logsumexp(const std::vector<double>& g) {
  const double m = ref_max(g);
  double s = 0;
  for (double v : g) s += std::exp(v - m);
  return m + std::log(s);
}
double ref_all(const std::vector<double>& g) {
  return std::all_of(g.begin(), g.end(), [](double v) { return v != 0; }) ? 1 : 0;
}
double ref_any(const std::vector<double>& g) {
  return std::any_of(g.begin(), g.end(), [](double v) { return v != 0; }) ? 1 : 0;
}
double ref_argmax(const std::vector<double>& g) {
  return static_cast<double>(std::max_element(g.begin(), g.end()) - g.begin());
}
double ref_argmin(const std::vector<double>& g) {
  return static_cast<double>(std::min_element(g.begin(), g.end()) - g.begin());
}

/// Checks got == f(group) for every output group of x over axes.
void expect_reduction(const Tensor& got, const Tensor& x, const std::vector<int64_t>& axes,
                      bool keepdims, const GroupFn& f, double tol, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(got.shape(), expected_shape(x.shape(), axes, keepdims));
  const auto want = groups(x.to_vector<double>(), x.shape(), axes);
  const auto values = got.to_vector<double>();
  ASSERT_EQ(values.size(), want.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const double w = f(want[i]);
    if (std::isnan(w)) {
      EXPECT_TRUE(std::isnan(values[i])) << "element " << i;
    } else if (std::isinf(w)) {
      EXPECT_EQ(values[i], w) << "element " << i;
    } else {
      EXPECT_LE(std::abs(values[i] - w), tol * (1 + std::abs(w)))
          << "element " << i << ": got " << values[i] << ", want " << w;
    }
  }
}

Tensor random_tensor(const Shape& shape, DType dtype, double low, double high, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> values(static_cast<size_t>(shape.numel()));
  for (double& v : values) {
    if (is_floating(dtype)) {
      v = std::uniform_real_distribution<double>(low, high)(rng);
    } else {
      v = std::floor(std::uniform_real_distribution<double>(low, high + 1)(rng));
    }
  }
  return from_vector(values, shape).astype(dtype);
}

/// Views of shape [5, 7, 3] in many layouts: contiguous, transposed, permuted, step-2 slices
/// (outer and inner), reversed (negative stride) and expanded (stride 0).
std::vector<std::pair<std::string, Tensor>> layouts(DType dtype, double low, double high) {
  std::vector<std::pair<std::string, Tensor>> out;
  out.emplace_back("contiguous", random_tensor({5, 7, 3}, dtype, low, high, 1));
  out.emplace_back("transposed", random_tensor({3, 7, 5}, dtype, low, high, 2).transpose());
  out.emplace_back("permuted", random_tensor({7, 3, 5}, dtype, low, high, 3).permute({2, 0, 1}));
  out.emplace_back("outer_step2",
                   random_tensor({10, 7, 3}, dtype, low, high, 4).slice(0, 0, 10, 2));
  out.emplace_back("inner_step2", random_tensor({5, 7, 6}, dtype, low, high, 5).slice(2, 1, 6, 2));
  out.emplace_back("reversed", random_tensor({5, 7, 3}, dtype, low, high, 6).slice(1, 6, -8, -1));
  out.emplace_back("expanded", random_tensor({5, 1, 3}, dtype, low, high, 7).expand({5, 7, 3}));
  for (const auto& [name, t] : out) {
    EXPECT_EQ(t.shape(), Shape({5, 7, 3})) << name;
    if (name != "contiguous") {
      EXPECT_FALSE(t.is_contiguous()) << name;
    }
  }
  return out;
}

const std::vector<std::vector<int64_t>> kAxisSets = {
    {}, {0}, {1}, {-1}, {0, 2}, {2, -3}, {0, 1}, {1, 2}, {-2}, {0, 1, 2}, {-1, -2}};

using ReduceFn = Tensor (*)(const Tensor&, const Axes&, bool);

struct ReduceCase {
  std::string name;
  ReduceFn fn;
  GroupFn ref;
  double low, high;
};

void check_all_layouts(const ReduceCase& c, DType dtype, double tol) {
  for (const auto& [layout, x] : layouts(dtype, c.low, c.high)) {
    for (const auto& axes : kAxisSets) {
      for (bool keepdims : {false, true}) {
        expect_reduction(c.fn(x, axes, keepdims), x, axes, keepdims, c.ref, tol,
                         c.name + " " + std::string(dtype_name(dtype)) + " " + layout + " axes " +
                             to_string(Shape(axes)) + (keepdims ? " keepdims" : ""));
      }
    }
  }
}

const std::vector<ReduceCase>& float_cases() {
  static const std::vector<ReduceCase> cases = {
      {"sum", &sum, &ref_sum, -2, 2},
      {"mean", &mean, &ref_mean, -2, 2},
      {"prod", &prod, &ref_prod, 0.5, 1.5},
      {"max", &max, &ref_max, -2, 2},
      {"min", &min, &ref_min, -2, 2},
      {"logsumexp", &logsumexp, &ref_logsumexp, -20, 20},
      {"var", [](const Tensor& x, const Axes& a, bool k) { return var(x, a, k); },
       [](const std::vector<double>& g) { return ref_var(g, 0); }, -2, 2},
      {"var_ddof1", [](const Tensor& x, const Axes& a, bool k) { return var(x, a, k, 1); },
       [](const std::vector<double>& g) { return g.size() > 1 ? ref_var(g, 1) : kNaN; }, -2, 2},
      {"std", [](const Tensor& x, const Axes& a, bool k) { return nabla::std(x, a, k); },
       [](const std::vector<double>& g) { return std::sqrt(ref_var(g, 0)); }, -2, 2},
      {"all", &all, &ref_all, -1, 1},
      {"any", &any, &ref_any, -1, 1},
  };
  return cases;
}

TEST(Reduction, Float32MatchesReferenceForEveryLayoutAndAxisSet) {
  for (const ReduceCase& c : float_cases()) check_all_layouts(c, float32, 2e-6);
}

TEST(Reduction, Float64MatchesReferenceForEveryLayoutAndAxisSet) {
  for (const ReduceCase& c : float_cases()) check_all_layouts(c, float64, 1e-12);
}

TEST(Reduction, IntegersMatchReferenceExactly) {
  const std::vector<ReduceCase> cases = {
      {"sum", &sum, &ref_sum, -9, 9},    {"prod", &prod, &ref_prod, -1, 1},  // exact in double
      {"max", &max, &ref_max, -9, 9},    {"min", &min, &ref_min, -9, 9},
      {"all", &all, &ref_all, -1, 1},    {"any", &any, &ref_any, -1, 1},
      {"mean", &mean, &ref_mean, -9, 9},
  };
  for (DType dtype : {int32, int64}) {
    for (const ReduceCase& c : cases) check_all_layouts(c, dtype, c.name == "mean" ? 1e-12 : 0);
  }
}

TEST(Reduction, BoolMatchesReference) {
  const std::vector<ReduceCase> cases = {
      {"sum", &sum, &ref_sum, 0, 1}, {"prod", &prod, &ref_prod, 0, 1},
      {"max", &max, &ref_max, 0, 1}, {"min", &min, &ref_min, 0, 1},
      {"all", &all, &ref_all, 0, 1}, {"any", &any, &ref_any, 0, 1},
  };
  for (const ReduceCase& c : cases) check_all_layouts(c, bool_, 0);
}

TEST(Reduction, ArgmaxArgminMatchReferenceOnEveryAxisAndLayout) {
  for (DType dtype : {float32, float64, int32, int64, bool_}) {
    // Small integer ranges produce ties, which must resolve to the first occurrence.
    for (const auto& [layout, x] : layouts(dtype, -3, 3)) {
      for (int64_t axis : {0, 1, 2, -1, -3}) {
        for (bool keepdims : {false, true}) {
          const std::string what = std::string(dtype_name(dtype)) + " " + layout + " axis " +
                                   std::to_string(axis) + (keepdims ? " keepdims" : "");
          Tensor got = argmax(x, axis, keepdims);
          EXPECT_EQ(got.dtype(), int64);
          expect_reduction(got, x, {axis}, keepdims, &ref_argmax, 0, "argmax " + what);
          expect_reduction(argmin(x, axis, keepdims), x, {axis}, keepdims, &ref_argmin, 0,
                           "argmin " + what);
        }
      }
      // Flattened: the index into the row-major flattening.
      expect_reduction(argmax(x), x, {}, false, &ref_argmax, 0, "argmax flat " + layout);
      expect_reduction(argmin(x), x, {}, false, &ref_argmin, 0, "argmin flat " + layout);
    }
  }
}

TEST(Reduction, DTypeRulesFollowNumPy) {
  struct Row {
    DType in, sum, mean, max, logsumexp;
  };
  const Row rows[] = {
      {bool_, int64, float64, bool_, float32},       {int32, int64, float64, int32, float64},
      {int64, int64, float64, int64, float64},       {float32, float32, float32, float32, float32},
      {float64, float64, float64, float64, float64},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(dtype_name(r.in));
    Tensor x = ones({2, 3}, r.in);
    EXPECT_EQ(sum(x).dtype(), r.sum);
    EXPECT_EQ(prod(x, {0}).dtype(), r.sum);
    EXPECT_EQ(mean(x).dtype(), r.mean);
    EXPECT_EQ(var(x, {1}).dtype(), r.mean);
    EXPECT_EQ(nabla::std(x).dtype(), r.mean);
    EXPECT_EQ(max(x).dtype(), r.max);
    EXPECT_EQ(min(x, {0}).dtype(), r.max);
    EXPECT_EQ(argmax(x, 1).dtype(), int64);
    EXPECT_EQ(argmin(x).dtype(), int64);
    EXPECT_EQ(all(x).dtype(), bool_);
    EXPECT_EQ(any(x, {1}).dtype(), bool_);
    EXPECT_EQ(logsumexp(x).dtype(), r.logsumexp);
  }
}

TEST(Reduction, IntegerSumsAndProductsWidenToInt64) {
  const int32_t big = std::numeric_limits<int32_t>::max();
  EXPECT_EQ(sum(tensor({big, big, big})).item<int64_t>(), 3 * static_cast<int64_t>(big));
  EXPECT_EQ(prod(tensor({100000, 100000})).item<int64_t>(), 10000000000);
  EXPECT_EQ(sum(tensor({true, false, true, true})).item<int64_t>(), 3);
  // int64 overflow wraps (NumPy), with no undefined behaviour.
  const int64_t top = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(sum(tensor({top, int64_t{1}})).item<int64_t>(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(mean(tensor({1, 2})).item<double>(), 1.5);
}

TEST(Reduction, ZeroDimensionalInputs) {
  Tensor s = tensor(3.5f);
  EXPECT_EQ(sum(s).shape(), Shape{});
  EXPECT_EQ(sum(s).item<float>(), 3.5f);
  EXPECT_EQ(max(s, {}, true).shape(), Shape{});
  EXPECT_EQ(argmax(s).item<int64_t>(), 0);
  EXPECT_EQ(argmin(s, 0).item<int64_t>(), 0);
  EXPECT_EQ(argmax(s, -1).shape(), Shape{});
  EXPECT_THROW((void)argmax(s, 1), IndexError);
  EXPECT_THROW((void)sum(s, {0}), IndexError);
  EXPECT_EQ(var(s).item<float>(), 0.f);
}

TEST(Reduction, ZeroSizedDimensions) {
  Tensor x = zeros({0, 3});
  Tensor s0 = sum(x, {0});
  EXPECT_EQ(s0.shape(), Shape({3}));
  EXPECT_EQ(s0.to_vector<float>(), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(sum(x, {1}).shape(), Shape({0}));
  EXPECT_EQ(sum(x, {1}, true).shape(), Shape({0, 1}));
  EXPECT_EQ(sum(x).item<float>(), 0.f);
  EXPECT_EQ(sum(zeros({0, 3}, int32), {0}).to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(prod(x, {0}).to_vector<float>(), (std::vector<float>{1, 1, 1}));
  for (double v : mean(x, {0}).to_vector<double>()) EXPECT_TRUE(std::isnan(v));
  for (double v : var(x, {0}).to_vector<double>()) EXPECT_TRUE(std::isnan(v));
  EXPECT_TRUE(std::isnan(mean(x).item<float>()));
  EXPECT_EQ(mean(x, {1}).shape(), Shape({0}));
  EXPECT_EQ(max(x, {1}).shape(), Shape({0}));  // every output has 3 elements: fine
  EXPECT_EQ(argmax(x, 1).shape(), Shape({0}));
  EXPECT_EQ(all(x, {0}).to_vector<bool>(), (std::vector<bool>{true, true, true}));
  EXPECT_EQ(any(x, {0}).to_vector<bool>(), (std::vector<bool>{false, false, false}));
  EXPECT_EQ(all(x, {0}, true).shape(), Shape({1, 3}));
  EXPECT_EQ(all(x, {1}).shape(), Shape({0}));
  EXPECT_EQ(logsumexp(x, {0}).to_vector<float>(), (std::vector<float>(3, -kInf)));
  EXPECT_EQ(logsumexp(x, {0}, true).shape(), Shape({1, 3}));
}

TEST(Reduction, EmptyReductionsWithoutIdentityRaise) {
  Tensor x = zeros({0, 3});
  EXPECT_THROW((void)max(x, {0}), ValueError);
  EXPECT_THROW((void)min(x), ValueError);
  EXPECT_THROW((void)argmax(x, 0), ValueError);
  EXPECT_THROW((void)argmin(x), ValueError);
  try {
    (void)max(x, {0});
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("max"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[0, 3]"), std::string::npos) << e.what();
  }
}

TEST(Reduction, BadAxesRaiseNamingTheOp) {
  Tensor x = ones({2, 3, 4});
  const std::vector<std::pair<std::string, std::function<Tensor(const Axes&)>>> ops = {
      {"sum", [&](const Axes& a) { return sum(x, a); }},
      {"prod", [&](const Axes& a) { return prod(x, a); }},
      {"max", [&](const Axes& a) { return max(x, a); }},
      {"min", [&](const Axes& a) { return min(x, a); }},
      {"mean", [&](const Axes& a) { return mean(x, a); }},
      {"var", [&](const Axes& a) { return var(x, a); }},
      {"std", [&](const Axes& a) { return nabla::std(x, a); }},
      {"logsumexp", [&](const Axes& a) { return logsumexp(x, a); }},
      {"all", [&](const Axes& a) { return all(x, a); }},
      {"any", [&](const Axes& a) { return any(x, a); }},
      {"argmax", [&](const Axes& a) { return argmax(x, a[0]); }},
      {"argmin", [&](const Axes& a) { return argmin(x, a[0]); }},
  };
  for (const auto& [name, fn] : ops) {
    for (int64_t bad : {3, -4}) {
      try {
        (void)fn({bad});
        ADD_FAILURE() << name << " accepted axis " << bad;
      } catch (const IndexError& e) {
        EXPECT_EQ(std::string(e.what()).rfind(name + ":", 0), 0u) << e.what();
      }
    }
    if (name.rfind("arg", 0) == 0) continue;
    try {
      (void)fn({0, -3});
      ADD_FAILURE() << name << " accepted a repeated axis";
    } catch (const ValueError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(name + ":", 0), 0u) << e.what();
    }
  }
}

TEST(Reduction, NaNPropagatesThroughMaxMinAndSum) {
  // NaN first, middle and last; rows with and without NaN; both loop directions.
  Tensor x = tensor({{kNaN, 1.0, 2.0}, {1.0, kNaN, 0.0}, {3.0, 1.0, kNaN}, {3.0, 5.0, 4.0}});
  for (const Tensor& t : {x, x.transpose().contiguous().transpose()}) {
    auto mx = max(t, {1}).to_vector<double>();
    auto mn = min(t, {1}).to_vector<double>();
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(std::isnan(mx[static_cast<size_t>(i)])) << i;
      EXPECT_TRUE(std::isnan(mn[static_cast<size_t>(i)])) << i;
    }
    EXPECT_EQ(mx[3], 5.0);
    EXPECT_EQ(mn[3], 3.0);
    EXPECT_TRUE(std::isnan(max(t).item<double>()));
    for (double v : max(t, {0}).to_vector<double>()) EXPECT_TRUE(std::isnan(v));
    EXPECT_TRUE(std::isnan(sum(t).item<double>()));
    EXPECT_EQ(argmax(t, 1).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 1}));
    EXPECT_EQ(argmin(t, 1).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 0}));
    EXPECT_EQ(argmax(t, 0).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2}));
    EXPECT_EQ(argmin(t).item<int64_t>(), 0);
  }
  EXPECT_EQ(argmax(tensor({1.f, 7.f, kNaNf, 9.f, kNaNf})).item<int64_t>(), 2);
  EXPECT_EQ(argmin(tensor({1.f, -7.f, kNaNf, -9.f})).item<int64_t>(), 2);
  EXPECT_TRUE(std::isnan(logsumexp(tensor({1.0, kNaN})).item<double>()));
  EXPECT_EQ(all(tensor({kNaN, 1.0})).item<bool>(), true);  // NaN is truthy (NumPy)
}

TEST(Reduction, LogSumExpIsStableAndHandlesInfinities) {
  auto v = logsumexp(tensor({{1000.f, 1000.f},
                             {-1000.f, -1000.f},
                             {-kInff, -kInff},
                             {kInff, 1.f},
                             {-kInff, 0.f}}),
                     {1})
               .to_vector<float>();
  EXPECT_NEAR(v[0], 1000.f + std::log(2.f), 1e-3);
  EXPECT_NEAR(v[1], -1000.f + std::log(2.f), 1e-3);
  EXPECT_EQ(v[2], -kInf);
  EXPECT_EQ(v[3], kInf);
  EXPECT_EQ(v[4], 0.f);
  EXPECT_EQ(logsumexp(tensor({{1.0, 2.0}}), {1}, true).shape(), Shape({1, 1}));
}

TEST(Reduction, VarianceDdof) {
  Tensor x = tensor({1.0, 2.0, 3.0, 4.0});
  EXPECT_DOUBLE_EQ(var(x).item<double>(), 1.25);
  EXPECT_DOUBLE_EQ(var(x, {}, false, 1).item<double>(), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(nabla::std(x, {0}, false, 1).item<double>(), std::sqrt(5.0 / 3.0));
  EXPECT_TRUE(std::isnan(var(tensor({1.0}), {}, false, 1).item<double>()));  // 0 / 0
  EXPECT_EQ(var(tensor({1.0, 2.0}), {}, false, 3).item<double>(), kInf);     // 0.5 / 0
  EXPECT_EQ(var(tensor({1, 2, 3, 4})).item<double>(), 1.25);
}

// ---- large inputs: chunked paths, accuracy, threads ----

TEST(Reduction, SixteenMillionFloat32OnesSumExactly) {
  Tensor x = ones({16777216});
  EXPECT_EQ(sum(x).item<float>(), 16777216.f);
  EXPECT_EQ(mean(x).item<float>(), 1.f);
  EXPECT_EQ(sum(x.reshape({4096, 4096}), {0}).to_vector<float>(), std::vector<float>(4096, 4096.f));
}

TEST(Reduction, TenMillionRandomFloat32SumIsAccurate) {
  const int64_t n = 10000000;
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(0.f, 1.f);
  std::vector<float> values(static_cast<size_t>(n));
  double want = 0;
  for (float& v : values) {
    v = dist(rng);
    want += v;
  }
  const double got = sum(from_vector(values)).item<float>();
  EXPECT_LE(std::abs(got - want) / want, 1e-6) << got << " vs " << want;
  // The same values strided (every other element of a [n/2, 2] view) and in float64.
  const double half = sum(from_vector(values).reshape({n / 2, 2}).select(1, 0)).item<float>();
  double want_half = 0;
  for (int64_t i = 0; i < n; i += 2) want_half += values[static_cast<size_t>(i)];
  EXPECT_LE(std::abs(half - want_half) / want_half, 1e-6);
  const double wide = sum(from_vector(values).astype(float64)).item<double>();
  EXPECT_LE(std::abs(wide - want) / want, 1e-12);
}

/// Large shapes hit the chunked paths: inner (reduced axis contiguous, few outputs), outer
/// (reduced axis leading, column blocks), and both with more than one chunk per output; short
/// reduced runs (outer loop across many outputs); narrow column sums read as folded rows.
TEST(Reduction, LargeShapesMatchReference) {
  const std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
      {{3, 150001}, {1}},   {{150001, 3}, {0}},     {{300, 700}, {0}}, {{700, 300}, {1}},
      {{2, 70000, 3}, {1}}, {{70000, 5}, {}},       {{3, 90000}, {0}}, {{1000, 257}, {0}},
      {{100000, 3}, {1}},   {{1000, 50, 3}, {0, 1}}};
  for (const auto& [shape, axes] : cases) {
    Tensor x = random_tensor(shape, float32, -1, 1, 11);
    const std::string what = to_string(shape) + " over " + to_string(Shape(axes));
    expect_reduction(sum(x, axes), x, axes, false, &ref_sum, 1e-5, "sum " + what);
    expect_reduction(max(x, axes), x, axes, false, &ref_max, 0, "max " + what);
    expect_reduction(min(x.transpose().contiguous().transpose(), axes), x, axes, false, &ref_min, 0,
                     "min strided " + what);
    if (axes.size() == 1) {
      expect_reduction(argmax(x, axes[0]), x, axes, false, &ref_argmax, 0, "argmax " + what);
      expect_reduction(argmin(x, axes[0]), x, axes, false, &ref_argmin, 0, "argmin " + what);
    }
  }
}

TEST(Reduction, LargeStridedViewsMatchReference) {
  // Reduced dimensions that cannot merge (a step-2 slice), with chunk boundaries inside runs of
  // rows; narrow columns at stride 2; broadcast columns.
  const std::vector<std::tuple<std::string, Tensor, std::vector<int64_t>>> cases = {
      {"sliced rows", random_tensor({800, 60, 3}, float32, -1, 1, 12).slice(0, 0, 800, 2), {0, 1}},
      {"sliced rows int32",
       random_tensor({800, 60, 3}, int32, -9, 9, 13).slice(0, 1, 800, 2),
       {0, 1}},
      {"strided columns", random_tensor({60000, 6}, float32, -1, 1, 14).slice(1, 0, 6, 2), {0}},
      {"expanded columns", random_tensor({70000, 1}, float64, -1, 1, 15).expand({70000, 3}), {0}},
      {"reversed rows",
       random_tensor({70000, 3}, float32, -1, 1, 16).slice(0, 69999, -70001, -1),
       {0}},
  };
  for (const auto& [name, x, axes] : cases) {
    ASSERT_FALSE(x.is_contiguous()) << name;
    const double tol = x.dtype() == float32 ? 1e-5 : 1e-12;
    expect_reduction(sum(x, axes), x, axes, false, &ref_sum, tol, "sum " + name);
    expect_reduction(sum(x, axes, true), x, axes, true, &ref_sum, tol, "sum keepdims " + name);
    expect_reduction(max(x, axes), x, axes, false, &ref_max, 0, "max " + name);
    expect_reduction(mean(x, axes), x, axes, false, &ref_mean, tol, "mean " + name);
  }
}

TEST(Reduction, ArgmaxFindsTheFirstExtremumAcrossChunks) {
  for (int64_t n : {int64_t{200000}, int64_t{65536 * 3 + 5}}) {
    std::vector<float> values(static_cast<size_t>(n), 0.f);
    values[70000] = values[140000] = 5.f;
    values[65536] = values[131072] = -5.f;
    Tensor row = from_vector(values);
    EXPECT_EQ(argmax(row).item<int64_t>(), 70000);
    EXPECT_EQ(argmin(row).item<int64_t>(), 65536);
    Tensor column = row.reshape({n, 1}).expand({n, 4});  // outer loop, stride 0 columns
    EXPECT_EQ(argmax(column, 0).to_vector<int64_t>(), std::vector<int64_t>(4, 70000));
    EXPECT_EQ(argmin(column, 0).to_vector<int64_t>(), std::vector<int64_t>(4, 65536));
    values[150000] = values[static_cast<size_t>(n - 1)] = std::numeric_limits<float>::quiet_NaN();
    row = from_vector(values);
    EXPECT_EQ(argmax(row).item<int64_t>(), 150000);
    EXPECT_EQ(argmin(row).item<int64_t>(), 150000);
    EXPECT_TRUE(std::isnan(max(row).item<float>()));
    EXPECT_TRUE(std::isnan(min(row.reshape({n, 1}).expand({n, 3}), {0}).to_vector<float>()[2]));
  }
}

TEST(Reduction, ResultsDoNotDependOnTheThreadCount) {
  const int threads = num_threads();
  Tensor x = random_tensor({1000, 1000}, float32, -1, 1, 5);
  auto run = [&] {
    return std::vector<std::vector<float>>{{sum(x).item<float>()},
                                           sum(x, {0}).to_vector<float>(),
                                           sum(x, {1}).to_vector<float>(),
                                           sum(x.transpose(), {1}).to_vector<float>(),
                                           {sum(x.reshape({1000000})).item<float>()},
                                           mean(x, {0}).to_vector<float>()};
  };
  set_num_threads(1);
  const auto one = run();
  set_num_threads(2);
  const auto two = run();
  set_num_threads(threads);
  ASSERT_EQ(one.size(), two.size());
  for (size_t i = 0; i < one.size(); ++i) {
    ASSERT_EQ(one[i].size(), two[i].size());
    for (size_t j = 0; j < one[i].size(); ++j) {
      EXPECT_EQ(std::memcmp(&one[i][j], &two[i][j], sizeof(float)), 0) << i << " " << j;
    }
  }
}

}  // namespace
