// The scalar math of every elementwise op, written once. CPU and CUDA kernels are generic
// templates over these functors (design.md §2; candle's UnaryOpT, ggml's unary_op); complex
// numbers are Complex<R> (complex_number.hpp), std::complex or libcu++'s as the code compiles.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "backend/complex_number.hpp"
#include "backend/vector_math.hpp"
#include "nabla/tensor/dtype.hpp"

#ifndef NABLA_HOST_DEVICE
#define NABLA_HOST_DEVICE
#endif

namespace nabla::scalar {

/// The dtypes a core elementwise op accepts (see elementwise_ops.def).
enum class Accepts { All, Numeric, Floating, Boolean };
enum class Result { Same, Bool };

/// Complex dtypes pass for every family but Boolean: whether an op takes them at all is
/// decided by complex_result (dispatch refuses them to the others before infer runs).
[[nodiscard]] constexpr bool accepts(Accepts a, DType t) {
  switch (a) {
    case Accepts::All:
      return true;
    case Accepts::Numeric:
      return t != DType::Bool;
    case Accepts::Floating:
      return is_floating(t) || is_complex(t);
    case Accepts::Boolean:
      return t == DType::Bool;
  }
  return false;
}

/// What an elementwise op gives for complex inputs (NABLA_COMPLEX_OP in elementwise_ops.def).
enum class ComplexResult { None, Same, Real };

[[nodiscard]] constexpr ComplexResult complex_result(std::string_view op) {
#define NABLA_COMPLEX_OP(name, result) \
  if (op == #name) return ComplexResult::result;
#include "backend/elementwise_ops.def"
  return ComplexResult::None;
}

/// Calls fn(T{}) for the dtypes an op of family `A` takes (the op's infer rule rejects the
/// others), complex ones when the op takes them (C): the one dtype switch of the elementwise
/// kernels of every backend. Host code.
template <Accepts A, ComplexResult C, class Fn>
void visit_accepted(DType t, Fn&& fn) {
  if constexpr (C != ComplexResult::None) {
    if (t == DType::Complex64) return fn(Complex<float>{});
    if (t == DType::Complex128) return fn(Complex<double>{});
  }
  if constexpr (A == Accepts::Boolean) {
    fn(bool{});
  } else if constexpr (A == Accepts::Floating) {
    t == DType::Float32 ? fn(float{}) : fn(double{});
  } else {
    visit_dtype(t, [&]<class T>(T) {
      if constexpr (A == Accepts::All || !std::is_same_v<T, bool>) fn(T{});
    });
  }
}

template <class T>
NABLA_HOST_DEVICE constexpr bool is_nan(T x) {
  if constexpr (std::is_floating_point_v<T>) return x != x;
  return false;
}

struct Neg {  // unsigned wraps around as NumPy's: -uint8(1) == 255
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return static_cast<T>(-x);
  }
};
struct Abs {  // unsigned: the identity; complex: the magnitude (a real number)
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    if constexpr (std::is_unsigned_v<T>) {
      return x;
    } else {
      return x < T(0) ? -x : x;
    }
  }
  template <class T>
  NABLA_HOST_DEVICE T operator()(Complex<T> x) const {
    return complex_math::abs(x);
  }
};
struct Sign {  // NaN stays NaN (NumPy); unsigned: 0 or 1
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    if (is_nan(x)) return x;
    if constexpr (std::is_unsigned_v<T>) {
      return static_cast<T>(x != T(0));
    } else {
      return static_cast<T>((T(0) < x) - (x < T(0)));
    }
  }
};
struct Relu {  // relu(NaN) = NaN, as PyTorch; unsigned: the identity
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    if constexpr (std::is_unsigned_v<T>) {
      return x;
    } else {
      return x < T(0) ? T(0) : x;
    }
  }
};
struct ReluGrad {  // relu's gradient from its output: g where y > 0 (relu'(0) = 0, as PyTorch)
  template <class T>
  NABLA_HOST_DEVICE T operator()(T g, T y) const {
    return y > T(0) ? g : T(0);
  }
};
struct Square {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return x * x;
  }
};
struct Exp {  // float: vector_math's branch-free exp, so the loops vectorise
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) return vector_math::exp(x);
    return std::exp(x);
  }
};
struct Log {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::log(x);
  }
};
struct Sqrt {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::sqrt(x);
  }
};
struct Sin {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::sin(x);
  }
};
struct Cos {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::cos(x);
  }
};
struct Tanh {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) return vector_math::tanh(x);
    return std::tanh(x);
  }
};
struct Sigmoid {  // never overflows: exp of a non-positive number only
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) return vector_math::sigmoid(x);
    const T e = std::exp(-std::abs(x));
    return x >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e);
  }
};
struct Erf {  // the Gauss error function (exact GELU needs it)
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::erf(x);
  }
};
struct Log1p {  // log(1 + x), accurate for tiny x (stable softplus needs it)
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::log1p(x);
  }
};
struct Expm1 {  // exp(x) - 1, accurate for tiny x (elu, selu)
  template <class T>
  NABLA_HOST_DEVICE T operator()(T x) const {
    return std::expm1(x);
  }
};
struct LogicalNot {
  NABLA_HOST_DEVICE bool operator()(bool x) const { return !x; }
};

