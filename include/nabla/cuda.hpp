// CUDA devices: what the CUDA backend (src/backend/cuda) sees. Built when CMake finds the CUDA
// toolkit (NABLA_CUDA=AUTO|ON|OFF); without it, or without a visible GPU, there are no devices and
// allocating on Device::cuda(i) is a DeviceError that says why.
#pragma once

#include <string>

#include "nabla/tensor/device.hpp"
#include "nabla/tensor/memory.hpp"

namespace nabla::cuda {

/// Whether nabla was built with its CUDA backend.
[[nodiscard]] bool is_built();
/// The number of CUDA devices visible to this process (0 without the backend, a driver or a GPU).
[[nodiscard]] int device_count();
/// device_count() > 0.
[[nodiscard]] bool is_available();
/// Why there is no device: the CUDA runtime's answer (for instance "no CUDA-capable device is
/// detected"), or that nabla was built without CUDA; empty when a device is visible.
[[nodiscard]] std::string unavailable_reason();

/// The cache of freed blocks of CUDA device `device` (src/backend/cuda/cuda_device.cpp): blocks
/// held for reuse, hits and misses. Empty stats for a device that is not visible.
[[nodiscard]] memory::CacheStats cache_stats(int device = 0);
/// Gives every cached block of every CUDA device back to the driver (memory in use is untouched).
void empty_cache();

/// Waits until all work nabla queued on CUDA device `device` has finished (every visible device
/// for -1). nabla queues each device's work on one stream of its own (src/backend/cuda/
/// cuda_context.hpp says why), so this is that stream's synchronisation.
void synchronize(int device = -1);

/// Whether float32 matrix products may use TF32 tensor cores (10-bit mantissa inputs, float32
/// accumulation): off by default, so float32 results match the CPU's to float32 rounding, as
/// PyTorch's torch.backends.cuda.matmul.allow_tf32 = False. Switching it on trades that for
/// several times the matmul throughput on Ampere and later GPUs. Applies to matmuls issued after
/// the call, on every device.
void set_allow_tf32(bool allow);
[[nodiscard]] bool allow_tf32();

/// A marker in a device's queue of work (a CUDA event): record() it after some work, then wait for
/// it, ask whether it has passed, or time the work between two events on the GPU's clock.
/// Move-only. Constructing one without a visible device is a DeviceError.
class Event {
 public:
  explicit Event(Device device = Device::cuda(0));
  ~Event();
  Event(Event&& other) noexcept;
  Event& operator=(Event&& other) noexcept;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  /// Marks the point after all work queued on the device so far.
  void record();
  /// Blocks until the recorded point has been reached.
  void synchronize() const;
  /// Whether the recorded point has been reached (true for an event never recorded).
  [[nodiscard]] bool done() const;
  /// Milliseconds of GPU time from this event to `end` (both recorded, `end` reached).
  [[nodiscard]] float elapsed_ms(const Event& end) const;
  [[nodiscard]] Device device() const { return device_; }

 private:
  Device device_;
  void* event_ = nullptr;  // cudaEvent_t
};

}  // namespace nabla::cuda
