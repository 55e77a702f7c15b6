// The HDF5 reader's internals: the file image with its caches, a bounds-checked cursor, and the
// parsers of the structures Keras files use (superblock, object headers, groups, datatypes,
// dataspaces, attributes, data). Every function throws FormatError with the problem only; the
// public API (hdf5_reader.cpp) adds the file name and the object's path.
//
// Linear work on hostile files: every structure read (object header chunks, B-tree nodes, symbol
// table nodes, local heaps, global heap collections, raw data) claims its byte range for one
// owner, and ranges may not overlap; object headers, group listings and global heap collections
// are parsed once and cached; every object is reachable through one link only. So a corrupt file
// can make the parser read each byte a bounded number of times, never loop or fan out.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "io/hdf5.hpp"
#include "nabla/util/error.hpp"

namespace nabla::io::h5 {

using Bytes = std::span<const unsigned char>;

/// An undefined address ("all ones" in the file).
inline constexpr uint64_t kUndefined = ~uint64_t{0};

/// The parser's error: the problem only (IOError, so a missed wrap still has the right type).
class FormatError : public IOError {
 public:
  using IOError::IOError;
};

template <class... Args>
[[noreturn]] void fail(const Args&... args) {
  throw FormatError(detail::str_cat(args...));
}

/// One header message: its type, flags and data inside the image.
struct Message {
  uint16_t type = 0;
  uint8_t flags = 0;
  uint64_t offset = 0;  // of the data in the image, for messages
  Bytes data;
};

enum class ObjectKind { Group, Dataset, Other };

struct ObjectHeader {
  std::vector<Message> messages;
  ObjectKind kind = ObjectKind::Other;
};

/// A hard link of a group: the child's name and object header address.
struct Link {
  std::string name;
  uint64_t address = 0;
};

/// The objects of one global heap collection, by index.
struct GlobalHeap {
  std::map<uint32_t, Bytes> objects;
};

struct ClaimedRange {
  uint64_t end = 0;
  uint64_t owner = 0;
};

struct FileImage {
  std::vector<unsigned char> bytes;
  std::string name;
  int offset_size = 8;  // bytes of a file address
  int length_size = 8;  // bytes of a length
  uint64_t base = 0;    // image offset of address 0
  uint64_t root = 0;    // image offset of the root group's object header

  // Caches and bookkeeping, filled as the file is read (all image offsets).
  mutable std::recursive_mutex mutex;
  mutable std::map<uint64_t, std::shared_ptr<const ObjectHeader>> headers;
  mutable std::map<uint64_t, std::shared_ptr<const std::vector<Link>>> links;
  mutable std::map<uint64_t, std::shared_ptr<const GlobalHeap>> global_heaps;
  mutable std::map<uint64_t, ClaimedRange> claimed;                          // by start
  mutable std::map<uint64_t, std::pair<uint64_t, std::string>> linked_from;  // object -> link

  [[nodiscard]] uint64_t size() const { return bytes.size(); }
  /// The `n` bytes at image offset `at`; FormatError naming `what` when outside the image.
  [[nodiscard]] Bytes region(uint64_t at, uint64_t n, const char* what) const;
};

/// Parses the superblock (searched at 0, 512, 1024, ...) into a new image.
[[nodiscard]] std::shared_ptr<FileImage> parse_file(std::vector<unsigned char> bytes,
                                                    std::string name);

/// Little-endian fields read from a span; every read is bounds-checked.
class Cursor {
 public:
  /// `data` starts at image offset `offset` (for messages); `what` names the structure.
  Cursor(const FileImage& file, Bytes data, uint64_t offset, const char* what)
      : file_(file), data_(data), offset_(offset), what_(what) {}

  [[nodiscard]] uint64_t uint(size_t n);
  [[nodiscard]] uint8_t u8() { return static_cast<uint8_t>(uint(1)); }
  [[nodiscard]] uint16_t u16() { return static_cast<uint16_t>(uint(2)); }
  [[nodiscard]] uint32_t u32() { return static_cast<uint32_t>(uint(4)); }
  /// A file address as an image offset; kUndefined for the undefined address.
  [[nodiscard]] uint64_t address();
  [[nodiscard]] uint64_t length() { return uint(static_cast<size_t>(file_.length_size)); }
  [[nodiscard]] Bytes bytes(uint64_t n);
  void skip(uint64_t n) { (void)bytes(n); }
  /// Skips to the next multiple of 8 bytes from the start of the span.
  void align8();
  [[nodiscard]] uint64_t position() const { return pos_; }
  [[nodiscard]] uint64_t remaining() const { return data_.size() - pos_; }
  [[nodiscard]] uint64_t image_offset() const { return offset_ + pos_; }
  [[nodiscard]] Bytes rest() { return bytes(remaining()); }

