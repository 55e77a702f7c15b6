// Dataset: a tf.data-style input pipeline over tensors. A Dataset is an immutable, cheap-to-copy
// description (from_tensors -> shuffle -> batch -> map -> prefetch ...); each range-for over it
// runs the pipeline afresh and yields its elements, each a std::vector<Tensor>:
//
//   auto ds = Dataset::from_tensors({x, y}).shuffle(10000, /*seed=*/42).batch(128).prefetch(2);
//   for (int epoch = 0; epoch < 3; ++epoch)
//     for (const std::vector<Tensor>& b : ds) train_step(b[0], b[1]);  // b[0]: [128, 28, 28]
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla::datasets {

/// One element of a dataset: its components (e.g. {image, label}).
using Element = std::vector<Tensor>;

namespace detail {
struct Node;    // one stage of the pipeline (src/data/dataset_nodes.hpp)
struct Cursor;  // one pass over a stage
}  // namespace detail

class Dataset {
 public:
  class Iterator;

  /// The slices of `tensors` along axis 0 (TF's from_tensor_slices): element i is
  /// {tensors[0][i], tensors[1][i], ...}, views of the inputs (later in-place writes to them
  /// show). Every tensor needs rank >= 1 and the same size(0) (ShapeError otherwise); at least
  /// one tensor (ValueError).
  [[nodiscard]] static Dataset from_tensors(std::vector<Tensor> tensors);

  /// TF's shuffle: keeps a buffer of `buffer_size` elements and yields a uniformly chosen one,
  /// refilling its place from the input. buffer_size >= the dataset's size is a full uniform
  /// shuffle; 1 keeps the order. The same `seed` gives the same orders; without one, the seed is
  /// drawn from nabla::random's global state when shuffle() is called (so random::seed() makes
  /// it reproducible). With `reshuffle_each_iteration` each pass (range-for) over this dataset
  /// gets a new order (pass k's order depends only on the seed and k); otherwise every pass
  /// repeats pass 0's order. ValueError unless buffer_size >= 1.
  [[nodiscard]] Dataset shuffle(int64_t buffer_size, std::optional<uint64_t> seed = std::nullopt,
                                bool reshuffle_each_iteration = true) const;

  /// Groups `batch_size` consecutive elements, stacking each component along a new axis 0:
  /// components [d...] -> [batch_size, d...]. The last batch is smaller unless `drop_remainder`,
  /// which drops it. Elements of one batch must have the same number of components and shapes
  /// (ShapeError naming both); ValueError unless batch_size >= 1. Batches are new tensors.
  [[nodiscard]] Dataset batch(int64_t batch_size, bool drop_remainder = false) const;

  /// Applies `fn` to each element: `ds.map([](const Element& e) -> Element {
  /// return {e[0].astype(float32) / 255.0f, e[1]}; })`. Exceptions from fn reach the loop.
  /// Upstream of prefetch(), fn runs on the prefetch thread.
  [[nodiscard]] Dataset map(std::function<Element(const Element&)> fn) const;

  /// Keeps the elements for which `predicate` returns true, in order.
  [[nodiscard]] Dataset filter(std::function<bool(const Element&)> predicate) const;

  /// The first `count` elements (all of them when the dataset is shorter); -1 means all, as in
  /// TF. Stops pulling from its input after `count` elements. ValueError when count < -1.
  [[nodiscard]] Dataset take(int64_t count) const;

  /// Computes up to `buffer_size` elements ahead on a background thread, so the input stages
  /// overlap the consumer's work. The order is unchanged. An exception in the input stages is
  /// rethrown in the loop when the consumer reaches that point; leaving the loop early (break,
  /// exception) stops and joins the thread. ValueError unless buffer_size >= 1.
  [[nodiscard]] Dataset prefetch(int64_t buffer_size) const;

  /// tf.data's UNKNOWN_CARDINALITY: how many elements a pass yields cannot be known without
  /// running it (after filter()).
  static constexpr int64_t kUnknownCardinality = -2;

  /// The number of elements one pass yields, known without running the pipeline (tf.data's
  /// cardinality()): from_tensors: size(0); shuffle, map, prefetch: their input's; batch:
  /// ceil(n / batch_size) (floor with drop_remainder); take(count): min(count, n); filter:
  /// kUnknownCardinality, and so is every stage computed from an unknown input. The training loop
  /// uses it for the progress bar's total.
  [[nodiscard]] int64_t cardinality() const;

  /// Starts a pass: runs the pipeline up to the first element.
  [[nodiscard]] Iterator begin() const;
  [[nodiscard]] std::default_sentinel_t end() const { return {}; }

 private:
  explicit Dataset(std::shared_ptr<const detail::Node> node) : node_(std::move(node)) {}
  std::shared_ptr<const detail::Node> node_;
};

/// A single pass over a Dataset (an input iterator; move-only). Compares equal to end() once the
/// dataset is exhausted.
class Dataset::Iterator {
 public:
  using value_type = Element;
  using difference_type = std::ptrdiff_t;
  using iterator_concept = std::input_iterator_tag;

  Iterator(Iterator&&) noexcept;
  Iterator& operator=(Iterator&&) noexcept;
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;
  ~Iterator();

  /// The current element; undefined at the end.
  [[nodiscard]] const Element& operator*() const { return *current_; }
  [[nodiscard]] const Element* operator->() const { return &*current_; }
  /// Advances to the next element (exceptions from the pipeline propagate from here).
  Iterator& operator++();
  void operator++(int) { ++*this; }
  friend bool operator==(const Iterator& it, std::default_sentinel_t) {
    return !it.current_.has_value();
  }

 private:
  friend class Dataset;
  explicit Iterator(std::shared_ptr<const detail::Node> node);
  std::shared_ptr<const detail::Node> node_;  // keeps the stages alive while the pass runs
  std::unique_ptr<detail::Cursor> cursor_;
  std::optional<Element> current_;
};

}  // namespace nabla::datasets
