// A minimal SVG line-chart writer for History::plot: small charts in a grid, each with axes,
// a few tick labels, one polyline per series and a legend. No dependencies; opens in a browser.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace nabla::callbacks::detail {

struct ChartSeries {
  std::string label;
  std::string color;                              // an SVG colour, e.g. "#1f77b4"
  std::vector<std::pair<double, double>> points;  // (x, y); non-finite y are skipped
};

struct Chart {
  std::string title;
  std::string x_label;
  std::vector<ChartSeries> series;
};

/// The whole document, "<svg ...>...</svg>\n", charts laid out two per row.
[[nodiscard]] std::string render_svg(const std::vector<Chart>& charts);

}  // namespace nabla::callbacks::detail
