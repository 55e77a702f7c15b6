// The cuSOLVER dense handle of each device and the conversion of cuSOLVER status codes into
// DeviceError (design.md §5.3), like cublas_handle.hpp: one handle per device, bound at creation
// to the one stream nabla queues that device's work on (cuda_context.hpp), so solver calls run in
// issue order with every kernel and cuBLAS call.
#pragma once

#include <cusolverDn.h>

#include <mutex>

#include "nabla/tensor/device.hpp"

namespace nabla::cuda {

/// Throws DeviceError "<what>: <status name>" unless `status` is CUSOLVER_STATUS_SUCCESS.
void check(cusolverStatus_t status, const char* what);

/// Exclusive use of one device's cuSOLVER handle while it lives. Unlike cuBLAS, cuSOLVER does not
/// document one handle as safe for simultaneous calls from several host threads (a dense handle
/// carries state of its own), so each device's calls are serialised. The calls only queue work on
/// the stream, so the lock is held for microseconds unless a call synchronises internally.
class CusolverLease {
 public:
  /// The handle, bound to stream(device).
  [[nodiscard]] cusolverDnHandle_t handle() const { return handle_; }
  /// Default parameters for the 64-bit API (cusolverDnX*): default algorithms everywhere.
  [[nodiscard]] cusolverDnParams_t params() const { return params_; }
  /// Jacobi-SVD settings for gesvdjBatched: cuSOLVER's defaults (tolerance = machine precision,
  /// 100 sweeps, singular values sorted descending), created once per device.
  [[nodiscard]] gesvdjInfo_t gesvdj() const { return gesvdj_; }

 private:
  friend CusolverLease cusolver(Device device);
  CusolverLease(std::unique_lock<std::mutex> lock, cusolverDnHandle_t handle,
                cusolverDnParams_t params, gesvdjInfo_t gesvdj)
      : lock_(std::move(lock)), handle_(handle), params_(params), gesvdj_(gesvdj) {}

  std::unique_lock<std::mutex> lock_;
  cusolverDnHandle_t handle_;
  cusolverDnParams_t params_;
  gesvdjInfo_t gesvdj_;
};

/// The cuSOLVER handle of `device` (created on first use), locked for the caller; also makes
/// `device` the calling thread's current device, as cuSOLVER requires of every call.
[[nodiscard]] CusolverLease cusolver(Device device);

}  // namespace nabla::cuda
