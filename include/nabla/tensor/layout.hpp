// Layout: how a tensor's elements sit in its storage — shape, strides in elements (0 for a
// broadcast dimension, negative allowed) and the offset of element [0, ..., 0]. Views change only
// the layout (design.md §2 "Broadcasting and views").
#pragma once

#include <cstdint>
#include <vector>

#include "nabla/tensor/shape.hpp"

namespace nabla {

class Layout {
 public:
  Layout() = default;
  /// Contiguous (row-major) layout of `shape` starting at `offset`.
  explicit Layout(Shape shape, int64_t offset = 0);
  Layout(Shape shape, std::vector<int64_t> strides, int64_t offset);

  [[nodiscard]] const Shape& shape() const { return shape_; }
  [[nodiscard]] const std::vector<int64_t>& strides() const { return strides_; }
  [[nodiscard]] int64_t offset() const { return offset_; }
  [[nodiscard]] int64_t rank() const { return shape_.rank(); }
  [[nodiscard]] int64_t numel() const { return shape_.numel(); }
  /// True when elements are in row-major order without gaps (size-1 dims' strides ignored).
  [[nodiscard]] bool is_contiguous() const;
  /// Storage element index of the multi-index `index` (one entry per dimension).
  [[nodiscard]] int64_t element_offset(const int64_t* index) const;
  /// Smallest and one-past-largest storage element touched (offset, offset) when empty.
  [[nodiscard]] std::pair<int64_t, int64_t> storage_extent() const;

  friend bool operator==(const Layout&, const Layout&) = default;

 private:
  Shape shape_;
  std::vector<int64_t> strides_;
  int64_t offset_ = 0;
};

}  // namespace nabla
