// CUDA devices and their allocator (include/nabla/cuda.hpp). The runtime is asked once how many
// devices this process sees; the allocator is registered for DeviceKind::CUDA when the backend
// library loads, so Device::cuda(i) tensors get device memory, and without a visible device (or
// past the last one) a DeviceError that names the device and the runtime's reason.
//
// The allocator calls cudaMalloc/cudaFree per buffer for now; the caching allocator issue 10 asks
// for (freed blocks reused by size class, as the CPU's cache does) replaces it before any kernel
// runs in a loop.
#include "nabla/cuda.hpp"

#ifdef NABLA_HAVE_CUDA
#include <cuda_runtime_api.h>

#include <string>

#include "nabla/tensor/storage.hpp"
#include "nabla/util/error.hpp"
#endif

namespace nabla::cuda {

#ifndef NABLA_HAVE_CUDA

bool is_built() { return false; }
int device_count() { return 0; }
bool is_available() { return false; }
std::string unavailable_reason() {
  return "nabla was built without its CUDA backend (no CUDA toolkit found, or NABLA_CUDA=OFF)";
}

#else

namespace {

struct Devices {
  int count = 0;
  std::string reason;  // why there are none
};

/// The runtime's answer, asked once (it does not change while the process runs).
const Devices& devices() {
  static const Devices answer = [] {
    Devices d;
    const cudaError_t status = cudaGetDeviceCount(&d.count);
    if (status != cudaSuccess) {
      d.count = 0;
      d.reason = cudaGetErrorString(status);
      (void)cudaGetLastError();  // clear the sticky error for later calls
    } else if (d.count == 0) {
      d.reason = "the CUDA runtime reports no device";
    }
    return d;
  }();
  return answer;
}

/// Throws DeviceError unless `device` is a visible CUDA device.
void check_visible(Device device, const char* what) {
  const Devices& d = devices();
  NABLA_CHECK(d.count > 0, DeviceError, what, " on ", device, ": no CUDA device is visible (",
              d.reason, ")");
  NABLA_CHECK(device.index >= 0 && device.index < d.count, DeviceError, what, " on ", device,
              ": this process sees ", d.count, " CUDA device", d.count == 1 ? "" : "s");
}

class CudaAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes, Device device) override {
    check_visible(device, "allocate");
    if (bytes == 0) return nullptr;
    NABLA_CHECK(cudaSetDevice(device.index) == cudaSuccess, DeviceError, "allocate on ", device,
                ": cannot select the device (", cudaGetErrorString(cudaGetLastError()), ")");
    void* data = nullptr;
    const cudaError_t status = cudaMalloc(&data, bytes);
    if (status != cudaSuccess) {
      (void)cudaGetLastError();
      throw DeviceError(detail::str_cat("allocate on ", device, ": cannot allocate ", bytes,
                                        " bytes (", cudaGetErrorString(status), ")"));
    }
    return data;
  }

  void deallocate(void* data, size_t, Device device) noexcept override {
    if (data == nullptr) return;
    // Memory from cudaMalloc on this device; a failure here (a dying context at exit) leaks it.
    if (cudaSetDevice(device.index) == cudaSuccess) (void)cudaFree(data);
    (void)cudaGetLastError();
  }
};

/// Registers the allocator when the backend library loads.
const bool registered = [] {
  static CudaAllocator allocator;
  register_allocator(DeviceKind::CUDA, &allocator);
  return true;
}();

}  // namespace

bool is_built() { return true; }
int device_count() { return devices().count; }
bool is_available() { return device_count() > 0; }
std::string unavailable_reason() { return devices().reason; }

#endif

}  // namespace nabla::cuda
