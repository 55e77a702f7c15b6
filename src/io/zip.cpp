// Zip records (PKWARE APPNOTE 4.3: local file header, central directory header, end of central
// directory record), CRC-32 and raw inflate from zlib.
#include "io/zip.hpp"

#include <zlib.h>

#include <algorithm>
#include <optional>

#include "nabla/util/error.hpp"

namespace nabla::io {
namespace {

constexpr uint32_t kLocalSignature = 0x04034b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr size_t kLocalSize = 30;
constexpr size_t kCentralSize = 46;
constexpr size_t kEndSize = 22;
constexpr uint16_t kVersion = 20;            // 2.0: deflate, folders
constexpr uint16_t kDosDate = (1 << 5) | 1;  // 1980-01-01: fixed, so saves are reproducible
// Deflate cannot expand data more than ~1032 times; a larger claim is corrupt (or a zip bomb).
constexpr uint64_t kMaxDeflateRatio = 1032;

uint16_t le16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t le32(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
void put16(std::string& out, uint16_t v) {
  out += static_cast<char>(v & 0xff);
  out += static_cast<char>(v >> 8);
}
void put32(std::string& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v & 0xffff));
  put16(out, static_cast<uint16_t>(v >> 16));
}

uint32_t update_crc(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const Bytef*>(data);
  while (n > 0) {
    const auto chunk = static_cast<uInt>(std::min<size_t>(n, size_t{1} << 30));
    crc = static_cast<uint32_t>(::crc32(crc, p, chunk));
    p += chunk;
    n -= chunk;
  }
  return crc;
}

[[noreturn]] void zip64_unsupported() {
  throw IOError("ZIP64 archives are not supported (members and archives must be under 4 GiB)");
}

// One member's bytes: straight from the file when stored, through raw inflate when deflated.
class MemberReader final : public ZipMemberSource {
 public:
  MemberReader(const File& file, const ZipEntry& entry, uint64_t data_begin)
      : entry_(entry),
        compressed_(file, data_begin, data_begin + entry.compressed_size),
        deflated_(entry.method == 8) {
    if (deflated_) {
      // Negative window bits: raw deflate data, no zlib header (zip's format).
      NABLA_CHECK(inflateInit2(&stream_, -MAX_WBITS) == Z_OK, IOError, "zlib inflateInit failed");
    }
  }
  ~MemberReader() override {
    if (deflated_) inflateEnd(&stream_);
  }
  MemberReader(const MemberReader&) = delete;
  MemberReader& operator=(const MemberReader&) = delete;

  [[nodiscard]] uint64_t remaining() const override { return entry_.uncompressed_size - produced_; }

  void read(void* dst, size_t n) override {
    NABLA_CHECK(n <= remaining(), IOError, "truncated member: needed ", n, " more bytes, only ",
                remaining(), " remain");
    if (deflated_) {
      inflate_into(static_cast<unsigned char*>(dst), n);
    } else {
      compressed_.read(dst, n);
    }
    crc_ = update_crc(crc_, dst, n);
    produced_ += n;
  }

  void finish() override {
    NABLA_CHECK(remaining() == 0, IOError, remaining(), " unread bytes in the member");
    if (deflated_) check_stream_end();
    NABLA_CHECK(crc_ == entry_.crc32, IOError, "CRC-32 mismatch (the archive says ", std::hex,
                entry_.crc32, ", the data gives ", crc_, ")");
  }

 private:
  void refill() {
    input_.resize(static_cast<size_t>(std::min<uint64_t>(compressed_.remaining(), 1 << 16)));
    compressed_.read(input_.data(), input_.size());
    stream_.next_in = input_.data();
    stream_.avail_in = static_cast<uInt>(input_.size());
  }

  // One inflate call; IOError when the data is corrupt or ends too soon.
  void step() {
    if (stream_.avail_in == 0 && compressed_.remaining() > 0) refill();
    const int rc = inflate(&stream_, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      stream_end_ = true;
    } else if (rc == Z_BUF_ERROR) {
      NABLA_CHECK(stream_.avail_in > 0 || compressed_.remaining() > 0, IOError,
                  "truncated deflate data");
    } else {
      NABLA_CHECK(rc == Z_OK, IOError, "corrupt deflate data (",
                  stream_.msg != nullptr ? stream_.msg : "zlib error", ")");
    }
  }

  void inflate_into(unsigned char* out, size_t n) {
    while (n > 0) {
      const auto chunk = static_cast<uInt>(std::min<size_t>(n, size_t{1} << 30));
      stream_.next_out = out;
      stream_.avail_out = chunk;
      while (stream_.avail_out > 0) {
        NABLA_CHECK(!stream_end_, IOError, "the deflate data ends before the declared size ",
                    entry_.uncompressed_size);
        step();
      }
      out += chunk;
      n -= chunk;
    }
  }

