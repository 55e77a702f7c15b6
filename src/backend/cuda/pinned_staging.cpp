// Pinned staging for host-to-device copies (pinned_staging.hpp). A device has a small ring of
// page-locked buffers; each remembers, with an event, the transfer that last read it, and is
// reused only after that transfer has finished.
#ifdef NABLA_HAVE_CUDA
#include "backend/cuda/pinned_staging.hpp"

#include <cstring>
#include <mutex>
#include <vector>

#include "backend/cuda/cuda_context.hpp"

namespace nabla::cuda {
namespace {

/// Below this, cudaMemcpyAsync from pageable memory costs less than the extra host copy.
constexpr size_t kStagedMin = size_t{64} << 10;
/// Buffers per device: enough for a batch's inputs and targets in flight while the next is staged.
constexpr size_t kBuffersPerDevice = 4;
constexpr size_t kMinBufferBytes = size_t{4} << 20;

struct Buffer {
  void* host = nullptr;
  size_t capacity = 0;
  cudaEvent_t read_done = nullptr;  // recorded after the transfer that last read `host`
};

class Staging {
 public:
  explicit Staging(Device device) : device_(device) {}

  void copy(void* dst, const void* src, size_t bytes) {
    std::lock_guard lock(mutex_);
    Buffer& buffer = free_buffer(bytes);
    std::memcpy(buffer.host, src, bytes);
    const cudaStream_t s = stream(device_);
    check(cudaMemcpyAsync(dst, buffer.host, bytes, cudaMemcpyHostToDevice, s),
          "to_device: cudaMemcpyAsync");
    check(cudaEventRecord(buffer.read_done, s), "to_device: cudaEventRecord");
  }

 private:
  /// A buffer of at least `bytes` that no queued transfer still reads: an idle one, a new one
  /// while the ring is not full, else the next in turn once its transfer is done.
  Buffer& free_buffer(size_t bytes) {
    for (Buffer& b : buffers_) {
      if (b.capacity >= bytes && cudaEventQuery(b.read_done) == cudaSuccess) return b;
    }
    (void)cudaGetLastError();  // cudaErrorNotReady from the queries
    if (buffers_.size() < kBuffersPerDevice) {
      select(device_);
      Buffer& b = buffers_.emplace_back();
      check(cudaEventCreateWithFlags(&b.read_done, cudaEventDisableTiming),
            "to_device: cudaEventCreate");
      grow(b, bytes);
      return b;
    }
    Buffer& b = buffers_[next_++ % buffers_.size()];
    check(cudaEventSynchronize(b.read_done), "to_device: cudaEventSynchronize");
    if (b.capacity < bytes) grow(b, bytes);
    return b;
  }

  static void grow(Buffer& b, size_t bytes) {
    if (b.host != nullptr) check(cudaFreeHost(b.host), "to_device: cudaFreeHost");
    b.host = nullptr;
    b.capacity = 0;
    const size_t capacity = bytes < kMinBufferBytes ? kMinBufferBytes : bytes;
    check(cudaHostAlloc(&b.host, capacity, cudaHostAllocDefault), "to_device: cudaHostAlloc");
    b.capacity = capacity;
  }

  Device device_;
  std::mutex mutex_;
  std::vector<Buffer> buffers_;
  size_t next_ = 0;
};

Staging& staging(Device device) {
  // One per device, never destroyed (pinned memory is reclaimed with the process).
  static std::mutex mutex;
  static std::vector<Staging*> all;
  std::lock_guard lock(mutex);
  const auto i = static_cast<size_t>(device.index);
  if (all.size() <= i) all.resize(i + 1, nullptr);
  if (all[i] == nullptr) all[i] = new Staging(device);
  return *all[i];
}

}  // namespace

void copy_to_device_staged(void* dst, const void* src, size_t bytes, Device device) {
  check_visible(device, "to_device");
  if (bytes < kStagedMin) {
    check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream(device)),
          "to_device: cudaMemcpyAsync");
    return;
  }
  staging(device).copy(dst, src, bytes);
}

}  // namespace nabla::cuda
#endif
