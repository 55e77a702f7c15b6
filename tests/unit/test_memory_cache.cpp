// The CPU memory cache (nabla/tensor/memory.hpp): freed large blocks are reused by size class,
// small ones bypass it, the limit is honoured, and reused memory is never shared by two tensors.
#include <gtest/gtest.h>

#include <nabla/nabla.hpp>

namespace {

using namespace nabla;

/// Sets a cache limit for one test and restores the previous one (AddressSanitizer builds
/// default to 0).
class CacheLimit {
 public:
  explicit CacheLimit(size_t bytes) : previous_(memory::cpu_cache_stats().limit_bytes) {
    memory::empty_cache();
    memory::set_cpu_cache_limit(bytes);
  }
  ~CacheLimit() {
    memory::set_cpu_cache_limit(previous_);
    memory::empty_cache();
  }
  CacheLimit(const CacheLimit&) = delete;
  CacheLimit& operator=(const CacheLimit&) = delete;

 private:
  size_t previous_;
};

TEST(MemoryCache, FreedBlockIsReusedForTheSameShape) {
  CacheLimit limit(size_t{64} << 20);
  const void* first = nullptr;
  {
    const Tensor a = zeros({256, 1024});  // 1 MiB
    first = a.data_ptr();
  }
  EXPECT_GE(memory::cpu_cache_stats().cached_bytes, size_t{1} << 20);
  const uint64_t hits = memory::cpu_cache_stats().hits;
  const Tensor b = zeros({256, 1024});
  EXPECT_EQ(b.data_ptr(), first);
  EXPECT_EQ(memory::cpu_cache_stats().hits, hits + 1);
  EXPECT_EQ(memory::cpu_cache_stats().cached_bytes, 0u);
}

TEST(MemoryCache, ReusedMemoryHoldsTheNewTensorsValues) {
  CacheLimit limit(size_t{64} << 20);
  { const Tensor a = full({100000}, 7.0f); }
  const Tensor b = zeros({100000});  // same class: gets a's block, must not see its values
  const Tensor c = ones({100000});   // the cache is empty now: a fresh block
  EXPECT_NE(b.data_ptr(), c.data_ptr());
  EXPECT_EQ(sum(b).item<float>(), 0.0f);
  EXPECT_EQ(sum(c).item<float>(), 100000.0f);
}

TEST(MemoryCache, SmallAllocationsBypassTheCache) {
  CacheLimit limit(size_t{64} << 20);
  { const Tensor a = zeros({100}); }
  EXPECT_EQ(memory::cpu_cache_stats().cached_bytes, 0u);
}

TEST(MemoryCache, NearbySizesShareAClassAndDistantOnesDoNot) {
  CacheLimit limit(size_t{64} << 20);
  const void* first = nullptr;
  {
    const Tensor a = empty({1000000}, float32);
    first = a.data_ptr();
  }
  const Tensor same_class = empty({1000100}, float32);  // +0.01%: the same size class
  EXPECT_EQ(same_class.data_ptr(), first);
  { const Tensor a = empty({1000000}, float32); }
  const Tensor twice = empty({2000000}, float32);  // a different class: a fresh block
  EXPECT_NE(twice.data_ptr(), first);
  EXPECT_GT(memory::cpu_cache_stats().cached_bytes, 0u);
}

TEST(MemoryCache, LimitIsHonouredAndZeroDisablesTheCache) {
  CacheLimit limit(size_t{3} << 20);
  {
    const Tensor a = zeros({256, 1024}), b = zeros({256, 1024}), c = zeros({256, 1024}),
                 d = zeros({256, 1024});
  }
  EXPECT_LE(memory::cpu_cache_stats().cached_bytes, size_t{3} << 20);
  EXPECT_GT(memory::cpu_cache_stats().cached_bytes, 0u);
  memory::set_cpu_cache_limit(0);
  EXPECT_EQ(memory::cpu_cache_stats().cached_bytes, 0u);
  { const Tensor a = zeros({256, 1024}); }
  EXPECT_EQ(memory::cpu_cache_stats().cached_bytes, 0u);
}

TEST(MemoryCache, EmptyCacheReturnsBlocksButKeepsTheLimit) {
  CacheLimit limit(size_t{64} << 20);
  { const Tensor a = zeros({256, 1024}); }
  EXPECT_GT(memory::cpu_cache_stats().cached_bytes, 0u);
  memory::empty_cache();
  EXPECT_EQ(memory::cpu_cache_stats().cached_bytes, 0u);
  EXPECT_EQ(memory::cpu_cache_stats().limit_bytes, size_t{64} << 20);
  { const Tensor a = zeros({256, 1024}); }
  EXPECT_GT(memory::cpu_cache_stats().cached_bytes, 0u);
}

}  // namespace
