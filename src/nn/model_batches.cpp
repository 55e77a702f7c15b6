// The batch sources of the training loop: tensors sliced into (shuffled) batches, and datasets
// split into inputs, targets and sample weights; also Keras's class weights.
#include "nn/model_batches.hpp"

#include <algorithm>
#include <iostream>
#include <limits>

#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/ops/random.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/ops/view.hpp"
#include "nabla/util/error.hpp"

namespace nabla::nn::detail {
namespace {

class TensorBatches final : public BatchSource {
 public:
  TensorBatches(std::vector<Tensor> x, std::vector<Tensor> y, int64_t batch_size, bool shuffle,
                std::optional<int64_t> max_steps)
      : x_(std::move(x)),
        y_(std::move(y)),
        rows_(x_.front().shape()[0]),
        batch_size_(batch_size),
        shuffle_(shuffle),
        max_steps_(max_steps) {}

  [[nodiscard]] int64_t steps() const override {
    const int64_t all = (rows_ + batch_size_ - 1) / batch_size_;
    return max_steps_ ? std::min(all, *max_steps_) : all;
  }

  void begin_epoch() override {
    start_ = 0;
    step_ = 0;
    if (shuffle_) order_ = random::permutation(rows_);
  }

  std::optional<Batch> next() override {
    if (start_ >= rows_ || (max_steps_ && step_ >= *max_steps_)) return std::nullopt;
    const int64_t stop = std::min(rows_, start_ + batch_size_);
    // Shuffled: gather the epoch's rows; in order: views of the inputs.
    const Tensor index = shuffle_ ? order_.slice(0, start_, stop) : Tensor();
    auto rows = [&](const Tensor& t) {
      return shuffle_ ? take(t, index, 0) : t.slice(0, start_, stop);
    };
    Batch batch;
    for (const Tensor& t : x_) batch.x.push_back(rows(t));
    for (const Tensor& t : y_) batch.y.push_back(rows(t));
    start_ = stop;
    ++step_;
    return batch;
  }

 private:
  std::vector<Tensor> x_, y_;
  int64_t rows_, batch_size_;
  bool shuffle_;
  std::optional<int64_t> max_steps_;
  Tensor order_;
  int64_t start_ = 0, step_ = 0;
};

class DatasetBatches final : public BatchSource {
 public:
  DatasetBatches(datasets::Dataset data, DatasetLayout layout)
      : data_(std::move(data)), layout_(std::move(layout)), pass_steps_(data_.cardinality()) {}

  [[nodiscard]] int64_t steps() const override {
    const int64_t pass = pass_steps_ >= 0 ? pass_steps_ : -1;
    if (!layout_.max_steps) return pass;
    // Resuming a pass, an epoch has max_steps batches unless the data runs out (a warning).
    if (layout_.continue_across_epochs || pass < 0) return *layout_.max_steps;
    return std::min(pass, *layout_.max_steps);
  }

  void begin_epoch() override {
    step_ = 0;
    if (!layout_.continue_across_epochs) iterator_.reset();
  }

  std::optional<Batch> next() override {
    if (layout_.max_steps && step_ >= *layout_.max_steps) return std::nullopt;
    // A pass that ended exactly with the previous epoch: this epoch starts the next one.
    if (iterator_ && *iterator_ == std::default_sentinel && step_ == 0) iterator_.reset();
    if (!iterator_) {
      iterator_.emplace(data_.begin());
      steps_in_pass_ = 0;
    }
    if (*iterator_ == std::default_sentinel) {
      if (pass_steps_ < 0) pass_steps_ = steps_in_pass_;  // learnt for the next epochs
      if (layout_.continue_across_epochs && !warned_) {
        std::cerr << "WARNING: " << layout_.caller << ": the dataset ran out of data after "
                  << step_ << " of steps_per_epoch = " << *layout_.max_steps
                  << " batches; the epoch ends here and the next one starts a new pass (make "
                     "the dataset yield steps_per_epoch batches per epoch)\n";
        warned_ = true;
      }
      iterator_.reset();
      return std::nullopt;
    }
    Batch batch = split(**iterator_);
    ++*iterator_;
    ++step_;
    ++steps_in_pass_;
    return batch;
  }

