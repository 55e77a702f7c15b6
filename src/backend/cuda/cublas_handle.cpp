// One cuBLAS handle per device (cublas_handle.hpp), created lazily and thread-safely, never
// destroyed; and the conversion of cuBLAS status codes into DeviceError.
#ifdef NABLA_HAVE_CUDA
#include "backend/cuda/cublas_handle.hpp"

#include <array>
#include <mutex>

#include "backend/cuda/cuda_context.hpp"
#include "nabla/util/error.hpp"

namespace nabla::cuda {

void check(cublasStatus_t status, const char* what) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  throw DeviceError(detail::str_cat(what, ": ", cublasGetStatusString(status), " (",
                                    cublasGetStatusName(status), ")"));
}

cublasHandle_t cublas_handle(Device device) {
  // Never destroyed, like the streams: a cublasDestroy run by static destructors can find the
  // CUDA context already gone at exit (PyTorch leaks its handles for the same reason), and the
  // driver reclaims everything when the process ends.
  static std::array<cublasHandle_t, kMaxDevices> handles{};
  static std::array<std::once_flag, kMaxDevices> created;
  const size_t i = device_slot(device, "cublas_handle");
  const cudaStream_t s = stream(device);
  // cuBLAS ties a handle to the device current at cublasCreate, and expects that device current at
  // every call on the handle.
  select(device);
  std::call_once(created[i], [&] {
    cublasHandle_t handle = nullptr;
    check(cublasCreate(&handle), "cublasCreate");
    // The default math mode (no TF32 unless a call's compute type asks for it) and host pointer
    // mode (alpha and beta read from host memory at the call) are what the kernels assume.
    const cublasStatus_t bound = cublasSetStream(handle, s);
    if (bound != CUBLAS_STATUS_SUCCESS) {
      (void)cublasDestroy(handle);
      check(bound, "cublasSetStream");
    }
    handles[i] = handle;  // published by call_once's synchronisation; set only when complete
  });
  return handles[i];
}

}  // namespace nabla::cuda
#endif
