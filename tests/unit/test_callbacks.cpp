// The standard callbacks driven through scripted epochs against a fake model that records what
// they do (stop requests, weights restored, learning rates): EarlyStopping, ReduceLROnPlateau,
// LearningRateScheduler, TerminateOnNaN, LambdaCallback, CSVLogger, ModelCheckpoint and
// BackupAndRestore, with Keras 3's rules.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <nabla/nabla.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "nabla/train/callbacks.hpp"
#include "unit/file_test_util.hpp"
#include "unit/numpy_interop.hpp"

namespace {
using namespace nabla;
using namespace nabla::callbacks;
using nabla::testing::read_bytes;
using nabla::testing::TempDir;
using nabla::testing::write_bytes;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

/// A model whose single weight is the number of the last epoch trained (100 + epoch), so that
/// restored weights say which epoch they came from.
class FakeModel : public TrainingTarget {
 public:
  void set_stop_training(bool stop) override { stop_ = stop; }
  [[nodiscard]] bool stop_training() const override { return stop_; }
  [[nodiscard]] std::vector<Tensor> get_weights() const override { return {nabla::tensor(weight)}; }
  void set_weights(const std::vector<Tensor>& weights) override {
    restored.push_back(weights.at(0).item<double>());
    weight = restored.back();
  }
  [[nodiscard]] double learning_rate() const override { return lr; }
  void set_learning_rate(double learning_rate) override {
    lr = learning_rate;
    lr_sets.push_back(learning_rate);
  }

  void save(const std::filesystem::path& path) override {
    saved.push_back(path.string());
    std::ofstream(path) << weight;
  }
  void save_weights(const std::filesystem::path& path) override {
    weights_saved.push_back(path.string());
    std::ofstream(path) << weight;
  }
  void load_weights(const std::filesystem::path& path) override {
    std::ifstream(path) >> weight;
    loaded.push_back(path.string());
  }
  void resume_at_epoch(int64_t epoch) override { resume_epoch = epoch; }

  double weight = 0.0;
  double lr = 1.0;
  std::vector<std::string> saved, weights_saved, loaded;
  int64_t resume_epoch = -1;
  std::vector<double> restored;  // every set_weights, by value
  std::vector<double> lr_sets;

 private:
  bool stop_ = false;
};

/// Logs with one key.
Logs one(const std::string& key, double value) { return {{key, value}}; }

/// fit() in miniature: each epoch "trains" (weight = 100 + epoch), then reports `epoch_logs[e]`;
/// stops when asked. Returns the number of epochs run.
int64_t run(Callback& callback, FakeModel& model, const std::vector<Logs>& epoch_logs) {
  callback.set_model(&model);
  callback.set_params({.epochs = static_cast<int64_t>(epoch_logs.size()), .steps = 1});
  callback.on_train_begin({});
  int64_t epoch = 0;
  for (; epoch < static_cast<int64_t>(epoch_logs.size()); ++epoch) {
    callback.on_epoch_begin(epoch, {});
    model.weight = 100.0 + static_cast<double>(epoch);
    callback.on_epoch_end(epoch, epoch_logs[static_cast<size_t>(epoch)]);
    if (model.stop_training()) {
      ++epoch;
      break;
    }
  }
  callback.on_train_end({});
  return epoch;
}

std::vector<Logs> series(const std::string& key, const std::vector<double>& values) {
  std::vector<Logs> out;
  for (const double value : values) out.push_back(one(key, value));
  return out;
}

/// Captures what `stream` receives while alive.
class Capture {
 public:
  explicit Capture(std::ostream& stream) : stream_(stream), old_(stream.rdbuf(buffer_.rdbuf())) {}
  ~Capture() { stream_.rdbuf(old_); }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  [[nodiscard]] std::string text() const { return buffer_.str(); }

