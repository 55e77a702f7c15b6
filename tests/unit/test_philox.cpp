// philox::generate_blocks (the lane-parallel form dropout draws its masks with) must give exactly
// generate()'s words: counts that are not a multiple of its 16 lanes, and counters whose low
// word wraps (the carry into the high word).
#include <gtest/gtest.h>

#include <vector>

#include "nabla/util/philox.hpp"

using namespace nabla;

TEST(Philox, GenerateBlocksEqualsGenerate) {
  const uint64_t key = 0x0123456789ABCDEFull;
  for (const uint64_t first : {uint64_t{0}, uint64_t{5}, (uint64_t{1} << 32) - 7}) {
    for (const int64_t blocks : {1, 15, 16, 17, 40}) {
      std::vector<uint32_t> words(static_cast<size_t>(4 * blocks));
      philox::generate_blocks(first, key, blocks, words.data());
      for (int64_t b = 0; b < blocks; ++b) {
        const philox::Block want = philox::generate(first + static_cast<uint64_t>(b), key);
        for (size_t w = 0; w < 4; ++w) {
          ASSERT_EQ(words[static_cast<size_t>(4 * b) + w], want[w])
              << "first " << first << ", block " << b << ", word " << w;
        }
      }
    }
  }
}
