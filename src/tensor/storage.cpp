// The allocator registry and Buffer (the CPU allocator is in cpu_allocator.cpp).
#include "nabla/tensor/storage.hpp"

#include <array>
#include <cstdlib>
#include <new>
#include <utility>

#include "nabla/util/error.hpp"
#include "tensor/cpu_allocator.hpp"

namespace nabla {
namespace {

std::array<Allocator*, kNumDeviceKinds>& allocators() {
  static CpuAllocator cpu;
  static std::array<Allocator*, kNumDeviceKinds> table{&cpu, nullptr};
  return table;
}

}  // namespace

Allocator& allocator_for(DeviceKind kind) {
  Allocator* allocator = allocators()[static_cast<size_t>(kind)];
  NABLA_CHECK(allocator != nullptr, DeviceError, "no allocator for device ", Device{kind, 0},
              ": nabla was built without that backend");
  return *allocator;
}

void register_allocator(DeviceKind kind, Allocator* allocator) {
  allocators()[static_cast<size_t>(kind)] = allocator;
}

Buffer::Buffer(size_t bytes, Device device)
    : bytes_(bytes), device_(device), allocator_(&allocator_for(device.kind)) {
  data_ = allocator_->allocate(bytes, device);
}

Buffer::~Buffer() { release(); }

Buffer::Buffer(Buffer&& other) noexcept
    : data_(other.data_),
      bytes_(other.bytes_),
      device_(other.device_),
      allocator_(other.allocator_) {
  other.data_ = nullptr;
  other.bytes_ = 0;
}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
    device_ = other.device_;
    allocator_ = other.allocator_;
  }
  return *this;
}

void Buffer::release() noexcept {
  if (data_ != nullptr && allocator_ != nullptr) allocator_->deallocate(data_, bytes_, device_);
  data_ = nullptr;
}

}  // namespace nabla
