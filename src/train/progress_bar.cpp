// ProgressBar: Keras's ProgbarLogger + Progbar. Timing, the per-step averaging of the metrics
// and where lines go; the text itself is progress_format.cpp.
#include "nabla/train/progress_bar.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "train/progress_format.hpp"

namespace nabla::callbacks {
namespace {

// Redraws closer than this are skipped (Keras's Progbar interval): with tiny batches, writing
// the terminal would cost more than the step.
constexpr std::chrono::duration<double> kRefreshInterval{0.05};

double seconds_between(std::chrono::steady_clock::time_point from,
                       std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

ProgressBar::ProgressBar(std::ostream* out, int is_terminal)
    : out_(out != nullptr ? out : &std::cout),
      terminal_(is_terminal >= 0 ? is_terminal != 0
                                 : out_ == &std::cout && ::isatty(STDOUT_FILENO) == 1) {}

std::string ProgressBar::format_line(int64_t step, int64_t steps, double seconds, const Logs& logs,
                                     bool final) {
  // At the end of an epoch of unknown length, Keras takes the steps seen as the target.
  const int64_t target = steps > 0 ? steps : (final ? step : 0);
  const double step_seconds = step > 0 ? seconds / static_cast<double>(step) : 0.0;
  const detail::MetricValues values(logs.begin(), logs.end());
  return detail::progress_line(step, target, seconds, step_seconds, values, final, false);
}

void ProgressBar::on_train_begin(const Logs&) {
  seen_ = 0;
  values_.clear();
}

void ProgressBar::on_epoch_begin(int64_t epoch, const Logs&) {
  epoch_start_ = Clock::now();
  after_first_step_.reset();
  shown_ = false;
  seen_ = 0;
  previous_width_ = 0;
  values_.clear();
  if (params_.verbose != 0 && params_.epochs > 1) {
    write("Epoch " + std::to_string(epoch + 1) + "/" + std::to_string(params_.epochs) + "\n");
  }
}

void ProgressBar::accumulate(const Logs& logs, int64_t current, bool final) {
  for (const auto& [name, value] : logs) {
    auto found = std::find_if(values_.begin(), values_.end(),
                              [&](const Average& average) { return average.name == name; });
    if (found == values_.end()) {
      values_.push_back({name, 0.0, 0.0});
      found = values_.end() - 1;
    }
    // fit() logs running means over the epoch (Keras's metrics are stateful), so every value is
    // shown as it comes: Keras's ProgbarLogger treats the model's metrics as stateful_metrics.
    (void) final;
    (void)current;
    found->sum = value;
    found->count = 1;
  }
}

double ProgressBar::step_duration(int64_t current, Clock::time_point now) {
  if (current == 0) return 0.0;
  double duration = 0.0;
  if (after_first_step_ && current > 1) {
    duration = seconds_between(*after_first_step_, now) / static_cast<double>(current - 1);
  } else {
    duration = seconds_between(epoch_start_, now) / static_cast<double>(current);
  }
  if (current == 1) after_first_step_ = now;
  return duration;
}

std::vector<std::pair<std::string, double>> ProgressBar::averages() const {
  std::vector<std::pair<std::string, double>> out;
  out.reserve(values_.size());
  for (const Average& average : values_) {
    out.emplace_back(average.name, average.sum / std::max(1.0, average.count));
  }
  return out;
}

void ProgressBar::write(const std::string& text) { *out_ << text << std::flush; }

void ProgressBar::on_train_batch_end(int64_t batch, const Logs& logs) {
  const int64_t current = batch + 1;
  if (params_.verbose != 1) {
    seen_ = current;
    return;
  }
  const Clock::time_point now = Clock::now();
  accumulate(logs, current, false);
  seen_ = current;
  const double step_seconds = step_duration(current, now);
  // Off a terminal a line cannot be redrawn: only the epoch's final line is written.
  if (!terminal_ || (shown_ && now - last_update_ < kRefreshInterval)) return;
  const std::string line =
      detail::progress_line(current, params_.steps, seconds_between(epoch_start_, now),
                            step_seconds, averages(), false, true);
  const size_t width = detail::visible_width(line);
  // Spaces erase the end of a longer previous line.
  write("\r" + line + std::string(previous_width_ > width ? previous_width_ - width : 0, ' '));
  previous_width_ = width;
  last_update_ = now;
  shown_ = true;
}

void ProgressBar::on_epoch_end(int64_t, const Logs& logs) {
  if (params_.verbose == 0) return;
  const Clock::time_point now = Clock::now();
  const int64_t target = params_.steps > 0 ? params_.steps : seen_;
  accumulate(logs, target, true);
  const double step_seconds = step_duration(target, now);
  const double elapsed = seconds_between(epoch_start_, now);
  if (params_.verbose == 2) {
    if (target > 0) write(detail::epoch_summary(target, elapsed, step_seconds, averages()) + "\n");
    return;
  }
  const std::string line =
      detail::progress_line(target, target, elapsed, step_seconds, averages(), true, terminal_);
  if (!terminal_) {
    write(line + "\n");
    return;
  }
  const size_t width = detail::visible_width(line);
  write("\r" + line + std::string(previous_width_ > width ? previous_width_ - width : 0, ' ') +
        "\n");
  previous_width_ = 0;
}

}  // namespace nabla::callbacks
