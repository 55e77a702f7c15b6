// SVG rendering of line charts (see svg_chart.hpp). Ticks are "nice" numbers (1, 2 or 5 times a
// power of ten) so labels stay short; x ticks are integers because x is an epoch.
#include "train/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

#include "train/format.hpp"

namespace nabla::callbacks::detail {
namespace {

constexpr double kChartWidth = 440, kChartHeight = 280;
constexpr double kLeft = 64, kRight = 20, kTop = 40, kBottom = 44;
constexpr double kPlotWidth = kChartWidth - kLeft - kRight;
constexpr double kPlotHeight = kChartHeight - kTop - kBottom;
constexpr size_t kMaxMarkedPoints = 30;  // beyond this, point markers only clutter the curve

std::string escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double value) { return format_double("%.2f", value); }

/// 1, 2 or 5 times a power of ten, close to `rough`.
double nice_step(double rough) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
  const double normalized = rough / magnitude;
  const double factor = normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10;
  return factor * magnitude;
}

struct Axis {
  double low, high, step;
  std::vector<double> ticks;
};

/// y axis: [low, high] widened to multiples of a nice step, about five ticks.
Axis value_axis(double low, double high) {
  if (!std::isfinite(low) || !std::isfinite(high)) low = 0, high = 1;
  if (high - low <= std::abs(high) * 1e-12) {  // a flat curve still gets a visible range
    const double pad = low == 0 ? 1.0 : std::abs(low) * 0.1;
    low -= pad;
    high += pad;
  }
  // A margin keeps points at the extremes off the frame.
  const double margin = (high - low) * 0.05;
  low -= margin;
  high += margin;
  Axis axis{0, 0, nice_step((high - low) / 5), {}};
  axis.low = std::floor(low / axis.step) * axis.step;
  axis.high = std::ceil(high / axis.step) * axis.step;
  for (double tick = axis.low; tick <= axis.high + axis.step * 1e-9; tick += axis.step) {
    axis.ticks.push_back(std::abs(tick) < axis.step * 1e-9 ? 0.0 : tick);
  }
  return axis;
}

/// x axis: [low, high] with a small margin (curves span the width), integer ticks.
Axis epoch_axis(double low, double high) {
  if (!std::isfinite(low) || !std::isfinite(high)) low = 1, high = 1;
  Axis axis{low, high, std::max(1.0, std::round(nice_step(std::max(high - low, 1.0) / 6))), {}};
  if (high == low) {
    axis.low = low - 1;
    axis.high = high + 1;
    axis.ticks.push_back(low);
    return axis;
  }
  const double margin = (high - low) * 0.03;
  axis.low = low - margin;
  axis.high = high + margin;
  for (double tick = std::ceil(low / axis.step) * axis.step; tick <= high; tick += axis.step) {
    axis.ticks.push_back(tick);
  }
  return axis;
}

std::string tick_label(double value, double step) {
  const int decimals = std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 12);
  const std::string format = "%." + std::to_string(decimals) + "f";
  return format_double(format.c_str(), value);
}

