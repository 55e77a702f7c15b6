// Dataset's stages (from_tensors, shuffle, batch, map, filter, take) and its iterator; the
// threaded prefetch stage is in prefetch.cpp.
#include "nabla/data/dataset.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <utility>

#include "data/dataset_nodes.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/util/error.hpp"
#include "nabla/util/philox.hpp"
#include "nabla/util/random_state.hpp"

namespace nabla::datasets {
namespace {

using detail::Cursor;
using detail::Node;
using NodePtr = std::shared_ptr<const Node>;

// ---- from_tensors ----------------------------------------------------------------------------

class SlicesNode final : public Node {
 public:
  explicit SlicesNode(std::vector<Tensor> tensors) : tensors_(std::move(tensors)) {}
  [[nodiscard]] std::unique_ptr<Cursor> open() const override {
    return std::make_unique<SlicesCursor>(tensors_);
  }
  [[nodiscard]] int64_t cardinality() const override { return tensors_.front().size(0); }

 private:
  class SlicesCursor final : public Cursor {
   public:
    explicit SlicesCursor(const std::vector<Tensor>& tensors) : tensors_(tensors) {}
    std::optional<Element> next() override {
      if (index_ == tensors_.front().size(0)) return std::nullopt;
      Element element;
      element.reserve(tensors_.size());
      for (const Tensor& t : tensors_) element.push_back(t[index_]);
      ++index_;
      return element;
    }

   private:
    const std::vector<Tensor>& tensors_;  // owned by the node, which outlives the pass
    int64_t index_ = 0;
  };
  std::vector<Tensor> tensors_;
};

// ---- shuffle ---------------------------------------------------------------------------------

class ShuffleNode final : public Node {
 public:
  ShuffleNode(NodePtr input, size_t buffer_size, uint64_t seed, bool reshuffle)
      : input_(std::move(input)), buffer_size_(buffer_size), seed_(seed), reshuffle_(reshuffle) {}
  [[nodiscard]] std::unique_ptr<Cursor> open() const override {
    const uint64_t pass = reshuffle_ ? passes_.fetch_add(1) : 0;
    return std::make_unique<ShuffleCursor>(input_->open(), buffer_size_, seed_, pass);
  }
  [[nodiscard]] int64_t cardinality() const override { return input_->cardinality(); }

 private:
  class ShuffleCursor final : public Cursor {
   public:
    ShuffleCursor(std::unique_ptr<Cursor> input, size_t buffer_size, uint64_t seed, uint64_t pass)
        : input_(std::move(input)), buffer_size_(buffer_size), seed_(seed), pass_(pass) {}
    std::optional<Element> next() override {
      while (!input_done_ && buffer_.size() < buffer_size_) {
        std::optional<Element> element = input_->next();
        if (element.has_value()) {
          buffer_.push_back(std::move(*element));
        } else {
          input_done_ = true;
        }
      }
      if (buffer_.empty()) return std::nullopt;
      // Philox counter = (pass, draw): every pass has its own stream of choices, and the choice
      // sequence depends on nothing but (seed, pass).
      const philox::Block words = philox::generate(pass_ << 40 | draws_++, seed_);
      const uint64_t random = uint64_t{words[0]} << 32 | words[1];
      const size_t chosen = static_cast<size_t>(random % buffer_.size());
      Element out = std::move(buffer_[chosen]);
      if (chosen + 1 != buffer_.size()) buffer_[chosen] = std::move(buffer_.back());
      buffer_.pop_back();
      return out;
    }

   private:
    std::unique_ptr<Cursor> input_;
    size_t buffer_size_;
    uint64_t seed_;
    uint64_t pass_;
    uint64_t draws_ = 0;
    bool input_done_ = false;
    std::vector<Element> buffer_;
  };
  NodePtr input_;
  size_t buffer_size_;
  uint64_t seed_;
  bool reshuffle_;
  mutable std::atomic<uint64_t> passes_{0};
};

// ---- batch -----------------------------------------------------------------------------------

void check_batchable(const std::vector<Element>& elements) {
  const Element& first = elements.front();
  for (size_t i = 1; i < elements.size(); ++i) {
    NABLA_CHECK(elements[i].size() == first.size(), ShapeError, "Dataset.batch: element ", i,
                " of the batch has ", elements[i].size(), " components, element 0 has ",
                first.size());
    for (size_t c = 0; c < first.size(); ++c) {
      NABLA_CHECK(elements[i][c].shape() == first[c].shape(), ShapeError,
                  "Dataset.batch: component ", c, " has shape ", elements[i][c].shape(),
                  " in element ", i, " of the batch but ", first[c].shape(),
                  " in element 0 (elements of a batch need equal shapes)");
    }
  }
}

class BatchNode final : public Node {
 public:
  BatchNode(NodePtr input, size_t batch_size, bool drop_remainder)
      : input_(std::move(input)), batch_size_(batch_size), drop_remainder_(drop_remainder) {}
  [[nodiscard]] std::unique_ptr<Cursor> open() const override {
    return std::make_unique<BatchCursor>(input_->open(), batch_size_, drop_remainder_);
  }
  [[nodiscard]] int64_t cardinality() const override {
    const int64_t n = input_->cardinality();
    if (n < 0) return n;
    const auto size = static_cast<int64_t>(batch_size_);
    return drop_remainder_ ? n / size : (n + size - 1) / size;
  }

