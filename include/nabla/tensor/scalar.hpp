// A dynamically typed number (bool, integer or floating) for fill values, scalar operands and
// item(). Scalars are "weak" in promotion like Python scalars in NumPy 2 (NEP 50).
#pragma once

#include <cstdint>
#include <ostream>

#include "nabla/tensor/dtype.hpp"

namespace nabla {

class Scalar {
 public:
  enum class Kind : uint8_t { Bool, Int, Float };

  Scalar() : Scalar(int64_t{0}) {}
  Scalar(bool v) : kind_(Kind::Bool), int_(v), float_(v) {}  // NOLINT: implicit by design
  template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) Scalar(T v)
      : kind_(Kind::Int), int_(static_cast<int64_t>(v)), float_(static_cast<double>(v)) {}
  template <class T>
  requires std::is_floating_point_v<T> Scalar(T v)
      : kind_(Kind::Float), int_(saturate(static_cast<double>(v))), float_(v) {}

  [[nodiscard]] Kind kind() const { return kind_; }
  [[nodiscard]] bool is_floating() const { return kind_ == Kind::Float; }
  [[nodiscard]] bool is_bool() const { return kind_ == Kind::Bool; }

  /// The value converted to T (C++ conversion rules; a complex T gets it as its real part).
  template <class T>
  [[nodiscard]] T to() const {
    if constexpr (is_complex_v<T>) {
      return T(to<typename T::value_type>(), 0);
    } else if constexpr (std::is_same_v<T, bool>) {
      return kind_ == Kind::Float ? float_ != 0.0 : int_ != 0;
    } else if constexpr (std::is_floating_point_v<T>) {
      return kind_ == Kind::Float ? static_cast<T>(float_) : static_cast<T>(int_);
    } else {  // float -> integer saturates (NaN -> 0) instead of C++'s undefined behaviour
      return kind_ == Kind::Float ? static_cast<T>(saturate(float_)) : static_cast<T>(int_);
    }
  }

  /// The dtype a scalar alone would have (NumPy's defaults: bool, int64, float64).
  [[nodiscard]] DType default_dtype() const {
    return kind_ == Kind::Bool ? DType::Bool : (kind_ == Kind::Int ? DType::Int64 : DType::Float64);
  }
  /// NEP 50: the result dtype of an array of `array_dtype` combined with this weak scalar.
  /// A scalar of the same or a lower kind keeps the array's dtype (float32 * 2.0 -> float32,
  /// complex64 * 2.0 -> complex64); a higher kind gives that kind's default (int32 * 0.5 ->
  /// float64).
  [[nodiscard]] DType promote_with(DType array_dtype) const {
    const int array_kind = is_floating_dtype_kind(array_dtype);
    const int scalar_kind = static_cast<int>(kind_);
    return scalar_kind <= array_kind ? array_dtype : default_dtype();
  }

  friend bool operator==(const Scalar& a, const Scalar& b) {
    return a.kind_ == b.kind_ && a.int_ == b.int_ &&
           (a.float_ == b.float_ || (a.float_ != a.float_ && b.float_ != b.float_));
  }
  friend std::ostream& operator<<(std::ostream& out, const Scalar& s) {
    if (s.kind_ == Kind::Bool) return out << (s.int_ ? "True" : "False");
    if (s.kind_ == Kind::Int) return out << s.int_;
    return out << s.float_;
  }

 private:
  /// double -> int64 without undefined behaviour: NaN -> 0, out-of-range values saturate.
  static int64_t saturate(double v) {
    if (!(v == v)) return 0;
    if (v >= 9.2233720368547758e18) return INT64_MAX;
    if (v <= -9.2233720368547758e18) return INT64_MIN;
    return static_cast<int64_t>(v);
  }
  static int is_floating_dtype_kind(DType t) {  // complex ranks above every scalar kind
    if (nabla::is_complex(t)) return 3;
    return t == DType::Bool ? 0 : (nabla::is_floating(t) ? 2 : 1);
  }
  Kind kind_;
  int64_t int_;
  double float_;
};

}  // namespace nabla