struct Add {  // bool + bool is logical or, as NumPy
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    return static_cast<T>(a + b);
  }
};
struct Sub {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    return a - b;
  }
};
struct Mul {  // bool * bool is logical and
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    return static_cast<T>(a * b);
  }
};
struct Div {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    return a / b;
  }
};
struct Pow {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T base, T exponent) const {
    if constexpr (std::is_floating_point_v<T>) {
      return std::pow(base, exponent);
    } else {  // exact integer power by squaring; negative exponents give 0 unless |base| = 1
      if constexpr (std::is_signed_v<T>) {
        if (exponent < 0)
          return base == 1 ? T(1) : (base == -1 ? (exponent % 2 ? T(-1) : T(1)) : T(0));
      }
      T result = 1;
      for (T e = exponent, b = base; e > 0; e >>= 1, b *= b) {
        if (e & 1) result *= b;
      }
      return result;
    }
  }
};
struct Maximum {  // NaN-propagating, as NumPy's maximum
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    if (is_nan(a)) return a;
    return a < b || is_nan(b) ? b : a;
  }
};
struct Minimum {
  template <class T>
  NABLA_HOST_DEVICE T operator()(T a, T b) const {
    if (is_nan(a)) return a;
    return b < a || is_nan(b) ? b : a;
  }
};
struct Equal {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a == b;
  }
};
struct NotEqual {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a != b;
  }
};
struct Less {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a < b;
  }
};
struct LessEqual {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a <= b;
  }
};
struct Greater {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a > b;
  }
};
struct GreaterEqual {
  template <class T>
  NABLA_HOST_DEVICE bool operator()(T a, T b) const {
    return a >= b;
  }
};
struct LogicalAnd {
  NABLA_HOST_DEVICE bool operator()(bool a, bool b) const { return a && b; }
};
struct LogicalOr {
  NABLA_HOST_DEVICE bool operator()(bool a, bool b) const { return a || b; }
};

// ---- The complex-number ops (ops/complex.cpp).

struct Real {
  template <class R>
  NABLA_HOST_DEVICE R operator()(Complex<R> z) const {
    return z.real();
  }
};
struct Imag {
  template <class R>
  NABLA_HOST_DEVICE R operator()(Complex<R> z) const {
    return z.imag();
  }
};
struct Conj {
  template <class R>
  NABLA_HOST_DEVICE Complex<R> operator()(Complex<R> z) const {
    return complex_math::conj(z);
  }
};
struct Angle {  // atan2(imag, real)
  template <class R>
  NABLA_HOST_DEVICE R operator()(Complex<R> z) const {
    return complex_math::arg(z);
  }
};
struct MakeComplex {  // complex(re, im)
  template <class R>
  NABLA_HOST_DEVICE Complex<R> operator()(R re, R im) const {
    return Complex<R>(re, im);
  }
};

}  // namespace nabla::scalar
