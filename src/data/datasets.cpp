// The dataset loaders: each dataset's files, mirrors and published md5 sums, and the lookup
// $NABLA_DATA/<name> -> ~/.nabla/datasets/<name> -> download (include/nabla/data/datasets.hpp).
#include "nabla/data/datasets.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string_view>
#include <vector>

#include "data/checksums_for_testing.hpp"
#include "data/download.hpp"
#include "nabla/io/idx.hpp"
#include "nabla/util/error.hpp"

namespace nabla::datasets {
namespace {

namespace fs = std::filesystem;
using nabla::detail::str_cat;

// The four files in their standard order: train images, train labels, test images, test labels.
constexpr std::array<std::string_view, 4> kIdxStems = {
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte"};

struct RemoteDataset {
  std::string_view name;                    // the folder under $NABLA_DATA and ~/.nabla/datasets
  std::array<std::string_view, 2> mirrors;  // base URLs ending in '/', tried in order; "" unused
  std::array<std::string_view, 4> md5;      // of <stem>.gz, in kIdxStems order
};

// The md5 sums are the published ones (torchvision lists the same; they match the release files).
constexpr RemoteDataset kMnist = {
    "mnist",
    {"https://ossci-datasets.s3.amazonaws.com/mnist/",
     "https://storage.googleapis.com/cvdf-datasets/mnist/"},
    {"f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
     "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c"}};
// Zalando's bucket is served as an S3 website, which speaks plain HTTP only; the md5 check is
// what guards the content.
constexpr RemoteDataset kFashionMnist = {
    "fashion-mnist",
    {"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", ""},
    {"8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
     "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"}};

std::mutex checksum_mutex;
std::map<std::string, std::map<std::string, std::string>>& checksum_overrides() {
  static std::map<std::string, std::map<std::string, std::string>> overrides;
  return overrides;
}

std::string expected_md5(const RemoteDataset& dataset, size_t file) {
  const std::string name = str_cat(kIdxStems[file], ".gz");
  const std::lock_guard lock(checksum_mutex);
  const auto& overrides = checksum_overrides();
  if (const auto found = overrides.find(std::string(dataset.name)); found != overrides.end()) {
    const auto md5 = found->second.find(name);
    NABLA_CHECK(md5 != found->second.end(), ValueError, dataset.name,
                ": the test checksums have no entry for ", name);
    return md5->second;
  }
  return std::string(dataset.md5[file]);
}

const char* non_empty_env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

fs::path home_dir() {
  if (const char* home = non_empty_env("HOME")) return home;
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* result = nullptr;
  if (getpwuid_r(getuid(), &entry, buffer.data(), buffer.size(), &result) == 0 &&
      result != nullptr && result->pw_dir != nullptr) {
    return result->pw_dir;
  }
  throw IOError(
      "datasets: cannot find the home folder (HOME is not set); set NABLA_DATA to a "
      "folder holding the datasets");
}

/// `dir`/<stem>.gz, else `dir`/<stem>, else "" when neither exists.
fs::path find_idx(const fs::path& dir, std::string_view stem) {
  std::error_code error;
  for (const fs::path& candidate : {dir / str_cat(stem, ".gz"), dir / std::string(stem)}) {
    if (fs::is_regular_file(candidate, error)) return candidate;
  }
  return {};
}

bool holds_all_files(const fs::path& dir) {
  for (std::string_view stem : kIdxStems) {
    if (find_idx(dir, stem).empty()) return false;
  }
  return true;
}

std::vector<std::string> mirror_urls(const RemoteDataset& dataset, const std::string& file) {
  std::vector<std::string> urls;
  if (const char* override_list = non_empty_env("NABLA_DATASETS_MIRROR")) {
    const std::string_view list(override_list);
    size_t start = 0;
    while (start <= list.size()) {
      const size_t comma = std::min(list.find(',', start), list.size());
      std::string_view base = list.substr(start, comma - start);
      while (!base.empty() && base.back() == '/') base.remove_suffix(1);
      if (!base.empty()) urls.push_back(str_cat(base, "/", dataset.name, "/", file));
      start = comma + 1;
    }
    return urls;
  }
  for (std::string_view base : dataset.mirrors) {
    if (!base.empty()) urls.push_back(str_cat(base, file));
  }
  return urls;
}

Split load_split(const fs::path& images_path, const fs::path& labels_path) {
  Tensor images = load_idx(images_path);
  Tensor labels = load_idx(labels_path);
  NABLA_CHECK(images.ndim() == 3, IOError, "datasets: ", images_path,
              " should hold images [n, rows, cols], got shape ", images.shape());
  NABLA_CHECK(labels.ndim() == 1, IOError, "datasets: ", labels_path,
              " should hold labels [n], got shape ", labels.shape());
  NABLA_CHECK(images.size(0) == labels.size(0), IOError, "datasets: ", images.size(0),
              " images in ", images_path, " but ", labels.size(0), " labels in ", labels_path);
  // Images stay uint8, as Keras's; labels (uint8 on disk and in Keras) become int64, the index
  // dtype of nabla's ops and losses.
  return {std::move(images), labels.astype(int64)};
}

std::pair<Split, Split> load(const RemoteDataset& dataset) {
  if (const char* root = non_empty_env("NABLA_DATA")) {
    const fs::path local = fs::path(root) / std::string(dataset.name);
    if (holds_all_files(local)) return load_idx_folder(local);
  }
  const fs::path cache = home_dir() / ".nabla" / "datasets" / std::string(dataset.name);
  for (size_t i = 0; i < kIdxStems.size(); ++i) {
    if (!find_idx(cache, kIdxStems[i]).empty()) continue;
    const std::string file = str_cat(kIdxStems[i], ".gz");
    try {
      detail::download_verified(mirror_urls(dataset, file), cache / file, expected_md5(dataset, i));
    } catch (const IOError& e) {
      throw IOError(str_cat(dataset.name, ".load_data: ", e.what(),
                            "\nTo load without network access, set NABLA_DATA to a folder whose ",
                            dataset.name, "/ subfolder holds the four IDX files"));
    }
  }
  return load_idx_folder(cache);
}

}  // namespace

std::pair<Split, Split> load_idx_folder(const fs::path& dir) {
  std::array<fs::path, 4> paths;
  for (size_t i = 0; i < kIdxStems.size(); ++i) {
    paths[i] = find_idx(dir, kIdxStems[i]);
    NABLA_CHECK(!paths[i].empty(), IOError, "load_idx_folder: ", dir, " has no ", kIdxStems[i],
                " or ", kIdxStems[i], ".gz");
  }
  return {load_split(paths[0], paths[1]), load_split(paths[2], paths[3])};
}

namespace mnist {
std::pair<Split, Split> load_data() { return load(kMnist); }
}  // namespace mnist

namespace fashion_mnist {
std::pair<Split, Split> load_data() { return load(kFashionMnist); }
}  // namespace fashion_mnist

namespace detail {
void set_checksums_for_testing(const std::string& dataset,
                               std::map<std::string, std::string> md5_by_file) {
  const std::lock_guard lock(checksum_mutex);
  if (md5_by_file.empty()) {
    checksum_overrides().erase(dataset);
  } else {
    checksum_overrides()[dataset] = std::move(md5_by_file);
  }
}
}  // namespace detail

}  // namespace nabla::datasets
