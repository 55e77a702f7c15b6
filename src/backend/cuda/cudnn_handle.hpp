// The cuDNN handle of each device and the conversion of cuDNN status codes into DeviceError
// (design.md §5.3). One handle per device, bound at creation to the one stream nabla queues that
// device's work on (cuda_context.hpp), so cuDNN's kernels run in issue order with every other.
#pragma once

#include <cudnn.h>

#include <mutex>

#include "nabla/tensor/device.hpp"

namespace nabla::cuda {

/// Throws DeviceError "<what>: <cuDNN's message> (<status name>)[: <cuDNN's last error>]" unless
/// `status` is CUDNN_STATUS_SUCCESS.
void check(cudnnStatus_t status, const char* what);

/// Whether `status` says the configuration is not supported (any CUDNN_STATUS_NOT_SUPPORTED_*),
/// as opposed to a bad parameter or a failure: an algorithm choice may then try another.
[[nodiscard]] inline bool not_supported(cudnnStatus_t status) {
  return CUDNN_STATUS_CATEGORY(status) == CUDNN_STATUS_NOT_SUPPORTED;
}

/// The cuDNN handle of `device`, held by the calling thread while the lease lives; makes `device`
/// the thread's current device. The handle is created on first use and bound to stream(device).
///
/// Why a lease and not a shared handle as for cuBLAS: cuDNN is thread-safe only as long as two
/// host threads never use one handle at the same time, and the graph executor runs ops on
/// several threads. All calls only queue work on the device's one stream, so holding the lock
/// while queuing costs no GPU concurrency.
class CudnnLease {
 public:
  explicit CudnnLease(Device device);
  [[nodiscard]] cudnnHandle_t handle() const { return handle_; }

 private:
  std::unique_lock<std::mutex> lock_;
  cudnnHandle_t handle_ = nullptr;
};

}  // namespace nabla::cuda
