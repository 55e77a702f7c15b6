// CUDA devices and their allocator (include/nabla/cuda.hpp). The runtime is asked once how many
// devices this process sees; the allocator is registered for DeviceKind::CUDA when the backend
// library loads, so Device::cuda(i) tensors get device memory, and without a visible device (or
// past the last one) a DeviceError that names the device and the runtime's reason.
//
// The allocator caches: freed blocks are kept per device by size class (BlockCache, shared with
// the CPU allocator) and handed out again, since cudaMalloc and cudaFree cost a device
// synchronisation each, which a training step allocating the same buffers every time would pay
// dozens of times. On an out-of-memory error the device's cache is released and the allocation
// tried once more. Reuse is safe while all work runs on the default stream, which orders it; once
// kernels run on other streams, a block must wait for the streams that used it (PyTorch's
// record_stream) before it is handed out again.
#include "nabla/cuda.hpp"

#ifdef NABLA_HAVE_CUDA
#include <cuda_runtime_api.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "backend/cuda/cuda_context.hpp"
#include "nabla/tensor/storage.hpp"
#include "nabla/util/error.hpp"
#include "tensor/block_cache.hpp"
#endif

namespace nabla::cuda {

#ifndef NABLA_HAVE_CUDA

bool is_built() { return false; }
int device_count() { return 0; }
bool is_available() { return false; }
std::string unavailable_reason() {
  return "nabla was built without its CUDA backend (no CUDA toolkit found, or NABLA_CUDA=OFF)";
}
memory::CacheStats cache_stats(int) { return {}; }
void empty_cache() {}

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

}  // namespace

void check_visible(Device device, const char* what) {
  const Devices& d = devices();
  NABLA_CHECK(d.count > 0, DeviceError, what, " on ", device, ": no CUDA device is visible (",
              d.reason, ")");
  NABLA_CHECK(device.index >= 0 && device.index < d.count, DeviceError, what, " on ", device,
              ": this process sees ", d.count, " CUDA device", d.count == 1 ? "" : "s");
}

size_t device_slot(Device device, const char* what) {
  check_visible(device, what);
  NABLA_CHECK(device.index < kMaxDevices, DeviceError, what, " on ", device, ": nabla supports ",
              kMaxDevices, " devices");
  return static_cast<size_t>(device.index);
}

namespace {

/// Sizes are rounded to 512 bytes (cudaMalloc's own granularity is coarser), then to a size
/// class, so that one shape always reuses one class.
size_t cached_size(size_t bytes) { return block_size_class((bytes + 511) / 512 * 512); }

/// One cache per visible device, never destroyed (tensors in static storage may be freed after
/// main returns).
std::vector<std::unique_ptr<BlockCache> >& caches() {
  static auto* instance = [] {
    auto* all = new std::vector<std::unique_ptr<BlockCache> >();
    for (int d = 0; d < devices().count; ++d) {
      all->push_back(
          std::make_unique<BlockCache>(std::numeric_limits<size_t>::max(), [](void* block, size_t) {
            (void)cudaFree(block);  // any device's pointer (unified addressing)
            (void)cudaGetLastError();
          }));
    }
    return all;
  }();
  return *instance;
}

class CudaAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes, Device device) override {
    check_visible(device, "allocate");
    if (bytes == 0) return nullptr;
    const size_t cls = cached_size(bytes);
    BlockCache& cache = *caches()[static_cast<size_t>(device.index)];
    if (void* block = cache.take(cls)) return block;
    NABLA_CHECK(cudaSetDevice(device.index) == cudaSuccess, DeviceError, "allocate on ", device,
                ": cannot select the device (", cudaGetErrorString(cudaGetLastError()), ")");
    void* data = nullptr;
    cudaError_t status = cudaMalloc(&data, cls);
    if (status == cudaErrorMemoryAllocation) {  // give the cached blocks back and try once more
      (void)cudaGetLastError();
      cache.limit_and_trim(cache.stats().limit_bytes, 0);
      status = cudaMalloc(&data, cls);
    }
    if (status != cudaSuccess) {
      (void)cudaGetLastError();
      throw DeviceError(detail::str_cat("allocate on ", device, ": cannot allocate ", bytes,
                                        " bytes (", cudaGetErrorString(status), ")"));
    }
    return data;
  }

  void deallocate(void* data, size_t bytes, Device device) noexcept override {
    if (data == nullptr) return;
    // The cache has no limit by default: every block goes back to it.
    if (caches()[static_cast<size_t>(device.index)]->give(data, cached_size(bytes))) return;
    (void)cudaFree(data);
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

memory::CacheStats cache_stats(int device) {
  if (device < 0 || device >= device_count()) return {};
  return caches()[static_cast<size_t>(device)]->stats();
}

void empty_cache() {
  for (auto& cache : caches()) cache->limit_and_trim(cache->stats().limit_bytes, 0);
}

#endif

}  // namespace nabla::cuda
