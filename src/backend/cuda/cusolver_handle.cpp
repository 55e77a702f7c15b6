// One cuSOLVER dense handle per device (cusolver_handle.hpp), created lazily and never destroyed,
// with its 64-bit-API parameters and Jacobi-SVD settings; and the conversion of cuSOLVER status
// codes into DeviceError.
#ifdef NABLA_HAVE_CUDA
#include "backend/cuda/cusolver_handle.hpp"

#include <array>

#include "backend/cuda/cuda_context.hpp"
#include "nabla/util/error.hpp"

namespace nabla::cuda {
namespace {

/// cuSOLVER has no cusolverGetStatusString: the names of cusolver_common.h.
const char* status_name(cusolverStatus_t status) {
  switch (status) {
    case CUSOLVER_STATUS_NOT_INITIALIZED:
      return "CUSOLVER_STATUS_NOT_INITIALIZED";
    case CUSOLVER_STATUS_ALLOC_FAILED:
      return "CUSOLVER_STATUS_ALLOC_FAILED";
    case CUSOLVER_STATUS_INVALID_VALUE:
      return "CUSOLVER_STATUS_INVALID_VALUE";
    case CUSOLVER_STATUS_ARCH_MISMATCH:
      return "CUSOLVER_STATUS_ARCH_MISMATCH";
    case CUSOLVER_STATUS_EXECUTION_FAILED:
      return "CUSOLVER_STATUS_EXECUTION_FAILED";
    case CUSOLVER_STATUS_INTERNAL_ERROR:
      return "CUSOLVER_STATUS_INTERNAL_ERROR";
    case CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED:
      return "CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED";
    case CUSOLVER_STATUS_NOT_SUPPORTED:
      return "CUSOLVER_STATUS_NOT_SUPPORTED";
    case CUSOLVER_STATUS_INVALID_WORKSPACE:
      return "CUSOLVER_STATUS_INVALID_WORKSPACE";
    default:
      return "cuSOLVER status";
  }
}

struct DeviceSolver {
  cusolverDnHandle_t handle = nullptr;
  cusolverDnParams_t params = nullptr;
  gesvdjInfo_t gesvdj = nullptr;
};

}  // namespace

void check(cusolverStatus_t status, const char* what) {
  if (status == CUSOLVER_STATUS_SUCCESS) return;
  throw DeviceError(
      detail::str_cat(what, ": ", status_name(status), " (", static_cast<int>(status), ")"));
}

CusolverLease cusolver(Device device) {
  // Never destroyed, like the streams and cuBLAS handles: a cusolverDnDestroy run by static
  // destructors can find the CUDA context already gone at exit.
  static std::array<DeviceSolver, kMaxDevices> solvers{};
  static std::array<std::mutex, kMaxDevices> locks;
  const size_t i = device_slot(device, "cusolver");
  const cudaStream_t s = stream(device);
  select(device);
  std::unique_lock<std::mutex> lock(locks[i]);
  DeviceSolver& solver = solvers[i];
  if (solver.handle == nullptr) {  // under the lock: created once, and only when complete
    DeviceSolver created;
    check(cusolverDnCreate(&created.handle), "cusolverDnCreate");
    cusolverStatus_t status = cusolverDnSetStream(created.handle, s);
    if (status == CUSOLVER_STATUS_SUCCESS) status = cusolverDnCreateParams(&created.params);
    if (status == CUSOLVER_STATUS_SUCCESS) status = cusolverDnCreateGesvdjInfo(&created.gesvdj);
    if (status != CUSOLVER_STATUS_SUCCESS) {
      if (created.gesvdj != nullptr) (void)cusolverDnDestroyGesvdjInfo(created.gesvdj);
      if (created.params != nullptr) (void)cusolverDnDestroyParams(created.params);
      (void)cusolverDnDestroy(created.handle);
      check(status, "cusolver: creating the handle");
    }
    solver = created;
  }
  return CusolverLease(std::move(lock), solver.handle, solver.params, solver.gesvdj);
}

}  // namespace nabla::cuda
#endif
