// Dataset pipelines: every stage's contract (from_tensors, shuffle, batch, map, filter, take,
// prefetch), determinism under a seed, prefetch's early exit and its forwarding of exceptions.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <nabla/data/dataset.hpp>
#include <nabla/nabla.hpp>
#include <numeric>
#include <vector>

namespace {
using namespace nabla;
using datasets::Dataset;
using datasets::Element;

static_assert(std::input_iterator<Dataset::Iterator>);
static_assert(std::sentinel_for<std::default_sentinel_t, Dataset::Iterator>);

/// x: float32 [n, 2] with rows {i, 10 i}; y: int64 [n] = 0..n-1.
Dataset numbers(int64_t n) {
  const Tensor y = arange(0, n).astype(int64);
  const Tensor x = stack({y.astype(float32), y.astype(float32) * 10.0f}, 1);
  return Dataset::from_tensors({x, y});
}

/// The label component of every element (elements or batches), flattened, in order.
std::vector<int64_t> labels(const Dataset& ds) {
  std::vector<int64_t> out;
  for (const Element& e : ds) {
    for (int64_t v : e.back().to_vector<int64_t>()) out.push_back(v);
  }
  return out;
}

std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> out(static_cast<size_t>(n));
  std::iota(out.begin(), out.end(), 0);
  return out;
}

TEST(DatasetPipeline, FromTensorsSlicesAlongAxisZero) {
  int64_t count = 0;
  for (const Element& e : numbers(4)) {
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(e[0].shape(), (Shape{2}));
    EXPECT_EQ(e[0].dtype(), float32);
    EXPECT_EQ(e[1].shape(), (Shape{}));
    EXPECT_EQ(e[1].item<int64_t>(), count);
    EXPECT_EQ(e[0].to_vector<float>(),
              (std::vector<float>{static_cast<float>(count), 10.0f * static_cast<float>(count)}));
    ++count;
  }
  EXPECT_EQ(count, 4);
  EXPECT_EQ(labels(numbers(4)), iota(4));  // each range-for is a new pass
  EXPECT_EQ(labels(numbers(0)), std::vector<int64_t>{});

  // Elements are views: an in-place write to the input shows.
  Tensor x = zeros({3}, int64);
  const Dataset ds = Dataset::from_tensors({x});
  x.fill_(7);
  EXPECT_EQ(labels(ds), (std::vector<int64_t>{7, 7, 7}));
}

TEST(DatasetPipeline, FromTensorsChecksItsInputs) {
  EXPECT_THROW((void)Dataset::from_tensors({}), ValueError);
  EXPECT_THROW((void)Dataset::from_tensors({Tensor()}), ValueError);
  EXPECT_THROW((void)Dataset::from_tensors({tensor(1.0f)}), ShapeError);
  try {
    (void)Dataset::from_tensors({zeros({3, 2}), zeros({4})});
    ADD_FAILURE() << "no ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("[3, 2] and [4]"), std::string::npos) << e.what();
  }
}

TEST(DatasetPipeline, BatchStacksAndKeepsOrDropsTheRemainder) {
  std::vector<Shape> shapes;
  for (const Element& b : numbers(5).batch(2)) {
    shapes.push_back(b[0].shape());
    EXPECT_EQ(b[1].shape(), Shape{b[0].size(0)});
  }
  EXPECT_EQ(shapes, (std::vector<Shape>{{2, 2}, {2, 2}, {1, 2}}));
  EXPECT_EQ(labels(numbers(5).batch(2)), iota(5));
  EXPECT_EQ(labels(numbers(5).batch(2, /*drop_remainder=*/true)), iota(4));
  EXPECT_EQ(labels(numbers(4).batch(2, true)), iota(4));
  EXPECT_EQ(labels(numbers(1).batch(2, true)), std::vector<int64_t>{});
  EXPECT_EQ(labels(numbers(3).batch(10)), iota(3));

  const Element first = *numbers(5).batch(3).begin();
  EXPECT_EQ(first[0].to_vector<float>(), (std::vector<float>{0, 0, 1, 10, 2, 20}));
  // Batches of batches: [2, 3, 2].
  EXPECT_EQ((*numbers(6).batch(3).batch(2).begin())[0].shape(), (Shape{2, 3, 2}));

  EXPECT_THROW((void)numbers(3).batch(0), ValueError);
}

