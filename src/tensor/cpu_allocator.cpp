// The CPU allocator: 64-byte aligned blocks (AVX-512 loads), with a cache of freed large blocks
// by size class (include/nabla/tensor/memory.hpp says why).
#include "tensor/cpu_allocator.hpp"

#include <cstdlib>
#include <new>

#include "nabla/tensor/memory.hpp"
#include "tensor/block_cache.hpp"

namespace nabla {
namespace {

constexpr size_t kAlignment = 64;
constexpr size_t kMinCached = size_t{16} << 10;

size_t default_limit() {
#if defined(__SANITIZE_ADDRESS__)
  return 0;
#else
  if (const char* env = std::getenv("NABLA_CPU_CACHE_MB")) {
    char* end = nullptr;
    const unsigned long long mb = std::strtoull(env, &end, 10);
    if (end != env && *end == '\0') return static_cast<size_t>(mb) << 20;
  }
  return size_t{1024} << 20;
#endif
}

BlockCache& cache() {
  // Never destroyed: tensors in static storage may be freed after main returns.
  static auto* instance =
      new BlockCache(default_limit(), [](void* block, size_t) { std::free(block); });
  return *instance;
}

}  // namespace

void* CpuAllocator::allocate(size_t bytes, Device) {
  if (bytes == 0) return nullptr;
  size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded >= kMinCached) {
    rounded = block_size_class(rounded);
    if (void* block = cache().take(rounded)) return block;
  }
  void* data = std::aligned_alloc(kAlignment, rounded);
  if (data == nullptr) throw std::bad_alloc();
  return data;
}

void CpuAllocator::deallocate(void* data, size_t bytes, Device) noexcept {
  const size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded >= kMinCached && cache().give(data, block_size_class(rounded))) return;
  std::free(data);
}

namespace memory {
CpuCacheStats cpu_cache_stats() { return cache().stats(); }
void empty_cache() { cache().limit_and_trim(cache().stats().limit_bytes, 0); }
void set_cpu_cache_limit(size_t bytes) { cache().limit_and_trim(bytes, bytes); }
}  // namespace memory

}  // namespace nabla
