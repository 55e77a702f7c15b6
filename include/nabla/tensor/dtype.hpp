// Element types, their C++ counterparts, NumPy's promotion rules, and visit_dtype, the one place
// that turns a runtime DType into a compile-time type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>
#include <type_traits>

#include "nabla/util/error.hpp"

namespace nabla {

enum class DType : uint8_t { Bool, Int32, Int64, Float32, Float64 };
inline constexpr int kNumDTypes = 5;

inline constexpr DType bool_ = DType::Bool;  // `bool` is a keyword; NumPy spells it np.bool_
inline constexpr DType int32 = DType::Int32;
inline constexpr DType int64 = DType::Int64;
inline constexpr DType float32 = DType::Float32;
inline constexpr DType float64 = DType::Float64;

[[nodiscard]] constexpr size_t dtype_size(DType t) {
  constexpr size_t sizes[] = {1, 4, 8, 4, 8};
  return sizes[static_cast<int>(t)];
}
/// NumPy's names: "bool", "int32", "int64", "float32", "float64".
[[nodiscard]] constexpr std::string_view dtype_name(DType t) {
  constexpr std::string_view names[] = {"bool", "int32", "int64", "float32", "float64"};
  return names[static_cast<int>(t)];
}
[[nodiscard]] constexpr bool is_floating(DType t) {
  return t == DType::Float32 || t == DType::Float64;
}
[[nodiscard]] constexpr bool is_integral(DType t) {  // bool excluded, as NumPy's 'i' kind
  return t == DType::Int32 || t == DType::Int64;
}
inline std::ostream& operator<<(std::ostream& out, DType t) { return out << dtype_name(t); }

/// NumPy's result_type for two array dtypes: bool < int32 < int64, float32 < float64, and an int
/// with a float gives float64 unless the int is bool (int32 + float32 -> float64, like NumPy).
[[nodiscard]] constexpr DType promote_types(DType a, DType b) {
  if (a == b) return a;
  if (a == DType::Bool) return b;
  if (b == DType::Bool) return a;
  if (is_floating(a) && is_floating(b)) return DType::Float64;
  if (is_integral(a) && is_integral(b)) return DType::Int64;
  // one integral, one floating: float64 covers int32/int64 exactly (NumPy's choice)
  return DType::Float64;
}

/// The float dtype that math functions (exp, sqrt, division, mean) compute in for `t`:
/// floats keep their type; ints become float64 as in NumPy; bool becomes float32 (NumPy uses
/// float16, which nabla does not have).
[[nodiscard]] constexpr DType float_type_for(DType t) {
  if (is_floating(t)) return t;
  return t == DType::Bool ? DType::Float32 : DType::Float64;
}

template <class T>
struct DTypeOf;
template <>
struct DTypeOf<bool> : std::integral_constant<DType, DType::Bool> {};
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
