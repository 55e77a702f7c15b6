// Where fit(), evaluate() and predict() take their batches from: tensors sliced (and shuffled)
// into batches, or the batches a Dataset yields. Both tell the loop how many batches an epoch
// has, when that is known, for the progress bar.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nabla/data/dataset.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla::nn::detail {

struct Batch {
  std::vector<Tensor> x, y;  // one per model input / output (y empty for predict)
  Tensor sample_weight;      // [batch], or undefined
  [[nodiscard]] int64_t size() const { return x.front().shape()[0]; }
};

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  /// Batches per epoch; -1 while unknown (a dataset of unknown cardinality before its first pass
  /// has ended).
  [[nodiscard]] virtual int64_t steps() const = 0;
  /// Starts an epoch.
  virtual void begin_epoch() = 0;
  /// The epoch's next batch; std::nullopt when the epoch is over.
  [[nodiscard]] virtual std::optional<Batch> next() = 0;
};

/// `batch` with every tensor copied to `device` (those already there as they are).
[[nodiscard]] Batch on_device(Batch batch, Device device);

/// The batches of `source` copied to `device` (the model's), one batch ahead: the next batch's
/// copy is issued before the current one is handed out, and a copy to a GPU returns before the
/// GPU has the data (pinned staging), so loading overlaps the step. On the CPU, the source's
/// batches as they are.
class DeviceBatches {
 public:
  DeviceBatches(BatchSource& source, Device device) : source_(source), device_(device) {}
  void begin_epoch();
  [[nodiscard]] std::optional<Batch> next();

 private:
  [[nodiscard]] std::optional<Batch> fetch();
  BatchSource& source_;
  Device device_;
  std::optional<Batch> ahead_;
  bool primed_ = false;
};

/// Batches of `batch_size` rows of x and y (y may be empty), in order or, with `shuffle`, in a
/// new random order each epoch; at most `max_steps` batches per epoch when given.
[[nodiscard]] std::unique_ptr<BatchSource> tensor_batches(std::vector<Tensor> x,
                                                          std::vector<Tensor> y, int64_t batch_size,
                                                          bool shuffle,
                                                          std::optional<int64_t> max_steps);

/// How the loop reads a dataset.
struct DatasetLayout {
  size_t inputs = 1;   // the first components of an element: the model's inputs
  size_t targets = 1;  // then one target per output (0: predict, the rest is ignored)
  /// At most this many batches per epoch. With `continue_across_epochs` (fit's steps_per_epoch)
  /// an epoch resumes the previous pass; a pass that ends within an epoch cuts it short, with a
  /// warning on std::cerr (once).
  std::optional<int64_t> max_steps;
  bool continue_across_epochs = false;
  std::string caller;  // "model.fit", for errors
};

/// The batches of `data`: each element split as `layout` says, with an optional last component
/// of sample weights (ValueError for other component counts).
[[nodiscard]] std::unique_ptr<BatchSource> dataset_batches(datasets::Dataset data,
                                                           DatasetLayout layout);

/// Keras's class_weight: each sample's weight is its class's (1 if absent). Labels are y's
/// integer ids, or the argmax of one-hot rows.
[[nodiscard]] Tensor class_weights_for(const Tensor& y, const std::map<int64_t, double>& weights);

}  // namespace nabla::nn::detail
