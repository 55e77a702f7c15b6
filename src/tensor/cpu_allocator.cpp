// The CPU allocator: 64-byte aligned blocks (AVX-512 loads), with a cache of freed large blocks
// by size class (include/nabla/tensor/memory.hpp says why).
#include "tensor/cpu_allocator.hpp"

#include <bit>
#include <cstdlib>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "nabla/tensor/memory.hpp"

namespace nabla {
namespace {

constexpr size_t kAlignment = 64;
constexpr size_t kMinCached = size_t{16} << 10;

/// Rounds a cacheable size up to one of four classes per power of two (at most 25% slack), so
/// that tensors of one shape always land in the same class.
size_t size_class(size_t bytes) {
  const int top = std::bit_width(bytes - 1) - 1;  // 2^top < bytes <= 2^(top+1)
  const size_t step = size_t{1} << (top - 2);
  return (bytes + step - 1) / step * step;
}

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

class CpuCache {
 public:
  void* take(size_t cls) {
    std::lock_guard lock(mutex_);
    auto it = free_.find(cls);
    if (it == free_.end() || it->second.empty()) {
      ++stats_.misses;
      return nullptr;
    }
    void* block = it->second.back();
    it->second.pop_back();
    stats_.cached_bytes -= cls;
    ++stats_.hits;
    return block;
  }
  /// Keeps `block` unless that would exceed the limit; false: the caller frees it.
  bool give(void* block, size_t cls) {
    std::lock_guard lock(mutex_);
    if (stats_.cached_bytes + cls > stats_.limit_bytes) return false;
    free_[cls].push_back(block);
    stats_.cached_bytes += cls;
    return true;
  }
  /// Sets the limit and frees blocks until the cache holds at most `keep` bytes.
  void limit_and_trim(size_t limit, size_t keep) {
    std::lock_guard lock(mutex_);
    stats_.limit_bytes = limit;
    for (auto& [cls, blocks] : free_) {
      while (!blocks.empty() && stats_.cached_bytes > keep) {
        std::free(blocks.back());
        blocks.pop_back();
        stats_.cached_bytes -= cls;
      }
    }
  }
  memory::CpuCacheStats stats() {
    std::lock_guard lock(mutex_);
    return stats_;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  memory::CpuCacheStats stats_{.limit_bytes = default_limit()};
};

CpuCache& cache() {
  // Never destroyed: tensors in static storage may be freed after main returns.
  static auto* instance = new CpuCache;
  return *instance;
}

}  // namespace

void* CpuAllocator::allocate(size_t bytes, Device) {
  if (bytes == 0) return nullptr;
  size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded >= kMinCached) {
    rounded = size_class(rounded);
    if (void* block = cache().take(rounded)) return block;
  }
  void* data = std::aligned_alloc(kAlignment, rounded);
  if (data == nullptr) throw std::bad_alloc();
  return data;
}

void CpuAllocator::deallocate(void* data, size_t bytes, Device) noexcept {
  const size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded >= kMinCached && cache().give(data, size_class(rounded))) return;
  std::free(data);
}

namespace memory {
CpuCacheStats cpu_cache_stats() { return cache().stats(); }
void empty_cache() { cache().limit_and_trim(cache().stats().limit_bytes, 0); }
void set_cpu_cache_limit(size_t bytes) { cache().limit_and_trim(bytes, bytes); }
}  // namespace memory

}  // namespace nabla
