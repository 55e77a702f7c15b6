// What the CUDA linalg kernel files share: typed scratch arrays from the device's caching
// allocator, the host workspace some cuSOLVER calls want, the float/double dispatch, and the
// registration of each file's kernels (register_linalg_kernels, linalg_kernels.cpp, calls them).
//
// Note [CUDA linalg status]
// The kernels follow Note [LAPACK status] (backend/cpu/lapack_util.hpp): each matrix's status
// goes to the op's int32 `info` output, which stays on the device; kernels never read it back.
// Where the CPU writes NaN for a failed matrix, a kernel here does so reading the device status.
// The public functions read `info` (check_lapack_info) to raise LinAlgError, as on the CPU; that
// read is theirs. The kernels synchronise only where there is no way around it: eig and eigvals,
// which run on the host (linalg_eig_kernels.cpp), and a cuSOLVER call that asks for host
// workspace (HostWorkspace below).
#pragma once

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "backend/cuda/cuda_context.hpp"
#include "backend/kernel_table.hpp"
#include "nabla/tensor/storage.hpp"
#include "nabla/util/error.hpp"

namespace nabla::cuda::linalg {

/// `count` elements of T in device memory from the caching allocator. Safe to free while
/// kernels queued on the device's stream still use it: whatever reuses the block is queued later.
template <class T>
class DeviceArray {
 public:
  DeviceArray() = default;
  DeviceArray(int64_t count, Device device)
      : memory_(static_cast<size_t>(std::max<int64_t>(count, 1)) * sizeof(T), device) {}
  [[nodiscard]] T* get() const { return static_cast<T*>(memory_.data()); }

 private:
  Buffer memory_;
};

/// Host memory that cuSOLVER's 64-bit API asks for beside the device workspace (most routines
/// ask for none). Hybrid routines compute on it during the call; since the call itself is queued
/// on a stream, finish() waits for the stream before the memory may go whenever it was used.
class HostWorkspace {
 public:
  explicit HostWorkspace(size_t bytes) : asked_(bytes), bytes_(std::max<size_t>(bytes, 1)) {}
  [[nodiscard]] void* get() { return bytes_.data(); }
  [[nodiscard]] size_t size() const { return asked_; }
  /// Call after the last cuSOLVER call that used this workspace, before it is destroyed.
  void finish(cudaStream_t stream) const {
    if (asked_ > 0) check(cudaStreamSynchronize(stream), "cuSOLVER host workspace: synchronize");
  }

 private:
  size_t asked_;
  std::vector<char> bytes_;
};

/// Sizes the libraries take as int (cuBLAS's batched LU, the legacy cuSOLVER entry points): the
/// infer rules bound a matrix's rows, columns and element count by INT_MAX.
[[nodiscard]] inline int as_int(int64_t v) { return static_cast<int>(v); }

}  // namespace nabla::cuda::linalg

namespace nabla::cuda {
/// Every linalg kernel (linalg_kernels.cpp); also declared in kernels.hpp.
void register_linalg_kernels(KernelTable& table);
}  // namespace nabla::cuda

namespace nabla::cuda::linalg {

void register_lu_kernels(KernelTable& table);        // linalg_lu_kernels.cpp
void register_factor_kernels(KernelTable& table);    // linalg_factor_kernels.cpp
void register_spectral_kernels(KernelTable& table);  // linalg_spectral_kernels.cpp
void register_eig_kernels(KernelTable& table);       // linalg_eig_kernels.cpp

}  // namespace nabla::cuda::linalg
