// The op table: one row per op (and per interesting argument set) drives generic suites —
// forward against a double-precision reference on random inputs, contiguous and non-contiguous,
// with the expected dtype; and gradcheck (and gradgradcheck) of every differentiable row. Add
// rows in tests/optable/<family>_cases.cpp with NABLA_OP_CASES.
#pragma once

#include <functional>
#include <nabla/nabla.hpp>
#include <random>
#include <string>
#include <vector>

namespace optable {

/// A row-major double tensor: the reference implementations compute on these.
struct Ref {
  std::vector<int64_t> shape;
  std::vector<double> data;
  [[nodiscard]] int64_t numel() const;
};

struct InputSpec {
  nabla::Shape shape;
  nabla::DType dtype = nabla::float32;
  // Random values uniform in [low, high] (ints: integers in the range). uint8 needs low >= 0:
  // converting a negative double to uint8 is undefined behaviour.
  double low = -2.0;
  double high = 2.0;
};

struct OpCase {
  std::string name;  // unique; used as the test name (letters, digits, underscores)
  std::vector<InputSpec> inputs;
  std::function<nabla::Tensor(const std::vector<nabla::Tensor>&)> run;
  std::function<Ref(const std::vector<Ref>&)> reference;
  nabla::DType expected_dtype;
  double tolerance = 1e-5;    // |got - want| <= tolerance * (1 + |want|)
  bool noncontiguous = true;  // also run with strided (transposed / step-sliced) inputs
  /// Gradient checks in float64 against finite differences: 0 = not differentiable (integer or
  /// bool result, or no floating input), 1 = first derivatives, 2 = also second derivatives.
  int grad_order = 1;
};

/// The seed rows with random ops reseed with inside `run` (so that gradient checks see one mask),
/// and that the traced-graph suite seeds with before running a row both ways: a side effect such
/// as reseeding runs only while tracing, so both runs must start from this state.
constexpr uint64_t kRandomSeed = 1234;

std::vector<OpCase>& registry();
struct Registrar {
  explicit Registrar(std::vector<OpCase> cases);
};

/// Random values for `spec` at `shape` (the driver's conventions: integers in [low, high], bools
/// 0 or 1, floats uniform in [low, high]), as a tensor of spec.dtype.
nabla::Tensor random_tensor(const InputSpec& spec, const nabla::Shape& shape, std::mt19937_64& rng);

/// `got` equals `want` bit for bit (shape, dtype, and every element; NaN where NaN): the graph
/// drivers' check that two ways of running a row agree exactly.
void expect_same_values(const nabla::Tensor& got, const nabla::Tensor& want,
                        const std::string& what);

// ---- reference helpers ----
/// y = f(x) elementwise.
Ref map(const Ref& x, const std::function<double(double)>& f);
/// NumPy-broadcast binary elementwise.
Ref zip(const Ref& a, const Ref& b, const std::function<double(double, double)>& f);
/// Reduction over `axes` (normalised, empty = all) with init and a binary combiner.
Ref reduce(const Ref& x, std::vector<int64_t> axes, bool keepdims, double init,
           const std::function<double(double, double)>& f);
/// v modulo 256 in [0, 256): NumPy's uint8 arithmetic wraps around.
double wrap_uint8(double v);
/// Element at a multi-index / strides of a row-major shape.
std::vector<int64_t> row_major_strides(const std::vector<int64_t>& shape);

}  // namespace optable

#define NABLA_OP_CASES_CONCAT2(a, b) a##b
#define NABLA_OP_CASES_CONCAT(a, b) NABLA_OP_CASES_CONCAT2(a, b)
/// NABLA_OP_CASES({ OpCase{...}, OpCase{...} });
#define NABLA_OP_CASES(...)                                \
  static const ::optable::Registrar NABLA_OP_CASES_CONCAT( \
      op_cases_, __LINE__)(std::vector<::optable::OpCase> __VA_ARGS__)
