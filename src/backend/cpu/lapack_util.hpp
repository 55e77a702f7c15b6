// What every LAPACK-backed linalg kernel shares: the LAPACKE header (complex numbers as
// std::complex), the walk over the matrices of a batch [..., m, n] in any layout, copies between
// nabla's row-major (or strided) matrices and LAPACK's column-major work buffers, and the status
// convention of Note [LAPACK status].
#pragma once

#include <complex>
// LAPACKE's complex types as std::complex (layout-compatible with Fortran's COMPLEX). LAPACK
// 3.11's lapack.h reads these macros; LAPACK_COMPLEX_CPP is the spelling of older lapacke.h.
#define LAPACK_COMPLEX_CPP
#define lapack_complex_float std::complex<float>
#define lapack_complex_double std::complex<double>
#include <lapacke.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "nabla/tensor/tensor.hpp"
#include "nabla/util/parallel.hpp"

// Note [LAPACK status]
// Kernels never throw (design.md §5.3), yet a singular or indefinite matrix is only discovered
// inside LAPACK. So each LAPACK-backed op has an extra int32 output `info` of the batch shape
// [...]: the kernel stores LAPACK's info for every matrix (0 = success; > 0 = the routine's
// "singular at k" / "not positive definite at k" / "did not converge"; a negative value means an
// argument nabla passed was illegal, a nabla bug). The op's public function then calls
// check_lapack_info (src/ops/linalg_util.hpp), which raises LinAlgError naming the op and the
// first failing batch index. The same convention serves cuSOLVER, whose info lives on the device.

namespace nabla::cpu::lapack {

/// The matrices of a tensor [..., rows, cols]: their count and where matrix b starts.
class MatrixBatch {
 public:
  explicit MatrixBatch(const Tensor& t)
      : rank_(t.ndim()),
        rows_(t.shape().at(rank_ - 2)),
        cols_(t.shape().at(rank_ - 1)),
        row_stride_(t.layout().strides()[static_cast<size_t>(rank_ - 2)]),
        col_stride_(t.layout().strides()[static_cast<size_t>(rank_ - 1)]) {
    for (int64_t axis = 0; axis < rank_ - 2; ++axis) {
      batch_dims_.push_back(t.shape().at(axis));
      batch_strides_.push_back(t.layout().strides()[static_cast<size_t>(axis)]);
      count_ *= batch_dims_.back();
    }
  }
  [[nodiscard]] int64_t count() const { return count_; }
  [[nodiscard]] int64_t rows() const { return rows_; }
  [[nodiscard]] int64_t cols() const { return cols_; }
  [[nodiscard]] int64_t row_stride() const { return row_stride_; }
  [[nodiscard]] int64_t col_stride() const { return col_stride_; }
  /// Element offset of matrix b (row-major numbering of the batch) from element [0, ..., 0].
  [[nodiscard]] int64_t offset(int64_t b) const {
    int64_t result = 0;
    for (size_t axis = batch_dims_.size(); axis-- > 0;) {
      result += (b % batch_dims_[axis]) * batch_strides_[axis];
      b /= batch_dims_[axis];
    }
    return result;
  }

 private:
  int64_t rank_, rows_, cols_, row_stride_, col_stride_;
  std::vector<int64_t> batch_dims_, batch_strides_;
  int64_t count_ = 1;
};

/// Copies matrix b of `batch` (element type T at `data`) into the column-major `dst` with
/// leading dimension ld >= rows.
template <class T>
void to_column_major(const MatrixBatch& batch, const T* data, int64_t b, T* dst, int64_t ld) {
  const T* src = data + batch.offset(b);
  for (int64_t j = 0; j < batch.cols(); ++j) {
    for (int64_t i = 0; i < batch.rows(); ++i) {
      dst[i + j * ld] = src[i * batch.row_stride() + j * batch.col_stride()];
    }
  }
}

/// Copies matrix b of `batch` into the row-major `dst` [rows, cols]. LAPACK reads that buffer as
/// the column-major transpose, which saves both transpositions wherever the transpose serves
/// as well: inv(A^T) = inv(A)^T, det(A^T) = det(A), and a symmetric matrix is its transpose.
template <class T>
void to_row_major(const MatrixBatch& batch, const T* data, int64_t b, T* dst) {
  const T* src = data + batch.offset(b);
  for (int64_t i = 0; i < batch.rows(); ++i) {
    for (int64_t j = 0; j < batch.cols(); ++j) {
      dst[i * batch.cols() + j] = src[i * batch.row_stride() + j * batch.col_stride()];
    }
  }
}

/// Runs body(begin, end) over the matrices [0, count) of a batch, each costing about `flops`:
/// small matrices go to the threads in chunks (LAPACK then runs single-threaded inside the
/// OpenMP region); a single large matrix stays on this thread, where OpenBLAS uses the pool.
template <class Body>
void for_each_matrix(int64_t count, double flops, Body&& body) {
  constexpr double kChunkFlops = 1 << 18;
  const auto grain = static_cast<int64_t>(std::max(1.0, kChunkFlops / std::max(flops, 1.0)));
  parallel_for(0, count, grain, body);
}

/// Writes the column-major rows x cols matrix `src` (leading dimension ld) as matrix b of the
/// contiguous row-major output `out` [..., rows, cols].
template <class T>
void from_column_major(const T* src, int64_t ld, int64_t rows, int64_t cols, T* out, int64_t b) {
  T* dst = out + b * rows * cols;
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) dst[i * cols + j] = src[i + j * ld];
  }
}

/// LAPACK takes 32-bit sizes (lapack_int); ops reject larger matrices in their infer rules.
[[nodiscard]] inline lapack_int as_lapack_int(int64_t v) { return static_cast<lapack_int>(v); }

}  // namespace nabla::cpu::lapack
