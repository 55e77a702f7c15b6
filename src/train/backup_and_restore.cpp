// BackupAndRestore: one backup file per completed epoch, epoch_<n>.weights.h5, written beside
// the previous one and removing it only after: a kill at any moment leaves a complete backup.
#include <charconv>
#include <optional>

#include "nabla/train/callbacks.hpp"
#include "nabla/util/error.hpp"
#include "train/support.hpp"

namespace nabla::callbacks {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view kPrefix = "epoch_";
constexpr std::string_view kSuffix = ".weights.h5";

/// The epoch a backup file name holds ("epoch_12.weights.h5" -> 12).
std::optional<int64_t> backup_epoch(const std::string& name) {
  if (name.size() <= kPrefix.size() + kSuffix.size() || !name.starts_with(kPrefix) ||
      !name.ends_with(kSuffix))
    return std::nullopt;
  int64_t epoch = -1;
  const char* begin = name.data() + kPrefix.size();
  const char* end = name.data() + name.size() - kSuffix.size();
  const auto [p, ec] = std::from_chars(begin, end, epoch);
  if (ec != std::errc() || p != end || epoch < 0) return std::nullopt;
  return epoch;
}

/// The backups in `dir`, by epoch.
std::vector<std::pair<int64_t, fs::path>> backups(const fs::path& dir) {
  std::vector<std::pair<int64_t, fs::path>> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (const auto epoch = backup_epoch(entry.path().filename().string()))
      found.emplace_back(*epoch, entry.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

fs::path backup_path(const fs::path& dir, int64_t epoch) {
  return dir / (std::string(kPrefix) + std::to_string(epoch) + std::string(kSuffix));
}

}  // namespace

BackupAndRestore::BackupAndRestore(BackupAndRestoreOptions options) : options_(std::move(options)) {
  NABLA_CHECK(!options_.backup_dir.empty(), ValueError, "BackupAndRestore: backup_dir is empty");
}

void BackupAndRestore::on_train_begin(const Logs&) {
  TrainingTarget& model = detail::require_model(model_, "BackupAndRestore");
  resumed_at_ = -1;
  const auto found = backups(options_.backup_dir);
  if (found.empty()) return;
  const auto& [epoch, path] = found.back();
  model.load_weights(path);  // weights, optimizer state and random state
  model.resume_at_epoch(epoch + 1);
  resumed_at_ = epoch + 1;
}

void BackupAndRestore::on_epoch_end(int64_t epoch, const Logs&) {
  TrainingTarget& model = detail::require_model(model_, "BackupAndRestore");
  fs::create_directories(options_.backup_dir);
  model.save_weights(backup_path(options_.backup_dir, epoch));
  // The new backup is complete (saves rename a finished file into place): older ones can go.
  for (const auto& [old_epoch, path] : backups(options_.backup_dir)) {
    if (old_epoch != epoch) fs::remove(path);
  }
}

void BackupAndRestore::on_train_end(const Logs&) {
  if (!options_.delete_checkpoint) return;
  for (const auto& [epoch, path] : backups(options_.backup_dir)) fs::remove(path);
}

}  // namespace nabla::callbacks
