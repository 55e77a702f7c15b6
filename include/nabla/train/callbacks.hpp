// The standard callbacks, with Keras's option names and defaults.
#pragma once

#include <cstdint>
#include <filesystem>
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
  [[nodiscard]] bool needs_batch_logs() override { return false; }
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
  [[nodiscard]] bool needs_batch_logs() override { return false; }

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
  [[nodiscard]] bool needs_batch_logs() override { return false; }

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
  [[nodiscard]] bool needs_batch_logs() override { return false; }

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

/// ModelCheckpoint's options, in the order the designated initializers must follow.
struct ModelCheckpointOptions {
  /// Where to save: "ckpt-{epoch}.keras", "w-{epoch:02d}-{val_loss:.3f}.weights.h5". {epoch} is
  /// 1-based (Keras); other names are keys of the epoch's logs, with an optional printf-style
  /// format (d for epoch; f, e or g for logs). Missing folders are created.
  std::string filepath;
  /// Save only when `monitor` improves (the file then always holds the best model so far).
  bool save_best_only = false;
  std::string monitor = "val_loss";
  /// Only the weights (a ".weights.h5" or ".h5" filepath), not the whole model (".keras",
  /// ".h5"). Both carry the optimizer state and the random state.
  bool save_weights_only = false;
  std::string mode = "auto";  // "min", "max" or "auto" (see EarlyStoppingOptions)
  int verbose = 0;
  /// With save_best_only, the value the first save must beat.
  std::optional<double> initial_value_threshold = std::nullopt;
};
/// Saves the model (or its weights) at the end of every epoch, or of every epoch that improves
/// `monitor` (Keras's ModelCheckpoint with save_freq="epoch"). Each save replaces its file only
/// once the new one is complete. A monitor missing from the logs is a warning on std::cerr
/// (once), and nothing is saved then; a name in filepath missing from the logs is a ValueError.
class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(ModelCheckpointOptions options);
  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int64_t epoch, const Logs& logs) override;
  [[nodiscard]] bool needs_batch_logs() override { return false; }
  /// The best monitored value so far (save_best_only); nullopt before the first.
  [[nodiscard]] std::optional<double> best() const { return best_; }
  /// The file the last save wrote; empty before the first save.
  [[nodiscard]] const std::filesystem::path& last_saved() const { return last_saved_; }

 private:
  ModelCheckpointOptions options_;
  bool maximize_ = false;
  std::optional<double> best_;
  std::filesystem::path last_saved_;
  bool warned_ = false;
};

/// The file name ModelCheckpoint makes of `filepath` for `epoch` (0-based) and `logs`.
[[nodiscard]] std::string format_checkpoint_path(const std::string& filepath, int64_t epoch,
                                                 const Logs& logs);

struct BackupAndRestoreOptions {
  std::string backup_dir;         // a folder for this training run only
  bool delete_checkpoint = true;  // remove the backup once fit() completes
};
/// Survives interruptions (Keras's BackupAndRestore): after each epoch it saves the weights,
/// the optimizer's state and the random state to backup_dir; when fit() starts and a backup is
/// there, it restores them and fit() continues after the saved epoch, so an interrupted run
/// ends with exactly the weights of an uninterrupted one (deterministic kernels assumed). Each
/// backup is written beside the previous one and replaces it only once complete: a process
/// killed at any moment leaves a loadable backup.
class BackupAndRestore : public Callback {
 public:
  explicit BackupAndRestore(BackupAndRestoreOptions options);
  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int64_t epoch, const Logs& logs) override;
  void on_train_end(const Logs& logs) override;
  [[nodiscard]] bool needs_batch_logs() override { return false; }
  /// The epoch (0-based) training resumed at; -1 when it started afresh.
  [[nodiscard]] int64_t resumed_at() const { return resumed_at_; }

 private:
  BackupAndRestoreOptions options_;
  int64_t resumed_at_ = -1;
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
  [[nodiscard]] bool needs_batch_logs() override {
    return static_cast<bool>(options_.on_train_batch_end);
  }

 private:
  LambdaCallbackOptions options_;
};

}  // namespace nabla::callbacks
