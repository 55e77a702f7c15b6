// The CUDA backend's streams and events (cuda_context.hpp): one non-blocking stream per device
// for all of nabla's work on it, the status-code conversion every CUDA call goes through, and
// the public synchronisation, TF32 switch and Event of nabla/cuda.hpp.
#include <atomic>
#include <utility>

#include "nabla/cuda.hpp"
#include "nabla/util/error.hpp"

#ifdef NABLA_HAVE_CUDA
#include <array>
#include <mutex>

#include "backend/cuda/cuda_context.hpp"
#endif

namespace nabla::cuda {
namespace {
std::atomic<bool> tf32_allowed{false};
}  // namespace

void set_allow_tf32(bool allow) { tf32_allowed.store(allow, std::memory_order_relaxed); }
bool allow_tf32() { return tf32_allowed.load(std::memory_order_relaxed); }

// Moving an event hands over its handle; the moved-from one holds none (and destroys none).
Event::Event(Event&& other) noexcept : device_(other.device_), event_(other.event_) {
  other.event_ = nullptr;
}
Event& Event::operator=(Event&& other) noexcept {
  std::swap(device_, other.device_);
  std::swap(event_, other.event_);
  return *this;
}

#ifndef NABLA_HAVE_CUDA

void synchronize(int device) {
  NABLA_CHECK(device < 0, DeviceError, "synchronize on cuda:", device, ": ", unavailable_reason());
}

Event::Event(Device device) : device_(device) {
  throw DeviceError(detail::str_cat("Event on ", device, ": ", unavailable_reason()));
}
Event::~Event() = default;
void Event::record() {}
void Event::synchronize() const {}
bool Event::done() const { return true; }
float Event::elapsed_ms(const Event&) const { return 0.0f; }

#else

void check(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return;
  (void)cudaGetLastError();
  throw DeviceError(detail::str_cat(what, ": ", cudaGetErrorString(status)));
}

void check_launch(const char* op) { check(cudaGetLastError(), op); }

void select(Device device) {
  check_visible(device, "select");
  check(cudaSetDevice(device.index), "cudaSetDevice");
}

cudaStream_t stream(Device device) {
  // Created once per device and never destroyed: tensors freed after main returns may still
  // queue work, and the driver reclaims streams at exit.
  static std::array<cudaStream_t, kMaxDevices> streams{};
  static std::array<std::once_flag, kMaxDevices> created;
  const size_t i = device_slot(device, "stream");
  std::call_once(created[i], [&] {
    select(device);
    check(cudaStreamCreateWithFlags(&streams[i], cudaStreamNonBlocking), "cudaStreamCreate");
  });
  // Kernels launch on the calling thread's current device, which must be the stream's.
  check(cudaSetDevice(device.index), "cudaSetDevice");
  return streams[i];
}

void synchronize(int device) {
  if (device >= 0) {
    check(cudaStreamSynchronize(stream(Device::cuda(static_cast<int16_t>(device)))), "synchronize");
    return;
  }
  for (int d = 0; d < device_count(); ++d) synchronize(d);
}

Event::Event(Device device) : device_(device) {
  select(device);
  cudaEvent_t event = nullptr;
  check(cudaEventCreate(&event), "cudaEventCreate");
  event_ = event;
}
Event::~Event() {
  if (event_ != nullptr) (void)cudaEventDestroy(static_cast<cudaEvent_t>(event_));
}
void Event::record() {
  NABLA_CHECK(event_ != nullptr, ValueError, "Event::record: a moved-from event");
  check(cudaEventRecord(static_cast<cudaEvent_t>(event_), stream(device_)), "cudaEventRecord");
}
void Event::synchronize() const {
  if (event_ == nullptr) return;
  check(cudaEventSynchronize(static_cast<cudaEvent_t>(event_)), "cudaEventSynchronize");
}
bool Event::done() const {
  if (event_ == nullptr) return true;
  const cudaError_t status = cudaEventQuery(static_cast<cudaEvent_t>(event_));
  if (status == cudaErrorNotReady) {
    (void)cudaGetLastError();
    return false;
  }
  check(status, "cudaEventQuery");
  return true;
}
float Event::elapsed_ms(const Event& end) const {
  NABLA_CHECK(event_ != nullptr && end.event_ != nullptr, ValueError,
              "Event::elapsed_ms: a moved-from event");
  float ms = 0.0f;
  check(cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(event_),
                             static_cast<cudaEvent_t>(end.event_)),
        "cudaEventElapsedTime");
  return ms;
}

#endif

}  // namespace nabla::cuda