  // After the declared size: the deflate stream must end there, with no more output.
  void check_stream_end() {
    unsigned char extra = 0;
    stream_.next_out = &extra;
    stream_.avail_out = 1;
    while (!stream_end_ && stream_.avail_out == 1) step();
    NABLA_CHECK(stream_.avail_out == 1, IOError,
                "the member holds more data than its declared size ", entry_.uncompressed_size);
  }

  ZipEntry entry_;
  FileSource compressed_;
  bool deflated_;
  bool stream_end_ = false;
  z_stream stream_{};
  std::vector<unsigned char> input_;
  uint64_t produced_ = 0;
  uint32_t crc_ = 0;
};

}  // namespace

ZipReader::ZipReader(const File& file) : file_(file) {
  const uint64_t size = file.size();
  NABLA_CHECK(size >= kEndSize, IOError, "not a zip archive (", size, " bytes)");
  // The end record is the last 22 bytes plus a comment of up to 65535 bytes.
  const auto tail_size = static_cast<size_t>(std::min<uint64_t>(size, kEndSize + 0xffff));
  std::vector<unsigned char> tail(tail_size);
  file.read_at(size - tail_size, tail.data(), tail_size);
  std::optional<size_t> end;
  for (size_t i = tail_size - kEndSize + 1; i-- > 0;) {
    if (le32(&tail[i]) == kEndSignature && le16(&tail[i + 20]) == tail_size - i - kEndSize) {
      end = i;
      break;
    }
  }
  NABLA_CHECK(end.has_value(), IOError, "not a zip archive (no end of central directory record)");
  const unsigned char* record = &tail[*end];
  const uint64_t end_offset = size - tail_size + *end;
  const uint16_t count = le16(record + 10);
  const uint32_t directory_size = le32(record + 12);
  directory_offset_ = le32(record + 16);
  if ((*end >= 20 && le32(&tail[*end - 20]) == kZip64LocatorSignature) || count == 0xffff ||
      directory_size == 0xffffffff || directory_offset_ == 0xffffffff) {
    zip64_unsupported();
  }
  NABLA_CHECK(le16(record + 4) == 0 && le16(record + 6) == 0 && le16(record + 8) == count, IOError,
              "multi-disk zip archives are not supported");
  NABLA_CHECK(directory_offset_ + directory_size <= end_offset, IOError,
              "bad end of central directory record (the directory lies outside the file)");

  std::vector<unsigned char> directory(directory_size);
  file.read_at(directory_offset_, directory.data(), directory.size());
  size_t position = 0;
  for (uint16_t i = 0; i < count; ++i) {
    const unsigned char* p = directory.data() + position;
    NABLA_CHECK(position + kCentralSize <= directory.size() && le32(p) == kCentralSignature,
                IOError, "bad central directory entry ", i);
    const size_t name_length = le16(p + 28);
    const size_t variable = name_length + le16(p + 30) + le16(p + 32);
    NABLA_CHECK(position + kCentralSize + variable <= directory.size(), IOError,
                "bad central directory entry ", i, " (runs past the directory)");
    ZipEntry entry;
    entry.flags = le16(p + 8);
    entry.method = le16(p + 10);
    entry.crc32 = le32(p + 16);
    entry.compressed_size = le32(p + 20);
    entry.uncompressed_size = le32(p + 24);
    entry.local_header_offset = le32(p + 42);
    entry.name.assign(reinterpret_cast<const char*>(p + kCentralSize), name_length);
    if (entry.compressed_size == 0xffffffff || entry.uncompressed_size == 0xffffffff ||
        entry.local_header_offset == 0xffffffff) {
      zip64_unsupported();
    }
    NABLA_CHECK(le16(p + 34) == 0, IOError, "multi-disk zip archives are not supported");
    entries_.push_back(std::move(entry));
    position += kCentralSize + variable;
  }
}

std::unique_ptr<ZipMemberSource> ZipReader::open(const ZipEntry& entry) const {
  NABLA_CHECK((entry.flags & 1) == 0, IOError, "encrypted members are not supported");
  NABLA_CHECK(entry.method == 0 || entry.method == 8, IOError, "unsupported compression method ",
              entry.method, " (only stored and deflated)");
  NABLA_CHECK(entry.local_header_offset + kLocalSize <= directory_offset_, IOError,
              "bad local header offset ", entry.local_header_offset);
  unsigned char local[kLocalSize];
  file_.read_at(entry.local_header_offset, local, kLocalSize);
  NABLA_CHECK(le32(local) == kLocalSignature, IOError, "bad local header signature");
  const uint16_t name_length = le16(local + 26);
  const uint64_t data_begin =
      entry.local_header_offset + kLocalSize + name_length + le16(local + 28);
  NABLA_CHECK(data_begin + entry.compressed_size <= directory_offset_, IOError,
              "member data runs past the central directory");
  std::string local_name(name_length, '\0');
  file_.read_at(entry.local_header_offset + kLocalSize, local_name.data(), name_length);
  NABLA_CHECK(local_name == entry.name, IOError, "local header names '", local_name,
              "', the central directory '", entry.name, "'");
  if (entry.method == 0) {
    NABLA_CHECK(entry.compressed_size == entry.uncompressed_size, IOError,
                "stored member with different compressed (", entry.compressed_size,
                ") and uncompressed (", entry.uncompressed_size, ") sizes");
  } else {
    NABLA_CHECK(entry.uncompressed_size <= entry.compressed_size * kMaxDeflateRatio + 1024, IOError,
                "declared size ", entry.uncompressed_size, " is impossible for ",
                entry.compressed_size, " bytes of deflate data");
  }
  return std::make_unique<MemberReader>(file_, entry, data_begin);
}

