// Layout queries used by views and kernels.
#include "nabla/tensor/layout.hpp"

#include "nabla/util/error.hpp"

namespace nabla {

Layout::Layout(Shape shape, int64_t offset)
    : shape_(std::move(shape)), strides_(contiguous_strides(shape_)), offset_(offset) {}

Layout::Layout(Shape shape, std::vector<int64_t> strides, int64_t offset)
    : shape_(std::move(shape)), strides_(std::move(strides)), offset_(offset) {
  NABLA_ASSERT(static_cast<int64_t>(strides_.size()) == shape_.rank());
}

bool Layout::is_contiguous() const {
  int64_t expected = 1;
  for (int64_t i = rank() - 1; i >= 0; --i) {
    const int64_t d = shape_[i];
    if (d == 0) return true;
    if (d != 1 && strides_[static_cast<size_t>(i)] != expected) return false;
    expected *= d;
  }
  return true;
}

int64_t Layout::element_offset(const int64_t* index) const {
  int64_t off = offset_;
  for (size_t i = 0; i < strides_.size(); ++i) off += index[i] * strides_[i];
  return off;
}

std::pair<int64_t, int64_t> Layout::storage_extent() const {
  if (numel() == 0) return {offset_, offset_};
  int64_t low = offset_, high = offset_;
  for (size_t i = 0; i < strides_.size(); ++i) {
    const int64_t span = (shape_[static_cast<int64_t>(i)] - 1) * strides_[i];
    (span < 0 ? low : high) += span;
  }
  return {low, high + 1};
}

}  // namespace nabla
