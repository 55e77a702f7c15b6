// Golden NumPy agreement for reductions and binary type promotion: inputs and NumPy's outputs
// (values and dtypes) were written by tests/golden/generate.py into numpy_cases.npz, listed in
// numpy_cases.txt.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nabla/nabla.hpp>
#include <sstream>
#include <string>

namespace {
using namespace nabla;

const std::filesystem::path kGolden = NABLA_TEST_GOLDEN_DIR;

/// "0,2;1" -> axes {0, 2}, keepdims true; "-;0" -> all axes.
std::pair<std::vector<int64_t>, bool> parse_reduction(const std::string& arg) {
  const auto semicolon = arg.find(';');
  std::vector<int64_t> axes;
  std::istringstream list(arg.substr(0, semicolon));
  for (std::string axis; std::getline(list, axis, ',');) {
    if (axis != "-") axes.push_back(std::stoll(axis));
  }
  return {axes, arg.substr(semicolon + 1) == "1"};
}

Tensor run(const std::string& op, const std::string& arg, const std::vector<Tensor>& in) {
  if (op == "add") return add(in[0], in[1]);
  if (op == "divide") return div(in[0], in[1]);
  if (op == "maximum") return maximum(in[0], in[1]);
  if (op == "less") return less(in[0], in[1]);
  const auto [axes, keepdims] = parse_reduction(arg);
  if (op == "argmax") return argmax(in[0], axes.at(0), keepdims);
  if (op == "argmin") return argmin(in[0], axes.at(0), keepdims);
  using Reduction = Tensor (*)(const Tensor&, const Axes&, bool);
  const std::map<std::string, Reduction> reductions = {
      {"sum", &sum},
      {"mean", &mean},
      {"prod", &prod},
      {"max", &max},
      {"min", &min},
      {"all", &all},
      {"any", &any},
      {"logsumexp", &logsumexp},
      {"var", [](const Tensor& x, const Axes& a, bool k) { return var(x, a, k); }},
      {"std", [](const Tensor& x, const Axes& a, bool k) { return nabla::std(x, a, k); }},
  };
  return reductions.at(op)(in[0], axes, keepdims);
}

TEST(GoldenNumPy, ReductionsAndPromotionAgreeWithNumPy) {
  std::ifstream manifest(kGolden / "numpy_cases.txt");
  ASSERT_TRUE(manifest) << "missing " << kGolden / "numpy_cases.txt"
                        << " (run /usr/bin/python3 tests/golden/generate.py)";
  const auto arrays = load_npz(kGolden / "numpy_cases.npz");
  int cases = 0;
  for (std::string line; std::getline(manifest, line); ++cases) {
    std::istringstream fields(line);
    std::string name, op, arg, count;
    ASSERT_TRUE(std::getline(fields, name, '\t') && std::getline(fields, op, '\t') &&
                std::getline(fields, arg, '\t') && std::getline(fields, count, '\t'))
        << line;
    SCOPED_TRACE(name);
    std::vector<Tensor> inputs;
    for (int i = 0; i < std::stoi(count); ++i) {
      inputs.push_back(arrays.at(name + ".in" + std::to_string(i)));
    }
    const Tensor want = arrays.at(name + ".out");
    const Tensor got = run(op, arg, inputs);
    ASSERT_EQ(got.dtype(), want.dtype());
    ASSERT_EQ(got.shape(), want.shape());
    const auto g = got.to_vector<double>(), w = want.to_vector<double>();
    const double tolerance = got.dtype() == float32 ? 1e-5 : 1e-12;
    for (size_t i = 0; i < g.size(); ++i) {
      if (std::isnan(w[i])) {
        EXPECT_TRUE(std::isnan(g[i])) << "element " << i;
      } else if (std::isinf(w[i])) {
        EXPECT_EQ(g[i], w[i]) << "element " << i;
      } else {
        EXPECT_NEAR(g[i], w[i], tolerance * (1 + std::abs(w[i]))) << "element " << i;
      }
    }
  }
  EXPECT_GT(cases, 100);
}

}  // namespace