 private:
  const FileImage& file_;
  Bytes data_;
  uint64_t offset_;
  const char* what_;
  uint64_t pos_ = 0;
};

/// Claims for one parse, committed to the file only when the parse succeeds.
class Claims {
 public:
  Claims(const FileImage& file, uint64_t owner) : file_(file), owner_(owner) {}
  /// Records [begin, begin + n) for this owner; FormatError if it overlaps another claim.
  void claim(uint64_t begin, uint64_t n, const char* what);
  void commit();

 private:
  const FileImage& file_;
  uint64_t owner_;
  std::map<uint64_t, ClaimedRange> pending_;
};

/// The object header at image offset `address`, parsed once (cached).
[[nodiscard]] std::shared_ptr<const ObjectHeader> object_header(const FileImage& file,
                                                                uint64_t address);
/// The hard links of the group whose header is at `address`, sorted by name (cached).
[[nodiscard]] std::shared_ptr<const std::vector<Link>> group_links(const FileImage& file,
                                                                   uint64_t address);
/// Records that `object` is reached through link `name` of group `parent`; FormatError when it is
/// already reached through another link (hard-linked twice, or a cycle).
void register_link(const FileImage& file, uint64_t parent, const std::string& name,
                   uint64_t object);
/// The global heap object (collection at image offset `address`, `index`).
[[nodiscard]] Bytes global_heap_object(const FileImage& file, uint64_t address, uint32_t index);

/// Jenkins' lookup3 hashlittle with initial value 0, HDF5's metadata checksum.
[[nodiscard]] uint32_t lookup3(Bytes data);

// ---- Values (hdf5_values.cpp) ----

struct Datatype {
  enum class Class { Integer, Float, Bool, String, VlenString } cls = Class::Integer;
  uint64_t size = 0;  // bytes per element
  bool big_endian = false;
  bool is_signed = false;
  int padding = 0;  // fixed strings: 0 null-terminated, 1 null-padded, 2 space-padded
};

struct Dataspace {
  Shape shape;
  uint64_t numel = 0;
  bool null = false;  // no elements at all (shape {0} then)
};

[[nodiscard]] Datatype parse_datatype(const FileImage& file, const Message& message);
[[nodiscard]] Dataspace parse_dataspace(const FileImage& file, const Message& message);
/// The nabla dtype numbers of `type` are read as (not for strings).
[[nodiscard]] DType numeric_dtype(const Datatype& type);
/// numel * type.size, or FormatError when it overflows or exceeds the file's size.
[[nodiscard]] uint64_t data_size(const FileImage& file, const Datatype& type,
                                 const Dataspace& space);
[[nodiscard]] Tensor decode_numbers(const Datatype& type, const Dataspace& space, Bytes data);
[[nodiscard]] std::vector<std::string> decode_strings(const FileImage& file, const Datatype& type,
                                                      uint64_t numel, Bytes data);

/// An attribute message's parts.
struct RawAttribute {
  std::string name;
  Datatype type;
  Dataspace space;
  Bytes data;  // at least data_size(type, space) bytes
};
/// The attribute messages of an object (FormatError for dense attribute storage).
[[nodiscard]] std::vector<Message> attribute_messages(const FileImage& file,
                                                      const ObjectHeader& header);
[[nodiscard]] std::string attribute_name(const FileImage& file, const Message& message);
[[nodiscard]] RawAttribute parse_attribute(const FileImage& file, const Message& message);
[[nodiscard]] Attribute decode_attribute(const FileImage& file, const RawAttribute& raw);

/// The message of `type` in `header`, or nullptr.
[[nodiscard]] const Message* find_message(const ObjectHeader& header, uint16_t type);

/// The raw bytes of a dataset's elements (data_size bytes), claimed for the dataset.
[[nodiscard]] Bytes dataset_bytes(const FileImage& file, uint64_t header_address,
                                  const ObjectHeader& header, uint64_t size);

}  // namespace nabla::io::h5
