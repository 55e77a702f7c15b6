// Golden NumPy agreement for matmul, tensordot and einsum: inputs and NumPy's outputs were saved
// by tests/golden/generate.py (listed in contraction_cases.txt) and are read with load_npy.
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

/// "1,0;0,2" -> {{1, 0}, {0, 2}}.
std::vector<std::vector<int64_t>> parse_axes(const std::string& text) {
  std::vector<std::vector<int64_t>> axes(1);
  std::string number;
  for (char c : text + ";") {
    if (c == ',' || c == ';') {
      if (!number.empty()) axes.back().push_back(std::stoll(number));
      number.clear();
      if (c == ';') axes.emplace_back();
    } else {
      number += c;
    }
  }
  axes.pop_back();
  return axes;
}

TEST(GoldenContraction, AgreesWithNumPy) {
  std::ifstream manifest(kGolden / "contraction_cases.txt");
  ASSERT_TRUE(manifest) << "missing " << kGolden / "contraction_cases.txt"
                        << " (run /usr/bin/python3 tests/golden/generate.py)";
  std::string line;
  int cases = 0;
  while (std::getline(manifest, line)) {
    std::istringstream fields(line);
    std::string name, op, arg, count;
    ASSERT_TRUE(std::getline(fields, name, '\t') && std::getline(fields, op, '\t') &&
                std::getline(fields, arg, '\t') && std::getline(fields, count, '\t'))
        << line;
    SCOPED_TRACE(name + ": " + op + " " + arg);
    std::vector<Tensor> inputs;
    for (int i = 0; i < std::stoi(count); ++i) {
      inputs.push_back(
          load_npy(kGolden / ("contraction_" + name + "_in" + std::to_string(i) + ".npy")));
    }
    const Tensor want = load_npy(kGolden / ("contraction_" + name + "_out.npy"));
    Tensor got;
    if (op == "einsum") {
      got = einsum(arg, inputs);
    } else if (op == "tensordot") {
      got = arg.find(';') == std::string::npos ? tensordot(inputs[0], inputs[1], std::stoll(arg))
                                               : tensordot(inputs[0], inputs[1], parse_axes(arg));
    } else {
      ASSERT_EQ(op, "matmul");
      got = matmul(inputs[0], inputs[1]);
    }
    EXPECT_EQ(got.dtype(), want.dtype());
    ASSERT_EQ(got.shape(), want.shape());
    const double tol = want.dtype() == float32 ? 1e-5 : want.dtype() == float64 ? 1e-12 : 0.0;
    const std::vector<double> g = got.to_vector<double>(), w = want.to_vector<double>();
    for (size_t i = 0; i < g.size(); ++i) {
      EXPECT_LE(std::abs(g[i] - w[i]), tol * (1.0 + std::abs(w[i]))) << "element " << i;
    }
    ++cases;
  }
  EXPECT_GE(cases, 20);
}

}  // namespace
