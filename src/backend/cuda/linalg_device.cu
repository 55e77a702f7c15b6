// The small kernels of the CUDA linalg ops (declared in linalg_device.hpp). Each is a grid-stride
// loop over elements, matrices or vectors; batches of any layout go through OffsetCalc over their
// batch dims, with each matrix's row and column strides applied on top.
#define NABLA_HOST_DEVICE __host__ __device__

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/launch.cuh"
#include "backend/cuda/linalg_device.hpp"
#include "backend/cuda/strided_index.cuh"
#include "backend/linalg_conventions.hpp"
#include "nabla/util/error.hpp"

namespace nabla::cuda::linalg {

int64_t Matrices::count() const {
  int64_t count = 1;
  for (int64_t size : batch_sizes) count *= size;
  return count;
}

Matrices matrices_of(const Tensor& t) {
  const int64_t rank = t.ndim();
  const auto& strides = t.strides();
  Matrices m;
  m.data = device_data(t);
  m.batch_sizes.assign(t.shape().begin(), t.shape().end() - 2);
  m.batch_strides.assign(strides.begin(), strides.end() - 2);
  m.rows = t.size(rank - 2);
  m.cols = t.size(rank - 1);
  m.row_stride = strides[static_cast<size_t>(rank - 2)];
  m.col_stride = strides[static_cast<size_t>(rank - 1)];
  return m;
}

Matrices vectors_of(const Tensor& t) {
  const int64_t rank = t.ndim();
  const auto& strides = t.strides();
  Matrices m;
  m.data = device_data(t);
  m.batch_sizes.assign(t.shape().begin(), t.shape().end() - 1);
  m.batch_strides.assign(strides.begin(), strides.end() - 1);
  m.rows = 1;
  m.cols = t.size(rank - 1);
  m.col_stride = strides[static_cast<size_t>(rank - 1)];
  return m;
}

Matrices column_major(void* data, int64_t count, int64_t rows, int64_t cols, int64_t ld,
                      int64_t batch_stride) {
  return Matrices{data, {count}, {batch_stride}, rows, cols, 1, ld};
}

Matrices row_major(void* data, int64_t count, int64_t rows, int64_t cols, int64_t ld,
                   int64_t batch_stride) {
  return Matrices{data, {count}, {batch_stride}, rows, cols, ld, 1};
}

Matrices transposed(Matrices m) {
  std::swap(m.rows, m.cols);
  std::swap(m.row_stride, m.col_stride);
  return m;
}

Matrices leading_columns(Matrices m, int64_t cols) {
  m.cols = cols;
  return m;
}

namespace {

/// A batch of matrices as kernels read it.
struct DeviceMatrices {
  OffsetCalc<1> batch;
  int64_t rows, cols, row_stride, col_stride;

