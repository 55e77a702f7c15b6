// One cuDNN handle per device (cudnn_handle.hpp), created lazily and thread-safely, never
// destroyed, each used by one thread at a time; and the conversion of cuDNN status codes into
// DeviceError.
#ifdef NABLA_HAVE_CUDA
#include "backend/cuda/cudnn_handle.hpp"

#include <array>

#include "backend/cuda/cuda_context.hpp"
#include "nabla/util/error.hpp"

namespace nabla::cuda {

void check(cudnnStatus_t status, const char* what) {
  if (status == CUDNN_STATUS_SUCCESS) return;
  // cuDNN 9 keeps a per-thread message on the last failure, often naming the bad parameter.
  std::array<char, 512> last{};
  cudnnGetLastErrorString(last.data(), last.size());
  last.back() = '\0';
  const bool has_last = last[0] != '\0';
  throw DeviceError(detail::str_cat(what, ": ", cudnnGetErrorString(status), " (status ",
                                    static_cast<int>(status), ")", has_last ? ": " : "",
                                    has_last ? last.data() : ""));
}

CudnnLease::CudnnLease(Device device) {
  // Never destroyed, like the streams and cuBLAS handles: a cudnnDestroy run by static
  // destructors can find the CUDA context already gone at exit.
  static std::array<cudnnHandle_t, kMaxDevices> handles{};
  static std::array<std::once_flag, kMaxDevices> created;
  static std::array<std::mutex, kMaxDevices> in_use;
  const size_t i = device_slot(device, "cudnn_handle");
  const cudaStream_t s = stream(device);  // also makes `device` current, as cuDNN requires
  lock_ = std::unique_lock<std::mutex>(in_use[i]);
  std::call_once(created[i], [&] {
    cudnnHandle_t handle = nullptr;
    check(cudnnCreate(&handle), "cudnnCreate");
    const cudnnStatus_t bound = cudnnSetStream(handle, s);
    if (bound != CUDNN_STATUS_SUCCESS) {
      (void)cudnnDestroy(handle);
      check(bound, "cudnnSetStream");
    }
    handles[i] = handle;  // published by call_once's synchronisation; set only when complete
  });
  handle_ = handles[i];
}

}  // namespace nabla::cuda
#endif
