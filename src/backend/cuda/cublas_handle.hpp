// The cuBLAS handle of each device and the conversion of cuBLAS status codes into DeviceError
// (design.md §5.3). One handle per device, bound at creation to the one stream nabla queues that
// device's work on (cuda_context.hpp), so library calls run in issue order with every kernel.
#pragma once

#include <cublas_v2.h>

#include "nabla/tensor/device.hpp"

namespace nabla::cuda {

/// Throws DeviceError "<what>: <cuBLAS's message> (<status name>)" unless `status` is
/// CUBLAS_STATUS_SUCCESS.
void check(cublasStatus_t status, const char* what);

/// The cuBLAS handle of `device`, created on first use and bound to stream(device); makes
/// `device` the calling thread's current device, as cuBLAS requires of every call on the handle.
///
/// One handle is shared by every host thread: cuBLAS allows concurrent calls on one handle as
/// long as nobody changes its configuration, so after creation nothing may set its stream, math
/// mode, pointer mode or workspace. Per-call choices go in the call's arguments instead (the TF32
/// switch is the compute type of cublasGemmEx and friends).
[[nodiscard]] cublasHandle_t cublas_handle(Device device);

}  // namespace nabla::cuda
