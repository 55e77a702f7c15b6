// A zip archive built in memory (stored or raw-deflated members), for the seed generator and for
// the config.json target, which wraps each input in an otherwise valid .keras archive. nabla's
// own ZipWriter writes only through an AtomicWriter (fsync per file, too slow per input) and
// never deflates, which the seeds want (np.savez_compressed files).
#pragma once

#include <zlib.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace nabla::fuzz {

struct ZipMember {
  std::string name;
  std::string data;
  bool deflate = false;
};

namespace zip_detail {
inline void put16(std::string& out, uint32_t v) {
  out += static_cast<char>(v & 0xff);
  out += static_cast<char>((v >> 8) & 0xff);
}
inline void put32(std::string& out, uint32_t v) {
  put16(out, v & 0xffff);
  put16(out, v >> 16);
}
inline std::string raw_deflate(const std::string& data) {
  z_stream s{};
  if (deflateInit2(&s, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  std::string out(deflateBound(&s, static_cast<uLong>(data.size())), '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
  return out;
}
}  // namespace zip_detail

/// The archive's bytes: local headers and data, central directory, end record (no ZIP64).
inline std::string build_zip(const std::vector<ZipMember>& members) {
  using zip_detail::put16;
  using zip_detail::put32;
  std::string out;
  std::string directory;
  for (const ZipMember& m : members) {
    const auto crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(m.data.data()), static_cast<uInt>(m.data.size())));
    const std::string stored = m.deflate ? zip_detail::raw_deflate(m.data) : m.data;
    const auto offset = static_cast<uint32_t>(out.size());
    const uint16_t method = m.deflate ? 8 : 0;
    put32(out, 0x04034b50);
    put16(out, 20);
    put16(out, 0);  // flags
    put16(out, method);
    put32(out, 0);  // time, date
    put32(out, crc);
    put32(out, static_cast<uint32_t>(stored.size()));
    put32(out, static_cast<uint32_t>(m.data.size()));
    put16(out, static_cast<uint32_t>(m.name.size()));
    put16(out, 0);  // extra field
    out += m.name;
    out += stored;
    put32(directory, 0x02014b50);
    put16(directory, 20);
    put16(directory, 20);
    put16(directory, 0);
    put16(directory, method);
    put32(directory, 0);
    put32(directory, crc);
    put32(directory, static_cast<uint32_t>(stored.size()));
    put32(directory, static_cast<uint32_t>(m.data.size()));
    put16(directory, static_cast<uint32_t>(m.name.size()));
    put32(directory, 0);  // extra field, comment lengths
    put32(directory, 0);  // disk, internal attributes
    put32(directory, 0);  // external attributes
    put32(directory, offset);
    directory += m.name;
  }
  const auto directory_offset = static_cast<uint32_t>(out.size());
  out += directory;
  put32(out, 0x06054b50);
  put32(out, 0);  // disks
  put16(out, static_cast<uint32_t>(members.size()));
  put16(out, static_cast<uint32_t>(members.size()));
  put32(out, static_cast<uint32_t>(directory.size()));
  put32(out, directory_offset);
  put16(out, 0);  // comment
  return out;
}

}  // namespace nabla::fuzz
