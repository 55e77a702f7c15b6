// The op-table driver: every registered case runs contiguous and strided, against its
// double-precision reference.
#include "optable/op_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <span>

#include "ops/dispatch.hpp"

namespace optable {

int64_t Ref::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::vector<OpCase>& registry() {
  static std::vector<OpCase> cases;
  return cases;
}
Registrar::Registrar(std::vector<OpCase> cases) {
  for (auto& c : cases) registry().push_back(std::move(c));
}

std::vector<int64_t> row_major_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i) {
    strides[static_cast<size_t>(i)] =
        strides[static_cast<size_t>(i + 1)] * shape[static_cast<size_t>(i + 1)];
  }
  return strides;
}

double wrap_uint8(double v) { return v - 256.0 * std::floor(v / 256.0); }

Ref map(const Ref& x, const std::function<double(double)>& f) {
  Ref y = x;
  for (double& v : y.data) v = f(v);
  return y;
}

Ref zip(const Ref& a, const Ref& b, const std::function<double(double, double)>& f) {
  const size_t rank = std::max(a.shape.size(), b.shape.size());
  auto padded = [&](const Ref& r) {
    std::vector<int64_t> s(rank - r.shape.size(), 1);
    s.insert(s.end(), r.shape.begin(), r.shape.end());
    return s;
  };
  const auto sa = padded(a), sb = padded(b);
  Ref out;
  for (size_t i = 0; i < rank; ++i) out.shape.push_back(sa[i] == 1 ? sb[i] : sa[i]);
  const auto ta = row_major_strides(sa), tb = row_major_strides(sb),
             to = row_major_strides(out.shape);
  out.data.resize(static_cast<size_t>(out.numel()));
  for (int64_t flat = 0; flat < out.numel(); ++flat) {
    int64_t ia = 0, ib = 0, rest = flat;
    for (size_t d = 0; d < rank; ++d) {
      const int64_t idx = rest / to[d];
      rest %= to[d];
      if (sa[d] != 1) ia += idx * ta[d];
      if (sb[d] != 1) ib += idx * tb[d];
    }
    out.data[static_cast<size_t>(flat)] =
        f(a.data[static_cast<size_t>(ia)], b.data[static_cast<size_t>(ib)]);
  }
  return out;
}

