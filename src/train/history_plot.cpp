// History::plot: groups the keys by metric ("loss" with "val_loss", "accuracy" with
// "val_accuracy", ...) and renders one chart per group with svg_chart.
#include <algorithm>
#include <string_view>

#include "nabla/train/history.hpp"
#include "nabla/util/error.hpp"
#include "train/support.hpp"
#include "train/svg_chart.hpp"

namespace nabla::callbacks {
namespace {

constexpr std::string_view kValidationPrefix = "val_";

std::string base_name(const std::string& key) {
  return key.starts_with(kValidationPrefix) ? key.substr(kValidationPrefix.size()) : key;
}

}  // namespace

void History::plot(const std::filesystem::path& path) const {
  NABLA_CHECK(!rows_.empty(), ValueError, "History.plot: nothing to plot, no epoch was recorded");
  // "loss" first, then the other metrics by name (history_ is sorted).
  std::vector<std::string> bases;
  for (const auto& [key, values] : history_) {
    const std::string base = base_name(key);
    if (std::find(bases.begin(), bases.end(), base) == bases.end()) bases.push_back(base);
  }
  std::stable_partition(bases.begin(), bases.end(),
                        [](const std::string& base) { return base == "loss"; });

  std::vector<detail::Chart> charts;
  for (const std::string& base : bases) {
    detail::Chart chart{base, "epoch", {}};
    const std::pair<std::string, const char*> curves[] = {
        {base, "#1f77b4"}, {std::string(kValidationPrefix) + base, "#ff7f0e"}};
    for (const auto& [key, color] : curves) {
      if (!history_.contains(key)) continue;
      detail::ChartSeries series{key, color, {}};
      for (const auto& [epoch, logs] : rows_) {
        const auto found = logs.find(key);
        // Epochs are shown 1-based, as the progress bar counts them ("Epoch 1/10").
        if (found != logs.end()) series.points.emplace_back(epoch + 1, found->second);
      }
      chart.series.push_back(std::move(series));
    }
    charts.push_back(std::move(chart));
  }
  detail::write_file_atomically(path, detail::render_svg(charts), "History.plot");
}

}  // namespace nabla::callbacks
