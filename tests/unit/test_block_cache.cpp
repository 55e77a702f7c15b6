// BlockCache (src/tensor/block_cache.hpp), the cache of freed blocks behind the CPU allocator and
// each CUDA device's: size classes, reuse, the limit, trimming through the release function; and
// the CUDA device caches where a GPU is visible.
#include <gtest/gtest.h>

#include <vector>

#include "nabla/cuda.hpp"
#include "nabla/nabla.hpp"
#include "tensor/block_cache.hpp"

namespace nabla {
namespace {

std::vector<void*> released;
void record_release(void* block, size_t) { released.push_back(block); }

TEST(BlockCache, SizeClassesHoldTheSizeWithAtMostAQuarterMore) {
  size_t previous = 0;
  for (size_t bytes = 4096; bytes < (size_t{1} << 26); bytes = bytes * 9 / 8 + 1) {
    const size_t cls = block_size_class(bytes);
    EXPECT_GE(cls, bytes);
    EXPECT_LE(cls, bytes + bytes / 4) << bytes;
    EXPECT_GE(cls, previous);  // monotone
    EXPECT_EQ(block_size_class(cls), cls);
    previous = cls;
  }
}

TEST(BlockCache, ReusesBlocksOfAClassWithinTheLimit) {
  released.clear();
  int a = 0, b = 0, c = 0;
  BlockCache cache(300, &record_release);
  EXPECT_EQ(cache.take(128), nullptr);
  EXPECT_TRUE(cache.give(&a, 128));
  EXPECT_TRUE(cache.give(&b, 128));
  EXPECT_FALSE(cache.give(&c, 128));  // 384 > 300: the caller releases it
  EXPECT_EQ(cache.stats().cached_bytes, 256u);
  EXPECT_EQ(cache.take(256), nullptr);  // another class
  EXPECT_EQ(cache.take(128), &b);       // the last one given
  const memory::CacheStats stats = cache.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.cached_bytes, 128u);
  EXPECT_TRUE(released.empty());
}

TEST(BlockCache, TrimmingReleasesBlocksThroughTheReleaseFunction) {
  released.clear();
  int a = 0, b = 0, c = 0;
  BlockCache cache(1000, &record_release);
  ASSERT_TRUE(cache.give(&a, 100));
  ASSERT_TRUE(cache.give(&b, 100));
  ASSERT_TRUE(cache.give(&c, 200));
  cache.limit_and_trim(1000, 150);
  EXPECT_LE(cache.stats().cached_bytes, 150u);
  EXPECT_EQ(released.size(), 2u + (cache.stats().cached_bytes == 0 ? 1u : 0u));
  cache.limit_and_trim(0, 0);
  EXPECT_EQ(cache.stats().cached_bytes, 0u);
  EXPECT_EQ(released.size(), 3u);
  EXPECT_FALSE(cache.give(&a, 100));  // a limit of 0 turns the cache off
}

TEST(BlockCache, CudaDeviceReusesAFreedBlock) {
  if (!cuda::is_available()) {
    GTEST_SKIP() << "no CUDA device is visible (" << cuda::unavailable_reason() << ")";
  }
  void* first = nullptr;
  {
    const auto storage = Storage::allocate(3 << 20, Device::cuda(0));
    first = storage->data();
  }
  const uint64_t hits = cuda::cache_stats(0).hits;
  const auto again = Storage::allocate(3 << 20, Device::cuda(0));
  EXPECT_EQ(again->data(), first);
  EXPECT_EQ(cuda::cache_stats(0).hits, hits + 1);
  cuda::empty_cache();
  EXPECT_EQ(cuda::cache_stats(0).cached_bytes, 0u);
}

TEST(BlockCache, NoCudaCacheWithoutAVisibleDevice) {
  if (cuda::is_available()) GTEST_SKIP() << "a CUDA device is visible";
  EXPECT_EQ(cuda::cache_stats(0).cached_bytes, 0u);
  EXPECT_EQ(cuda::cache_stats(0).hits, 0u);
  cuda::empty_cache();  // nothing to do, and no error
}

}  // namespace
}  // namespace nabla
