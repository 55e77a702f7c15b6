// The text of Keras's progress bar (keras.utils.Progbar), separate from the timing and output
// logic of ProgressBar so that it can be tested exactly.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nabla::callbacks::detail {

using MetricValues = std::vector<std::pair<std::string, double>>;

/// The verbose-1 line: "12/469 ━━━━━━━━━━━━━━━━━━━━ 3s 8ms/step - loss: 0.6011". `target` <= 0 is
/// an unknown number of steps. While not `final` the time is the ETA, then the elapsed time.
/// `ansi`: Keras's bold count and time, green done cells, grey remaining cells.
[[nodiscard]] std::string progress_line(int64_t current, int64_t target, double elapsed,
                                        double step_seconds, const MetricValues& values, bool final,
                                        bool ansi);

/// The verbose-2 epoch line: "469/469 - 3s - 6ms/step - loss: 0.0951".
[[nodiscard]] std::string epoch_summary(int64_t target, double elapsed, double step_seconds,
                                        const MetricValues& values);

/// Characters a terminal shows for `text`: UTF-8 code points, escape sequences left out.
[[nodiscard]] size_t visible_width(const std::string& text);

}  // namespace nabla::callbacks::detail
