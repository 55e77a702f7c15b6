// Dataset::cardinality(): known through from_tensors, shuffle, batch, map, take and prefetch,
// unknown (tf.data's UNKNOWN_CARDINALITY) from filter on; always what a pass really yields when
// known.
#include <gtest/gtest.h>

#include <nabla/data/dataset.hpp>
#include <nabla/nabla.hpp>

namespace {
using namespace nabla;
using datasets::Dataset;
using datasets::Element;

constexpr int64_t kUnknown = Dataset::kUnknownCardinality;

Dataset numbers(int64_t n) { return Dataset::from_tensors({arange(0, n).astype(int64)}); }

int64_t count(const Dataset& ds) {
  int64_t n = 0;
  for (const Element& e : ds) {
    (void)e;
    ++n;
  }
  return n;
}

TEST(DatasetCardinality, KnownStagesComputeIt) {
  const auto identity = [](const Element& e) { return e; };
  const std::vector<std::pair<Dataset, int64_t>> cases = {
      {numbers(10), 10},
      {numbers(0), 0},
      {numbers(10).shuffle(4, 1), 10},
      {numbers(10).map(identity), 10},
      {numbers(10).prefetch(2), 10},
      {numbers(10).batch(3), 4},
      {numbers(10).batch(3, true), 3},
      {numbers(9).batch(3, true), 3},
      {numbers(10).batch(20), 1},
      {numbers(10).batch(20, true), 0},
      {numbers(10).take(4), 4},
      {numbers(10).take(40), 10},
      {numbers(10).take(-1), 10},
      {numbers(10).take(0), 0},
      {numbers(10).shuffle(10, 2).batch(4).map(identity).take(2).prefetch(1), 2},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& [ds, expected] = cases[i];
    EXPECT_EQ(ds.cardinality(), expected) << "case " << i;
    EXPECT_EQ(count(ds), expected) << "case " << i;
  }
}

TEST(DatasetCardinality, FilterMakesItUnknownDownstream) {
  const auto even = [](const Element& e) { return e[0].item<int64_t>() % 2 == 0; };
  const Dataset filtered = numbers(10).filter(even);
  EXPECT_EQ(filtered.cardinality(), kUnknown);
  EXPECT_EQ(filtered.batch(2).cardinality(), kUnknown);
  EXPECT_EQ(filtered.batch(2, true).cardinality(), kUnknown);
  EXPECT_EQ(filtered.shuffle(3).prefetch(2).cardinality(), kUnknown);
  EXPECT_EQ(filtered.take(3).cardinality(), kUnknown);  // could be fewer than 3
  EXPECT_EQ(filtered.take(-1).cardinality(), kUnknown);
  EXPECT_EQ(count(filtered.batch(2)), 3);
  // Copies and earlier stages are unaffected.
  EXPECT_EQ(numbers(10).cardinality(), 10);
}

}  // namespace