  __host__ __device__ int64_t base(int64_t b) const { return batch.get(b).at[0]; }
  __host__ __device__ int64_t at(int64_t b, int64_t i, int64_t j) const {
    return base(b) + i * row_stride + j * col_stride;
  }
};

DeviceMatrices device_view(const Matrices& m) {
  return {make_offset_calc<1>(m.batch_sizes, {m.batch_strides}, "linalg"), m.rows, m.cols,
          m.row_stride, m.col_stride};
}

/// Elements moved as raw bits: complex128 is 16 bytes.
struct alignas(16) Bytes16 {
  uint64_t low, high;
};

template <class D, class S>
struct CopyArgs {
  D* dst;
  DeviceMatrices to;
  const S* src;
  DeviceMatrices from;
  int64_t total;
  bool rows_fastest;  // walk the destination's memory order (column-major: i fastest)
  Keep keep;
  const int32_t* failed;
  D fill;
  const D* signs;
  int64_t sign_count;
  bool signs_by_row;
};

template <class D, class S>
__global__ void copy_kernel(CopyArgs<D, S> a) {
  const int64_t per_matrix = a.to.rows * a.to.cols;
  for (int64_t index = grid_index(); index < a.total; index += grid_stride()) {
    const int64_t b = index / per_matrix, r = index - b * per_matrix;
    int64_t i, j;
    if (a.rows_fastest) {
      j = r / a.to.rows;
      i = r - j * a.to.rows;
    } else {
      i = r / a.to.cols;
      j = r - i * a.to.cols;
    }
    D value{};
    if (a.failed != nullptr && a.failed[b] != 0) {
      value = a.fill;
    } else if (!((a.keep == Keep::Upper && i > j) || (a.keep == Keep::Lower && i < j))) {
      value = static_cast<D>(a.src[a.from.at(b, i, j)]);
      if constexpr (std::is_floating_point_v<D>) {
        const int64_t which = a.signs_by_row ? i : j;
        if (a.signs != nullptr && which < a.sign_count) value *= a.signs[b * a.sign_count + which];
      }
    }
    a.dst[a.to.at(b, i, j)] = value;
  }
}

template <class D, class S>
void launch_copy(const Matrices& dst, const Matrices& src, const CopyOptions& options,
                 cudaStream_t stream) {
  const int64_t total = dst.numel();
  if (total == 0) return;
  NABLA_ASSERT(dst.rows == src.rows && dst.cols == src.cols && dst.count() == src.count(),
               "linalg copy: ", dst.rows, "x", dst.cols, " from ", src.rows, "x", src.cols);
  CopyArgs<D, S> args{static_cast<D*>(dst.data),
                      device_view(dst),
                      static_cast<const S*>(src.data),
                      device_view(src),
                      total,
                      dst.row_stride < dst.col_stride,
                      options.keep,
                      options.failed,
                      D{},
                      static_cast<const D*>(options.signs),
                      options.sign_count,
                      options.signs_by_row};
  if constexpr (std::is_floating_point_v<D>) args.fill = static_cast<D>(options.fill);
  copy_kernel<D, S><<<blocks_for(total), kThreads, 0, stream>>>(args);
  check_launch("linalg copy");
}

}  // namespace

void copy_matrices(DType dtype, const Matrices& dst, const Matrices& src,
                   const CopyOptions& options, cudaStream_t stream) {
  if (dtype == DType::Float32) return launch_copy<float, float>(dst, src, options, stream);
  if (dtype == DType::Float64) return launch_copy<double, double>(dst, src, options, stream);
  NABLA_ASSERT(options.failed == nullptr && options.signs == nullptr && options.keep == Keep::All,
               "linalg copy: options need a float dtype, got ", dtype);
  switch (dtype_size(dtype)) {
    case 4:
      return launch_copy<uint32_t, uint32_t>(dst, src, options, stream);
    case 8:
      return launch_copy<uint64_t, uint64_t>(dst, src, options, stream);
    case 16:
      return launch_copy<Bytes16, Bytes16>(dst, src, options, stream);
    default:
      NABLA_ASSERT(false, "linalg copy: unexpected element size of ", dtype);
  }
}

namespace {

template <class T>
__global__ void identity_kernel(T* dst, DeviceMatrices to, int64_t total) {
  const int64_t per_matrix = to.rows * to.cols;
  for (int64_t index = grid_index(); index < total; index += grid_stride()) {
    const int64_t b = index / per_matrix, r = index - b * per_matrix;
    const int64_t i = r / to.cols, j = r - i * to.cols;
    dst[to.at(b, i, j)] = i == j ? T(1) : T(0);
  }
}

__global__ void pointer_kernel(void** pointers, char* base, int64_t step, int64_t count) {
  for (int64_t b = grid_index(); b < count; b += grid_stride()) pointers[b] = base + b * step;
}

}  // namespace

void fill_identity(DType dtype, const Matrices& dst, cudaStream_t stream) {
  const int64_t total = dst.numel();
  if (total == 0) return;
  visit_floating_dtype(dtype, [&]<class T>(T) {
    identity_kernel<T><<<blocks_for(total), kThreads, 0, stream>>>(static_cast<T*>(dst.data),
                                                                   device_view(dst), total);
  });
  check_launch("linalg identity");
}

void pointer_array(void** pointers, void* base, size_t itemsize, int64_t stride, int64_t count,
                   cudaStream_t stream) {
  if (count == 0) return;
  pointer_kernel<<<blocks_for(count), kThreads, 0, stream>>>(
      pointers, static_cast<char*>(base), stride * static_cast<int64_t>(itemsize), count);
  check_launch("linalg pointer array");
}

void gather_pivots(const Tensor& pivots, int32_t* out32, int64_t* out64, cudaStream_t stream) {
  const Matrices from = vectors_of(pivots);
  const int64_t count = from.count(), k = from.cols;
  if (out32 != nullptr) {
    launch_copy<int32_t, int32_t>(row_major(out32, count, 1, k, k, k), from, {}, stream);
  }
  if (out64 != nullptr) {
    launch_copy<int64_t, int32_t>(row_major(out64, count, 1, k, k, k), from, {}, stream);
  }
}

void narrow_pivots(const int64_t* in, int32_t* out, int64_t n, cudaStream_t stream) {
  launch_copy<int32_t, int64_t>(row_major(out, 1, 1, n, n, n),
                                row_major(const_cast<int64_t*>(in), 1, 1, n, n, n), {}, stream);
}

namespace {

/// One thread per (matrix b, column i): where row i of the identity ends up after the pivots'
/// swaps, traced backwards (the CPU applies them forwards to an index array), so no thread needs
/// an array of m rows.
template <class T>
__global__ void permutation_kernel(T* out, const int32_t* pivots, DeviceMatrices pv, int64_t count,
                                   int64_t m) {
  const int64_t k = pv.cols;
  for (int64_t index = grid_index(); index < count * m; index += grid_stride()) {
    const int64_t b = index / m, i = index - b * m;
    const int64_t base = pv.base(b);
    int64_t row = i;
    for (int64_t t = k - 1; t >= 0; --t) {
      const int64_t j = pivots[base + t * pv.col_stride] - 1;
      if (j < 0 || j >= m) continue;
      if (row == t) {
        row = j;
      } else if (row == j) {
        row = t;
      }
    }
    out[b * m * m + row * m + i] = T(1);
  }
}

}  // namespace

void lu_permutation(const Tensor& pivots, const Tensor& out, int64_t m, cudaStream_t stream) {
  const int64_t count = m == 0 ? 0 : out.numel() / (m * m);
  if (count == 0) return;
  check(cudaMemsetAsync(device_data(out), 0, static_cast<size_t>(out.numel()) * out.itemsize(),
                        stream),
        "linalg_lu_permutation: cudaMemsetAsync");
  const DeviceMatrices pv = device_view(vectors_of(pivots));
  const auto* p = device_data<const int32_t>(pivots);
  visit_floating_dtype(out.dtype(), [&]<class T>(T) {
    permutation_kernel<T>
        <<<blocks_for(count * m), kThreads, 0, stream>>>(device_data<T>(out), p, pv, count, m);
  });
  check_launch("linalg_lu_permutation");
}

namespace {

template <class T>
__global__ void zero_diagonal_kernel(const T* a, DeviceMatrices view, int32_t* info,
                                     int64_t count) {
  for (int64_t b = grid_index(); b < count; b += grid_stride()) {
    int32_t status = 0;
    for (int64_t i = 0; i < view.rows; ++i) {
      if (a[view.at(b, i, i)] == T(0)) {
        status = static_cast<int32_t>(i + 1);
        break;
      }
    }
    info[b] = status;
  }
}

template <class T>
__global__ void determinant_kernel(const T* lu, const int32_t* pivots, const int32_t* info,
                                   int64_t count, int64_t n, T* det, T* logabsdet, T* sign) {
  for (int64_t b = grid_index(); b < count; b += grid_stride()) {
    const T* matrix = lu + b * n * n;
    const int32_t* p = pivots + b * n;
    const auto d = linalg_conventions::determinant_from_lu<T>(
        n, [&](int64_t i) { return matrix[i + i * n]; }, [&](int64_t i) { return p[i]; }, info[b]);
    det[b] = d.det;
    logabsdet[b] = d.logabsdet;
    sign[b] = d.sign;
  }
}

template <class T>
__global__ void non_finite_kernel(const T* a, DeviceMatrices view, int64_t total, int32_t* flags) {
  const int64_t per_matrix = view.rows * view.cols;
  for (int64_t index = grid_index(); index < total; index += grid_stride()) {
    const int64_t b = index / per_matrix, r = index - b * per_matrix;
    const int64_t j = r / view.rows, i = r - j * view.rows;
    if (!isfinite(a[view.at(b, i, j)])) atomicExch(flags + b, 1);
  }
}

__global__ void mark_failed_kernel(int32_t* info, const int32_t* flags, int32_t code,
                                   int64_t count) {
  for (int64_t b = grid_index(); b < count; b += grid_stride()) {
    if (flags[b] != 0) info[b] = code;
  }
}

template <class T>
__global__ void signs_kernel(const T* v, DeviceMatrices view, int64_t n, int64_t count, T* signs) {
  for (int64_t index = grid_index(); index < count * n; index += grid_stride()) {
    const int64_t b = index / n, j = index - b * n;
    const int64_t base = view.base(b) + j * view.col_stride;
    signs[index] = T(linalg_conventions::vector_sign(
        view.rows, [&](int64_t i) { return v[base + i * view.row_stride]; }));
  }
}

template <class T>
__global__ void cutoff_kernel(const T* s, int64_t count, int64_t k, T relative, const int32_t* info,
                              int64_t* rank, T* divisor) {
  for (int64_t b = grid_index(); b < count; b += grid_stride()) {
    const T* values = s + b * k;
    T largest = 0;
    for (int64_t i = 0; i < k; ++i) {
      const T magnitude = values[i] < 0 ? -values[i] : values[i];
      if (magnitude > largest) largest = magnitude;
    }
    const T cutoff = relative * largest;
    const bool failed = info[b] != 0;
    int64_t kept = 0;
    for (int64_t i = 0; i < k; ++i) {
      const bool keep = !failed && values[i] > cutoff;
      divisor[b * k + i] = keep ? values[i] : T(0);
      kept += keep ? 1 : 0;
    }
    rank[b] = kept;
  }
}

template <class T>
__global__ void divide_rows_kernel(T* c, const T* divisor, int64_t k, int64_t r, int64_t total) {
  for (int64_t index = grid_index(); index < total; index += grid_stride()) {
    const int64_t b = index / (k * r), i = index % k;  // c[b] is column-major k x r
    const T d = divisor[b * k + i];
    c[index] = d != T(0) ? c[index] / d : T(0);
  }
}

}  // namespace

void first_zero_diagonal(DType dtype, const Matrices& a, int32_t* info, cudaStream_t stream) {
  const int64_t count = a.count();
  if (count == 0) return;
  visit_floating_dtype(dtype, [&]<class T>(T) {
    zero_diagonal_kernel<T><<<blocks_for(count), kThreads, 0, stream>>>(
        static_cast<const T*>(a.data), device_view(a), info, count);
  });
  check_launch("linalg zero-diagonal scan");
}

void determinant(DType dtype, const void* lu, const int32_t* pivots, const int32_t* info,
                 int64_t count, int64_t n, void* det, void* logabsdet, void* sign,
                 cudaStream_t stream) {
  if (count == 0) return;
  visit_floating_dtype(dtype, [&]<class T>(T) {
    determinant_kernel<T><<<blocks_for(count), kThreads, 0, stream>>>(
        static_cast<const T*>(lu), pivots, info, count, n, static_cast<T*>(det),
        static_cast<T*>(logabsdet), static_cast<T*>(sign));
  });
  check_launch("linalg_det_lu");
}

void flag_non_finite(DType dtype, const Matrices& a, int32_t* flags, cudaStream_t stream) {
  const int64_t count = a.count(), total = a.numel();
  if (count == 0) return;
  check(cudaMemsetAsync(flags, 0, static_cast<size_t>(count) * sizeof(int32_t), stream),
        "linalg: cudaMemsetAsync");
  if (total == 0) return;
  visit_floating_dtype(dtype, [&]<class T>(T) {
    non_finite_kernel<T><<<blocks_for(total), kThreads, 0, stream>>>(static_cast<const T*>(a.data),
                                                                     device_view(a), total, flags);
  });
  check_launch("linalg non-finite scan");
}

void mark_failed(int32_t* info, const int32_t* flags, int32_t code, int64_t count,
                 cudaStream_t stream) {
  if (count == 0) return;
  mark_failed_kernel<<<blocks_for(count), kThreads, 0, stream>>>(info, flags, code, count);
  check_launch("linalg status");
}

void vector_signs(DType dtype, const Matrices& vectors, int64_t n, void* signs,
                  cudaStream_t stream) {
  const int64_t count = vectors.count();
  if (count == 0 || n == 0) return;
  visit_floating_dtype(dtype, [&]<class T>(T) {
    signs_kernel<T><<<blocks_for(count * n), kThreads, 0, stream>>>(
        static_cast<const T*>(vectors.data), device_view(vectors), n, count,
        static_cast<T*>(signs));
  });
  check_launch("linalg vector signs");
}

void lstsq_cutoff(DType dtype, const void* s, int64_t count, int64_t k, double rcond,
                  const int32_t* info, int64_t* rank, void* divisor, cudaStream_t stream) {
  if (count == 0) return;
  visit_floating_dtype(dtype, [&]<class T>(T) {
    cutoff_kernel<T><<<blocks_for(count), kThreads, 0, stream>>>(
        static_cast<const T*>(s), count, k, linalg_conventions::lstsq_relative_cutoff<T>(rcond),
        info, rank, static_cast<T*>(divisor));
  });
  check_launch("linalg_lstsq cutoff");
}

void divide_rows(DType dtype, void* c, const void* divisor, int64_t count, int64_t k, int64_t r,
                 cudaStream_t stream) {
  const int64_t total = count * k * r;
  if (total == 0) return;
  visit_floating_dtype(dtype, [&]<class T>(T) {
    divide_rows_kernel<T><<<blocks_for(total), kThreads, 0, stream>>>(
        static_cast<T*>(c), static_cast<const T*>(divisor), k, r, total);
  });
  check_launch("linalg_lstsq scaling");
}

}  // namespace nabla::cuda::linalg
