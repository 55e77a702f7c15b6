// BlockCache: freed blocks of memory kept by size class and handed out again, for any device's
// allocator (the CPU's in cpu_allocator.cpp, the CUDA backend's per device). Training allocates
// the same large buffers every step; asking the system again costs page faults on the CPU and a
// device synchronisation per cudaFree on a GPU (include/nabla/tensor/memory.hpp).
#pragma once

#include <bit>
#include <cstddef>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "nabla/tensor/memory.hpp"

namespace nabla {

/// Rounds a size up to one of four classes per power of two (at most 25% slack), so that tensors
/// of one shape always land in the same class. bytes >= 4.
inline size_t block_size_class(size_t bytes) {
  const int top = std::bit_width(bytes - 1) - 1;  // 2^top < bytes <= 2^(top+1)
  const size_t step = size_t{1} << (top - 2);
  return (bytes + step - 1) / step * step;
}

class BlockCache {
 public:
  /// `release` gives a block of `bytes` (its class) back to the system.
  using Release = void (*)(void* block, size_t bytes);
  BlockCache(size_t limit, Release release) : release_(release) { stats_.limit_bytes = limit; }

  /// A cached block of class `cls`, or nullptr (a miss: the caller asks the system).
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
  /// Keeps `block` unless that would exceed the limit; false: the caller releases it.
  bool give(void* block, size_t cls) {
    std::lock_guard lock(mutex_);
    if (stats_.cached_bytes + cls > stats_.limit_bytes) return false;
    free_[cls].push_back(block);
    stats_.cached_bytes += cls;
    return true;
  }
  /// Sets the limit and releases blocks until the cache holds at most `keep` bytes.
  void limit_and_trim(size_t limit, size_t keep) {
    std::lock_guard lock(mutex_);
    stats_.limit_bytes = limit;
    for (auto& [cls, blocks] : free_) {
      while (!blocks.empty() && stats_.cached_bytes > keep) {
        release_(blocks.back(), cls);
        blocks.pop_back();
        stats_.cached_bytes -= cls;
      }
    }
  }
  [[nodiscard]] memory::CacheStats stats() {
    std::lock_guard lock(mutex_);
    return stats_;
  }

 private:
  Release release_;
  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  memory::CacheStats stats_;
};

}  // namespace nabla
