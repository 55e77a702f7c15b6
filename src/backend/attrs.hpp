// Attrs: an op's non-tensor arguments (axes, keepdims, fill value, ...) as a small ordered map.
// Eager kernels, the graph IR and serialisation all read the same record.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "nabla/tensor/device.hpp"
#include "nabla/tensor/dtype.hpp"
#include "nabla/tensor/scalar.hpp"
#include "nabla/tensor/shape.hpp"

namespace nabla {

using AttrValue = std::variant<bool, int64_t, double, std::string, std::vector<int64_t>, DType,
                               Scalar, Shape, Device>;

class Attrs {
 public:
  Attrs() = default;
  Attrs(std::initializer_list<std::pair<std::string_view, AttrValue>> entries) {
    for (const auto& [key, value] : entries) set(key, value);
  }
  Attrs& set(std::string_view key, AttrValue value) {
    for (auto& entry : entries_) {
      if (entry.first == key) {
        entry.second = std::move(value);
        return *this;
      }
    }
    entries_.emplace_back(std::string(key), std::move(value));
    return *this;
  }
  [[nodiscard]] bool has(std::string_view key) const { return find(key) != nullptr; }
  /// The value of `key`; an InternalError when missing or of another type (an op bug).
  template <class T>
  [[nodiscard]] const T& get(std::string_view key) const {
    const AttrValue* value = find(key);
    NABLA_ASSERT(value != nullptr, "missing attribute '", key, "'");
    const T* typed = std::get_if<T>(value);
    NABLA_ASSERT(typed != nullptr, "attribute '", key, "' has another type");
    return *typed;
  }
  template <class T>
  [[nodiscard]] T get_or(std::string_view key, T fallback) const {
    const AttrValue* value = find(key);
    return value == nullptr ? fallback : std::get<T>(*value);
  }
  [[nodiscard]] const std::vector<std::pair<std::string, AttrValue>>& entries() const {
    return entries_;
  }
  friend bool operator==(const Attrs&, const Attrs&) = default;

 private:
  [[nodiscard]] const AttrValue* find(std::string_view key) const {
    for (const auto& entry : entries_) {
      if (entry.first == key) return &entry.second;
    }
    return nullptr;
  }
  std::vector<std::pair<std::string, AttrValue>> entries_;
};

}  // namespace nabla