const ZipEntry* ZipReader::find(std::string_view name) const {
  for (const ZipEntry& entry : entries_)
    if (entry.name == name) return &entry;
  return nullptr;
}

std::vector<unsigned char> ZipReader::read(const ZipEntry& entry, uint64_t limit) const {
  NABLA_CHECK(entry.uncompressed_size <= limit, IOError, "member ", entry.name, " declares ",
              entry.uncompressed_size, " bytes, more than the ", limit, " allowed");
  auto source = open(entry);
  std::vector<unsigned char> bytes;
  while (source->remaining() > 0) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(source->remaining(), 1 << 20));
    const size_t at = bytes.size();
    bytes.resize(at + n);
    source->read(bytes.data() + at, n);
  }
  source->finish();
  return bytes;
}

void ZipWriter::add_stored(const std::string& name,
                           std::span<const std::span<const unsigned char>> pieces) {
  ZipEntry entry;
  entry.name = name;
  for (const auto& piece : pieces) {
    entry.uncompressed_size += piece.size();
    entry.crc32 = update_crc(entry.crc32, piece.data(), piece.size());
  }
  entry.compressed_size = entry.uncompressed_size;
  entry.local_header_offset = out_.position();
  if (entry.uncompressed_size >= 0xffffffff || entry.local_header_offset >= 0xffffffff) {
    zip64_unsupported();
  }
  NABLA_CHECK(name.size() <= 0xffff, IOError, "member name too long");
  if (std::any_of(name.begin(), name.end(), [](char c) { return (c & 0x80) != 0; })) {
    entry.flags = 1 << 11;  // the name is UTF-8
  }
  std::string header;
  put32(header, kLocalSignature);
  put16(header, kVersion);
  put16(header, entry.flags);
  put16(header, 0);  // stored
  put16(header, 0);  // time
  put16(header, kDosDate);
  put32(header, entry.crc32);
  put32(header, static_cast<uint32_t>(entry.compressed_size));
  put32(header, static_cast<uint32_t>(entry.uncompressed_size));
  put16(header, static_cast<uint16_t>(name.size()));
  put16(header, 0);  // extra field
  header += name;
  out_.write(header.data(), header.size());
  for (const auto& piece : pieces) out_.write(piece.data(), piece.size());
  entries_.push_back(std::move(entry));
}

void ZipWriter::finish() {
  const uint64_t directory_offset = out_.position();
  std::string directory;
  for (const ZipEntry& entry : entries_) {
    put32(directory, kCentralSignature);
    put16(directory, (3 << 8) | kVersion);  // made by: Unix
    put16(directory, kVersion);
    put16(directory, entry.flags);
    put16(directory, 0);  // stored
    put16(directory, 0);  // time
    put16(directory, kDosDate);
    put32(directory, entry.crc32);
    put32(directory, static_cast<uint32_t>(entry.compressed_size));
    put32(directory, static_cast<uint32_t>(entry.uncompressed_size));
    put16(directory, static_cast<uint16_t>(entry.name.size()));
    put16(directory, 0);            // extra field
    put16(directory, 0);            // comment
    put16(directory, 0);            // disk
    put16(directory, 0);            // internal attributes
    put32(directory, 0644u << 16);  // external attributes: -rw-r--r--
    put32(directory, static_cast<uint32_t>(entry.local_header_offset));
    directory += entry.name;
  }
  const size_t directory_size = directory.size();
  if (entries_.size() >= 0xffff || directory_offset + directory_size >= 0xffffffff) {
    zip64_unsupported();
  }
  put32(directory, kEndSignature);
  put16(directory, 0);  // this disk
  put16(directory, 0);  // disk of the directory
  put16(directory, static_cast<uint16_t>(entries_.size()));
  put16(directory, static_cast<uint16_t>(entries_.size()));
  put32(directory, static_cast<uint32_t>(directory_size));
  put32(directory, static_cast<uint32_t>(directory_offset));
  put16(directory, 0);  // comment
  out_.write(directory.data(), directory.size());
}

}  // namespace nabla::io
