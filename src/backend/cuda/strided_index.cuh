// Element offsets of strided and broadcast operands inside CUDA kernels. The host builds an
// OffsetCalc from the iteration shape and each operand's strides (the CPU's make_plan rules:
// broadcast dimensions get stride 0, adjacent dimensions that are contiguous for every operand
// are merged); a kernel then turns a linear index into one element offset per operand. It is a
// by-value kernel argument, so it needs no device allocation and lives in constant space.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "nabla/tensor/tensor.hpp"
#include "nabla/util/error.hpp"

namespace nabla::cuda {

/// Dimensions an OffsetCalc holds after merging. Eight covers every layout nabla makes (tensors of
/// rank <= 8, and most higher-rank ones once contiguous runs merge); fixed so that the struct is a
/// plain kernel argument and the device loop unrolls into registers.
inline constexpr int kMaxMergedDims = 8;

/// One element offset per operand (in elements, relative to the operand's element [0, ..., 0]).
template <int N>
struct Offsets {
  int64_t at[N];
};

/// Maps a row-major linear index over the iteration shape to per-operand element offsets.
/// Dimensions are stored innermost first; `rank` >= 1 (a single element is one dimension of
/// size 1). Build it on the host with make_offset_calc; `get` also runs on the host, for tests.
template <int N>
struct OffsetCalc {
  int rank;
  /// Every index fits in 32 bits: the divisions run in 32 bits, several times faster than the
  /// 64-bit ones (a software routine on the GPU). Decided once per launch, so warps never diverge.
  bool index32;
  /// One dimension with unit stride for every operand: offsets are the linear index itself.
  bool contiguous;
  int64_t sizes[kMaxMergedDims];
  int64_t strides[kMaxMergedDims][N];

  __host__ __device__ Offsets<N> get(int64_t linear) const {
    Offsets<N> result;
    for (int k = 0; k < N; ++k) result.at[k] = 0;
    if (index32) {
      accumulate<uint32_t>(static_cast<uint32_t>(linear), result);
    } else {
      accumulate<uint64_t>(static_cast<uint64_t>(linear), result);
    }
    return result;
  }

 private:
  /// Peels dimensions off `rest` innermost first. The outermost dimension needs no division: what
  /// is left of the index is its coordinate. The loops have constant bounds, so nvcc unrolls them
  /// fully at -O3 (checked in the PTX: no loop, no local-memory copy of the struct); a `#pragma
  /// unroll` would say so, but get() also compiles for the host, whose compiler rejects it.
  template <class Index>
  __host__ __device__ void accumulate(Index rest, Offsets<N>& result) const {
    for (int d = 0; d < kMaxMergedDims; ++d) {
      if (d == rank - 1) {
        for (int k = 0; k < N; ++k) result.at[k] += static_cast<int64_t>(rest) * strides[d][k];
        break;
      }
      const auto size = static_cast<Index>(sizes[d]);
      const Index quotient = rest / size;
      const auto coordinate = static_cast<int64_t>(rest - quotient * size);
      for (int k = 0; k < N; ++k) result.at[k] += coordinate * strides[d][k];
      rest = quotient;
    }
  }
};

/// Builds an OffsetCalc from dimensions listed outer -> inner: `sizes[d]` and, per operand k,
/// `strides[k][d]` in elements. Size-1 dimensions are dropped and a dimension is merged into the
/// one outside it when that is contiguous with it for every operand. More than kMaxMergedDims
/// dimensions left is a DeviceError naming `op`. Call it only for a non-empty iteration (a size-0
/// dimension is not an iteration a kernel needs).
template <int N>
OffsetCalc<N> make_offset_calc(const std::vector<int64_t>& sizes,
                               const std::array<std::vector<int64_t>, N>& strides,
                               std::string_view op) {
  std::vector<int64_t> merged_sizes;
  std::array<std::vector<int64_t>, N> merged_strides;
  int64_t total = 1;
  for (size_t d = 0; d < sizes.size(); ++d) {
    const int64_t extent = sizes[d];
    total *= extent;
    if (extent == 1) continue;
    bool merge = !merged_sizes.empty();
    for (size_t k = 0; k < N && merge; ++k) {
      merge = merged_strides[k].back() == strides[k][d] * extent;
    }
    if (merge) {
      merged_sizes.back() *= extent;
      for (size_t k = 0; k < N; ++k) merged_strides[k].back() = strides[k][d];
    } else {
      merged_sizes.push_back(extent);
      for (size_t k = 0; k < N; ++k) merged_strides[k].push_back(strides[k][d]);
    }
  }
  const auto rank = static_cast<int>(merged_sizes.size());
  NABLA_CHECK(rank <= kMaxMergedDims, DeviceError, op, ": the CUDA kernel takes at most ",
              kMaxMergedDims, " dimensions after merging contiguous ones, got ", rank);

  OffsetCalc<N> calc{};
  calc.index32 = total <= int64_t{0xFFFFFFFF};
  if (rank == 0) {  // a single element
    calc.rank = 1;
    calc.sizes[0] = 1;
    calc.contiguous = false;
    return calc;
  }
  calc.rank = rank;
  calc.contiguous = rank == 1;
  for (int i = 0; i < rank; ++i) {  // innermost first
    const auto d = static_cast<size_t>(rank - 1 - i);
    calc.sizes[i] = merged_sizes[d];
    for (size_t k = 0; k < N; ++k) {
      calc.strides[i][k] = merged_strides[k][d];
      if (rank == 1 && merged_strides[k][d] != 1) calc.contiguous = false;
    }
  }
  return calc;
}

/// Strides of `t` broadcast to `shape`: right-aligned, 0 on dimensions that `t` lacks or has
/// size 1 on (NumPy's broadcasting, as the CPU's broadcast_strides).
inline std::vector<int64_t> broadcast_strides_to(const Tensor& t, const Shape& shape) {
  const int64_t rank = shape.rank(), missing = rank - t.ndim();
  std::vector<int64_t> strides(static_cast<size_t>(rank), 0);
  for (int64_t d = missing; d < rank; ++d) {
    const auto own = static_cast<size_t>(d - missing);
    strides[static_cast<size_t>(d)] = t.shape()[d - missing] == 1 ? 0 : t.strides()[own];
  }
  return strides;
}

/// An OffsetCalc over `shape` for operands broadcast-compatible with it (the output first,
/// through its own strides, so kernels may write into views).
template <int N>
OffsetCalc<N> make_offset_calc(const Shape& shape, const std::array<const Tensor*, N>& operands,
                               std::string_view op) {
  std::vector<int64_t> sizes(shape.begin(), shape.end());
  std::array<std::vector<int64_t>, N> strides;
  for (size_t k = 0; k < N; ++k) strides[k] = broadcast_strides_to(*operands[k], shape);
  return make_offset_calc<N>(sizes, strides, op);
}

}  // namespace nabla::cuda