 private:
  class BatchCursor final : public Cursor {
   public:
    BatchCursor(std::unique_ptr<Cursor> input, size_t batch_size, bool drop_remainder)
        : input_(std::move(input)), batch_size_(batch_size), drop_remainder_(drop_remainder) {}
    std::optional<Element> next() override {
      std::vector<Element> elements;
      while (elements.size() < batch_size_) {
        std::optional<Element> element = input_->next();
        if (!element.has_value()) break;
        elements.push_back(std::move(*element));
      }
      if (elements.empty() || (drop_remainder_ && elements.size() < batch_size_)) {
        return std::nullopt;
      }
      check_batchable(elements);
      Element batch;
      for (size_t c = 0; c < elements.front().size(); ++c) {
        std::vector<Tensor> parts;
        parts.reserve(elements.size());
        for (const Element& element : elements) parts.push_back(element[c]);
        batch.push_back(stack(parts, 0));
      }
      return batch;
    }

   private:
    std::unique_ptr<Cursor> input_;
    size_t batch_size_;
    bool drop_remainder_;
  };
  NodePtr input_;
  size_t batch_size_;
  bool drop_remainder_;
};

// ---- map, filter, take -----------------------------------------------------------------------

class MapNode final : public Node {
 public:
  using Fn = std::function<Element(const Element&)>;
  MapNode(NodePtr input, Fn fn) : input_(std::move(input)), fn_(std::move(fn)) {}
  [[nodiscard]] std::unique_ptr<Cursor> open() const override {
    return std::make_unique<MapCursor>(input_->open(), fn_);
  }
  [[nodiscard]] int64_t cardinality() const override { return input_->cardinality(); }

 private:
  class MapCursor final : public Cursor {
   public:
    MapCursor(std::unique_ptr<Cursor> input, const Fn& fn) : input_(std::move(input)), fn_(fn) {}
    std::optional<Element> next() override {
      std::optional<Element> element = input_->next();
      if (!element.has_value()) return std::nullopt;
      return fn_(*element);
    }

   private:
    std::unique_ptr<Cursor> input_;
    const Fn& fn_;  // owned by the node, which outlives the pass
  };
  NodePtr input_;
  Fn fn_;
};

class FilterNode final : public Node {
 public:
  using Predicate = std::function<bool(const Element&)>;
  FilterNode(NodePtr input, Predicate predicate)
      : input_(std::move(input)), predicate_(std::move(predicate)) {}
  [[nodiscard]] std::unique_ptr<Cursor> open() const override {
    return std::make_unique<FilterCursor>(input_->open(), predicate_);
  }
  // Which elements pass is only known by running the predicate on all of them.
  [[nodiscard]] int64_t cardinality() const override { return Dataset::kUnknownCardinality; }

 private:
  class FilterCursor final : public Cursor {
   public:
    FilterCursor(std::unique_ptr<Cursor> input, const Predicate& predicate)
        : input_(std::move(input)), predicate_(predicate) {}
    std::optional<Element> next() override {
      while (true) {
        std::optional<Element> element = input_->next();
        if (!element.has_value() || predicate_(*element)) return element;
      }
    }

   private:
    std::unique_ptr<Cursor> input_;
    const Predicate& predicate_;  // owned by the node, which outlives the pass
  };
  NodePtr input_;
  Predicate predicate_;
};

class TakeNode final : public Node {
 public:
  TakeNode(NodePtr input, int64_t count) : input_(std::move(input)), count_(count) {}
  [[nodiscard]] std::unique_ptr<Cursor> open() const override {
    return std::make_unique<TakeCursor>(input_->open(), count_);
  }
  [[nodiscard]] int64_t cardinality() const override {
    const int64_t n = input_->cardinality();
    if (n < 0 || count_ < 0) return n;
    return std::min(n, count_);
  }

