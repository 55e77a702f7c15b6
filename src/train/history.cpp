// History: the per-epoch logs of fit(), and their CSV export (the SVG plot is history_plot.cpp).
#include "nabla/train/history.hpp"

#include "nabla/util/error.hpp"
#include "train/csv.hpp"
#include "train/format.hpp"
#include "train/support.hpp"

namespace nabla::callbacks {

void History::on_train_begin(const Logs&) { epochs_.clear(); }

void History::on_epoch_end(int64_t epoch, const Logs& logs) {
  epochs_.push_back(epoch);
  for (const auto& [key, value] : logs) history_[key].push_back(value);
  rows_.emplace_back(epoch, logs);
}

const std::vector<double>& History::operator[](const std::string& key) const {
  const auto found = history_.find(key);
  if (found != history_.end()) return found->second;
  std::string known;
  for (const auto& [name, values] : history_) known += (known.empty() ? "" : ", ") + name;
  throw ValueError("History: no key '" + key + "'; " +
                   (known.empty() ? std::string("no epoch was recorded") : "known keys: " + known));
}

void History::to_csv(const std::filesystem::path& path) const {
  std::string text = "epoch";
  for (const auto& [key, values] : history_) text += "," + detail::csv_field(key, ",");
  text += '\n';
  for (const auto& [epoch, logs] : rows_) {
    text += std::to_string(epoch);
    for (const auto& [key, values] : history_) {
      const auto found = logs.find(key);
      text += ',';
      text += found == logs.end() ? "NA" : detail::float_repr(found->second);
    }
    text += '\n';
  }
  detail::write_file_atomically(path, text, "History.to_csv");
}

}  // namespace nabla::callbacks
