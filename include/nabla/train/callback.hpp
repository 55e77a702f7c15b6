// Callbacks (keras.callbacks): hooks the training loop calls at the start and end of training,
// of each epoch and of each batch, with the current logs ({"loss": ..., "accuracy": ...,
// "val_loss": ...}). A callback reaches the model through the TrainingTarget interface, which
// nn::Model implements (the train module sits below nn and does not know layers).
#pragma once

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla::callbacks {

/// Metric name -> value, in the order Keras prints them (std::map: sorted by name).
using Logs = std::map<std::string, double>;

/// What callbacks may do to the model being trained.
class TrainingTarget {
 public:
  virtual ~TrainingTarget() = default;
  /// Asks fit() to stop after the current epoch (EarlyStopping, TerminateOnNaN).
  virtual void set_stop_training(bool stop) = 0;
  [[nodiscard]] virtual bool stop_training() const = 0;
  /// Copies of every weight's values (trainable and not), and writing them back.
  [[nodiscard]] virtual std::vector<Tensor> get_weights() const = 0;
  virtual void set_weights(const std::vector<Tensor>& weights) = 0;
  /// The optimizer's learning rate (ReduceLROnPlateau, LearningRateScheduler).
  [[nodiscard]] virtual double learning_rate() const = 0;
  virtual void set_learning_rate(double learning_rate) = 0;
  /// Files (ModelCheckpoint, BackupAndRestore): the whole model (".keras", ".h5") or its
  /// weights (".weights.h5"); both carry the optimizer's state and the random state.
  virtual void save(const std::filesystem::path& path) = 0;
  virtual void save_weights(const std::filesystem::path& path) = 0;
  virtual void load_weights(const std::filesystem::path& path) = 0;
  /// Called in on_train_begin (BackupAndRestore): fit() continues with epoch `epoch` (0-based)
  /// instead of its initial_epoch.
  virtual void resume_at_epoch(int64_t epoch) = 0;
};

/// What fit() (or evaluate(), predict()) tells callbacks before it starts (Keras's params).
struct TrainParams {
  int64_t epochs = 1;
  int64_t steps = 0;  // batches per epoch; <= 0: unknown (a dataset of unknown cardinality)
  int verbose = 1;
};

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void set_model(TrainingTarget* model) { model_ = model; }
  virtual void set_params(const TrainParams& params) { params_ = params; }
  virtual void on_train_begin(const Logs&) {}
  virtual void on_train_end(const Logs&) {}
  virtual void on_epoch_begin(int64_t /*epoch*/, const Logs&) {}
  virtual void on_epoch_end(int64_t /*epoch*/, const Logs&) {}
  virtual void on_train_batch_begin(int64_t /*batch*/, const Logs&) {}
  virtual void on_train_batch_end(int64_t /*batch*/, const Logs&) {}
  // evaluate(), and fit()'s validation pass at the end of each epoch.
  virtual void on_test_begin(const Logs&) {}
  virtual void on_test_end(const Logs&) {}
  virtual void on_test_batch_begin(int64_t /*batch*/, const Logs&) {}
  virtual void on_test_batch_end(int64_t /*batch*/, const Logs&) {}
  // predict(); the batch logs are empty (Keras passes the outputs, nabla's predict returns them).
  virtual void on_predict_begin(const Logs&) {}
  virtual void on_predict_end(const Logs&) {}
  virtual void on_predict_batch_begin(int64_t /*batch*/, const Logs&) {}
  virtual void on_predict_batch_end(int64_t /*batch*/, const Logs&) {}
  /// Whether the next on_train_batch_end / on_test_batch_end reads its logs. fit() and evaluate()
  /// compute the batch logs only when some callback says yes (on a GPU, reading the running means
  /// waits for the step to finish); otherwise the batch hooks get empty logs. Epoch and end logs
  /// are always complete. Override to return false when the batch hooks ignore their logs.
  [[nodiscard]] virtual bool needs_batch_logs() { return true; }

 protected:
  TrainingTarget* model_ = nullptr;
  TrainParams params_;
};

/// A callback given to fit(): held by a shared pointer, so that the caller's object (e.g. an
/// EarlyStopping whose stopped_epoch() it reads afterwards) is the one fit() drives.
class CallbackRef {
 public:
  template <class T>
  requires std::derived_from<T, Callback> CallbackRef(T callback)  // NOLINT: implicit
      : ptr_(std::make_shared<T>(std::move(callback))) {}
  template <class T>
  requires std::derived_from<T, Callback> CallbackRef(std::shared_ptr<T> callback)  // NOLINT
      : ptr_(std::move(callback)) {}
  [[nodiscard]] const std::shared_ptr<Callback>& get() const { return ptr_; }

 private:
  std::shared_ptr<Callback> ptr_;
};

}  // namespace nabla::callbacks