TEST(DatasetPipeline, BatchRefusesElementsOfDifferentShapes) {
  const Dataset ragged = numbers(4).map([](const Element& e) -> Element {
    const int64_t n = e[1].item<int64_t>() + 1;
    return {zeros({n}), e[1]};
  });
  try {
    for (const Element& b : ragged.batch(2)) (void)b;
    ADD_FAILURE() << "no ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("Dataset.batch"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[2]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[1]"), std::string::npos) << e.what();
  }
}

TEST(DatasetPipeline, ShuffleIsAPermutationDeterminedByTheSeed) {
  const Dataset ds = numbers(50).shuffle(100, /*seed=*/42);
  const std::vector<int64_t> pass0 = labels(ds);
  std::vector<int64_t> sorted = pass0;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, iota(50));
  EXPECT_NE(pass0, iota(50));

  // Reshuffled each pass; the k-th pass depends only on (seed, k).
  const std::vector<int64_t> pass1 = labels(ds);
  EXPECT_NE(pass1, pass0);
  const Dataset same = numbers(50).shuffle(100, 42);
  EXPECT_EQ(labels(same), pass0);
  EXPECT_EQ(labels(same), pass1);
  EXPECT_NE(labels(numbers(50).shuffle(100, 43)), pass0);

  // Without reshuffling every pass repeats the first order.
  const Dataset fixed = numbers(50).shuffle(100, 42, /*reshuffle_each_iteration=*/false);
  EXPECT_EQ(labels(fixed), pass0);
  EXPECT_EQ(labels(fixed), pass0);

  // No seed: drawn from nabla::random, so random::seed() reproduces it.
  random::seed(7);
  const std::vector<int64_t> unseeded = labels(numbers(50).shuffle(100));
  random::seed(7);
  EXPECT_EQ(labels(numbers(50).shuffle(100)), unseeded);

  EXPECT_THROW((void)numbers(3).shuffle(0, 1), ValueError);
}

TEST(DatasetPipeline, ShuffleBufferBoundsHowFarElementsMove) {
  EXPECT_EQ(labels(numbers(20).shuffle(1, 3)), iota(20));  // a buffer of one keeps the order
  // With a buffer of b, the element at output position p was among the first p + b inputs.
  for (int64_t buffer : {2, 5}) {
    const std::vector<int64_t> order = labels(numbers(200).shuffle(buffer, 11));
    for (size_t p = 0; p < order.size(); ++p) {
      EXPECT_LT(order[p], static_cast<int64_t>(p) + buffer) << "position " << p;
    }
    EXPECT_NE(order, iota(200));
  }
}

TEST(DatasetPipeline, MapTransformsElements) {
  const Dataset ds = numbers(3).map([](const Element& e) -> Element {
    return {e[0] * 2.0f, e[1] + int64_t{100}, e[1]};  // a third component
  });
  int64_t i = 0;
  for (const Element& e : ds) {
    ASSERT_EQ(e.size(), 3u);
    EXPECT_EQ(e[0].to_vector<float>()[1], 20.0f * static_cast<float>(i));
    EXPECT_EQ(e[1].item<int64_t>(), 100 + i);
    ++i;
  }
  EXPECT_EQ(i, 3);
  EXPECT_EQ(
      labels(
          numbers(5).map([](const Element& e) -> Element { return {e[1] * int64_t{3}}; }).batch(2)),
      (std::vector<int64_t>{0, 3, 6, 9, 12}));
  EXPECT_THROW((void)numbers(3).map(nullptr), ValueError);
}

TEST(DatasetPipeline, FilterKeepsMatchingElementsInOrder) {
  const auto even = [](const Element& e) { return e[1].item<int64_t>() % 2 == 0; };
  EXPECT_EQ(labels(numbers(7).filter(even)), (std::vector<int64_t>{0, 2, 4, 6}));
  EXPECT_EQ(labels(numbers(7).filter(even).batch(3)), (std::vector<int64_t>{0, 2, 4, 6}));
  EXPECT_EQ(labels(numbers(7).filter([](const Element&) { return false; })),
            std::vector<int64_t>{});
  EXPECT_THROW((void)numbers(3).filter(nullptr), ValueError);
}

