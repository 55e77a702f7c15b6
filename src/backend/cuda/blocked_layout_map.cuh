// BlockedLayout's offset formula (backend/blocked_layout.hpp) as a plain kernel argument, and the
// element map of relayout: logical index -> (offset in the source, offset in the destination).
#pragma once

#include <cstdint>

#include "backend/blocked_layout.hpp"
#include "backend/cuda/strided_index.cuh"
#include "nabla/util/error.hpp"

namespace nabla::cuda {

/// BlockedLayout::decode's limit on the rank; inner blocks beyond this many are refused.
inline constexpr int kMaxLayoutRank = 12;
inline constexpr int kMaxLayoutBlocks = 12;

/// LayoutOffsets (blocked_layout.hpp) in fixed arrays.
struct LayoutFormula {
  int rank = 0, blocks = 0;
  int64_t block_product[kMaxLayoutRank] = {};  // per dim: the product of its inner blocks
  int64_t outer_stride[kMaxLayoutRank] = {};   // per dim: the stride of index / block_product
  int64_t block_dim[kMaxLayoutBlocks] = {};    // inner blocks, innermost first
  int64_t block_size[kMaxLayoutBlocks] = {};

  __host__ __device__ int64_t offset(const int64_t* index) const {
    int64_t at = 0, rest[kMaxLayoutRank];
    for (int d = 0; d < rank; ++d) {
      at += index[d] / block_product[d] * outer_stride[d];
      rest[d] = index[d];
    }
    // A dim's inner blocks take the low digits of its index, innermost first.
    int64_t inner = 1;
    for (int b = 0; b < blocks; ++b) {
      const auto d = static_cast<int>(block_dim[b]);
      at += rest[d] % block_size[b] * inner;
      rest[d] /= block_size[b];
      inner *= block_size[b];
    }
    return at;
  }
};

inline LayoutFormula layout_formula(const BlockedLayout& l, const char* op) {
  NABLA_CHECK(
      l.rank() <= kMaxLayoutRank && static_cast<int64_t>(l.blocks.size()) <= kMaxLayoutBlocks,
      DeviceError, op, ": the CUDA kernel takes layouts of at most ", kMaxLayoutRank, " dims and ",
      kMaxLayoutBlocks, " inner blocks, got ", l.rank(), " and ", l.blocks.size());
  LayoutFormula f;
  f.rank = static_cast<int>(l.rank());
  f.blocks = static_cast<int>(l.blocks.size());
  const std::vector<int64_t> strides = l.outer_strides();
  for (int d = 0; d < f.rank; ++d) {
    f.block_product[d] = 1;
    f.outer_stride[d] = strides[static_cast<size_t>(d)];
  }
  for (int b = 0; b < f.blocks; ++b) {
    const auto& [dim, size] = l.blocks[static_cast<size_t>(f.blocks - 1 - b)];
    f.block_dim[b] = dim;
    f.block_size[b] = size;
    f.block_product[dim] *= size;
  }
  return f;
}

/// relayout's element map: the element of logical index i (row-major over dims) sits at
/// from.offset(i) of the source buffer, i.e. at source.get(that) in the (possibly strided)
/// input tensor, and goes to to.offset(i) of the packed output.
struct RelayoutMap {
  int rank = 0;
  int64_t dims[kMaxLayoutRank] = {};
  LayoutFormula from, to;
  OffsetCalc<1> source;

  __host__ __device__ void offsets(int64_t linear, int64_t& src, int64_t& dst) const {
    int64_t index[kMaxLayoutRank];
    for (int d = rank - 1; d >= 0; --d) {
      const int64_t next = linear / dims[d];
      index[d] = linear - next * dims[d];
      linear = next;
    }
    dst = to.offset(index);
    src = source.get(from.offset(index)).at[0];
  }
};

/// The map from `from` to `to` (same dims) reading `src`; src.numel() > 0.
inline RelayoutMap relayout_map(const BlockedLayout& from, const BlockedLayout& to,
                                const Tensor& src, const char* op) {
  RelayoutMap m;
  m.from = layout_formula(from, op);
  m.to = layout_formula(to, op);
  m.rank = m.from.rank;
  for (int d = 0; d < m.rank; ++d) m.dims[d] = from.dims[static_cast<size_t>(d)];
  m.source = make_offset_calc<1>(src.shape(), {&src}, op);
  return m;
}

}  // namespace nabla::cuda
