// What every part of the CUDA backend shares (host code and .cu kernels alike): converting CUDA
// status codes into DeviceError at the boundary (design.md §5.3), the current device, the one
// stream nabla queues each device's work on, and a tensor's device address.
//
// One stream per device: every kernel, copy and library call (cuBLAS, cuDNN) for a device is
// queued on it, so work runs in the order the host issued it. That order is what makes the
// caching allocator's reuse safe without PyTorch's record_stream: a freed block handed out again
// is only touched by work queued after everything that used it. Host code that reads device
// memory synchronises the stream first (the copies to the CPU do).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

#include "nabla/tensor/tensor.hpp"

namespace nabla::cuda {

/// Throws DeviceError "<what>: <CUDA's message>" unless `status` is cudaSuccess (and clears
/// CUDA's sticky last error, so one failure does not poison later calls).
void check(cudaError_t status, const char* what);
/// After a kernel launch: throws DeviceError naming `op` if the launch failed.
void check_launch(const char* op);

/// The per-device tables (streams, cuBLAS handles) have this many slots.
inline constexpr int kMaxDevices = 64;

/// Throws DeviceError "<what> on cuda:i: ..." unless `device` is a visible CUDA device.
void check_visible(Device device, const char* what);
/// check_visible, and that the device fits the per-device tables: its slot in them.
[[nodiscard]] size_t device_slot(Device device, const char* what);
/// Makes `device` the calling thread's current CUDA device (DeviceError if it is not visible).
void select(Device device);
/// The stream nabla queues all work for `device` on (created on first use; non-blocking, so it
/// never waits for the legacy default stream). Also makes `device` the thread's current device,
/// which a kernel launch on the stream requires.
[[nodiscard]] cudaStream_t stream(Device device);

/// Device address of element [0, ..., 0] of a CUDA tensor (Tensor::data_ptr is CPU only).
template <class T = void>
[[nodiscard]] T* device_data(const Tensor& t) {
  char* base = static_cast<char*>(t.storage()->data());
  return reinterpret_cast<T*>(base + static_cast<std::ptrdiff_t>(t.offset()) *
                                         static_cast<std::ptrdiff_t>(t.itemsize()));
}

}  // namespace nabla::cuda
