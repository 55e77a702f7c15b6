// Launch geometry shared by the CUDA kernels: grid-stride loops over n elements with a fixed
// block size, and a grid sized to the work but capped (a grid-stride loop covers the rest), so
// huge tensors never ask for more blocks than the GPU schedules at once.
#pragma once

#include <cstdint>

namespace nabla::cuda {

inline constexpr int kThreads = 256;
/// Enough blocks to keep an H100/H200's 132 SMs busy (16 resident 256-thread blocks each).
inline constexpr int64_t kMaxBlocks = 132 * 16;

[[nodiscard]] inline unsigned blocks_for(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > kMaxBlocks ? kMaxBlocks : blocks));
}

__device__ inline int64_t grid_index() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ inline int64_t grid_stride() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }

}  // namespace nabla::cuda
