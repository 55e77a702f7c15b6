// Creating tensors: from values (nested initializer lists, vectors), filled, ranges, identity.
#pragma once

#include <concepts>
#include <initializer_list>
#include <optional>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

namespace detail {
Tensor tensor_from_values(const void* values, DType dtype, const Shape& shape);
template <class T>
void flatten_nested(std::initializer_list<T> list, std::vector<int64_t>& shape, std::vector<T>& out,
                    size_t depth) {
  if (shape.size() <= depth) shape.push_back(static_cast<int64_t>(list.size()));
  NABLA_CHECK(shape[depth] == static_cast<int64_t>(list.size()), ValueError,
              "tensor: ragged nested list (", list.size(), " vs ", shape[depth],
              " elements at depth ", depth, ")");
  out.insert(out.end(), list.begin(), list.end());
}
template <class T, class Inner>
requires(!std::is_same_v<Inner, T>) void flatten_nested(std::initializer_list<Inner> list,
                                                        std::vector<int64_t>& shape,
                                                        std::vector<T>& out, size_t depth) {
  if (shape.size() <= depth) shape.push_back(static_cast<int64_t>(list.size()));
  NABLA_CHECK(shape[depth] == static_cast<int64_t>(list.size()), ValueError,
              "tensor: ragged nested list (", list.size(), " vs ", shape[depth],
              " elements at depth ", depth, ")");
  for (const auto& inner : list) flatten_nested(inner, shape, out, depth + 1);
}
template <class T>
Tensor tensor_from_nested(const auto& list) {
  std::vector<int64_t> shape;
  std::vector<T> values;
  flatten_nested(list, shape, values, 0);
  if constexpr (std::is_same_v<T, bool>) {
    auto bytes = std::make_unique<bool[]>(values.size());
    std::copy(values.begin(), values.end(), bytes.get());
    return tensor_from_values(bytes.get(), dtype_of<T>, Shape(shape));
  } else {
    return tensor_from_values(values.data(), dtype_of<T>, Shape(shape));
  }
}
}  // namespace detail

/// A 0-d tensor holding `value`; the dtype is T's (float -> float32, int -> int32, ...).
template <Element T>
[[nodiscard]] Tensor tensor(T value) {
  return detail::tensor_from_values(&value, dtype_of<T>, Shape{});
}
/// From nested initializer lists, up to 4-D: tensor({{1.f, 2.f}, {3.f, 4.f}}) is float32 [2, 2].
/// Ragged lists raise ValueError.
template <Element T>
[[nodiscard]] Tensor tensor(std::initializer_list<T> values) {
  return detail::tensor_from_nested<T>(values);
}
template <Element T>
[[nodiscard]] Tensor tensor(std::initializer_list<std::initializer_list<T>> values) {
  return detail::tensor_from_nested<T>(values);
}
template <Element T>
[[nodiscard]] Tensor tensor(
    std::initializer_list<std::initializer_list<std::initializer_list<T>>> values) {
  return detail::tensor_from_nested<T>(values);
}
template <Element T>
[[nodiscard]] Tensor tensor(
    std::initializer_list<std::initializer_list<std::initializer_list<std::initializer_list<T>>>>
        values) {
  return detail::tensor_from_nested<T>(values);
}

/// Copies `data` into a new tensor of `shape` (numel must equal data.size()).
template <Element T>
[[nodiscard]] Tensor from_vector(const std::vector<T>& data, const Shape& shape) {
  NABLA_CHECK(static_cast<int64_t>(data.size()) == shape.numel(), ShapeError,
              "from_vector: ", data.size(), " values cannot fill shape ", shape);
  if constexpr (std::is_same_v<T, bool>) {
    auto bytes = std::make_unique<bool[]>(data.size());
    std::copy(data.begin(), data.end(), bytes.get());
    return detail::tensor_from_values(bytes.get(), DType::Bool, shape);
  } else {
    return detail::tensor_from_values(data.data(), dtype_of<T>, shape);
  }
}
/// 1-D tensor from a vector.
template <Element T>
[[nodiscard]] Tensor from_vector(const std::vector<T>& data) {
  return from_vector(data, Shape{static_cast<int64_t>(data.size())});
}

[[nodiscard]] Tensor empty(const Shape& shape, DType dtype = float32,
                           Device device = Device::cpu());
[[nodiscard]] Tensor full(const Shape& shape, Scalar value, std::optional<DType> dtype = {},
                          Device device = Device::cpu());  // dtype defaults to value's (float64...)
[[nodiscard]] Tensor zeros(const Shape& shape, DType dtype = float32,
                           Device device = Device::cpu());
[[nodiscard]] Tensor ones(const Shape& shape, DType dtype = float32, Device device = Device::cpu());
/// Same shape, dtype (unless given) and device as `like`.
[[nodiscard]] Tensor empty_like(const Tensor& like, std::optional<DType> dtype = {});
[[nodiscard]] Tensor zeros_like(const Tensor& like, std::optional<DType> dtype = {});
[[nodiscard]] Tensor ones_like(const Tensor& like, std::optional<DType> dtype = {});
[[nodiscard]] Tensor full_like(const Tensor& like, Scalar value, std::optional<DType> dtype = {});

/// [start, stop) in steps of `step`, NumPy's arange: int64 for integer arguments, float64 when
/// any is floating, unless `dtype` is given. arange(5) is [0, 1, 2, 3, 4].
[[nodiscard]] Tensor arange(Scalar stop);
[[nodiscard]] Tensor arange(Scalar start, Scalar stop, Scalar step = 1,
                            std::optional<DType> dtype = {});
/// `num` evenly spaced values from start to stop (inclusive when endpoint), float64 by default.
[[nodiscard]] Tensor linspace(double start, double stop, int64_t num = 50, bool endpoint = true,
                              DType dtype = float64);
/// Identity-like [n, m] (m defaults to n) with ones on diagonal k.
[[nodiscard]] Tensor eye(int64_t n, std::optional<int64_t> m = {}, int64_t k = 0,
                         DType dtype = float32);
/// The n x n identity of `dtype`: eye(4, float64), NumPy's np.eye(4, dtype=np.float64). A
/// template so that only a DType selects it: with a plain DType parameter, eye(n, {}) would pick
/// this overload ({} -> DType::Bool beats {} -> optional) and silently make a bool identity.
template <std::same_as<DType> D>
[[nodiscard]] Tensor eye(int64_t n, D dtype) {
  return eye(n, std::nullopt, 0, dtype);
}

}  // namespace nabla
