// ModelCheckpoint: the file name template ({epoch}, {val_loss:.2f}) and the save-best rule.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "nabla/train/callbacks.hpp"
#include "nabla/util/error.hpp"
#include "train/support.hpp"

namespace nabla::callbacks {
namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// printf of one value with a Python-style spec ("02d", ".3f", ""); ValueError for others.
std::string format_value(double value, bool integer, const std::string& spec,
                         const std::string& name) {
  const std::string who = "ModelCheckpoint: '{" + name + ":" + spec + "}'";
  char conversion = integer ? 'd' : 'g';
  std::string flags = spec;
  if (!spec.empty() && std::isalpha(static_cast<unsigned char>(spec.back()))) {
    conversion = spec.back();
    flags.pop_back();
  }
  for (char c : flags) {
    NABLA_CHECK(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '+' || c == '-',
                ValueError, who, ": unsupported format (use e.g. 02d, .3f, .2e)");
  }
  NABLA_CHECK(std::string_view("dfeg").find(conversion) != std::string_view::npos, ValueError, who,
              ": unsupported conversion '", conversion, "' (use d, f, e or g)");
  char text[128];
  const std::string format = "%" + flags + (conversion == 'd' ? "lld" : std::string(1, conversion));
  if (conversion == 'd') {
    std::snprintf(text, sizeof text, format.c_str(), static_cast<long long>(std::llround(value)));
  } else {
    std::snprintf(text, sizeof text, format.c_str(), value);
  }
  return text;
}

}  // namespace

std::string format_checkpoint_path(const std::string& filepath, int64_t epoch, const Logs& logs) {
  std::string out;
  for (size_t i = 0; i < filepath.size(); ++i) {
    const char c = filepath[i];
    if ((c == '{' || c == '}') && i + 1 < filepath.size() && filepath[i + 1] == c) {
      out += c;  // {{ and }} are literal braces, as in Python
      ++i;
      continue;
    }
    NABLA_CHECK(c != '}', ValueError, "ModelCheckpoint: unmatched '}' in filepath '", filepath,
                "'");
    if (c != '{') {
      out += c;
      continue;
    }
    const size_t close = filepath.find('}', i);
    NABLA_CHECK(close != std::string::npos, ValueError,
                "ModelCheckpoint: unmatched '{' in filepath '", filepath, "'");
    const std::string field = filepath.substr(i + 1, close - i - 1);
    const size_t colon = field.find(':');
    const std::string name = field.substr(0, colon);
    const std::string spec = colon == std::string::npos ? "" : field.substr(colon + 1);
    if (name == "epoch") {
      out += format_value(static_cast<double>(epoch + 1), true, spec, name);
    } else {
      const auto found = logs.find(name);
      NABLA_CHECK(found != logs.end(), ValueError, "ModelCheckpoint: filepath '", filepath,
                  "' names '", name, "', which the logs do not have (",
                  detail::join_keys(logs, ", "), ")");
      out += format_value(found->second, false, spec, name);
    }
    i = close;
  }
  return out;
}

ModelCheckpoint::ModelCheckpoint(ModelCheckpointOptions options) : options_(std::move(options)) {
  const std::string& path = options_.filepath;
  NABLA_CHECK(!path.empty(), ValueError, "ModelCheckpoint: filepath is empty");
  if (options_.save_weights_only) {
    NABLA_CHECK(ends_with(path, ".h5"), ValueError,
                "ModelCheckpoint: with save_weights_only the filepath must end in .weights.h5 "
                "(or .h5), got '",
                path, "'");
  } else {
    NABLA_CHECK(ends_with(path, ".keras") || ends_with(path, ".h5"), ValueError,
                "ModelCheckpoint: the filepath must end in .keras (or .h5), got '", path, "'");
  }
  maximize_ = detail::monitor_maximizes("ModelCheckpoint", options_.monitor, options_.mode);
}

void ModelCheckpoint::on_train_begin(const Logs&) {
  best_ = options_.initial_value_threshold;
  warned_ = false;
}

void ModelCheckpoint::on_epoch_end(int64_t epoch, const Logs& logs) {
  TrainingTarget& model = detail::require_model(model_, "ModelCheckpoint");
  const std::filesystem::path path = format_checkpoint_path(options_.filepath, epoch, logs);
  if (options_.save_best_only) {
    const auto found = logs.find(options_.monitor);
    if (found == logs.end()) {
      if (!warned_) {
        std::cerr << "ModelCheckpoint: can save best model only with " << options_.monitor
                  << " available, skipping; available: " << detail::join_keys(logs, ", ") << "\n";
        warned_ = true;
      }
      return;
    }
    const double value = found->second;
    const bool improved =
        !std::isnan(value) && (!best_ || (maximize_ ? value > *best_ : value < *best_));
    if (!improved) {
      if (options_.verbose > 0) {
        std::cout << "\nEpoch " << epoch + 1 << ": " << options_.monitor << " did not improve from "
                  << (best_ ? *best_ : value) << "\n";
      }
      return;
    }
    if (options_.verbose > 0) {
      std::cout << "\nEpoch " << epoch + 1 << ": " << options_.monitor << " improved"
                << (best_ ? " from " + std::to_string(*best_) : std::string()) << " to " << value
                << ", saving model to " << path.string() << "\n";
    }
    best_ = value;
  } else if (options_.verbose > 0) {
    std::cout << "\nEpoch " << epoch + 1 << ": saving model to " << path.string() << "\n";
  }
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  if (options_.save_weights_only) {
    model.save_weights(path);
  } else {
    model.save(path);
  }
  last_saved_ = path;
}

}  // namespace nabla::callbacks
