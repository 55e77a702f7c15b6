// matmul for bool, uint8, int32 and int64 on CUDA (cuBLAS has no such gemm): a shared-memory
// tiled kernel over any operand strides and broadcast batch dims (matmul_plan.hpp). Integers
// wrap around as the CPU kernel's: sums of products modulo 2^bits, accumulated in unsigned
// arithmetic (no signed overflow), so the result does not depend on summation order and matches
// the CPU bit for bit. bool is OR of ANDs, as NumPy's.
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/matmul_plan.hpp"

namespace nabla::cuda {
namespace {

/// Tile edge: a 16 x 16 block computes a 16 x 16 tile of the output, staging 16-wide slabs of
/// a's rows and b's columns in shared memory so each element loaded from global memory is used
/// 16 times.
constexpr int kTile = 16;
constexpr int kTileThreads = kTile * kTile;
/// CUDA's limit on a grid's y and z extents; the kernel's loops cover any further tiles/batches.
constexpr int64_t kMaxGridYZ = 65535;

/// The accumulator: unsigned (wrap-around is defined), at least 32 bits so that narrower
/// products do not promote to signed int; truncating it to T gives the sum modulo 2^bits(T).
template <class T>
using Accumulator = std::conditional_t<std::is_same_v<T, bool>, bool,
                                       std::conditional_t<sizeof(T) == 8, uint64_t, uint32_t>>;

template <class T>
__device__ inline Accumulator<T> multiply_add(Accumulator<T> acc, T x, T y) {
  if constexpr (std::is_same_v<T, bool>) {
    return acc || (x && y);
  } else {
    using A = Accumulator<T>;
    return acc + static_cast<A>(x) * static_cast<A>(y);
  }
}

struct TileArgs {
  int64_t n, k, m;
  MatrixStrides a, b;
  BatchDim batch;  // run along grid z
};

/// out[z] = a[z] @ b[z] for every z of args.batch; a, b, out point at the call's first matrix.
/// Loops over tiles and batch entries beyond the grid; every thread of a block runs the same
/// trip counts, so the barriers are reached by all.
template <class T>
__global__ void __launch_bounds__(kTileThreads)
    integer_matmul_tiles(const T* a, const T* b, T* out, TileArgs args) {
  __shared__ T a_tile[kTile][kTile];  // [row in tile][p in slab]
  __shared__ T b_tile[kTile][kTile];  // [p in slab][column in tile]
  const int tx = static_cast<int>(threadIdx.x), ty = static_cast<int>(threadIdx.y);
  const int64_t row_tiles = (args.n + kTile - 1) / kTile;
  const int64_t col_tiles = (args.m + kTile - 1) / kTile;
  for (int64_t z = blockIdx.z; z < args.batch.extent; z += gridDim.z) {
    const T* a_matrix = a + z * args.batch.a;
    const T* b_matrix = b + z * args.batch.b;
    T* out_matrix = out + z * args.batch.out;
    for (int64_t tile_row = blockIdx.y; tile_row < row_tiles; tile_row += gridDim.y) {
      for (int64_t tile_col = blockIdx.x; tile_col < col_tiles; tile_col += gridDim.x) {
        const int64_t row = tile_row * kTile + ty, col = tile_col * kTile + tx;
        Accumulator<T> acc{};
        for (int64_t p0 = 0; p0 < args.k; p0 += kTile) {
          // Out-of-range entries are zero (false), which adds nothing to any sum.
          const int64_t pa = p0 + tx, pb = p0 + ty;
          a_tile[ty][tx] =
              row < args.n && pa < args.k ? a_matrix[row * args.a.row + pa * args.a.col] : T{};
          b_tile[ty][tx] =
              pb < args.k && col < args.m ? b_matrix[pb * args.b.row + col * args.b.col] : T{};
          __syncthreads();
#pragma unroll
          for (int q = 0; q < kTile; ++q) acc = multiply_add<T>(acc, a_tile[ty][q], b_tile[q][tx]);
          __syncthreads();  // before the next slab overwrites the tiles
        }
        if (row < args.n && col < args.m) out_matrix[row * args.m + col] = static_cast<T>(acc);
      }
    }
  }
}

unsigned grid_extent(int64_t tiles, int64_t limit) {
  return static_cast<unsigned>(std::clamp<int64_t>(tiles, 1, limit));
}

}  // namespace

void integer_matmul(const Tensor& a, const Tensor& b, const Tensor& out, const MatmulPlan& plan) {
  select(out.device());
  const cudaStream_t s = stream(out.device());
  visit_dtype(out.dtype(), [&]<class T>(T) {
    if constexpr (std::is_integral_v<T>) {  // bool, uint8, int32, int64
      const TileArgs args{plan.n, plan.k, plan.m, plan.a, plan.b, plan.inner};
      const dim3 block(kTile, kTile);
      // x: column tiles (CUDA allows 2^31 - 1 blocks there); y: row tiles; z: batch entries.
      const dim3 grid(grid_extent((plan.m + kTile - 1) / kTile, INT32_MAX),
                      grid_extent((plan.n + kTile - 1) / kTile, kMaxGridYZ),
                      grid_extent(plan.inner.extent, kMaxGridYZ));
      const T* a_base = device_data<T>(a);
      const T* b_base = device_data<T>(b);
      T* out_base = device_data<T>(out);
      plan.for_each_call([&](int64_t a_offset, int64_t b_offset, int64_t out_offset) {
        integer_matmul_tiles<T><<<grid, block, 0, s>>>(a_base + a_offset, b_base + b_offset,
                                                       out_base + out_offset, args);
      });
      check_launch("matmul");
    } else {
      NABLA_ASSERT(false, "matmul: integer_matmul called for ", out.dtype());
    }
  });
}

}  // namespace nabla::cuda
