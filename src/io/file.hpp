// The file plumbing under the npy, npz and idx readers: a read-only file, a sequential ByteSource
// over bytes wherever they live, and AtomicWriter, which replaces a file only once the new one is
// complete. Errors are IOError with the problem only; public entry points add the file name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace nabla::io {

/// A file opened for reading; reads by absolute offset, so several readers can share it.
class File {
 public:
  explicit File(const std::filesystem::path& path);
  ~File();
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  [[nodiscard]] uint64_t size() const { return size_; }
  /// Reads exactly `n` bytes at `offset`; IOError when the file ends first.
  void read_at(uint64_t offset, void* dst, size_t n) const;

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

/// A sequential reader of a known number of bytes (a file, a file region, a zip member).
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  /// Bytes not read yet (for a deflated zip member, what its directory entry declares).
  [[nodiscard]] virtual uint64_t remaining() const = 0;
  /// Reads exactly `n` bytes; IOError when fewer remain or the data is corrupt.
  virtual void read(void* dst, size_t n) = 0;
};

/// The bytes [begin, end) of a File.
class FileSource : public ByteSource {
 public:
  FileSource(const File& file, uint64_t begin, uint64_t end)
      : file_(file), position_(begin), end_(end) {}
  [[nodiscard]] uint64_t remaining() const override { return end_ - position_; }
  void read(void* dst, size_t n) override;

 private:
  const File& file_;
  uint64_t position_;
  uint64_t end_;
};

/// Writes a new file next to `target` (same directory, so the rename is atomic) and renames it
/// over `target` in commit(), after fsync. Destroyed without commit(), it removes the temporary
/// file and leaves `target` untouched.
class AtomicWriter {
 public:
  explicit AtomicWriter(const std::filesystem::path& target);
  ~AtomicWriter();
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;

  void write(const void* data, size_t n);
  /// Bytes written so far.
  [[nodiscard]] uint64_t position() const { return position_; }
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temporary_;
  int fd_ = -1;
  uint64_t position_ = 0;
};

/// strerror(errno) as a string, for messages.
[[nodiscard]] std::string errno_message();

}  // namespace nabla::io