void render_chart(const Chart& chart, double origin_x, double origin_y, std::string& out) {
  double x_low = std::numeric_limits<double>::infinity(), x_high = -x_low;
  double y_low = x_low, y_high = -x_low;
  for (const ChartSeries& series : chart.series) {
    for (const auto& [x, y] : series.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      x_low = std::min(x_low, x), x_high = std::max(x_high, x);
      y_low = std::min(y_low, y), y_high = std::max(y_high, y);
    }
  }
  const Axis x_axis = epoch_axis(x_low, x_high);
  const Axis y_axis = value_axis(y_low, y_high);
  const auto px = [&](double x) {
    return kLeft + (x - x_axis.low) / (x_axis.high - x_axis.low) * kPlotWidth;
  };
  const auto py = [&](double y) {
    return kTop + (y_axis.high - y) / (y_axis.high - y_axis.low) * kPlotHeight;
  };

  out += "<g transform=\"translate(" + num(origin_x) + "," + num(origin_y) + ")\">\n";
  out += "<text x=\"" + num(kLeft) + "\" y=\"24\" font-size=\"14\" font-weight=\"bold\">" +
         escape(chart.title) + "</text>\n";
  // Grid and y tick labels.
  for (const double tick : y_axis.ticks) {
    const std::string y = num(py(tick));
    out += "<line x1=\"" + num(kLeft) + "\" y1=\"" + y + "\" x2=\"" + num(kLeft + kPlotWidth) +
           "\" y2=\"" + y + "\" stroke=\"#e6e6e6\"/>\n";
    out += "<text x=\"" + num(kLeft - 6) + "\" y=\"" + y +
           "\" text-anchor=\"end\" dominant-baseline=\"middle\">" + tick_label(tick, y_axis.step) +
           "</text>\n";
  }
  for (const double tick : x_axis.ticks) {
    const std::string x = num(px(tick));
    const std::string bottom = num(kTop + kPlotHeight);
    out += "<line x1=\"" + x + "\" y1=\"" + bottom + "\" x2=\"" + x + "\" y2=\"" +
           num(kTop + kPlotHeight + 4) + "\" stroke=\"#888888\"/>\n";
    out += "<text x=\"" + x + "\" y=\"" + num(kTop + kPlotHeight + 16) +
           "\" text-anchor=\"middle\">" + tick_label(tick, 1.0) + "</text>\n";
  }
  out += "<rect x=\"" + num(kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" + num(kPlotWidth) +
         "\" height=\"" + num(kPlotHeight) + "\" fill=\"none\" stroke=\"#888888\"/>\n";
  out += "<text x=\"" + num(kLeft + kPlotWidth / 2) + "\" y=\"" + num(kChartHeight - 8) +
         "\" text-anchor=\"middle\">" + escape(chart.x_label) + "</text>\n";
  // Curves.
  for (const ChartSeries& series : chart.series) {
    std::string points;
    size_t count = 0;
    for (const auto& [x, y] : series.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      points += (count++ == 0 ? "" : " ") + num(px(x)) + "," + num(py(y));
    }
    out += "<polyline fill=\"none\" stroke=\"" + series.color +
           "\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"" + points + "\"/>\n";
    if (count > kMaxMarkedPoints) continue;
    for (const auto& [x, y] : series.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      out += "<circle cx=\"" + num(px(x)) + "\" cy=\"" + num(py(y)) + "\" r=\"2.5\" fill=\"" +
             series.color + "\"/>\n";
    }
  }
  // Legend, right-aligned above the plot: a short line in the series' colour, then its label.
  double right = kChartWidth - kRight;
  for (auto it = chart.series.rbegin(); it != chart.series.rend(); ++it) {
    const double text_width = 6.5 * static_cast<double>(it->label.size());
    const double start = right - text_width - 22;
    out += "<line x1=\"" + num(start) + "\" y1=\"20\" x2=\"" + num(start + 16) +
           "\" y2=\"20\" stroke=\"" + it->color + "\" stroke-width=\"2\"/>\n";
    out += "<text x=\"" + num(start + 20) + "\" y=\"20\" dominant-baseline=\"middle\">" +
           escape(it->label) + "</text>\n";
    right = start - 14;
  }
  out += "</g>\n";
}

}  // namespace

std::string render_svg(const std::vector<Chart>& charts) {
  const size_t columns = std::min<size_t>(2, std::max<size_t>(1, charts.size()));
  const size_t rows = std::max<size_t>(1, (charts.size() + columns - 1) / columns);
  const std::string width = num(kChartWidth * static_cast<double>(columns));
  const std::string height = num(kChartHeight * static_cast<double>(rows));
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + width + "\" height=\"" +
                    height + "\" viewBox=\"0 0 " + width + " " + height +
                    "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\" "
                    "fill=\"#333333\">\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  for (size_t i = 0; i < charts.size(); ++i) {
    render_chart(charts[i], kChartWidth * static_cast<double>(i % columns),
                 kChartHeight * static_cast<double>(i / columns), out);
  }
  out += "</svg>\n";
  return out;
}

}  // namespace nabla::callbacks::detail
