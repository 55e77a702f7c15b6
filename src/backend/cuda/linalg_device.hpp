// The small CUDA kernels around the cuSOLVER and cuBLAS calls of the linalg ops
// (linalg_device.cu), callable from host code: copies between nabla's matrices (any layout,
// row-major outputs) and the column-major buffers the libraries work in, with triangle masks,
// sign flips and NaN for failed matrices folded in; identities, pointer arrays, pivots, the
// permutation of lu, status scans, the determinant, and least squares' rank cutoff. Every launch
// is queued on the given stream; none synchronises.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla::cuda::linalg {

/// Where a batch of matrices lives: matrix b's element (i, j) is at element
/// data + offset(b) + i * row_stride + j * col_stride, where offset(b) walks `batch_sizes` (outer
/// to inner, b numbered row-major) with `batch_strides`. Describes tensors of any layout (stride
/// 0 for broadcast dims included) and the packed work buffers alike.
struct Matrices {
  void* data = nullptr;
  std::vector<int64_t> batch_sizes, batch_strides;
  int64_t rows = 0, cols = 0, row_stride = 0, col_stride = 0;

  [[nodiscard]] int64_t count() const;
  [[nodiscard]] int64_t numel() const { return count() * rows * cols; }
};

/// The matrices of a CUDA tensor [..., rows, cols] in its own layout.
[[nodiscard]] Matrices matrices_of(const Tensor& t);
/// The vectors of a CUDA tensor [..., n] as a batch of 1 x n matrices.
[[nodiscard]] Matrices vectors_of(const Tensor& t);
/// `count` column-major rows x cols matrices at `data`, matrix b at b * batch_stride elements,
/// element (i, j) at i + j * ld.
[[nodiscard]] Matrices column_major(void* data, int64_t count, int64_t rows, int64_t cols,
                                    int64_t ld, int64_t batch_stride);
/// The same, row-major: element (i, j) at i * ld + j.
[[nodiscard]] Matrices row_major(void* data, int64_t count, int64_t rows, int64_t cols, int64_t ld,
                                 int64_t batch_stride);
/// The transposes of `m` (a view: rows and columns swap, with their strides).
[[nodiscard]] Matrices transposed(Matrices m);
/// The first `cols` columns of `m`.
[[nodiscard]] Matrices leading_columns(Matrices m, int64_t cols);

/// Which triangle copy_matrices keeps (diagonal included); the rest is written as zeros.
enum class Keep : uint8_t { All, Upper, Lower };

struct CopyOptions {
  Keep keep = Keep::All;
  /// When set, matrix b with failed[b] != 0 is written entirely as `fill` (float dtypes only).
  const int32_t* failed = nullptr;
  double fill = std::numeric_limits<double>::quiet_NaN();
  /// When set (float dtypes only, `signs` of the destination's dtype, [count, sign_count]):
  /// column j < sign_count of matrix b is multiplied by signs[b * sign_count + j], or row i when
  /// signs_by_row.
  const void* signs = nullptr;
  int64_t sign_count = 0;
  bool signs_by_row = false;
};

/// dst = src, element by element (both rows x cols per matrix, `count` matrices), for elements
/// of `dtype`: float32/float64 with every option, other dtypes (complex, int32) as raw elements
/// of their size without options. dst and src may be the same memory with the same layout (an
/// in-place mask or fill), never otherwise overlapping.
void copy_matrices(DType dtype, const Matrices& dst, const Matrices& src,
                   const CopyOptions& options, cudaStream_t stream);

/// Writes the identity (ones on the main diagonal, zeros elsewhere) into every matrix of dst.
void fill_identity(DType dtype, const Matrices& dst, cudaStream_t stream);

/// pointers[b] = base + b * stride elements of `itemsize` bytes, for the libraries' batched calls
/// that take arrays of matrix pointers (in device memory).
void pointer_array(void** pointers, void* base, size_t itemsize, int64_t stride, int64_t count,
                   cudaStream_t stream);

/// Packs int32 pivots [..., k] of any layout into [count, k] int32 (`out32`) and/or widened to
/// int64 (`out64`, cuSOLVER's 64-bit API); either may be null.
void gather_pivots(const Tensor& pivots, int32_t* out32, int64_t* out64, cudaStream_t stream);
/// out[i] = in[i] for n pivots (cuSOLVER's int64 pivots into nabla's int32; they are <= 2^31).
void narrow_pivots(const int64_t* in, int32_t* out, int64_t n, cudaStream_t stream);

/// linalg_lu_permutation: P [count, m, m] (dtype of `out`) with A = P L U, from LAPACK-style
/// 1-based pivots [..., k] of any layout (rows i and pivots[i] - 1 swapped in turn;
/// out-of-range pivots skipped, as the CPU kernel).
void lu_permutation(const Tensor& pivots, const Tensor& out, int64_t m, cudaStream_t stream);

/// info[b] = i + 1 for the first i with a[b](i, i) == 0, else 0 (the CPU's zero-pivot and
/// zero-diagonal scans before getrs and trtrs). Square matrices.
void first_zero_diagonal(DType dtype, const Matrices& a, int32_t* info, cudaStream_t stream);

/// linalg_det_lu from a factored batch: `lu` column-major n x n packed (stride n * n), pivots
/// [count, n] 1-based int32, info [count] -> det, logabsdet, sign [count] (float dtype).
void determinant(DType dtype, const void* lu, const int32_t* pivots, const int32_t* info,
                 int64_t count, int64_t n, void* det, void* logabsdet, void* sign,
                 cudaStream_t stream);

/// flags[b] = 1 when matrix b of `a` has a NaN or infinite element, else 0 (float dtypes).
void flag_non_finite(DType dtype, const Matrices& a, int32_t* flags, cudaStream_t stream);
/// info[b] = code wherever flags[b] != 0.
void mark_failed(int32_t* info, const int32_t* flags, int32_t code, int64_t count,
                 cudaStream_t stream);

/// signs[b * n + j] = the sign of Note [Singular vector signs] for column j < n of matrix b of
/// `vectors` (float dtypes; signs of the same dtype).
void vector_signs(DType dtype, const Matrices& vectors, int64_t n, void* signs,
                  cudaStream_t stream);

/// Least squares' cutoff (linalg_conventions.hpp): from singular values s [count, k] (any
/// order), rank[b] = #{s_i > rcnd * max s} (0 where info[b] != 0), and divisor[b * k + i] = s_i
/// for the kept values, 0 for the dropped ones.
void lstsq_cutoff(DType dtype, const void* s, int64_t count, int64_t k, double rcond,
                  const int32_t* info, int64_t* rank, void* divisor, cudaStream_t stream);
/// c[b](i, j) = divisor[b * k + i] != 0 ? c[b](i, j) / divisor : 0 for the column-major k x r
/// matrices c, packed (stride k * r).
void divide_rows(DType dtype, void* c, const void* divisor, int64_t count, int64_t k, int64_t r,
                 cudaStream_t stream);

}  // namespace nabla::cuda::linalg
