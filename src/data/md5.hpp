// MD5 (RFC 1321): only to check downloads against the checksums the datasets publish; it is not
// a security measure (MD5 is broken for that), just protection against truncated or wrong files.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace nabla::datasets::detail {

/// Incremental MD5: update() with the data in any number of pieces, then hex_digest().
class Md5 {
 public:
  void update(const void* data, size_t size);
  /// The 32 lowercase hex digits of the digest. Ends the computation: call once.
  [[nodiscard]] std::string hex_digest();

 private:
  void process_block(const unsigned char* block);

  std::array<uint32_t, 4> state_{0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};
  std::array<unsigned char, 64> pending_{};  // bytes of the block not yet complete
  size_t pending_size_ = 0;
  uint64_t total_bytes_ = 0;
};

/// MD5 of `data` as 32 lowercase hex digits.
[[nodiscard]] std::string md5_hex(std::string_view data);
/// MD5 of a file's content; IOError when it cannot be read.
[[nodiscard]] std::string md5_file(const std::filesystem::path& path);

}  // namespace nabla::datasets::detail
