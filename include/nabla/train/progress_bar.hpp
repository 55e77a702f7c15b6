// Keras's progress bar (ProgbarLogger): "469/469 ━━━━━━━━━━━━━━━━━━━━ 3s 6ms/step - accuracy:
// 0.9712 - loss: 0.0951". verbose 1 updates one line in place on a terminal (and prints one line
// per epoch when the output is not a TTY); verbose 2 prints one line per epoch; 0 is silent.
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

/// The verbosity comes from set_params (TrainParams::verbose). Like Keras, the metrics shown
/// during an epoch are averaged over the steps so far; the final line shows the epoch's logs.
/// On a terminal the line is redrawn at most every 0.05 s, with Keras's colours; otherwise no
/// escape codes are written.
class ProgressBar : public Callback {
 public:
  /// Writes to `out` (std::cout by default); `is_terminal` (0 or 1) decides in-place updates
  /// (default: whether `out` is std::cout and stdout is a TTY).
  explicit ProgressBar(std::ostream* out = nullptr, int is_terminal = -1);
  void on_train_begin(const Logs& logs) override;
  void on_epoch_begin(int64_t epoch, const Logs& logs) override;
  void on_train_batch_end(int64_t batch, const Logs& logs) override;
  void on_epoch_end(int64_t epoch, const Logs& logs) override;

  /// The line Keras prints (verbose 1, without colours) after `step` of `steps` steps taking
  /// `seconds` in total: "12/469 ━━━━━━━━━━━━━━━━━━━━ 3s 8ms/step - loss: 0.6011" (ETA while
  /// not final, total seconds when final; steps <= 0: unknown). Metrics as given, in key order.
  [[nodiscard]] static std::string format_line(int64_t step, int64_t steps, double seconds,
                                               const Logs& logs, bool final);

 private:
  using Clock = std::chrono::steady_clock;
  struct Average {  // Keras's running average of a metric over the steps of an epoch
    std::string name;
    double sum = 0.0, count = 0.0;
  };
  void accumulate(const Logs& logs, int64_t current, bool final);
  /// Keras's step time: the first step (warm-up) is left out once there are later ones.
  [[nodiscard]] double step_duration(int64_t current, Clock::time_point now);
  [[nodiscard]] std::vector<std::pair<std::string, double>> averages() const;
  void write(const std::string& text);

  std::ostream* out_;
  bool terminal_;
  Clock::time_point epoch_start_;
  Clock::time_point last_update_;
  std::optional<Clock::time_point> after_first_step_;
  bool shown_ = false;
  int64_t seen_ = 0;
  size_t previous_width_ = 0;
  std::vector<Average> values_;
};

}  // namespace nabla::callbacks
