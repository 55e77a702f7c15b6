// CSVLogger: Keras's CSV layout, kept whole in memory and rewritten atomically after each epoch,
// so the file on disk is always a complete CSV (a crash mid-write cannot truncate it).
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "nabla/train/callbacks.hpp"
#include "nabla/util/error.hpp"
#include "train/csv.hpp"
#include "train/format.hpp"
#include "train/support.hpp"

namespace nabla::callbacks {

CSVLogger::CSVLogger(std::string filename, std::string separator, bool append)
    : filename_(std::move(filename)), separator_(std::move(separator)), append_(append) {
  NABLA_CHECK(!filename_.empty(), ValueError, "CSVLogger: the file name is empty");
  NABLA_CHECK(!separator_.empty(), ValueError, "CSVLogger: the separator is empty");
}

void CSVLogger::on_train_begin(const Logs&) {
  keys_.clear();
  have_keys_ = false;
  write_header_ = true;
  pending_.clear();
  std::error_code error;
  if (append_ && std::filesystem::exists(filename_, error)) {
    std::ifstream in(filename_, std::ios::binary);
    NABLA_CHECK(in.good(), IOError, "CSVLogger: cannot read '", filename_, "' to append to it");
    pending_.assign(std::istreambuf_iterator<char>(in), {});
    // Like Keras: a file that already has content keeps its header and gets no second one.
    write_header_ = pending_.empty();
    if (!pending_.empty() && pending_.back() != '\n') pending_ += '\n';
  }
  // Creates (or, without append, empties) the file now, so a bad path fails before training.
  detail::write_file_atomically(filename_, pending_, "CSVLogger");
}

void CSVLogger::on_epoch_end(int64_t epoch, const Logs& logs) {
  if (!have_keys_) {
    for (const auto& [key, value] : logs) keys_.push_back(key);  // Logs is sorted by key
    have_keys_ = true;
    if (write_header_) {
      pending_ += "epoch";
      for (const std::string& key : keys_)
        pending_ += separator_ + detail::csv_field(key, separator_);
      pending_ += '\n';
    }
  }
  pending_ += std::to_string(epoch);
  for (const std::string& key : keys_) {
    const auto found = logs.find(key);
    pending_ += separator_;
    pending_ += found == logs.end() ? "NA" : detail::float_repr(found->second);
  }
  pending_ += '\n';
  detail::write_file_atomically(filename_, pending_, "CSVLogger");
}

void CSVLogger::on_train_end(const Logs&) {
  // Every epoch is already on disk; only the in-memory copy goes.
  pending_.clear();
  pending_.shrink_to_fit();
}

}  // namespace nabla::callbacks
