// The CPU memory cache. Training allocates the same large buffers (activations, gradients) every
// step; returning them to the system and asking again costs a page fault per 4 KiB touched (35-40%
// of an MLP step before this cache). Freed blocks of 16 KiB and more are kept by size class and
// handed out again; smaller ones go straight to malloc, whose own caches serve them well.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nabla::memory {

/// A device's cache of freed blocks (the CPU's here; CUDA devices: nabla/cuda.hpp).
struct CacheStats {
  size_t cached_bytes = 0;  // held in the cache, free for reuse
  size_t limit_bytes = 0;   // the cache never holds more than this
  uint64_t hits = 0;        // allocations served from the cache
  uint64_t misses = 0;      // cacheable allocations that went to the system
};

using CpuCacheStats = CacheStats;

[[nodiscard]] CpuCacheStats cpu_cache_stats();
/// Returns every cached block to the system (memory in use is untouched).
void empty_cache();
/// Caps the cached bytes (0 disables the cache). The default is NABLA_CPU_CACHE_MB if set, else
/// 1024 MiB; 0 in AddressSanitizer builds so that use-after-free stays detectable.
void set_cpu_cache_limit(size_t bytes);

}  // namespace nabla::memory