TEST(DatasetPipeline, TakeStopsEarlyAndPullsNoMore) {
  EXPECT_EQ(labels(numbers(5).take(3)), iota(3));
  EXPECT_EQ(labels(numbers(5).take(0)), std::vector<int64_t>{});
  EXPECT_EQ(labels(numbers(5).take(-1)), iota(5));
  EXPECT_EQ(labels(numbers(5).take(10)), iota(5));
  EXPECT_EQ(labels(numbers(10).batch(3).take(2)), iota(6));

  auto pulled = std::make_shared<std::atomic<int>>(0);
  const Dataset counted = numbers(100).map([pulled](const Element& e) {
    ++*pulled;
    return e;
  });
  EXPECT_EQ(labels(counted.take(3)), iota(3));
  EXPECT_EQ(pulled->load(), 3);
  EXPECT_THROW((void)numbers(3).take(-2), ValueError);
}

TEST(DatasetPipeline, PrefetchKeepsTheOrder) {
  const auto pipeline = [] {  // fresh each time: pass 0 of a seeded shuffle
    return numbers(100).shuffle(30, 5).batch(7).map([](const Element& e) -> Element {
      return {e[0] + 1.0f, e[1]};
    });
  };
  const std::vector<int64_t> expected = labels(pipeline());
  EXPECT_EQ(labels(pipeline().prefetch(1)), expected);
  EXPECT_EQ(labels(pipeline().prefetch(4)), expected);
  EXPECT_EQ(labels(pipeline().prefetch(2).prefetch(3)), expected);  // nested
  // Later passes through prefetch follow the shuffle's pass sequence.
  const Dataset prefetched = pipeline().prefetch(2);
  const Dataset plain = pipeline();
  for (int pass = 0; pass < 3; ++pass) EXPECT_EQ(labels(prefetched), labels(plain)) << pass;
  EXPECT_EQ(labels(numbers(0).prefetch(2)), std::vector<int64_t>{});
  EXPECT_THROW((void)numbers(3).prefetch(0), ValueError);
}

TEST(DatasetPipeline, PrefetchStopsWhenTheLoopExitsEarly) {
  auto produced = std::make_shared<std::atomic<int>>(0);
  const Dataset ds = numbers(10000)
                         .map([produced](const Element& e) {
                           ++*produced;
                           return e;
                         })
                         .prefetch(2);
  int consumed = 0;
  for (const Element& e : ds) {
    (void)e;
    if (++consumed == 3) break;  // the iterator's destructor stops and joins the producer
  }
  // Three consumed, at most two queued and one in the producer's hands.
  EXPECT_LE(produced->load(), 3 + 2 + 1);
  EXPECT_GE(produced->load(), 3);

  // Abandoning passes at once, before anything is read, never hangs.
  for (int i = 0; i < 20; ++i) (void)ds.begin();
}

TEST(DatasetPipeline, PrefetchRethrowsProducerExceptionsInOrder) {
  const Dataset ds = numbers(10)
                         .map([](const Element& e) -> Element {
                           if (e[1].item<int64_t>() == 3) throw ValueError("element 3 is bad");
                           return e;
                         })
                         .prefetch(4);
  std::vector<int64_t> seen;
  try {
    for (const Element& e : ds) seen.push_back(e[1].item<int64_t>());
    ADD_FAILURE() << "no exception";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "element 3 is bad");
  }
  EXPECT_EQ(seen, iota(3));  // everything before the failure arrives first

  // After the exception the pass is over.
  auto it = ds.begin();
  ++it;
  ++it;
  EXPECT_EQ(it->back().item<int64_t>(), 2);
  EXPECT_THROW(++it, ValueError);  // ++ from element 2 reaches element 3
  EXPECT_TRUE(it == ds.end());
}

TEST(DatasetPipeline, IteratorKeepsItsPipelineAlive) {
  auto it = numbers(5).batch(2).prefetch(1).begin();  // the Dataset temporaries are gone
  std::vector<Shape> shapes;
  for (; it != std::default_sentinel; ++it) shapes.push_back((*it)[0].shape());
  EXPECT_EQ(shapes, (std::vector<Shape>{{2, 2}, {2, 2}, {1, 2}}));

  auto moved = numbers(3).begin();
  auto target = std::move(moved);
  EXPECT_EQ(target->back().item<int64_t>(), 0);
  ++target;
  EXPECT_EQ((*target)[1].item<int64_t>(), 1);
  target = numbers(4).map([](const Element& e) { return e; }).prefetch(1).begin();
  EXPECT_EQ(target->back().item<int64_t>(), 0);  // the old pass ended, the new one runs
  ++target;
  EXPECT_EQ(target->back().item<int64_t>(), 1);
}

}  // namespace
