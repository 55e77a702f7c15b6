// See support.hpp.
#include "train/support.hpp"

#include <array>

#include "io/file.hpp"
#include "nabla/util/error.hpp"

namespace nabla::callbacks::detail {

bool monitor_maximizes(std::string_view who, const std::string& monitor, const std::string& mode) {
  if (mode == "max") return true;
  if (mode == "min") return false;
  NABLA_CHECK(mode == "auto", ValueError, who,
              ": mode must be \"auto\", \"min\" or \"max\", got \"", mode, "\"");
  // Keras decides from the metric; without metric objects here, the name says the direction.
  constexpr std::array<std::string_view, 4> kHigherIsBetter = {"acc", "auc", "precision", "recall"};
  for (const std::string_view part : kHigherIsBetter) {
    if (monitor.find(part) != std::string::npos) return true;
  }
  return false;
}

TrainingTarget& require_model(TrainingTarget* model, std::string_view who) {
  NABLA_CHECK(model != nullptr, ValueError, who,
              ": no model to act on (set_model was not called; fit() calls it)");
  return *model;
}

std::string join_keys(const Logs& logs, std::string_view separator) {
  std::string out;
  for (const auto& [key, value] : logs) {
    if (!out.empty()) out += separator;
    out += key;
  }
  return out;
}

void write_file_atomically(const std::filesystem::path& path, std::string_view content,
                           std::string_view who) {
  try {
    io::AtomicWriter writer(path);
    writer.write(content.data(), content.size());
    writer.commit();
  } catch (const IOError& error) {
    throw IOError(
        ::nabla::detail::str_cat(who, ": cannot write '", path.string(), "': ", error.what()));
  }
}

}  // namespace nabla::callbacks::detail
