// Keras's progress bar (ProgbarLogger): "469/469 ━━━━━━━━━━━━━━━━━━━━ 3s 6ms/step - accuracy:
// 0.9712 - loss: 0.0951". verbose 1 updates one line in place on a terminal (and prints one line
// per epoch when the output is not a TTY); verbose 2 prints one line per epoch; 0 is silent.
// The same bar shows evaluate() and predict() on their own; inside fit() the validation pass is
// silent, as in Keras.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nabla/train/callback.hpp"

namespace nabla::callbacks {

/// The verbosity and the number of steps come from set_params (TrainParams). Steps <= 0 is an
/// unknown total (a dataset after filter()): the bar shows "12/Unknown" until the first epoch
/// ends and uses the steps it counted then as the total of later epochs, like Keras. The metrics
/// shown are the logs as given (fit() logs running means over the epoch). On a terminal the line
/// is redrawn at most every 0.05 s, with Keras's colours; otherwise no escape codes are written.
/// fit(), evaluate() and predict() add one unless their callbacks already hold a ProgressBar.
class ProgressBar : public Callback {
 public:
  /// Writes to `out` (std::cout by default); `is_terminal` (0 or 1) decides in-place updates
  /// (default: whether `out` is std::cout and stdout is a TTY).
  explicit ProgressBar(std::ostream* out = nullptr, int is_terminal = -1);
  void set_params(const TrainParams& params) override;
  void on_train_begin(const Logs& logs) override;
  void on_train_end(const Logs& logs) override;
  void on_epoch_begin(int64_t epoch, const Logs& logs) override;
  void on_train_batch_end(int64_t batch, const Logs& logs) override;
  void on_epoch_end(int64_t epoch, const Logs& logs) override;
  void on_test_begin(const Logs& logs) override;
  void on_test_batch_end(int64_t batch, const Logs& logs) override;
  void on_test_end(const Logs& logs) override;
  void on_predict_begin(const Logs& logs) override;
  void on_predict_batch_end(int64_t batch, const Logs& logs) override;
  void on_predict_end(const Logs& logs) override;
  /// Only when the line is due for a redraw (verbose 1 on a terminal, 0.05 s after the last).
  [[nodiscard]] bool needs_batch_logs() override;

  /// The line Keras prints (verbose 1, without colours) after `step` of `steps` steps taking
  /// `seconds` in total: "12/469 ━━━━━━━━━━━━━━━━━━━━ 3s 8ms/step - loss: 0.6011" (ETA while
  /// not final, total seconds when final; steps <= 0: unknown). Metrics as given, in key order.
  [[nodiscard]] static std::string format_line(int64_t step, int64_t steps, double seconds,
                                               const Logs& logs, bool final);

 private:
  using Clock = std::chrono::steady_clock;
  /// Keras's Progbar life cycle: start a bar, update it after each batch, finalize it.
  void start();
  [[nodiscard]] bool redraw_due(Clock::time_point now) const;
  void update(int64_t batch, const Logs& logs);
  void finalize(const Logs& logs);
  /// Keras's step time: the first step (warm-up) is left out once there are later ones.
  [[nodiscard]] double step_duration(int64_t current, Clock::time_point now);
  void write(const std::string& text);

  std::ostream* out_;
  bool terminal_;
  int verbose_ = 1;
  int64_t target_ = 0;          // steps per epoch; <= 0 unknown until an epoch has ended
  bool called_in_fit_ = false;  // fit()'s validation pass is not shown
  Clock::time_point start_;
  Clock::time_point last_update_;
  std::optional<Clock::time_point> after_first_step_;
  bool shown_ = false;
  // needs_batch_logs()'s answer for the next update(), which must draw exactly when the logs
  // were computed for it.
  std::optional<bool> redraw_due_;
  int64_t seen_ = 0;
  size_t previous_width_ = 0;
};

}  // namespace nabla::callbacks