 private:
  class TakeCursor final : public Cursor {
   public:
    TakeCursor(std::unique_ptr<Cursor> input, int64_t remaining)
        : input_(std::move(input)), remaining_(remaining) {}
    std::optional<Element> next() override {
      if (remaining_ == 0) return std::nullopt;  // never pulls beyond the count
      std::optional<Element> element = input_->next();
      if (element.has_value() && remaining_ > 0) --remaining_;
      return element;
    }

   private:
    std::unique_ptr<Cursor> input_;
    int64_t remaining_;  // -1: unlimited
  };
  NodePtr input_;
  int64_t count_;
};

// A seed from nabla::random's global state, so random::seed() also fixes unseeded shuffles.
uint64_t seed_from_global_state() {
  const random::CounterRange range = random::reserve_counters(1);
  const philox::Block words = philox::generate(range.first, range.seed);
  return uint64_t{words[0]} << 32 | words[1];
}

}  // namespace

Dataset Dataset::from_tensors(std::vector<Tensor> tensors) {
  NABLA_CHECK(!tensors.empty(), ValueError, "Dataset.from_tensors: no tensors given");
  for (size_t i = 0; i < tensors.size(); ++i) {
    NABLA_CHECK(tensors[i].defined(), ValueError, "Dataset.from_tensors: tensor ", i,
                " is undefined");
    NABLA_CHECK(tensors[i].ndim() >= 1, ShapeError, "Dataset.from_tensors: tensor ", i,
                " is a scalar; slicing needs rank >= 1");
    NABLA_CHECK(tensors[i].size(0) == tensors[0].size(0), ShapeError,
                "Dataset.from_tensors: all tensors need the same size along axis 0, got ",
                tensors[0].shape(), " and ", tensors[i].shape());
  }
  return Dataset(std::make_shared<SlicesNode>(std::move(tensors)));
}

Dataset Dataset::shuffle(int64_t buffer_size, std::optional<uint64_t> seed,
                         bool reshuffle_each_iteration) const {
  NABLA_CHECK(buffer_size >= 1, ValueError, "Dataset.shuffle: buffer_size must be >= 1, got ",
              buffer_size);
  return Dataset(std::make_shared<ShuffleNode>(node_, static_cast<size_t>(buffer_size),
                                               seed.has_value() ? *seed : seed_from_global_state(),
                                               reshuffle_each_iteration));
}

Dataset Dataset::batch(int64_t batch_size, bool drop_remainder) const {
  NABLA_CHECK(batch_size >= 1, ValueError, "Dataset.batch: batch_size must be >= 1, got ",
              batch_size);
  return Dataset(
      std::make_shared<BatchNode>(node_, static_cast<size_t>(batch_size), drop_remainder));
}

Dataset Dataset::map(std::function<Element(const Element&)> fn) const {
  NABLA_CHECK(fn != nullptr, ValueError, "Dataset.map: empty function");
  return Dataset(std::make_shared<MapNode>(node_, std::move(fn)));
}

Dataset Dataset::filter(std::function<bool(const Element&)> predicate) const {
  NABLA_CHECK(predicate != nullptr, ValueError, "Dataset.filter: empty predicate");
  return Dataset(std::make_shared<FilterNode>(node_, std::move(predicate)));
}

Dataset Dataset::take(int64_t count) const {
  NABLA_CHECK(count >= -1, ValueError, "Dataset.take: count must be >= -1 (-1: all), got ", count);
  return Dataset(std::make_shared<TakeNode>(node_, count));
}

Dataset Dataset::prefetch(int64_t buffer_size) const {
  NABLA_CHECK(buffer_size >= 1, ValueError, "Dataset.prefetch: buffer_size must be >= 1, got ",
              buffer_size);
  return Dataset(detail::make_prefetch_node(node_, static_cast<size_t>(buffer_size)));
}

int64_t Dataset::cardinality() const { return node_->cardinality(); }

Dataset::Iterator Dataset::begin() const { return Iterator(node_); }

Dataset::Iterator::Iterator(std::shared_ptr<const detail::Node> node)
    : node_(std::move(node)), cursor_(node_->open()) {
  current_ = cursor_->next();
}
Dataset::Iterator::Iterator(Iterator&&) noexcept = default;
Dataset::Iterator& Dataset::Iterator::operator=(Iterator&& other) noexcept {
  if (this != &other) {
    current_.reset();
    cursor_.reset();  // before its stages can go: a pass refers to them
    node_ = std::move(other.node_);
    cursor_ = std::move(other.cursor_);
    current_ = std::move(other.current_);
  }
  return *this;
}
Dataset::Iterator::~Iterator() = default;

Dataset::Iterator& Dataset::Iterator::operator++() {
  current_.reset();  // at the end if next() throws
  current_ = cursor_->next();
  return *this;
}

}  // namespace nabla::datasets
