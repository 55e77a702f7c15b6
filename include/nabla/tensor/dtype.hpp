// Element types, their C++ counterparts, NumPy's promotion rules, and visit_dtype, the one place
// that turns a runtime DType into a compile-time type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <ostream>
#include <string_view>
#include <type_traits>

#include "nabla/util/error.hpp"

namespace nabla {

enum class DType : uint8_t { Bool, UInt8, Int32, Int64, Float32, Float64 };
inline constexpr int kNumDTypes = 6;

inline constexpr DType bool_ = DType::Bool;  // `bool` is a keyword; NumPy spells it np.bool_
inline constexpr DType uint8 = DType::UInt8;
inline constexpr DType int32 = DType::Int32;
inline constexpr DType int64 = DType::Int64;
inline constexpr DType float32 = DType::Float32;
inline constexpr DType float64 = DType::Float64;

[[nodiscard]] constexpr size_t dtype_size(DType t) {
  constexpr size_t sizes[] = {1, 1, 4, 8, 4, 8};
  static_assert(std::size(sizes) == kNumDTypes, "one size per DType");
  return sizes[static_cast<int>(t)];
}
/// NumPy's names: "bool", "uint8", "int32", "int64", "float32", "float64".
[[nodiscard]] constexpr std::string_view dtype_name(DType t) {
  constexpr std::string_view names[] = {"bool", "uint8", "int32", "int64", "float32", "float64"};
  static_assert(std::size(names) == kNumDTypes, "one name per DType");
  return names[static_cast<int>(t)];
}
[[nodiscard]] constexpr bool is_floating(DType t) {
  return t == DType::Float32 || t == DType::Float64;
}
/// NumPy's 'u' and 'i' kinds; bool is excluded.
[[nodiscard]] constexpr bool is_integral(DType t) {
  return t == DType::UInt8 || t == DType::Int32 || t == DType::Int64;
}
[[nodiscard]] constexpr bool is_unsigned(DType t) { return t == DType::UInt8; }
inline std::ostream& operator<<(std::ostream& out, DType t) { return out << dtype_name(t); }

/// NumPy's result_type for two array dtypes: bool < uint8 < int32 < int64, float32 < float64.
/// Each integer type here holds every value of the narrower ones (uint8 fits in int32), so two
/// integers give the wider. An integer with a float gives the smallest float that holds the
/// integer exactly: uint8 + float32 -> float32, int32 + float32 -> float64 (like NumPy).
[[nodiscard]] constexpr DType promote_types(DType a, DType b) {
  if (a == b) return a;
  if (a == DType::Bool) return b;
  if (b == DType::Bool) return a;
  if (is_floating(a) && is_floating(b)) return DType::Float64;
  if (is_integral(a) && is_integral(b)) return dtype_size(a) > dtype_size(b) ? a : b;
  const DType integer = is_integral(a) ? a : b;
  const DType floating = is_integral(a) ? b : a;
  return integer == DType::UInt8 ? floating : DType::Float64;
}

/// The float dtype that math functions (exp, sqrt, tanh, ...) compute in for `t`:
/// floats keep their type; int32/int64 become float64 as in NumPy; bool and uint8 become float32
/// (NumPy uses float16, which nabla does not have).
[[nodiscard]] constexpr DType float_type_for(DType t) {
  if (is_floating(t)) return t;
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
template <class T>
inline constexpr DType dtype_of = DTypeOf<std::remove_cv_t<T>>::value;

template <class T>
concept Element = requires {
  DTypeOf<std::remove_cv_t<T>>::value;
};

/// Calls fn(T{}) with T the C++ type of `t`: visit_dtype(t, [&]<class T>(T) { ... }).
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
  }
  throw InternalError("visit_dtype: invalid dtype");
}

}  // namespace nabla
