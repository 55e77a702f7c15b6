// How the CUDA cumsum splits its work, and the per-thread pieces of its scans. Host-device (and
// the plan host-only), so that the order of the additions can be replayed on a machine without a
// GPU against the CPU kernel. See Note [CUDA cumsum partitioning].
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace nabla::cuda {

// Note [CUDA cumsum partitioning]
// A lane is one position outside the scanned axis; its n elements are scanned in order. Two
// modes, chosen like the CPU kernel's two loops:
//  - column: one thread walks a stretch of a lane sequentially, exactly the CPU's order of
//    additions. Used when neighbouring lanes are closer in memory than neighbouring axis
//    elements (a warp then reads consecutive addresses) and for short axes;
//  - row: one warp walks a stretch of a lane in tiles of kScanTile elements, lane l of the warp
//    owning kScanItems consecutive ones: it sums them, a shuffle scan (Kogge-Stone) over the 32
//    sums gives each lane the sum of the tile before its items, and it rescans its items from
//    there. Used when the axis is the densest direction (e.g. cumsum along a contiguous row).
// When the lanes alone cannot fill the GPU, each lane is cut into `segments` stretches of
// `segment_length` elements: a first pass sums every stretch, one warp per lane scans those
// sums, and a second pass scans each stretch starting from the sum of the stretches before it.
// Floats accumulate in double (as the CPU); the additions are regrouped against the CPU's
// sequential order only in row mode or across stretches, which moves float32 results by at most
// one rounding of the double sum and float64 results by a few ulps of the partial sums. Every
// choice depends on the shape and strides only, so a result is the same on every run.

inline constexpr int kWarpSize = 32;
/// Consecutive elements each warp lane owns in a tile of the row mode.
inline constexpr int kScanItems = 8;
inline constexpr int64_t kScanTile = int64_t{kWarpSize} * kScanItems;
/// Axes at most this long always take the column mode: a warp would mostly idle.
inline constexpr int64_t kColumnMaxAxis = 16;
/// Threads (column mode) and warps (row mode) that keep an H200 busy (132 SMs, 2048 threads
/// each); fewer lanes than this cut lanes into stretches.
inline constexpr int64_t kColumnTargetThreads = 132 * 2048;
inline constexpr int64_t kRowTargetWarps = 132 * 2048 / kWarpSize;
/// Stretches are at least this long, so the two passes' extra work stays small.
inline constexpr int64_t kColumnMinStretch = 64;
inline constexpr int64_t kRowMinStretch = 8 * kScanTile;

enum class ScanMode { kColumn, kRow };

/// The scanned axis and how it is cut: stretch s of a lane covers elements
/// [s * segment_length, min(n, (s + 1) * segment_length)).
struct ScanAxis {
  int64_t n, x_step, out_step;
  int64_t segments, segment_length;
};

struct ScanPlan {
  ScanMode mode;
  int64_t segments, segment_length;
};

/// `axis_densest`: the axis stride is no larger than the stride between neighbouring lanes.
inline ScanPlan plan_scan(int64_t n, int64_t n_lanes, bool axis_densest) {
  const bool row = axis_densest && n > kColumnMaxAxis;
  const int64_t target = row ? kRowTargetWarps : kColumnTargetThreads;
  const int64_t min_stretch = row ? kRowMinStretch : kColumnMinStretch;
  int64_t segments = 1;
  if (n_lanes < target) {
    segments = std::max<int64_t>(1, std::min((target + n_lanes - 1) / n_lanes, n / min_stretch));
  }
  int64_t length = (n + segments - 1) / segments;
  if (row) length = (length + kScanTile - 1) / kScanTile * kScanTile;  // tiles never straddle
  length = std::max<int64_t>(length, 1);
  return {row ? ScanMode::kRow : ScanMode::kColumn, (n + length - 1) / length, length};
}

/// The scan's accumulator: double for floats (as the CPU), and for int64 its unsigned twin, so
/// that overflow wraps (as on the CPU) without signed-overflow UB, spelled `unsigned long long`
/// because that is the 64-bit type the warp shuffles take.
template <class T>
using ScanAcc = std::conditional_t<std::is_floating_point_v<T>, double, unsigned long long>;

/// The column mode's thread: running sums of elements [begin, end) of one lane starting from
/// `acc`, written to out when `write`; returns the last one. Operands are element offsets from
/// the base pointers, so the first pass (no output) never forms an address from a null `out`.
template <class T, class Acc>
__host__ __device__ inline Acc scan_stretch(T* out, int64_t out_offset, const T* x,
                                            int64_t x_offset, const ScanAxis& a, int64_t begin,
                                            int64_t end, Acc acc, bool write) {
  for (int64_t i = begin; i < end; ++i) {
    acc = acc + static_cast<Acc>(x[x_offset + i * a.x_step]);
    if (write) out[out_offset + i * a.out_step] = static_cast<T>(acc);
  }
  return acc;
}

/// Row mode, before the shuffle scan: warp lane `lane` loads its items of the tile that starts at
/// `tile` (elements tile + lane * kScanItems + k below `end`; 0 past it) and returns their sum.
template <class In, class Acc>
__host__ __device__ inline Acc load_tile_items(Acc (&items)[kScanItems], const In* x,
                                               int64_t x_offset, int64_t x_step, int64_t tile,
                                               int64_t end, int lane) {
  Acc sum{0};
  for (int k = 0; k < kScanItems; ++k) {
    const int64_t i = tile + int64_t{lane} * kScanItems + k;
    items[k] = i < end ? static_cast<Acc>(x[x_offset + i * x_step]) : Acc{0};
    sum = sum + items[k];
  }
  return sum;
}

/// Row mode, after the shuffle scan: the running sums of the lane's items, starting from `acc`
/// (everything before them in the lane).
template <class Out, class Acc>
__host__ __device__ inline void store_tile_items(Out* out, int64_t out_offset, int64_t out_step,
                                                 const Acc (&items)[kScanItems], Acc acc,
                                                 int64_t tile, int64_t end, int lane) {
  for (int k = 0; k < kScanItems; ++k) {
    const int64_t i = tile + int64_t{lane} * kScanItems + k;
    acc = acc + items[k];
    if (i < end) out[out_offset + i * out_step] = static_cast<Out>(acc);
  }
}

}  // namespace nabla::cuda
