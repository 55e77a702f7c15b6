// LuBatch (linalg_lu.hpp): getrf and getrs over a batch, through cuBLAS's batched routines or
// one cuSOLVER 64-bit call per matrix.
#ifdef NABLA_HAVE_CUDA
#include "backend/cuda/linalg_lu.hpp"

#include <climits>

#include "backend/cuda/cublas_handle.hpp"
#include "backend/cuda/cusolver_handle.hpp"
#include "backend/cuda/linalg_device.hpp"
#include "backend/cuda/linalg_library.hpp"

namespace nabla::cuda::linalg {
namespace {

/// cuBLAS's batched LU is built for small matrices, where one launch for the whole batch beats a
/// cuSOLVER call per matrix; cuSOLVER's blocked getrf wins on large ones. Not measured here: a
/// threshold in the range PyTorch's heuristics use.
constexpr int64_t kBatchedMaxOrder = 128;

}  // namespace

template <class T>
LuBatch<T>::LuBatch(const Tensor& a, bool transpose, int32_t* pivots, int32_t* info)
    : device_(a.device()), stream_(stream(a.device())) {
  const Matrices in = matrices_of(a);
  count_ = in.count();
  rows_ = transpose ? in.cols : in.rows;
  cols_ = transpose ? in.rows : in.cols;
  choose_path();
  const int64_t k = std::min(rows_, cols_);
  a_ = DeviceArray<T>(count_ * rows_ * cols_, device_);
  if (pivots == nullptr) {
    own_pivots_ = DeviceArray<int32_t>(count_ * k, device_);
    pivots = own_pivots_.get();
  }
  if (info == nullptr) {
    own_info_ = DeviceArray<int32_t>(count_, device_);
    info = own_info_.get();
  }
  pivots_ = pivots;
  info_ = info;
  // The work copy, column-major rows_ x cols_ (ld rows_): A itself, or A's row-major copy.
  const int64_t stride = rows_ * cols_;
  const Matrices work = transpose
                            ? row_major(a_.get(), count_, in.rows, in.cols, in.cols, stride)
                            : column_major(a_.get(), count_, in.rows, in.cols, in.rows, stride);
  copy_matrices(a.dtype(), work, in, {}, stream_);
  factor();
}

template <class T>
LuBatch<T>::LuBatch(const Tensor& lu, const Tensor& pivots)
    : device_(lu.device()), stream_(stream(lu.device())) {
  const Matrices in = matrices_of(lu);
  count_ = in.count();
  rows_ = in.rows;
  cols_ = in.cols;
  choose_path();
  a_ = DeviceArray<T>(count_ * rows_ * cols_, device_);
  copy_matrices(lu.dtype(), column_major(a_.get(), count_, rows_, cols_, rows_, rows_ * cols_), in,
                {}, stream_);
  if (batched_) {
    own_pivots_ = DeviceArray<int32_t>(count_ * rows_, device_);
    pivots_ = own_pivots_.get();
    gather_pivots(pivots, pivots_, nullptr, stream_);
  } else {
    pivots64_ = DeviceArray<int64_t>(count_ * rows_, device_);
    gather_pivots(pivots, nullptr, pivots64_.get(), stream_);
  }
}

template <class T>
void LuBatch<T>::choose_path() {
  batched_ = count_ > 1 && count_ <= INT_MAX && rows_ == cols_ && rows_ <= kBatchedMaxOrder;
}

template <class T>
void LuBatch<T>::factor() {
  const int64_t k = std::min(rows_, cols_);
  if (count_ == 0) return;
  if (k == 0) {  // nothing to factor: no pivots, and success
    check(cudaMemsetAsync(info_, 0, static_cast<size_t>(count_) * sizeof(int32_t), stream_),
          "linalg LU: cudaMemsetAsync");
    return;
  }
  if (batched_) {
    const DeviceArray<T*> pointers(count_, device_);
    pointer_array(reinterpret_cast<void**>(pointers.get()), a_.get(), sizeof(T), rows_ * rows_,
                  count_, stream_);
    getrf_batched(cublas_handle(device_), as_int(rows_), pointers.get(), as_int(rows_), pivots_,
                  info_, as_int(count_));
    return;
  }
  pivots64_ = DeviceArray<int64_t>(count_ * k, device_);
  const CusolverLease solver = cusolver(device_);
  constexpr cudaDataType type = kDataType<T>;
  size_t device_bytes = 0, host_bytes = 0;
  check(cusolverDnXgetrf_bufferSize(solver.handle(), solver.params(), rows_, cols_, type, a_.get(),
                                    rows_, type, &device_bytes, &host_bytes),
        "cusolverDnXgetrf_bufferSize");
  const DeviceArray<char> work(static_cast<int64_t>(device_bytes), device_);
  HostWorkspace host(host_bytes);
  for (int64_t b = 0; b < count_; ++b) {
    check(cusolverDnXgetrf(solver.handle(), solver.params(), rows_, cols_, type,
                           a_.get() + b * rows_ * cols_, rows_, pivots64_.get() + b * k, type,
                           work.get(), device_bytes, host.get(), host_bytes, info_ + b),
          "cusolverDnXgetrf");
  }
  host.finish(stream_);
  narrow_pivots(pivots64_.get(), pivots_, count_ * k, stream_);
}

template <class T>
void LuBatch<T>::solve(bool transpose, T* b, int64_t nrhs) const {
  const int64_t n = rows_;
  if (count_ == 0 || n == 0 || nrhs == 0) return;
  const cublasOperation_t op = transpose ? CUBLAS_OP_T : CUBLAS_OP_N;
  if (batched_) {
    const DeviceArray<T*> factors(count_, device_), rhs(count_, device_);
    pointer_array(reinterpret_cast<void**>(factors.get()), a_.get(), sizeof(T), n * n, count_,
                  stream_);
    pointer_array(reinterpret_cast<void**>(rhs.get()), b, sizeof(T), n * nrhs, count_, stream_);
    getrs_batched(cublas_handle(device_), op, as_int(n), as_int(nrhs), factors.get(), as_int(n),
                  pivots_, rhs.get(), as_int(n), as_int(count_));
    return;
  }
  const CusolverLease solver = cusolver(device_);
  constexpr cudaDataType type = kDataType<T>;
  // getrs reports only illegal arguments in its info, which nabla never passes.
  const DeviceArray<int32_t> status(1, device_);
  for (int64_t i = 0; i < count_; ++i) {
    check(
        cusolverDnXgetrs(solver.handle(), solver.params(), op, n, nrhs, type, a_.get() + i * n * n,
                         n, pivots64_.get() + i * n, type, b + i * n * nrhs, n, status.get()),
        "cusolverDnXgetrs");
  }
}

template class LuBatch<float>;
template class LuBatch<double>;

}  // namespace nabla::cuda::linalg
#endif
