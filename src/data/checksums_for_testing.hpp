// The one test hook of the loaders: tests serve small generated IDX files, whose md5 sums are not
// the published ones, so they swap the checksum table of a dataset for their own.
#pragma once

#include <map>
#include <string>

namespace nabla::datasets::detail {

/// Makes the loader of `dataset` ("mnist", "fashion-mnist") expect `md5_by_file` (file name ->
/// lowercase hex md5) instead of the published sums; an empty map restores them. Only tests call
/// this; it touches nothing but the checksums (the lookup order and the mirrors stay the same).
void set_checksums_for_testing(const std::string& dataset,
                               std::map<std::string, std::string> md5_by_file);

}  // namespace nabla::datasets::detail