Ref reduce(const Ref& x, std::vector<int64_t> axes, bool keepdims, double init,
           const std::function<double(double, double)>& f) {
  const auto rank = static_cast<int64_t>(x.shape.size());
  if (axes.empty()) {
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  for (auto& a : axes) a = a < 0 ? a + rank : a;
  std::vector<int64_t> kept_shape = x.shape;
  for (int64_t a : axes) kept_shape[static_cast<size_t>(a)] = 1;
  Ref out;
  out.shape = kept_shape;
  out.data.assign(static_cast<size_t>(out.numel()), init);
  const auto tx = row_major_strides(x.shape), to = row_major_strides(kept_shape);
  for (int64_t flat = 0; flat < x.numel(); ++flat) {
    int64_t io = 0, rest = flat;
    for (int64_t d = 0; d < rank; ++d) {
      const int64_t idx = rest / tx[static_cast<size_t>(d)];
      rest %= tx[static_cast<size_t>(d)];
      if (kept_shape[static_cast<size_t>(d)] != 1) io += idx * to[static_cast<size_t>(d)];
    }
    auto& acc = out.data[static_cast<size_t>(io)];
    acc = f(acc, x.data[static_cast<size_t>(flat)]);
  }
  if (!keepdims) {
    std::vector<int64_t> shape;
    for (int64_t d = 0; d < rank; ++d) {
      if (std::find(axes.begin(), axes.end(), d) == axes.end())
        shape.push_back(x.shape[static_cast<size_t>(d)]);
    }
    out.shape = shape;
  }
  return out;
}

namespace {

using nabla::Tensor;

Ref random_ref(const InputSpec& spec, std::mt19937_64& rng) {
  if (nabla::is_unsigned(spec.dtype) && spec.low < 0) {
    ADD_FAILURE() << spec.dtype << " input with low = " << spec.low << " < 0";
  }
  Ref r;
  r.shape = spec.shape.dims();
  r.data.resize(static_cast<size_t>(r.numel()));
  for (double& v : r.data) {
    if (spec.dtype == nabla::bool_) {
      v = static_cast<double>(rng() & 1);
    } else if (nabla::is_integral(spec.dtype)) {
      v = std::floor(std::uniform_real_distribution<double>(spec.low, spec.high + 1)(rng));
      v = std::min(v, spec.high);
    } else {
      v = std::uniform_real_distribution<double>(spec.low, spec.high)(rng);
      if (spec.dtype == nabla::float32) v = static_cast<float>(v);
    }
  }
  return r;
}

Tensor to_tensor(const Ref& r, nabla::DType dtype) {
  return nabla::from_vector(r.data, nabla::Shape(r.shape)).astype(dtype);
}

/// The same values as a non-contiguous tensor: rank >= 2 -> a transposed view of the reversed
/// layout; rank 1 -> every other element of a buffer twice as long.
Tensor to_strided_tensor(const Ref& r, nabla::DType dtype) {
  const auto rank = static_cast<int64_t>(r.shape.size());
  if (rank == 0) return to_tensor(r, dtype);
  if (rank == 1) {
    // The gaps hold a value the op should never see (in range for uint8: no UB converting it).
    const double gap = nabla::is_unsigned(dtype) ? 199.0 : -999.0;
    std::vector<double> doubled(r.data.size() * 2, gap);
    for (size_t i = 0; i < r.data.size(); ++i) doubled[2 * i] = r.data[i];
    Tensor base = nabla::from_vector(doubled).astype(dtype);
    return base.slice(0, 0, static_cast<int64_t>(doubled.size()), 2);
  }
  std::vector<int64_t> reversed(r.shape.rbegin(), r.shape.rend());
  Tensor t = to_tensor(r, dtype);
  Tensor transposed = nabla::transpose(t).contiguous();  // memory in reversed order
  EXPECT_EQ(transposed.shape(), nabla::Shape(reversed));
  return nabla::transpose(transposed);
}

class OpTable : public ::testing::TestWithParam<std::pair<size_t, bool>> {};

TEST_P(OpTable, ForwardMatchesReference) {
  const OpCase& c = registry()[GetParam().first];
  const bool strided = GetParam().second;
  std::mt19937_64 rng(std::hash<std::string>{}(c.name));
  std::vector<Ref> refs;
  std::vector<Tensor> inputs;
  for (const InputSpec& spec : c.inputs) {
    refs.push_back(random_ref(spec, rng));
    inputs.push_back(strided ? to_strided_tensor(refs.back(), spec.dtype)
                             : to_tensor(refs.back(), spec.dtype));
    const auto big_dims =
        std::count_if(spec.shape.begin(), spec.shape.end(), [](int64_t d) { return d > 1; });
    if (strided && (big_dims >= 2 || (spec.shape.rank() == 1 && big_dims == 1))) {
      ASSERT_FALSE(inputs.back().is_contiguous()) << "strided variant must be non-contiguous";
    }
  }
  Tensor got = c.run(inputs);
  Ref want = c.reference(refs);
  ASSERT_EQ(got.dtype(), c.expected_dtype) << c.name;
  ASSERT_EQ(got.shape(), nabla::Shape(want.shape)) << c.name;
  const std::vector<double> values = got.to_vector<double>();
  for (size_t i = 0; i < values.size(); ++i) {
    const double g = values[i], w = want.data[i];
    if (std::isnan(w)) {
      EXPECT_TRUE(std::isnan(g)) << c.name << " element " << i;
    } else if (std::isinf(w)) {
      EXPECT_EQ(g, w) << c.name << " element " << i;
    } else {
      EXPECT_LE(std::abs(g - w), c.tolerance * (1 + std::abs(w)))
          << c.name << " element " << i << ": got " << g << ", want " << w;
    }
  }
}

/// The row's inputs as random tensors (for gradient checks: gradcheck converts floats to float64).
std::vector<Tensor> random_inputs(const OpCase& c) {
  std::mt19937_64 rng(std::hash<std::string>{}(c.name) + 1);
  std::vector<Tensor> inputs;
  for (const InputSpec& spec : c.inputs)
    inputs.push_back(to_tensor(random_ref(spec, rng), spec.dtype));
  return inputs;
}

bool has_floating_input(const OpCase& c) {
  return std::any_of(c.inputs.begin(), c.inputs.end(),
                     [](const InputSpec& s) { return nabla::is_floating(s.dtype); });
}

class OpGradient : public ::testing::TestWithParam<size_t> {};

TEST_P(OpGradient, MatchesFiniteDifferences) {
  const OpCase& c = registry()[GetParam()];
  const std::vector<Tensor> inputs = random_inputs(c);
  const auto first = nabla::testing::gradcheck(c.run, inputs);
  EXPECT_TRUE(first.passed) << c.name << ": first derivatives\n" << first.report;
  if (c.grad_order >= 2) {
    const auto second = nabla::testing::gradgradcheck(c.run, inputs);
    EXPECT_TRUE(second.passed) << c.name << ": second derivatives\n" << second.report;
  }
}

std::vector<size_t> differentiable_cases() {
  std::vector<size_t> rows;
  for (size_t i = 0; i < registry().size(); ++i) {
    const OpCase& c = registry()[i];
    if (c.grad_order > 0 && has_floating_input(c) && nabla::is_floating(c.expected_dtype)) {
      rows.push_back(i);
    }
  }
  return rows;
}

INSTANTIATE_TEST_SUITE_P(Ops, OpGradient, ::testing::ValuesIn(differentiable_cases()),
                         [](const ::testing::TestParamInfo<size_t>& param_info) {
                           return registry()[param_info.param].name;
                         });

// Every op must be differentiable and exercised by a gradient row, except these (with reasons).
const std::set<std::string> kNotDifferentiable = {
    // integer or bool results
    "argmax", "argmin", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "logical_and", "logical_or", "logical_not",
    // no tensor inputs
    "fill", "arange", "linspace", "eye", "random_uniform", "random_normal", "random_randint",
    "random_key",
    // writes into existing tensors (optimizer steps under NoGradGuard; the in-place ops record
    // the new value's history themselves, src/autograd/inplace.cpp)
    "adam_update", "sgd_update", "assign",
    // the fused recurrences' backward sweeps: first derivatives only, as cuDNN's RNNs (the
    // composite cells in nn are twice differentiable)
    "lstm_sequence_backward", "gru_sequence_backward", "simple_rnn_sequence_backward",
    // LU's permutation matrix, built from lu_factor's integer pivots (piecewise constant)
    "linalg_lu_permutation",
    // complex inputs or results: nabla has no complex autograd (ops/complex.cpp,
    // ops/linalg_eig.cpp)
    "real", "imag", "conj", "angle", "complex", "linalg_eig", "linalg_eigvals"};

std::set<std::string>* recorded_ops = nullptr;
decltype(nabla::DispatchHooks::record_gradient) original_hook = nullptr;

void recording_hook(const nabla::OpDef& op, std::span<const Tensor> inputs,
                    const nabla::Attrs& attrs, std::span<Tensor> outputs) {
  recorded_ops->insert(std::string(op.name));
  original_hook(op, inputs, attrs, outputs);
}

TEST(OpGradientCoverage, EveryDifferentiableOpHasAVjpAndAGradientRow) {
  (void)nabla::zeros({1}).requires_grad_();  // installs the autograd hook
  std::set<std::string> seen;
  recorded_ops = &seen;
  original_hook = nabla::dispatch_hooks().record_gradient;
  ASSERT_NE(original_hook, nullptr);
  nabla::dispatch_hooks().record_gradient = &recording_hook;
  for (size_t row : differentiable_cases()) {
    std::vector<Tensor> inputs = random_inputs(registry()[row]);
    for (Tensor& x : inputs) {
      if (nabla::is_floating(x.dtype())) x = x.astype(nabla::float64).requires_grad_();
    }
    (void)registry()[row].run(inputs);
  }
  nabla::dispatch_hooks().record_gradient = original_hook;
  for (const nabla::OpDef* op : nabla::OpRegistry::all()) {
    const std::string name(op->name);
    if (kNotDifferentiable.contains(name)) continue;
    EXPECT_NE(op->vjp, nullptr) << "'" << name << "' has no VJP";
    EXPECT_TRUE(seen.contains(name))
        << "no gradient row of the op table exercises '" << name << "'";
  }
}

// Every row traced with nabla::function (optimised graph) and run on the same inputs: the same
// values as eager execution, and, for differentiable rows, the same gradients flowing back
// through the graph's outputs from eager code.
class OpTraced : public ::testing::TestWithParam<size_t> {};

std::vector<double> flat_values(const std::vector<Tensor>& ts) {
  std::vector<double> out;
  for (const Tensor& t : ts) {
    const std::vector<double> v = t.to_vector<double>();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

void expect_same_values(const std::vector<double>& got, const std::vector<double>& want,
                        const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << what << " element " << i;
    } else {
      EXPECT_EQ(got[i], want[i]) << what << " element " << i;
    }
  }
}

}  // namespace

void expect_same_values(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  expect_same_values(got.to_vector<double>(), want.to_vector<double>(), what);
}

namespace {

TEST_P(OpTraced, GraphAgreesWithEager) {
  const OpCase& c = registry()[GetParam()];
  std::vector<Tensor> inputs = random_inputs(c);
  const bool differentiable =
      c.grad_order > 0 && has_floating_input(c) && nabla::is_floating(c.expected_dtype);
  if (differentiable) {
    for (Tensor& x : inputs) {
      if (nabla::is_floating(x.dtype())) x = x.astype(nabla::float64).requires_grad_();
    }
  }
  auto traced = nabla::function([&](const std::vector<Tensor>& args) { return c.run(args); });
  const nabla::Graph raw = nabla::graph::trace(
      [&](const std::vector<Tensor>& args) { return std::vector<Tensor>{c.run(args)}; },
      [&] {
        std::vector<nabla::ValueSpec> specs;
        for (const Tensor& x : inputs) specs.push_back({x.shape(), x.dtype()});
        return specs;
      }());
  EXPECT_NO_THROW(raw.verify()) << c.name << "\n" << raw.str();
  const nabla::Graph& optimized = traced.graph_for(inputs);
  EXPECT_NO_THROW(optimized.verify()) << c.name << "\n" << optimized.str();

  nabla::random::seed(kRandomSeed);
  const Tensor want = c.run(inputs);
  nabla::random::seed(kRandomSeed);
  const Tensor got = traced(inputs);
  ASSERT_EQ(got.shape(), want.shape()) << c.name;
  ASSERT_EQ(got.dtype(), want.dtype()) << c.name;
  expect_same_values(got.to_vector<double>(), want.to_vector<double>(), c.name + " forward");
  if (!differentiable) return;

  auto gradients = [&](const Tensor& out) {
    for (const Tensor& x : inputs) {
      if (x.requires_grad()) x.zero_grad();
    }
    nabla::sum(out *
               nabla::cos(nabla::arange(0, out.numel()).reshape(out.shape()).astype(out.dtype())))
        .backward();
    std::vector<Tensor> grads;
    for (const Tensor& x : inputs) {
      if (x.requires_grad()) grads.push_back(x.grad().clone());
    }
    return flat_values(grads);
  };
  const std::vector<double> want_grads = gradients(want);
  expect_same_values(gradients(got), want_grads, c.name + " gradients");
}

std::vector<size_t> traced_cases() {
  std::vector<size_t> rows(registry().size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  return rows;
}

INSTANTIATE_TEST_SUITE_P(Ops, OpTraced, ::testing::ValuesIn(traced_cases()),
                         [](const ::testing::TestParamInfo<size_t>& param_info) {
                           return registry()[param_info.param].name;
                         });

std::vector<std::pair<size_t, bool>> all_cases() {
  std::vector<std::pair<size_t, bool>> params;
  for (size_t i = 0; i < registry().size(); ++i) {
    params.emplace_back(i, false);
    if (registry()[i].noncontiguous) params.emplace_back(i, true);
  }
  return params;
}

INSTANTIATE_TEST_SUITE_P(Ops, OpTable, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<std::pair<size_t, bool>>& param_info) {
                           return registry()[param_info.param.first].name +
                                  (param_info.param.second ? "_strided" : "");
                         });

}  // namespace

nabla::Tensor random_tensor(const InputSpec& spec, const nabla::Shape& shape,
                            std::mt19937_64& rng) {
  InputSpec at = spec;
  at.shape = shape;
  return to_tensor(random_ref(at, rng), spec.dtype);
}

}  // namespace optable
