// A minimal zip archive reader and writer for .npz: the writer stores members uncompressed (as
// np.savez does); the reader takes stored and deflated members (np.savez_compressed), checks
// every CRC-32, and refuses ZIP64, encryption and multi-disk archives with a clear IOError.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/file.hpp"

namespace nabla::io {

struct ZipEntry {
  std::string name;
  uint16_t flags = 0;
  uint16_t method = 0;  // 0 stored, 8 deflated
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
};

/// A member's uncompressed bytes. finish() checks that the declared size was exactly used and
/// that the CRC-32 matches; call it after reading everything.
class ZipMemberSource : public ByteSource {
 public:
  virtual void finish() = 0;
};

class ZipReader {
 public:
  /// Reads the central directory; IOError when the archive is malformed or unsupported.
  explicit ZipReader(const File& file);
  [[nodiscard]] const std::vector<ZipEntry>& entries() const { return entries_; }
  /// A reader of one member (which must belong to this archive).
  [[nodiscard]] std::unique_ptr<ZipMemberSource> open(const ZipEntry& entry) const;
  /// The member named `name`; null when there is none.
  [[nodiscard]] const ZipEntry* find(std::string_view name) const;
  /// A member's whole content, CRC checked. It is read in pieces, so a false size claim cannot
  /// allocate ahead of the data; a declared size over `limit` is an IOError.
  [[nodiscard]] std::vector<unsigned char> read(const ZipEntry& entry, uint64_t limit) const;

 private:
  const File& file_;
  std::vector<ZipEntry> entries_;
  uint64_t directory_offset_ = 0;  // members end before the central directory
};

class ZipWriter {
 public:
  explicit ZipWriter(AtomicWriter& out) : out_(out) {}
  /// Appends a stored member whose content is the concatenation of `pieces`.
  void add_stored(const std::string& name, std::span<const std::span<const unsigned char>> pieces);
  /// Writes the central directory and the end record; the archive is complete after this.
  void finish();

 private:
  AtomicWriter& out_;
  std::vector<ZipEntry> entries_;
};

}  // namespace nabla::io
