// The CPU device's allocator (registered in storage.cpp); see cpu_allocator.cpp.
#pragma once

#include "nabla/tensor/storage.hpp"

namespace nabla {

class CpuAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes, Device device) override;
  void deallocate(void* data, size_t bytes, Device device) noexcept override;
};

}  // namespace nabla
