// Small file helpers shared by the I/O tests: raw byte reads and writes, and the check that a
// load fails with an IOError naming the file and the problem.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nabla/nabla.hpp>
#include <string>

namespace nabla::testing {

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}
/// Rewrites a file of the same size in place (truncating is slow on some file systems).
inline void overwrite_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::fstream(path, std::ios::binary | std::ios::in | std::ios::out) << bytes;
}

template <class Fn>
inline void expect_io_error(Fn&& fn, const std::filesystem::path& path, const std::string& what) {
  try {
    fn();
    ADD_FAILURE() << "no IOError; expected one containing: " << what;
  } catch (const IOError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_NE(message.find(what), std::string::npos) << message;
  }
}

}  // namespace nabla::testing
