// ProgressBar: Keras's ProgbarLogger + Progbar. When a bar starts, updates and ends for fit(),
// evaluate() and predict(), timing and where lines go; the text itself is progress_format.cpp.
#include "nabla/train/progress_bar.hpp"

#include <unistd.h>

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

// fit() logs running means over the epoch (Keras's metrics are stateful), so every value is
// shown as it comes, as Keras does for stateful metrics.
detail::MetricValues values_of(const Logs& logs) { return {logs.begin(), logs.end()}; }

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
  return detail::progress_line(step, target, seconds, step_seconds, values_of(logs), final, false);
}

void ProgressBar::set_params(const TrainParams& params) {
  Callback::set_params(params);
  verbose_ = params.verbose;
  target_ = params.steps;
}

void ProgressBar::on_train_begin(const Logs&) { called_in_fit_ = true; }
void ProgressBar::on_train_end(const Logs&) { called_in_fit_ = false; }

void ProgressBar::on_epoch_begin(int64_t epoch, const Logs&) {
  start();
  if (verbose_ != 0 && params_.epochs > 1) {
    write("Epoch " + std::to_string(epoch + 1) + "/" + std::to_string(params_.epochs) + "\n");
  }
}
void ProgressBar::on_train_batch_end(int64_t batch, const Logs& logs) { update(batch, logs); }
void ProgressBar::on_epoch_end(int64_t, const Logs& logs) { finalize(logs); }

void ProgressBar::on_test_begin(const Logs&) {
  if (!called_in_fit_) start();
}
void ProgressBar::on_test_batch_end(int64_t batch, const Logs& logs) {
  if (!called_in_fit_) update(batch, logs);
}
void ProgressBar::on_test_end(const Logs& logs) {
  if (!called_in_fit_) finalize(logs);
}

void ProgressBar::on_predict_begin(const Logs&) { start(); }
void ProgressBar::on_predict_batch_end(int64_t batch, const Logs&) { update(batch, {}); }
void ProgressBar::on_predict_end(const Logs&) { finalize({}); }

bool ProgressBar::needs_batch_logs() {
  redraw_due_ = redraw_due(Clock::now());
  return *redraw_due_;
}

bool ProgressBar::redraw_due(Clock::time_point now) const {
  return verbose_ == 1 && terminal_ && (!shown_ || now - last_update_ >= kRefreshInterval);
}

void ProgressBar::start() {
  start_ = Clock::now();
  redraw_due_.reset();
  after_first_step_.reset();
  shown_ = false;
  seen_ = 0;
  previous_width_ = 0;
}

double ProgressBar::step_duration(int64_t current, Clock::time_point now) {
  if (current == 0) return 0.0;
  double duration = 0.0;
  if (after_first_step_ && current > 1) {
    duration = seconds_between(*after_first_step_, now) / static_cast<double>(current - 1);
  } else {
    duration = seconds_between(start_, now) / static_cast<double>(current);
  }
  if (current == 1) after_first_step_ = now;
  return duration;
}

void ProgressBar::write(const std::string& text) { *out_ << text << std::flush; }

void ProgressBar::update(int64_t batch, const Logs& logs) {
  const int64_t current = batch + 1;
  seen_ = current;
  if (verbose_ != 1) return;
  const Clock::time_point now = Clock::now();
  const double step_seconds = step_duration(current, now);
  // Off a terminal a line cannot be redrawn: only the final line is written.
  const bool due = redraw_due_.value_or(redraw_due(now));
  redraw_due_.reset();
  if (!due) return;
  const std::string line = detail::progress_line(current, target_, seconds_between(start_, now),
                                                 step_seconds, values_of(logs), false, true);
  const size_t width = detail::visible_width(line);
  // Spaces erase the end of a longer previous line.
  write("\r" + line + std::string(previous_width_ > width ? previous_width_ - width : 0, ' '));
  previous_width_ = width;
  last_update_ = now;
  shown_ = true;
}

void ProgressBar::finalize(const Logs& logs) {
  // An unknown total becomes the steps seen, for this line and the epochs after it (Keras).
  if (target_ <= 0) target_ = seen_;
  if (verbose_ == 0) return;
  const Clock::time_point now = Clock::now();
  const double step_seconds = step_duration(target_, now);
  const double elapsed = seconds_between(start_, now);
  if (verbose_ == 2) {
    if (target_ > 0) {
      write(detail::epoch_summary(target_, elapsed, step_seconds, values_of(logs)) + "\n");
    }
    return;
  }
  const std::string line = detail::progress_line(target_, target_, elapsed, step_seconds,
                                                 values_of(logs), true, terminal_);
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