 private:
  [[nodiscard]] Batch split(const datasets::Element& element) const {
    const size_t inputs = layout_.inputs, targets = layout_.targets;
    const size_t size = element.size();
    if (targets == 0) {
      NABLA_CHECK(size >= inputs, ValueError, layout_.caller, ": the dataset's elements have ",
                  size, " components; the model takes ", inputs, " inputs");
    } else {
      NABLA_CHECK(size == inputs + targets || size == inputs + targets + 1, ValueError,
                  layout_.caller, ": the dataset's elements have ", size, " components; expected ",
                  inputs + targets, " (the model's ", inputs, " input(s), then ", targets,
                  " target(s)) or ", inputs + targets + 1, " (then sample weights)");
    }
    const size_t used = targets == 0 ? inputs : size;
    for (size_t i = 0; i < used; ++i) {
      const Tensor& t = element[i];
      NABLA_CHECK(t.ndim() >= 1 && t.shape()[0] == element[0].shape()[0], ShapeError,
                  layout_.caller,
                  ": the components of a dataset element must be batches of one "
                  "size (did you forget Dataset::batch?), got ",
                  element[0].shape(), " and component ", i, " of shape ", t.shape());
    }
    Batch batch;
    batch.x.assign(element.begin(), element.begin() + static_cast<std::ptrdiff_t>(inputs));
    if (targets > 0) {
      const auto first = element.begin() + static_cast<std::ptrdiff_t>(inputs);
      batch.y.assign(first, first + static_cast<std::ptrdiff_t>(targets));
      if (size == inputs + targets + 1) batch.sample_weight = element.back();
    }
    return batch;
  }

  datasets::Dataset data_;
  DatasetLayout layout_;
  int64_t pass_steps_;  // batches in a full pass; < 0 unknown until a pass has ended
  std::optional<datasets::Dataset::Iterator> iterator_;
  int64_t step_ = 0, steps_in_pass_ = 0;
  bool warned_ = false;
};

}  // namespace

std::unique_ptr<BatchSource> tensor_batches(std::vector<Tensor> x, std::vector<Tensor> y,
                                            int64_t batch_size, bool shuffle,
                                            std::optional<int64_t> max_steps) {
  return std::make_unique<TensorBatches>(std::move(x), std::move(y), batch_size, shuffle,
                                         max_steps);
}

std::unique_ptr<BatchSource> dataset_batches(datasets::Dataset data, DatasetLayout layout) {
  return std::make_unique<DatasetBatches>(std::move(data), std::move(layout));
}

Tensor class_weights_for(const Tensor& y, const std::map<int64_t, double>& weights) {
  if (weights.empty()) return {};
  const Tensor labels = y.ndim() > 1 && y.shape()[-1] > 1 ? argmax(y, -1) : y.reshape({-1});
  const Tensor ids = clip(labels.astype(int64), 0, std::numeric_limits<int64_t>::max());
  // One table entry per class up to the largest label or listed class; unlisted ones weigh 1.
  int64_t classes = ids.numel() > 0 ? max(ids).cpu().item<int64_t>() + 1 : 0;
  for (const auto& [c, w] : weights) {
    NABLA_CHECK(c >= 0, ValueError, "class_weight: class ids must be >= 0, got ", c);
    classes = std::max(classes, c + 1);
  }
  std::vector<double> table(static_cast<size_t>(classes), 1.0);
  for (const auto& [c, w] : weights) table[static_cast<size_t>(c)] = w;
  return take(from_vector(table).astype(float32).to(ids.device()), ids, 0);
}

}  // namespace nabla::nn::detail
