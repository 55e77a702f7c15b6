// Element types, their C++ counterparts, NumPy's promotion rules, and visit_dtype, the one place
// that turns a runtime DType into a compile-time type (visit_dtype_with_complex for the kernels
// that also take complex64/complex128).
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <ostream>
#include <string_view>
#include <type_traits>
#include <utility>

#include "nabla/util/error.hpp"

namespace nabla {

enum class DType : uint8_t { Bool, UInt8, Int32, Int64, Float32, Float64, Complex64, Complex128 };
inline constexpr int kNumDTypes = 8;

inline constexpr DType bool_ = DType::Bool;  // `bool` is a keyword; NumPy spells it np.bool_
inline constexpr DType uint8 = DType::UInt8;
inline constexpr DType int32 = DType::Int32;
inline constexpr DType int64 = DType::Int64;
inline constexpr DType float32 = DType::Float32;
inline constexpr DType float64 = DType::Float64;
inline constexpr DType complex64 = DType::Complex64;  // two float32: std::complex<float>
inline constexpr DType complex128 = DType::Complex128;

[[nodiscard]] constexpr size_t dtype_size(DType t) {
  constexpr size_t sizes[] = {1, 1, 4, 8, 4, 8, 8, 16};
  static_assert(std::size(sizes) == kNumDTypes, "one size per DType");
  return sizes[static_cast<int>(t)];
}
/// NumPy's names: "bool", "uint8", "int32", "int64", "float32", "float64", "complex64",
/// "complex128".
[[nodiscard]] constexpr std::string_view dtype_name(DType t) {
  constexpr std::string_view names[] = {"bool",    "uint8",   "int32",     "int64",
                                        "float32", "float64", "complex64", "complex128"};
  static_assert(std::size(names) == kNumDTypes, "one name per DType");
  return names[static_cast<int>(t)];
}
/// The real floating dtypes (complex ones are not: is_complex).
[[nodiscard]] constexpr bool is_floating(DType t) {
  return t == DType::Float32 || t == DType::Float64;
}
[[nodiscard]] constexpr bool is_complex(DType t) {
  return t == DType::Complex64 || t == DType::Complex128;
}
/// NumPy's 'u' and 'i' kinds; bool is excluded.
[[nodiscard]] constexpr bool is_integral(DType t) {
  return t == DType::UInt8 || t == DType::Int32 || t == DType::Int64;
}
[[nodiscard]] constexpr bool is_unsigned(DType t) { return t == DType::UInt8; }
inline std::ostream& operator<<(std::ostream& out, DType t) { return out << dtype_name(t); }

/// The real dtype of a complex one's parts (complex64 -> float32); real dtypes map to themselves.
[[nodiscard]] constexpr DType real_of(DType t) {
  if (t == DType::Complex64) return DType::Float32;
  return t == DType::Complex128 ? DType::Float64 : t;
}
/// The complex dtype whose parts hold `t` exactly: float32, bool and uint8 -> complex64;
/// float64, int32 and int64 -> complex128 (NumPy's result_type with complex64); complex stays.
[[nodiscard]] constexpr DType complex_of(DType t) {
  if (is_complex(t)) return t;
  const bool narrow = t == DType::Float32 || t == DType::Bool || t == DType::UInt8;
  return narrow ? DType::Complex64 : DType::Complex128;
}

/// NumPy's result_type for two array dtypes: bool < uint8 < int32 < int64, float32 < float64.
/// Each integer type here holds every value of the narrower ones (uint8 fits in int32), so two
/// integers give the wider. An integer with a float gives the smallest float that holds the
/// integer exactly: uint8 + float32 -> float32, int32 + float32 -> float64 (like NumPy). With a
/// complex operand the result is the complex dtype whose parts hold both operands' real parts:
/// complex64 + float64 -> complex128, complex64 + int32 -> complex128, complex64 + uint8 ->
/// complex64.
[[nodiscard]] constexpr DType promote_types(DType a, DType b) {
  if (a == b) return a;
  if (is_complex(a) || is_complex(b)) return complex_of(promote_types(real_of(a), real_of(b)));
  if (a == DType::Bool) return b;
  if (b == DType::Bool) return a;
  if (is_floating(a) && is_floating(b)) return DType::Float64;
  if (is_integral(a) && is_integral(b)) return dtype_size(a) > dtype_size(b) ? a : b;
  const DType integer = is_integral(a) ? a : b;
  const DType floating = is_integral(a) ? b : a;
  return integer == DType::UInt8 ? floating : DType::Float64;
}

/// The float dtype that math functions (exp, sqrt, tanh, ...) compute in for `t`:
/// floats (and complex dtypes) keep their type; int32/int64 become float64 as in NumPy; bool and
/// uint8 become float32 (NumPy uses float16, which nabla does not have).
[[nodiscard]] constexpr DType float_type_for(DType t) {
  if (is_floating(t) || is_complex(t)) return t;
  return t == DType::Bool || t == DType::UInt8 ? DType::Float32 : DType::Float64;
}

template <class T>
struct DTypeOf;
template <>
struct DTypeOf<bool> : std::integral_constant<DType, DType::Bool> {};
template <>
struct DTypeOf<uint8_t> : std::integral_constant<DType, DType::UInt8> {};
template <>
struct DTypeOf<int32_t> : std::integral_constant<DType, DType::Int32> {};
template <>
struct DTypeOf<int64_t> : std::integral_constant<DType, DType::Int64> {};
template <>
struct DTypeOf<float> : std::integral_constant<DType, DType::Float32> {};
template <>
struct DTypeOf<double> : std::integral_constant<DType, DType::Float64> {};
template <>
struct DTypeOf<std::complex<float>> : std::integral_constant<DType, DType::Complex64> {};
template <>
struct DTypeOf<std::complex<double>> : std::integral_constant<DType, DType::Complex128> {};
template <class T>
inline constexpr DType dtype_of = DTypeOf<std::remove_cv_t<T>>::value;

template <class T>
concept Element = requires {
  DTypeOf<std::remove_cv_t<T>>::value;
};

/// True for std::complex<float> and std::complex<double>.
template <class T>
inline constexpr bool is_complex_v = false;
template <class T>
inline constexpr bool is_complex_v<std::complex<T>> = true;

/// An element converted to Dst: C++'s conversion between real types; a real value becomes the
/// real part of a complex one; complex to real keeps the real part (NumPy's casting with
/// ComplexWarning; ops refuse it before a kernel runs, see the cast op).
template <class Dst, class Src>
[[nodiscard]] constexpr Dst convert_element(Src x) {
  if constexpr (is_complex_v<Dst> && is_complex_v<Src>) {
    return static_cast<Dst>(x);
  } else if constexpr (is_complex_v<Dst>) {
    return Dst(static_cast<typename Dst::value_type>(x), 0);
  } else if constexpr (is_complex_v<Src>) {
    if constexpr (std::is_same_v<Dst, bool>) {
      return x != Src(0);
    } else {
      return static_cast<Dst>(x.real());
    }
  } else {
    return static_cast<Dst>(x);
  }
}

/// Calls fn(T{}) with T the C++ type of `t`: visit_dtype(t, [&]<class T>(T) { ... }). Real dtypes
/// only, so that the many kernels written for real numbers need no complex branch; a complex
/// `t` raises DTypeError (the ops that take complex use visit_dtype_with_complex, and dispatch
/// refuses complex inputs to the others before their kernels run).
template <class Fn>
decltype(auto) visit_dtype(DType t, Fn&& fn) {
  switch (t) {
    case DType::Bool:
      return fn(bool{});
    case DType::UInt8:
      return fn(uint8_t{});
    case DType::Int32:
      return fn(int32_t{});
    case DType::Int64:
      return fn(int64_t{});
    case DType::Float32:
      return fn(float{});
    case DType::Float64:
      return fn(double{});
    case DType::Complex64:
    case DType::Complex128:
      throw DTypeError(std::string(dtype_name(t)) +
                       " is not supported here (this function takes real dtypes only)");
  }
  throw InternalError("visit_dtype: invalid dtype");
}

/// visit_dtype for the kernels of ops whose rules admit float32 and float64 only: fn(float{}) or
/// fn(double{}), so that no other type is instantiated.
template <class Fn>
decltype(auto) visit_floating_dtype(DType t, Fn&& fn) {
  if (t == DType::Float64) return fn(double{});
  return fn(float{});
}

/// visit_dtype over every dtype, complex64 (std::complex<float>) and complex128 included.
template <class Fn>
decltype(auto) visit_dtype_with_complex(DType t, Fn&& fn) {
  if (t == DType::Complex64) return fn(std::complex<float>{});
  if (t == DType::Complex128) return fn(std::complex<double>{});
  return visit_dtype(t, std::forward<Fn>(fn));
}

}  // namespace nabla
