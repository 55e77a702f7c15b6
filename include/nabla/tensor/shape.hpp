// Shape: the extents of a tensor, printed as [2, 3]. Every dimension and axis is int64_t; negative
// axes are normalised once by normalize_axis.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <span>
#include <string_view>
#include <vector>

namespace nabla {

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}
  explicit Shape(std::span<const int64_t> dims) : dims_(dims.begin(), dims.end()) {}

  [[nodiscard]] int64_t rank() const { return static_cast<int64_t>(dims_.size()); }
  [[nodiscard]] int64_t size() const { return rank(); }
  [[nodiscard]] bool empty() const { return dims_.empty(); }
  /// Number of elements (1 for a 0-d shape).
  [[nodiscard]] int64_t numel() const;
  /// dims[axis] with a negative axis counted from the end; IndexError when out of range.
  [[nodiscard]] int64_t at(int64_t axis) const;
  /// Extent of axis i; negative i counts from the end, as in Python (unchecked: at() checks).
  int64_t& operator[](int64_t i) { return dims_[index(i)]; }
  int64_t operator[](int64_t i) const { return dims_[index(i)]; }

  [[nodiscard]] const std::vector<int64_t>& dims() const { return dims_; }
  [[nodiscard]] auto begin() const { return dims_.begin(); }
  [[nodiscard]] auto end() const { return dims_.end(); }
  void push_back(int64_t d) { dims_.push_back(d); }
  void insert(int64_t pos, int64_t d) { dims_.insert(dims_.begin() + pos, d); }
  void erase(int64_t pos) { dims_.erase(dims_.begin() + pos); }

  friend bool operator==(const Shape&, const Shape&) = default;
  friend std::ostream& operator<<(std::ostream& out, const Shape& s);

 private:
  [[nodiscard]] size_t index(int64_t i) const {
    return static_cast<size_t>(i < 0 ? i + static_cast<int64_t>(dims_.size()) : i);
  }
  std::vector<int64_t> dims_;
};

[[nodiscard]] std::string to_string(const Shape& s);

/// Normalises a possibly negative axis into [0, rank); IndexError naming `op` when out of range.
[[nodiscard]] int64_t normalize_axis(int64_t axis, int64_t rank, std::string_view op);

/// NumPy broadcasting of two shapes; ShapeError naming `op` and both shapes when incompatible.
[[nodiscard]] Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view op);

/// Row-major (C order) strides in elements for `shape`.
[[nodiscard]] std::vector<int64_t> contiguous_strides(const Shape& shape);

}  // namespace nabla
