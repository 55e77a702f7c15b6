// Fetching a file over HTTP(S) with libcurl into a folder, verified by md5 before it appears
// there: the equivalent of Keras's get_file for the dataset loaders.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace nabla::datasets::detail {

/// Downloads `dest`'s content from the first of `urls` that answers with a body whose md5 is
/// `expected_md5` (lowercase hex). The bytes go to a temporary file in dest's folder that is
/// renamed to `dest` only once complete and verified, so `dest` is never partial; the folder is
/// created if needed. IOError naming every URL tried and why each failed, otherwise.
void download_verified(const std::vector<std::string>& urls, const std::filesystem::path& dest,
                       const std::string& expected_md5);

}  // namespace nabla::datasets::detail