 private:
  std::ostream& stream_;
  std::ostringstream buffer_;
  std::streambuf* old_;
};

// --- EarlyStopping ---

TEST(EarlyStopping, StopsAfterPatienceEpochsWithoutImprovement) {
  FakeModel model;
  EarlyStopping stopping({.monitor = "loss", .patience = 2});
  // Best at epoch 1; epochs 2 and 3 do not improve: wait reaches 2 at epoch 3.
  EXPECT_EQ(run(stopping, model, series("loss", {1.0, 0.9, 0.95, 0.96, 0.97, 0.5})), 4);
  EXPECT_TRUE(model.stop_training());
  EXPECT_EQ(stopping.stopped_epoch(), 3);
  EXPECT_EQ(stopping.best_epoch(), 1);
  EXPECT_TRUE(model.restored.empty());  // restore_best_weights is off
}

TEST(EarlyStopping, PatienceZeroStopsAtTheFirstEpochWithoutImprovement) {
  FakeModel model;
  EarlyStopping stopping({.monitor = "loss"});
  EXPECT_EQ(run(stopping, model, series("loss", {1.0, 0.8, 0.8, 0.1})), 3);
  EXPECT_EQ(stopping.stopped_epoch(), 2);  // equal is not better
}

TEST(EarlyStopping, RunsToTheEndWhileImproving) {
  FakeModel model;
  EarlyStopping stopping({.monitor = "loss"});
  EXPECT_EQ(run(stopping, model, series("loss", {3, 2, 1})), 3);
  EXPECT_FALSE(model.stop_training());
  EXPECT_EQ(stopping.stopped_epoch(), -1);
  EXPECT_EQ(stopping.best_epoch(), 2);
}

TEST(EarlyStopping, MinDeltaIsTheSmallestImprovementThatCountsWhateverItsSign) {
  const std::vector<double> loss = {1.0, 0.97, 0.90, 0.89, 0.88, 0.87};
  for (const double min_delta : {0.05, -0.05}) {
    FakeModel model;
    EarlyStopping stopping({.monitor = "loss", .min_delta = min_delta, .patience = 2});
    // 0.97 is not 0.05 better than 1.0; 0.90 is; 0.89 and 0.88 are not better than 0.90.
    EXPECT_EQ(run(stopping, model, series("loss", loss)), 5) << min_delta;
    EXPECT_EQ(stopping.stopped_epoch(), 4);
    EXPECT_EQ(stopping.best_epoch(), 2);
  }
  FakeModel model;
  EarlyStopping without({.monitor = "loss", .patience = 2});
  EXPECT_EQ(run(without, model, series("loss", loss)), 6);
}

TEST(EarlyStopping, AccuracyLikeNamesAreMaximizedInAutoMode) {
  for (const std::string name : {"val_accuracy", "acc", "val_auc", "precision", "val_recall"}) {
    FakeModel model;
    EarlyStopping stopping({.monitor = name, .patience = 2});
    EXPECT_EQ(run(stopping, model, series(name, {0.5, 0.6, 0.55, 0.58, 0.9})), 4) << name;
    EXPECT_EQ(stopping.best_epoch(), 1) << name;
  }
  // Other names are minimized.
  FakeModel model;
  EarlyStopping stopping({.monitor = "val_mae", .patience = 2});
  EXPECT_EQ(run(stopping, model, series("val_mae", {0.5, 0.6, 0.55, 0.58, 0.9})), 3);
  EXPECT_EQ(stopping.best_epoch(), 0);
}

TEST(EarlyStopping, ExplicitModeOverridesTheName) {
  FakeModel model;
  EarlyStopping max_score({.monitor = "score", .patience = 1, .mode = "max"});
  EXPECT_EQ(run(max_score, model, series("score", {1, 2, 3, 2.5, 4})), 4);
  EXPECT_EQ(max_score.best_epoch(), 2);
  FakeModel model2;
  EarlyStopping min_accuracy({.monitor = "accuracy", .patience = 1, .mode = "min"});
  EXPECT_EQ(run(min_accuracy, model2, series("accuracy", {0.5, 0.6, 0.4})), 2);
}

TEST(EarlyStopping, BaselineMustBeBeatenToResetTheWait) {
  // Improving but never below the baseline: the wait keeps counting, so the first epoch
  // without improvement past `patience` stops training.
  FakeModel model;
  EarlyStopping stopping({.monitor = "loss", .patience = 2, .baseline = 0.5});
  EXPECT_EQ(run(stopping, model, series("loss", {0.9, 0.8, 0.85, 0.7})), 3);
  EXPECT_EQ(stopping.stopped_epoch(), 2);
  EXPECT_EQ(stopping.best_epoch(), 1);
  // The same values without a baseline: epoch 2 is only the first epoch of waiting.
  FakeModel model2;
  EarlyStopping no_baseline({.monitor = "loss", .patience = 2});
  EXPECT_EQ(run(no_baseline, model2, series("loss", {0.9, 0.8, 0.85, 0.7})), 4);
  // Below the baseline, the wait restarts as usual.
  FakeModel model3;
  EarlyStopping beaten({.monitor = "loss", .patience = 2, .baseline = 0.5});
  EXPECT_EQ(run(beaten, model3, series("loss", {0.4, 0.45, 0.3, 0.35})), 4);
}

TEST(EarlyStopping, RestoresTheBestEpochsWeightsWhenStopped) {
  FakeModel model;
  EarlyStopping stopping({.monitor = "val_loss", .patience = 3, .restore_best_weights = true});
  EXPECT_EQ(run(stopping, model, series("val_loss", {1.0, 0.5, 0.7, 0.8, 0.9, 0.1})), 5);
  EXPECT_EQ(stopping.stopped_epoch(), 4);
  EXPECT_EQ(stopping.best_epoch(), 1);
  ASSERT_EQ(model.restored.size(), 1u);
  EXPECT_EQ(model.restored[0], 101.0);  // the weights at the end of epoch 1
  EXPECT_EQ(model.weight, 101.0);
}

TEST(EarlyStopping, RestoresTheBestWeightsEvenWithoutStopping) {
  FakeModel model;
  EarlyStopping stopping({.monitor = "val_loss", .patience = 5, .restore_best_weights = true});
  EXPECT_EQ(run(stopping, model, series("val_loss", {1.0, 0.5, 0.7})), 3);
  EXPECT_EQ(stopping.stopped_epoch(), -1);
  EXPECT_EQ(model.restored, std::vector<double>{101.0});
}

TEST(EarlyStopping, StartFromEpochIgnoresTheWarmUp) {
  FakeModel model;
  EarlyStopping stopping({.monitor = "loss", .restore_best_weights = true, .start_from_epoch = 2});
  // Epochs 0 and 1 are ignored (no stop although the loss rises); epoch 2 is the first best.
  EXPECT_EQ(run(stopping, model, series("loss", {1, 2, 3, 4, 5})), 4);
  EXPECT_EQ(stopping.stopped_epoch(), 3);
  EXPECT_EQ(stopping.best_epoch(), 2);
  EXPECT_EQ(model.restored, std::vector<double>{102.0});
}

TEST(EarlyStopping, NaNIsNeverAnImprovement) {
  FakeModel model;
  EarlyStopping stopping({.monitor = "loss", .patience = 1, .restore_best_weights = true});
  EXPECT_EQ(run(stopping, model, series("loss", {1.0, kNaN, kNaN})), 2);
  EXPECT_EQ(model.restored, std::vector<double>{100.0});
}

TEST(EarlyStopping, MissingMonitorWarnsOnceNamingTheKeysAndNeverStops) {
  FakeModel model;
  EarlyStopping stopping({.monitor = "val_loss", .restore_best_weights = true});
  std::vector<Logs> logs(4, Logs{{"accuracy", 0.5}, {"loss", 1.0}});
  std::string warning;
  {
    Capture capture(std::cerr);
    EXPECT_EQ(run(stopping, model, logs), 4);
    warning = capture.text();
  }
  EXPECT_EQ(warning,
            "Warning: Early stopping conditioned on metric `val_loss` which is not available. "
            "Available metrics are: accuracy,loss\n");
  EXPECT_FALSE(model.stop_training());
  EXPECT_TRUE(model.restored.empty());
  EXPECT_EQ(stopping.best_epoch(), -1);
}

TEST(EarlyStopping, VerbosePrintsKerasMessages) {
  FakeModel model;
  EarlyStopping stopping(
      {.monitor = "loss", .patience = 1, .verbose = 1, .restore_best_weights = true});
  std::string out;
  {
    Capture capture(std::cout);
    run(stopping, model, series("loss", {1.0, 0.5, 0.6, 0.7}));
    out = capture.text();
  }
  EXPECT_EQ(out,
            "Epoch 3: early stopping\n"
            "Restoring model weights from the end of the best epoch: 2.\n");
}

TEST(EarlyStopping, CanBeReusedForAnotherTraining) {
  FakeModel model;
  EarlyStopping stopping({.monitor = "loss", .patience = 1, .restore_best_weights = true});
  EXPECT_EQ(run(stopping, model, series("loss", {0.1, 0.2, 0.3})), 2);
  // A fresh start: the old best (0.1) must not make 0.5 look bad.
  FakeModel model2;
  EXPECT_EQ(run(stopping, model2, series("loss", {0.5, 0.4, 0.3})), 3);
  EXPECT_EQ(stopping.stopped_epoch(), -1);
  EXPECT_EQ(model2.restored, std::vector<double>{102.0});
}

TEST(EarlyStopping, BadOptionsAreValueErrors) {
  EXPECT_THROW(EarlyStopping({.mode = "maximum"}), ValueError);
  EXPECT_THROW(EarlyStopping({.patience = -1}), ValueError);
  EXPECT_THROW(EarlyStopping({.min_delta = kNaN}), ValueError);
  EXPECT_THROW(EarlyStopping({.start_from_epoch = -2}), ValueError);
}

// --- ReduceLROnPlateau ---

/// The learning rate after each epoch.
std::vector<double> lr_trace(ReduceLROnPlateau& callback, FakeModel& model,
                             const std::vector<Logs>& epoch_logs) {
  callback.set_model(&model);
  callback.on_train_begin({});
  std::vector<double> trace;
  for (size_t epoch = 0; epoch < epoch_logs.size(); ++epoch) {
    callback.on_epoch_end(static_cast<int64_t>(epoch), epoch_logs[epoch]);
    trace.push_back(model.lr);
  }
  return trace;
}

TEST(ReduceLROnPlateau, ReducesAfterPatienceAndStopsAtMinLr) {
  FakeModel model;
  ReduceLROnPlateau reduce({.monitor = "val_loss", .factor = 0.5, .patience = 2, .min_lr = 0.1});
  const auto trace = lr_trace(reduce, model, series("val_loss", std::vector<double>(11, 1.0)));
  // Reductions every second epoch; the last one is clipped to min_lr, after which none happen.
  EXPECT_EQ(trace, (std::vector<double>{1, 1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.1, 0.1, 0.1}));
  EXPECT_EQ(model.lr_sets, (std::vector<double>{0.5, 0.25, 0.125, 0.1}));
}

TEST(ReduceLROnPlateau, CooldownPausesTheWait) {
  FakeModel model;
  ReduceLROnPlateau reduce({.monitor = "loss", .factor = 0.5, .patience = 2, .cooldown = 2});
  const auto trace = lr_trace(reduce, model, series("loss", std::vector<double>(9, 1.0)));
  // After each reduction two epochs of cooldown, the second of which already counts again.
  EXPECT_EQ(trace, (std::vector<double>{1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125}));
}

TEST(ReduceLROnPlateau, ImprovementsSmallerThanMinDeltaDoNotCount) {
  std::vector<double> slow;  // improves by 1e-5 per epoch
  for (int i = 0; i < 6; ++i) slow.push_back(1.0 - 1e-5 * i);
  FakeModel model;
  ReduceLROnPlateau reduce({.monitor = "loss", .patience = 2});  // min_delta 1e-4, factor 0.1
  EXPECT_EQ(lr_trace(reduce, model, series("loss", slow)).back(), 0.1 * 0.1);
  FakeModel model2;
  ReduceLROnPlateau exact({.monitor = "loss", .patience = 2, .min_delta = 0.0});
  EXPECT_EQ(lr_trace(exact, model2, series("loss", slow)).back(), 1.0);
}

TEST(ReduceLROnPlateau, AccuracyIsMaximized) {
  FakeModel model;
  ReduceLROnPlateau reduce({.monitor = "val_accuracy", .factor = 0.5, .patience = 1});
  const auto trace = lr_trace(reduce, model, series("val_accuracy", {0.5, 0.6, 0.7, 0.65}));
  EXPECT_EQ(trace, (std::vector<double>{1, 1, 1, 0.5}));
}

TEST(ReduceLROnPlateau, VerboseMessageAndMissingMonitorWarning) {
  FakeModel model;
  ReduceLROnPlateau reduce({.monitor = "loss", .factor = 0.5, .patience = 1, .verbose = 1});
  std::string out;
  {
    Capture capture(std::cout);
    lr_trace(reduce, model, series("loss", {1.0, 1.0}));
    out = capture.text();
  }
  EXPECT_EQ(out, "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.5.\n");

  ReduceLROnPlateau missing({.monitor = "val_loss"});
  std::string warning;
  {
    Capture capture(std::cerr);
    lr_trace(missing, model, series("loss", {1.0, 1.0}));
    warning = capture.text();
  }
  EXPECT_EQ(warning,
            "Warning: Learning rate reduction is conditioned on metric `val_loss` which is not "
            "available. Available metrics are: learning_rate,loss.\n");
}

TEST(ReduceLROnPlateau, BadOptionsAreValueErrors) {
  EXPECT_THROW(ReduceLROnPlateau({.factor = 1.0}), ValueError);
  EXPECT_THROW(ReduceLROnPlateau({.factor = -0.5}), ValueError);
  EXPECT_THROW(ReduceLROnPlateau({.mode = "up"}), ValueError);
  EXPECT_THROW(ReduceLROnPlateau({.min_lr = -1.0}), ValueError);
  ReduceLROnPlateau no_model;
  EXPECT_THROW(no_model.on_epoch_end(0, one("val_loss", 1.0)), ValueError);
}

// --- LearningRateScheduler ---

TEST(LearningRateScheduler, SetsTheRateAtEachEpochBegin) {
  FakeModel model;
  std::vector<std::pair<int64_t, double>> calls;
  LearningRateScheduler scheduler(
      [&](int64_t epoch, double lr) {
        calls.emplace_back(epoch, lr);
        return epoch < 2 ? lr : lr * 0.5;
      },
      1);
  std::string out;
  {
    Capture capture(std::cout);
    run(scheduler, model, std::vector<Logs>(4));
    out = capture.text();
  }
  EXPECT_EQ(calls, (std::vector<std::pair<int64_t, double>>{{0, 1}, {1, 1}, {2, 1}, {3, 0.5}}));
  EXPECT_EQ(model.lr, 0.25);
  EXPECT_EQ(out,
            "\nEpoch 1: LearningRateScheduler setting learning rate to 1.0.\n"
            "\nEpoch 2: LearningRateScheduler setting learning rate to 1.0.\n"
            "\nEpoch 3: LearningRateScheduler setting learning rate to 0.5.\n"
            "\nEpoch 4: LearningRateScheduler setting learning rate to 0.25.\n");
}

TEST(LearningRateScheduler, RejectsEmptyAndNonFiniteSchedules) {
  EXPECT_THROW(LearningRateScheduler(nullptr), ValueError);
  FakeModel model;
  LearningRateScheduler scheduler([](int64_t, double) { return kNaN; });
  scheduler.set_model(&model);
  EXPECT_THROW(scheduler.on_epoch_begin(0, {}), ValueError);
  EXPECT_EQ(model.lr, 1.0);
}

// --- TerminateOnNaN ---

TEST(TerminateOnNaN, StopsOnNaNOrInfiniteLoss) {
  for (const double bad : {kNaN, kInf, -kInf}) {
    FakeModel model;
    TerminateOnNaN terminate;
    terminate.set_model(&model);
    std::string out;
    {
      Capture capture(std::cout);
      terminate.on_train_batch_end(0, one("loss", 0.5));
      terminate.on_train_batch_end(1, one("accuracy", kNaN));  // only the loss matters
      EXPECT_FALSE(model.stop_training());
      terminate.on_train_batch_end(2, {{"loss", bad}, {"accuracy", 0.1}});
      out = capture.text();
    }
    EXPECT_TRUE(model.stop_training()) << bad;
    EXPECT_EQ(out, "Batch 2: Invalid loss, terminating training\n");
  }
}

// --- LambdaCallback ---

TEST(LambdaCallback, CallsTheGivenFunctionsOnly) {
  std::vector<std::string> calls;
  LambdaCallback callback({
      .on_epoch_begin = [&](int64_t e,
                            const Logs&) { calls.push_back("epoch_begin " + std::to_string(e)); },
      .on_epoch_end =
          [&](int64_t e, const Logs& logs) {
            calls.push_back("epoch_end " + std::to_string(e) + " " +
                            std::to_string(logs.at("loss")));
          },
      .on_train_batch_end = [&](int64_t b,
                                const Logs&) { calls.push_back("batch_end " + std::to_string(b)); },
      .on_train_end = [&](const Logs&) { calls.push_back("train_end"); },
  });
  callback.on_train_begin({});
  callback.on_epoch_begin(0, {});
  callback.on_train_batch_begin(0, {});
  callback.on_train_batch_end(0, {});
  callback.on_epoch_end(0, one("loss", 0.5));
  callback.on_train_end({});
  EXPECT_EQ(calls, (std::vector<std::string>{"epoch_begin 0", "batch_end 0", "epoch_end 0 0.500000",
                                             "train_end"}));
}

// --- CSVLogger ---

/// Runs `logger` over `epoch_logs`, checking after each epoch that the file is complete.
void log_epochs(CSVLogger& logger, const std::filesystem::path& file,
                const std::vector<Logs>& epoch_logs) {
  FakeModel model;
  logger.set_model(&model);
  logger.on_train_begin({});
  for (size_t epoch = 0; epoch < epoch_logs.size(); ++epoch) {
    logger.on_epoch_end(static_cast<int64_t>(epoch), epoch_logs[epoch]);
    const std::string text = read_bytes(file);
    EXPECT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');  // never half a row
  }
  logger.on_train_end({});
}

TEST(CSVLogger, WritesEpochThenSortedKeysWithPythonFloats) {
  TempDir dir;
  const auto file = dir / "log.csv";
  CSVLogger logger(file.string());
  log_epochs(logger, file,
             {{{"val_loss", 1.5}, {"loss", 1.25}, {"accuracy", 0.1}},
              {{"val_loss", 100.0}, {"loss", 1e-05}, {"accuracy", 0.6011234369277954}},
              {{"loss", kNaN}, {"accuracy", 1e16}, {"extra", 3.0}}});
  EXPECT_EQ(read_bytes(file),
            "epoch,accuracy,loss,val_loss\n"
            "0,0.1,1.25,1.5\n"
            "1,0.6011234369277954,1e-05,100.0\n"
            "2,1e+16,nan,NA\n");
}

TEST(CSVLogger, OverwritesOrAppends) {
  TempDir dir;
  const auto file = dir / "log.csv";
  write_bytes(file, "old content\n");
  {
    CSVLogger logger(file.string());
    log_epochs(logger, file, {one("loss", 0.5)});
  }
  EXPECT_EQ(read_bytes(file), "epoch,loss\n0,0.5\n");
  {
    CSVLogger logger(file.string(), ";", /*append=*/true);
    log_epochs(logger, file, {{{"loss", 0.25}, {"mse", 2.0}}});
  }
  // Appending keeps the existing header (Keras writes none to a non-empty file).
  EXPECT_EQ(read_bytes(file), "epoch,loss\n0,0.5\n0;0.25;2.0\n");

  const auto fresh = dir / "fresh.csv";
  CSVLogger logger(fresh.string(), ";", /*append=*/true);
  log_epochs(logger, fresh, {{{"a,b", 0.5}, {"c", 1.0}}});
  EXPECT_EQ(read_bytes(fresh), "epoch;a,b;c\n0;0.5;1.0\n");
}

TEST(CSVLogger, QuotesKeysContainingTheSeparator) {
  TempDir dir;
  const auto file = dir / "log.csv";
  CSVLogger logger(file.string());
  log_epochs(logger, file, {{{"a,b", 0.5}, {"say \"hi\"", 1.0}}});
  EXPECT_EQ(read_bytes(file), "epoch,\"a,b\",\"say \"\"hi\"\"\"\n0,0.5,1.0\n");
}

TEST(CSVLogger, UnwritablePathFailsAtTrainBeginNamingTheFile) {
  TempDir dir;
  const auto file = dir / "missing_dir" / "log.csv";
  CSVLogger logger(file.string());
  nabla::testing::expect_io_error([&] { logger.on_train_begin({}); }, file, "CSVLogger");
  EXPECT_THROW(CSVLogger(""), ValueError);
  EXPECT_THROW(CSVLogger("x.csv", ""), ValueError);
}

// ---- ModelCheckpoint ---------------------------------------------------------------------------

TEST(ModelCheckpoint, FormatsEpochAndLogsLikePython) {
  const Logs logs = {{"val_loss", 0.123456}, {"accuracy", 0.9}};
  EXPECT_EQ(format_checkpoint_path("ckpt-{epoch}.keras", 0, logs), "ckpt-1.keras");
  EXPECT_EQ(format_checkpoint_path("w-{epoch:03d}-{val_loss:.2f}.weights.h5", 4, logs),
            "w-005-0.12.weights.h5");
  EXPECT_EQ(format_checkpoint_path("{{literal}}-{accuracy:.1e}.h5", 0, logs),
            "{literal}-9.0e-01.h5");
  EXPECT_THROW((void)format_checkpoint_path("{missing}.keras", 0, logs), ValueError);
  EXPECT_THROW((void)format_checkpoint_path("{epoch:x}.keras", 0, logs), ValueError);
  EXPECT_THROW((void)format_checkpoint_path("{epoch.keras", 0, logs), ValueError);
  EXPECT_THROW(ModelCheckpoint({.filepath = "m.pt"}), ValueError);
  EXPECT_THROW(ModelCheckpoint({.filepath = "m.keras", .save_weights_only = true}), ValueError);
  EXPECT_THROW(ModelCheckpoint({.filepath = "m.keras", .mode = "sideways"}), ValueError);
}

TEST(ModelCheckpoint, SavesEveryEpochOrOnlyImprovements) {
  nabla::testing::TempDir dir;
  FakeModel model;
  ModelCheckpoint every({.filepath = (dir / "every-{epoch}.keras").string()});
  run(every, model, series("val_loss", {0.5, 0.7, 0.4}));
  EXPECT_EQ(model.saved.size(), 3u);
  EXPECT_EQ(model.saved.back(), (dir / "every-3.keras").string());

  FakeModel best_model;
  ModelCheckpoint best({.filepath = (dir / "best.keras").string(),
                        .save_best_only = true,
                        .monitor = "val_accuracy"});  // the spelling; mode auto: max
  run(best, best_model, series("val_accuracy", {0.5, 0.4, 0.8, 0.8, 0.6}));
  EXPECT_EQ(best_model.saved.size(), 2u);  // epochs 1 and 3
  EXPECT_EQ(*best.best(), 0.8);
  std::ifstream in(dir / "best.keras");
  double saved_weight = 0;
  in >> saved_weight;
  EXPECT_EQ(saved_weight, 102.0);  // the file holds epoch 3's model (index 2)

  FakeModel weights_model;
  ModelCheckpoint weights({.filepath = (dir / "sub" / "w-{epoch}.weights.h5").string(),
                           .save_best_only = true,
                           .monitor = "loss",
                           .save_weights_only = true,
                           .initial_value_threshold = 0.3});
  run(weights, weights_model, series("loss", {0.5, 0.2, 0.25}));
  ASSERT_EQ(weights_model.weights_saved.size(), 1u);  // only 0.2 beats the threshold
  EXPECT_EQ(weights_model.weights_saved[0], (dir / "sub" / "w-2.weights.h5").string());
  EXPECT_TRUE(weights_model.saved.empty());

  FakeModel missing;
  ModelCheckpoint watch({.filepath = (dir / "x.keras").string(), .save_best_only = true});
  Capture err(std::cerr);
  run(watch, missing, series("loss", {0.5, 0.4}));
  EXPECT_TRUE(missing.saved.empty());
  EXPECT_NE(err.text().find("val_loss"), std::string::npos);
}

// ---- BackupAndRestore ---------------------------------------------------------------------------

TEST(BackupAndRestore, RestoresTheLastCompletedEpochAndCleansUp) {
  nabla::testing::TempDir dir;
  const std::string backup = (dir / "backup").string();
  FakeModel first;
  BackupAndRestore callback({.backup_dir = backup});
  callback.set_model(&first);
  callback.on_train_begin({});
  EXPECT_EQ(callback.resumed_at(), -1);
  for (int64_t epoch = 0; epoch < 3; ++epoch) {  // then "killed": no on_train_end
    first.weight = 100.0 + static_cast<double>(epoch);
    callback.on_epoch_end(epoch, {});
  }
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(backup)) {
    ++files;
    EXPECT_EQ(entry.path().filename(), "epoch_2.weights.h5");
  }
  EXPECT_EQ(files, 1u);  // older backups are removed once a newer one is complete

  FakeModel second;
  BackupAndRestore again({.backup_dir = backup});
  again.set_model(&second);
  again.on_train_begin({});
  EXPECT_EQ(again.resumed_at(), 3);
  EXPECT_EQ(second.resume_epoch, 3);
  EXPECT_EQ(second.weight, 102.0);
  again.on_train_end({});
  EXPECT_TRUE(std::filesystem::is_empty(backup));  // delete_checkpoint
  EXPECT_THROW(BackupAndRestore({.backup_dir = ""}), ValueError);
}

}  // namespace
