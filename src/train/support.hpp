// Small pieces shared by the callbacks: the direction of a monitored metric, the model a
// callback acts on, the keys of a logs dict, and atomic file writes.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "nabla/train/callback.hpp"

namespace nabla::callbacks::detail {

/// Whether improving `monitor` means increasing it. mode "max"/"min" say so; "auto" maximizes
/// names containing "acc", "auc", "precision" or "recall". Another mode is a ValueError.
[[nodiscard]] bool monitor_maximizes(std::string_view who, const std::string& monitor,
                                     const std::string& mode);

/// The model set by set_model(); ValueError naming the callback when there is none.
[[nodiscard]] TrainingTarget& require_model(TrainingTarget* model, std::string_view who);

/// The keys of `logs` joined by `separator` (for warnings that list what is available).
[[nodiscard]] std::string join_keys(const Logs& logs, std::string_view separator);

/// Writes `content` to a temporary file beside `path`, then renames it over `path`: a failure
/// (IOError "<who>: cannot write '<path>': <why>") leaves an existing file untouched.
void write_file_atomically(const std::filesystem::path& path, std::string_view content,
                           std::string_view who);

}  // namespace nabla::callbacks::detail
