// The standard callbacks, with Keras's option names and defaults.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nabla/train/callback.hpp"

namespace nabla::callbacks {

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  double min_delta = 0.0;
  int64_t patience = 0;
  int verbose = 0;
  // "min", "max", or "auto": max for names containing "acc", "auc", "precision" or "recall".
  std::string mode = "auto";
  std::optional<double> baseline = std::nullopt;
  bool restore_best_weights = false;
  int64_t start_from_epoch = 0;
};
/// Stops training when `monitor` has not improved by more than min_delta for `patience` epochs.
/// With restore_best_weights, the best epoch's weights are restored at the end of training,
/// whether or not it stopped early (Keras 3). A monitor missing from the logs is a warning on
/// std::cerr (once per training), never a stop. Bad options are a ValueError.
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(EarlyStoppingOptions options = {});
  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int64_t epoch, const Logs& logs) override;
  void on_train_end(const Logs& logs) override;
  /// The epoch (0-based) at which training was stopped; -1 if it ran to the end.
  [[nodiscard]] int64_t stopped_epoch() const { return stopped_epoch_; }
  /// The epoch (0-based) with the best monitored value; -1 before any was seen.
  [[nodiscard]] int64_t best_epoch() const { return best_epoch_; }

 private:
  [[nodiscard]] bool improves(double value, double reference) const;

  EarlyStoppingOptions options_;
  bool maximize_ = false;
  double best_ = 0.0;
  int64_t wait_ = 0, stopped_epoch_ = -1, best_epoch_ = -1;
  std::vector<Tensor> best_weights_;
  bool have_best_weights_ = false;
  bool warned_ = false;
};

struct ReduceLROnPlateauOptions {
  std::string monitor = "val_loss";
  double factor = 0.1;
  int64_t patience = 10;
  int verbose = 0;
  std::string mode = "auto";
  double min_delta = 1e-4;
  int64_t cooldown = 0;
  double min_lr = 0.0;
};
/// Multiplies the learning rate by `factor` (< 1) when `monitor` has not improved by more than
/// min_delta for `patience` epochs, then waits `cooldown` epochs; never goes below min_lr.
class ReduceLROnPlateau : public Callback {
 public:
  explicit ReduceLROnPlateau(ReduceLROnPlateauOptions options = {});
  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int64_t epoch, const Logs& logs) override;

 private:
  ReduceLROnPlateauOptions options_;
  bool maximize_ = false;
  double best_ = 0.0;
  int64_t wait_ = 0, cooldown_counter_ = 0;
  bool warned_ = false;
};

/// Sets the learning rate at the start of each epoch from schedule(epoch, current_lr).
class LearningRateScheduler : public Callback {
 public:
  explicit LearningRateScheduler(std::function<double(int64_t, double)> schedule, int verbose = 0);
  void on_epoch_begin(int64_t epoch, const Logs& logs) override;

 private:
  std::function<double(int64_t, double)> schedule_;
  int verbose_;
};

/// Streams the epoch logs to a CSV file (epoch first, then the keys of the first epoch sorted;
/// a key missing later is "NA"), like Keras. The file is rewritten atomically at the start of
/// training and after each epoch, so it is never left half-written. append: keep an existing
/// file's rows (and its header). Write failures are IOError naming the file.
class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::string filename, std::string separator = ",", bool append = false);
  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int64_t epoch, const Logs& logs) override;
  void on_train_end(const Logs& logs) override;

 private:
  std::string filename_, separator_;
  bool append_;
  std::vector<std::string> keys_;
  bool have_keys_ = false;
  bool write_header_ = true;
  std::string pending_;  // the whole file, written atomically at the end of each epoch
};

/// Stops training (after the current epoch) when a batch's loss is NaN or infinite.
class TerminateOnNaN : public Callback {
 public:
  void on_train_batch_end(int64_t batch, const Logs& logs) override;
};

/// Callbacks from functions, for one-off hooks.
struct LambdaCallbackOptions {
  std::function<void(int64_t, const Logs&)> on_epoch_begin = nullptr;
  std::function<void(int64_t, const Logs&)> on_epoch_end = nullptr;
  std::function<void(int64_t, const Logs&)> on_train_batch_begin = nullptr;
  std::function<void(int64_t, const Logs&)> on_train_batch_end = nullptr;
  std::function<void(const Logs&)> on_train_begin = nullptr;
  std::function<void(const Logs&)> on_train_end = nullptr;
};
class LambdaCallback : public Callback {
 public:
  explicit LambdaCallback(LambdaCallbackOptions options) : options_(std::move(options)) {}
  void on_epoch_begin(int64_t epoch, const Logs& logs) override;
  void on_epoch_end(int64_t epoch, const Logs& logs) override;
  void on_train_batch_begin(int64_t batch, const Logs& logs) override;
  void on_train_batch_end(int64_t batch, const Logs& logs) override;
  void on_train_begin(const Logs& logs) override;
  void on_train_end(const Logs& logs) override;

 private:
  LambdaCallbackOptions options_;
};

}  // namespace nabla::callbacks
