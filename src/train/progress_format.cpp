// Keras's progress bar text, field by field as keras/src/utils/progbar.py writes it.
#include "train/progress_format.hpp"

#include <cstdio>
#include <string_view>

#include "train/format.hpp"

namespace nabla::callbacks::detail {
namespace {

constexpr int kBarWidth = 20;
constexpr std::string_view kCell = "\u2501";  // '━'
constexpr std::string_view kBold = "\x1b[1m", kGreen = "\x1b[32m", kGrey = "\x1b[37m";
constexpr std::string_view kReset = "\x1b[0m";

std::string styled(std::string_view style, const std::string& text, bool ansi) {
  if (!ansi) return text;
  return std::string(style) + text + std::string(kReset);
}

std::string cells(int count) {
  std::string out;
  for (int i = 0; i < count; ++i) out += kCell;
  return out;
}

/// "%{width}d" of Python.
std::string right_aligned(int64_t value, size_t width) {
  std::string text = std::to_string(value);
  if (text.size() < width) text.insert(0, width - text.size(), ' ');
  return text;
}

size_t digit_count(int64_t value) { return std::to_string(value).size(); }

/// "%d" of a float in Python truncates toward zero.
std::string eta_text(double eta) {
  const auto seconds = static_cast<long long>(eta);
  char buffer[64];
  if (eta > 3600) {
    std::snprintf(buffer, sizeof(buffer), "%lld:%02lld:%02lld", seconds / 3600,
                  (seconds % 3600) / 60, seconds % 60);
  } else if (eta > 60) {
    std::snprintf(buffer, sizeof(buffer), "%lld:%02lld", seconds / 60, seconds % 60);
  } else {
    std::snprintf(buffer, sizeof(buffer), "%llds", seconds);
  }
  return buffer;
}

/// " 8ms/step": seconds, milliseconds or microseconds per step.
std::string step_time(double step_seconds) {
  if (step_seconds >= 1 || step_seconds == 0) {
    return " " + format_double("%.0f", step_seconds) + "s/step";
  }
  if (step_seconds >= 1e-3) return " " + format_double("%.0f", step_seconds * 1e3) + "ms/step";
  return " " + format_double("%.0f", step_seconds * 1e6) + "us/step";
}

}  // namespace

std::string progress_line(int64_t current, int64_t target, double elapsed, double step_seconds,
                          const MetricValues& values, bool final, bool ansi) {
  std::string line;
  if (target > 0) {
    const std::string count =
        right_aligned(current, digit_count(target)) + "/" + std::to_string(target);
    line = styled(kBold, count, ansi) + " ";
    const int done = static_cast<int>(kBarWidth * (static_cast<double>(current) / target));
    if (done > 0) line += styled(kGreen, cells(done), ansi);
    line += styled(kGrey, cells(kBarWidth - done), ansi);
  } else {
    line = right_aligned(current, 7) + "/Unknown";
  }
  const std::string time = target > 0 && !final
                               ? eta_text(step_seconds * static_cast<double>(target - current))
                               : format_double("%.0f", elapsed) + "s";
  line += " " + styled(kBold, time, ansi);
  line += step_time(step_seconds);
  for (const auto& [name, value] : values) line += " - " + name + ": " + metric_value(value);
  return line;
}

std::string epoch_summary(int64_t target, double elapsed, double step_seconds,
                          const MetricValues& values) {
  std::string line = right_aligned(target, digit_count(target)) + "/" + std::to_string(target) +
                     " - " + format_double("%.0f", elapsed) + "s -" + step_time(step_seconds);
  for (const auto& [name, value] : values) {
    // Keras tests value > 1e-3 here, not |value| as in the verbose-1 line.
    line += " - " + name + ": " + format_double(value > 1e-3 ? "%.4f" : "%.4e", value);
  }
  return line;
}

size_t visible_width(const std::string& text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b') {  // CSI sequence: ESC '[' ... final letter
      while (i < text.size() && !(text[i] >= '@' && text[i] <= '~' && text[i] != '[')) ++i;
      continue;
    }
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++width;
  }
  return width;
}

}  // namespace nabla::callbacks::detail
