// History: what fit() returns, the per-epoch logs (Keras's history.history), writable as CSV
// and plottable to a self-contained SVG (loss and metric curves, train vs validation).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "nabla/train/callback.hpp"

namespace nabla::callbacks {

/// Like Keras's History, the per-key lists keep growing if the same History sees several
/// fit() calls, while epochs() restarts at each on_train_begin.
class History : public Callback {
 public:
  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int64_t epoch, const Logs& logs) override;
  [[nodiscard]] bool needs_batch_logs() override { return false; }

  /// key -> one value per epoch ("loss", "accuracy", "val_loss", ...).
  [[nodiscard]] const std::map<std::string, std::vector<double>>& history() const {
    return history_;
  }
  [[nodiscard]] const std::vector<int64_t>& epochs() const { return epochs_; }
  /// history()[key]; ValueError naming the known keys if absent.
  [[nodiscard]] const std::vector<double>& operator[](const std::string& key) const;

  /// CSV: a header "epoch,<keys...>" (keys sorted) and one row per epoch (0-based epoch; "NA"
  /// for a key that epoch did not log; values as Python prints floats). Written to a temporary
  /// file then renamed, so a failed write (IOError naming the file) never destroys an existing
  /// file.
  void to_csv(const std::filesystem::path& path) const;
  /// A self-contained SVG: one chart per metric (loss, accuracy, ...), the train curve and the
  /// val_ curve together, x = epoch (1-based, as the progress bar counts). Written like to_csv;
  /// ValueError when no epoch was recorded.
  void plot(const std::filesystem::path& path) const;

 private:
  std::map<std::string, std::vector<double>> history_;
  std::vector<int64_t> epochs_;
  std::vector<std::pair<int64_t, Logs>> rows_;  // every epoch's logs, for aligned CSV and plots
};

}  // namespace nabla::callbacks

namespace nabla {
using History = callbacks::History;
}
