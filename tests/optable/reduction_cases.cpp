// Op-table rows for the reduction family: each reduction over a few axis sets and dtypes, against
// a reference that applies a function to each output's group of values.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "optable/op_table.hpp"

namespace optable {
namespace {

using namespace nabla;
using Group = std::vector<double>;

/// y[o] = fn(values reduced into o), the groups as in NumPy (empty axes = all).
Ref groupwise(const Ref& x, std::vector<int64_t> axes, bool keepdims,
              const std::function<double(const Group&)>& fn) {
  const auto rank = static_cast<int64_t>(x.shape.size());
  if (axes.empty()) {
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  }
  for (int64_t& a : axes) a = a < 0 ? a + rank : a;
  // reduce() gives the output's shape; each group collects its values in row-major order.
  Ref out = reduce(x, axes, keepdims, 0.0, [](double, double) { return 0.0; });
  std::vector<Group> groups(static_cast<size_t>(out.numel()));
  const auto strides = row_major_strides(x.shape);
  for (int64_t flat = 0; flat < x.numel(); ++flat) {
    int64_t o = 0, rest = flat;
    for (int64_t d = 0; d < rank; ++d) {
      const int64_t i = rest / strides[static_cast<size_t>(d)];
      rest %= strides[static_cast<size_t>(d)];
      if (std::find(axes.begin(), axes.end(), d) == axes.end()) {
        o = o * x.shape[static_cast<size_t>(d)] + i;
      }
    }
    groups[static_cast<size_t>(o)].push_back(x.data[static_cast<size_t>(flat)]);
  }
  for (size_t o = 0; o < groups.size(); ++o) out.data[o] = fn(groups[o]);
  return out;
}

double group_sum(const Group& g) { return std::accumulate(g.begin(), g.end(), 0.0); }
double group_mean(const Group& g) { return group_sum(g) / static_cast<double>(g.size()); }
double group_var(const Group& g, int64_t ddof) {
  const double m = group_mean(g);
  double ss = 0;
  for (double v : g) ss += (v - m) * (v - m);
  return ss / static_cast<double>(static_cast<int64_t>(g.size()) - ddof);
}
double group_logsumexp(const Group& g) {
  const double m = *std::max_element(g.begin(), g.end());
  double s = 0;
  for (double v : g) s += std::exp(v - m);
  return m + std::log(s);
}

using ReduceFn = std::function<Tensor(const Tensor&, const Axes&, bool)>;

OpCase reduce_case(std::string name, ReduceFn fn, std::function<double(const Group&)> ref,
                   InputSpec in, std::vector<int64_t> axes, bool keepdims, DType out,
                   double tol = 1e-5) {
  return OpCase{
      std::move(name),
      {std::move(in)},
      [fn, axes, keepdims](const std::vector<Tensor>& x) { return fn(x[0], axes, keepdims); },
      [ref, axes, keepdims](const std::vector<Ref>& r) {
        return groupwise(r[0], axes, keepdims, ref);
      },
      out,
      tol};
}

OpCase arg_case(std::string name, Tensor (*fn)(const Tensor&, int64_t, bool), bool is_max,
                InputSpec in, int64_t axis, bool keepdims) {
  return OpCase{
      std::move(name),
      {std::move(in)},
      [fn, axis, keepdims](const std::vector<Tensor>& x) { return fn(x[0], axis, keepdims); },
      [is_max, axis, keepdims](const std::vector<Ref>& r) {
        return groupwise(r[0], {axis}, keepdims, [is_max](const Group& g) {
          const auto it =
              is_max ? std::max_element(g.begin(), g.end()) : std::min_element(g.begin(), g.end());
          return static_cast<double>(it - g.begin());
        });
      },
      int64,
      0};
}

const Shape k3d{4, 5, 6};
const InputSpec kF32{k3d, float32}, kF64{k3d, float64}, kI32{k3d, int32, -9, 9};

ReduceFn wrap(Tensor (*fn)(const Tensor&, const Axes&, bool)) { return fn; }

NABLA_OP_CASES({
    reduce_case("sum_f32_all", wrap(&sum), &group_sum, kF32, {}, false, float32),
    reduce_case("sum_f32_last_keepdims", wrap(&sum), &group_sum, kF32, {-1}, true, float32),
    reduce_case("sum_f64_first_last", wrap(&sum), &group_sum, kF64, {0, 2}, false, float64, 1e-12),
    reduce_case("sum_i32_widens", wrap(&sum), &group_sum, kI32, {1}, false, int64, 0),
    reduce_case("sum_bool_counts", wrap(&sum), &group_sum, {k3d, bool_}, {0}, false, int64, 0),
    reduce_case(
        "prod_f32_middle", wrap(&prod),
        [](const Group& g) {
          return std::accumulate(g.begin(), g.end(), 1.0, std::multiplies<>());
        },
        {k3d, float32, 0.5, 1.5}, {1}, false, float32),
    reduce_case(
        "min_f64_last_keepdims", wrap(&min),
        [](const Group& g) { return *std::min_element(g.begin(), g.end()); }, kF64, {-1}, true,
        float64, 0),
    reduce_case(
        "max_f32_first", wrap(&max),
        [](const Group& g) { return *std::max_element(g.begin(), g.end()); }, kF32, {0}, false,
        float32, 0),
    reduce_case(
        "min_i32_all_keepdims", wrap(&min),
        [](const Group& g) { return *std::min_element(g.begin(), g.end()); }, kI32, {}, true, int32,
        0),
    reduce_case("mean_f32_last", wrap(&mean), &group_mean, kF32, {2}, false, float32),
    reduce_case("mean_i32_promotes", wrap(&mean), &group_mean, kI32, {0, 1}, false, float64, 1e-12),
    reduce_case(
        "var_f64_middle", wrap([](const Tensor& x, const Axes& a, bool k) { return var(x, a, k); }),
        [](const Group& g) { return group_var(g, 0); }, kF64, {1}, false, float64, 1e-12),
    reduce_case(
        "std_f32_ddof1",
        wrap([](const Tensor& x, const Axes& a, bool k) { return nabla::std(x, a, k, 1); }),
        [](const Group& g) { return std::sqrt(group_var(g, 1)); }, kF32, {0, 2}, true, float32),
    reduce_case("logsumexp_f32_last", wrap(&logsumexp), &group_logsumexp, {k3d, float32, -30, 30},
                {-1}, false, float32),
    reduce_case(
        "all_i32_first", wrap(&all),
        [](const Group& g) {
          return double(std::all_of(g.begin(), g.end(), [](double v) { return v != 0; }));
        },
        {k3d, int32, -1, 1}, {0}, false, bool_, 0),
    reduce_case(
        "any_i32_last_two", wrap(&any),
        [](const Group& g) {
          return double(std::any_of(g.begin(), g.end(), [](double v) { return v != 0; }));
        },
        {k3d, int32, 0, 1}, {1, 2}, false, bool_, 0),
    arg_case("argmax_f32_last", &argmax, true, kF32, -1, false),
    arg_case("argmax_i32_first_ties", &argmax, true, {k3d, int32, -2, 2}, 0, true),
    arg_case("argmin_f64_middle", &argmin, false, kF64, 1, false),
});

// uint8 rows: sum and prod accumulate in int64 (NumPy gives uint64 on Linux; nabla has no uint64
// and documents int64), max/min keep uint8, mean/var compute in float64.
const InputSpec kU8{k3d, uint8, 0, 255};

NABLA_OP_CASES({
    reduce_case("sum_u8_widens_i64", wrap(&sum), &group_sum, kU8, {}, false, int64, 0),
    reduce_case("sum_u8_middle_keepdims", wrap(&sum), &group_sum, kU8, {1}, true, int64, 0),
    reduce_case(
        "prod_u8_widens_i64", wrap(&prod),
        [](const Group& g) {
          return std::accumulate(g.begin(), g.end(), 1.0, std::multiplies<>());
        },
        {k3d, uint8, 0, 9}, {1}, false, int64, 0),
    reduce_case(
        "max_u8_last", wrap(&max),
        [](const Group& g) { return *std::max_element(g.begin(), g.end()); }, kU8, {-1}, false,
        uint8, 0),
    reduce_case(
        "min_u8_all", wrap(&min),
        [](const Group& g) { return *std::min_element(g.begin(), g.end()); }, kU8, {}, false, uint8,
        0),
    reduce_case("mean_u8_promotes_f64", wrap(&mean), &group_mean, kU8, {0, 2}, false, float64,
                1e-12),
    reduce_case(
        "var_u8_promotes_f64",
        wrap([](const Tensor& x, const Axes& a, bool k) { return var(x, a, k); }),
        [](const Group& g) { return group_var(g, 0); }, kU8, {1}, false, float64, 1e-12),
    reduce_case("logsumexp_u8_f32", wrap(&logsumexp), &group_logsumexp, {k3d, uint8, 0, 30}, {-1},
                false, float32),
    reduce_case(
        "any_u8_first", wrap(&any),
        [](const Group& g) {
          return double(std::any_of(g.begin(), g.end(), [](double v) { return v != 0; }));
        },
        {k3d, uint8, 0, 1}, {0}, false, bool_, 0),
    reduce_case(
        "all_u8_last", wrap(&all),
        [](const Group& g) {
          return double(std::all_of(g.begin(), g.end(), [](double v) { return v != 0; }));
        },
        {k3d, uint8, 0, 3}, {-1}, false, bool_, 0),
    arg_case("argmax_u8_first_ties", &argmax, true, {k3d, uint8, 0, 2}, 0, false),
    arg_case("argmin_u8_last_ties", &argmin, false, {k3d, uint8, 0, 2}, -1, true),
});

}  // namespace
}  // namespace optable
