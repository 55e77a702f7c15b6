// Test helpers for the contraction family: random tensors with exactly representable values, a
// row-major double array, and a brute-force Einstein-summation reference (every index assignment
// enumerated; extent-1 axes broadcast) that matmul, tensordot, dot and einsum are checked against.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nabla/nabla.hpp>
#include <random>
#include <string>
#include <vector>

namespace contraction_test {

/// A row-major double array: the reference computes on these.
struct Ref {
  std::vector<int64_t> shape;
  std::vector<double> data;
};

inline Ref to_ref(const nabla::Tensor& t) { return {t.shape().dims(), t.to_vector<double>()}; }

/// Random values of `dtype`: small integers for ints (exact products; uint8 0..3, so that short
/// sums of products stay below 256), 0/1 for bool, uniform in [-1, 1] for floats.
inline nabla::Tensor random_tensor(const nabla::Shape& shape, nabla::DType dtype, uint32_t seed) {
  std::mt19937 gen(seed);
  std::vector<double> values(static_cast<size_t>(shape.numel()));
  for (double& v : values) {
    if (dtype == nabla::bool_) {
      v = static_cast<double>(std::uniform_int_distribution<int>(0, 1)(gen));
    } else if (nabla::is_unsigned(dtype)) {
      v = static_cast<double>(std::uniform_int_distribution<int>(0, 3)(gen));
    } else if (nabla::is_integral(dtype)) {
      v = static_cast<double>(std::uniform_int_distribution<int>(-4, 4)(gen));
    } else {
      v = std::uniform_real_distribution<double>(-1.0, 1.0)(gen);
    }
  }
  return nabla::from_vector(values, shape).astype(dtype);
}

/// Brute-force einsum over letter labels: `inputs` like "ij,jk", `output` like "ik". An operand
/// axis of extent 1 broadcasts against its label's extent elsewhere. bool results are OR-of-AND.
inline Ref einsum_ref(const std::string& inputs, const std::string& output,
                      const std::vector<Ref>& operands, bool boolean = false) {
  std::vector<std::string> terms(1);
  for (char c : inputs) {
    if (c == ',') {
      terms.emplace_back();
    } else {
      terms.back() += c;
    }
  }
  EXPECT_EQ(terms.size(), operands.size());
  std::map<char, int64_t> extent;
  for (size_t i = 0; i < terms.size(); ++i) {
    EXPECT_EQ(terms[i].size(), operands[i].shape.size()) << "reference term " << terms[i];
    for (size_t j = 0; j < terms[i].size(); ++j) {
      int64_t& e = extent.try_emplace(terms[i][j], 1).first->second;
      if (operands[i].shape[j] != 1) e = operands[i].shape[j];
    }
  }
  std::vector<char> letters;
  for (const auto& [c, e] : extent) letters.push_back(c);
  Ref out;
  for (char c : output) out.shape.push_back(extent[c]);
  int64_t out_size = 1, total = 1;
  for (int64_t e : out.shape) out_size *= e;
  for (char c : letters) total *= extent[c];
  out.data.assign(static_cast<size_t>(out_size), 0.0);
  std::map<char, int64_t> index;
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t rest = flat;
    for (auto it = letters.rbegin(); it != letters.rend(); ++it) {
      index[*it] = rest % extent[*it];
      rest /= extent[*it];
    }
    double product = 1.0;
    for (size_t i = 0; i < terms.size(); ++i) {
      int64_t offset = 0;
      for (size_t j = 0; j < terms[i].size(); ++j) {
        const int64_t e = operands[i].shape[j];
        offset = offset * e + (e == 1 ? 0 : index[terms[i][j]]);
      }
      product *= operands[i].data[static_cast<size_t>(offset)];
    }
    int64_t target = 0;
    for (char c : output) target = target * extent[c] + index[c];
    out.data[static_cast<size_t>(target)] += product;
  }
  if (boolean) {
    for (double& v : out.data) v = v != 0.0 ? 1.0 : 0.0;
  }
  return out;
}

/// |got - want| <= tol * (1 + |want|) elementwise, shapes equal.
inline void expect_close(const nabla::Tensor& got, const Ref& want, double tol) {
  ASSERT_EQ(got.shape(), nabla::Shape(want.shape));
  const std::vector<double> values = got.to_vector<double>();
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_LE(std::abs(values[i] - want.data[i]), tol * (1.0 + std::abs(want.data[i])))
        << "element " << i << ": got " << values[i] << ", want " << want.data[i];
  }
}

/// Tolerance for results of `dtype` (exact for ints and bool).
inline double tolerance(nabla::DType dtype) {
  if (dtype == nabla::float32) return 1e-5;
  if (dtype == nabla::float64) return 1e-12;
  return 0.0;
}

}  // namespace contraction_test
