// Device memory: Allocator (one per device kind), Buffer (RAII owner of bytes, move-only) and
// Storage (the shared, untyped memory behind every view of a tensor). design.md §3.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "nabla/tensor/device.hpp"

namespace nabla {

class Allocator {
 public:
  virtual ~Allocator() = default;
  /// At least `bytes` bytes aligned to 64; throws on failure. allocate(0) may return nullptr.
  virtual void* allocate(size_t bytes, Device device) = 0;
  virtual void deallocate(void* data, size_t bytes, Device device) noexcept = 0;
};

/// The allocator registered for `kind`; DeviceError when that backend is not built in.
[[nodiscard]] Allocator& allocator_for(DeviceKind kind);
/// Installs the allocator of a device kind (the CUDA backend calls this when it loads).
void register_allocator(DeviceKind kind, Allocator* allocator);

/// Owns `bytes` bytes on `device`; frees them with the allocator that gave them.
class Buffer {
 public:
  Buffer() = default;
  Buffer(size_t bytes, Device device);
  ~Buffer();
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  [[nodiscard]] void* data() const { return data_; }
  [[nodiscard]] size_t bytes() const { return bytes_; }
  [[nodiscard]] Device device() const { return device_; }

 private:
  void release() noexcept;
  void* data_ = nullptr;
  size_t bytes_ = 0;
  Device device_;
  Allocator* allocator_ = nullptr;
};

/// Memory shared by a tensor and its views.
class Storage {
 public:
  explicit Storage(Buffer buffer) : buffer_(std::move(buffer)) {}
  [[nodiscard]] static std::shared_ptr<Storage> allocate(size_t bytes, Device device) {
    return std::make_shared<Storage>(Buffer(bytes, device));
  }
  [[nodiscard]] void* data() const { return buffer_.data(); }
  [[nodiscard]] size_t bytes() const { return buffer_.bytes(); }
  [[nodiscard]] Device device() const { return buffer_.device(); }

  /// Bumped by every in-place write to this memory. Autograd records it when it saves a tensor
  /// for backward and refuses to use the tensor if it changed since (docs/autodiff.md).
  [[nodiscard]] uint64_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }

 private:
  Buffer buffer_;
  std::atomic<uint64_t> version_{0};
};

}  // namespace nabla
