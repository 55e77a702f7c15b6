// BlockedLayout: where each element of a logical n-d array lives in a dense buffer, in the blocked
// formats convolution libraries prefer (oneDNN's nChw16c: channels cut into blocks of 16 that are
// innermost). The graph's layout pass (Note [Convolution layouts] in
// src/graph/passes/convolution_layouts.cpp) hands values between convolutions in such layouts, and
// the relayout op moves a value from one layout to another.
//
// A layout is logical dims, the order of the outer dims (slowest first) and inner blocks (dim,
// size), slowest first; the blocks of a dim must divide it. Strides follow from these (the buffer
// has no gaps and no padding), so every layout of n elements is a permutation of n slots and going
// from one layout to another moves each element exactly once.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace nabla {

struct BlockedLayout {
  std::vector<int64_t> dims;   // logical extents
  std::vector<int64_t> order;  // outer dims, slowest first: a permutation of 0 .. rank - 1
  std::vector<std::pair<int64_t, int64_t>> blocks;  // inner blocks (dim, size), slowest first

  /// The plain layout of `dims` with outer dims in `order` and no blocks.
  [[nodiscard]] static BlockedLayout plain(std::vector<int64_t> dims, std::vector<int64_t> order);

  [[nodiscard]] int64_t rank() const { return static_cast<int64_t>(dims.size()); }
  [[nodiscard]] int64_t numel() const;
  /// Offset in the buffer of the element at logical `index` (rank entries).
  [[nodiscard]] int64_t offset(std::span<const int64_t> index) const;
  /// Per logical dim: the stride of its outer index (index / the product of its blocks).
  [[nodiscard]] std::vector<int64_t> outer_strides() const;
  /// The same layout with the outer dims of extent 1 (whose place in the order moves no element)
  /// last in the order, by dim: equal layouts compare equal.
  [[nodiscard]] BlockedLayout normalized() const;

  /// The layout as one integer list (an op attribute), and back. decode throws ValueError naming
  /// `op` when the list is not a valid layout.
  [[nodiscard]] std::vector<int64_t> encode() const;
  [[nodiscard]] static BlockedLayout decode(std::span<const int64_t> code, std::string_view op);

  friend bool operator==(const BlockedLayout&, const BlockedLayout&) = default;
};

/// BlockedLayout::offset with the strides worked out once, for loops over every element.
class LayoutOffsets {
 public:
  explicit LayoutOffsets(const BlockedLayout& l);
  [[nodiscard]] int64_t operator()(std::span<const int64_t> index) const;

 private:
  std::vector<int64_t> block_product_, outer_stride_;
  std::vector<std::pair<int64_t, int64_t>> blocks_;  // innermost first: (dim, size)
};

/// dst (laid out by `to`) = src (laid out by `from`); the two layouts have the same dims. A loop
/// over every element with its two offsets: the generic path (float64, no oneDNN).
template <class T>
void relayout_generic(const BlockedLayout& from, const BlockedLayout& to, const T* src, T* dst) {
  const int64_t n = from.numel();
  const LayoutOffsets from_offset(from), to_offset(to);
  std::vector<int64_t> index(from.dims.size(), 0);
  for (int64_t flat = 0; flat < n; ++flat) {
    dst[to_offset(index)] = src[from_offset(index)];
    for (size_t d = index.size(); d-- > 0;) {
      if (++index[d] < from.dims[d]) break;
      index[d] = 0;
    }
  }
}

}  // namespace nabla
