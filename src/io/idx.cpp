// load_idx: the IDX format of MNIST — magic bytes 00 00 TYPE NDIM, NDIM big-endian uint32
// dimensions, then big-endian data — plain or gzipped (zlib's gzread reads both).
#include "nabla/io/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "io/byte_order.hpp"
#include "io/file.hpp"

namespace nabla {
namespace {

struct IdxType {
  unsigned char code;
  size_t size;  // bytes per element on disk
  DType dtype;
};
// Types narrower than their dtype (int8, int16) are widened on reading.
constexpr IdxType kTypes[] = {
    {0x08, 1, DType::UInt8}, {0x09, 1, DType::Int32},   {0x0B, 2, DType::Int32},
    {0x0C, 4, DType::Int32}, {0x0D, 4, DType::Float32}, {0x0E, 8, DType::Float64},
};
// Deflate cannot expand data more than ~1032 times: a header claiming more than that for a
// .gz file is corrupt, and is refused before anything is allocated.
constexpr uint64_t kMaxDeflateRatio = 1032;

struct GzClose {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzClose>;

[[noreturn]] void throw_gz_error(gzFile_s* f, const char* what) {
  int code = Z_OK;
  std::string message = gzerror(f, &code);
  if (code == Z_ERRNO) message = io::errno_message();
  // zlib prefixes "PATH: "; the caller names the file already.
  if (const size_t colon = message.rfind(": "); colon != std::string::npos) {
    message = message.substr(colon + 2);
  }
  throw IOError(std::string(what) + ": " + message);
}

void read_exact(gzFile_s* f, void* dst, size_t n, const char* what) {
  auto* out = static_cast<char*>(dst);
  while (n > 0) {
    const auto chunk = static_cast<unsigned>(std::min<size_t>(n, size_t{1} << 30));
    const int got = gzread(f, out, chunk);
    if (got < 0) throw_gz_error(f, "corrupt data");
    if (got == 0) {
      int code = Z_OK;
      gzerror(f, &code);
      if (code != Z_OK) throw_gz_error(f, "corrupt data");
      throw IOError(detail::str_cat("truncated ", what, ": ", n, " more bytes were expected"));
    }
    out += got;
    n -= static_cast<size_t>(got);
  }
}

Tensor read_idx(const std::filesystem::path& path) {
  const io::File file(path);  // clear errors for missing files and directories; the size
  unsigned char start[2] = {0, 0};
  if (file.size() >= 2) file.read_at(0, start, 2);
  const bool gzipped = start[0] == 0x1f && start[1] == 0x8b;
  const GzFile f(gzopen(path.c_str(), "rb"));
  NABLA_CHECK(f != nullptr, IOError, "cannot open for reading: ", io::errno_message());
  gzbuffer(f.get(), 1 << 17);

  unsigned char magic[4];
  read_exact(f.get(), magic, 4, "header");
  NABLA_CHECK(magic[0] == 0 && magic[1] == 0, IOError, "not an IDX file (bad magic bytes)");
  const IdxType* type = nullptr;
  for (const IdxType& t : kTypes) {
    if (t.code == magic[2]) type = &t;
  }
  NABLA_CHECK(type != nullptr, IOError, "unsupported IDX data type 0x", std::hex, int{magic[2]});
  const int rank = magic[3];
  std::vector<unsigned char> raw_dims(static_cast<size_t>(rank) * 4);
  read_exact(f.get(), raw_dims.data(), raw_dims.size(), "header");
  std::vector<int64_t> dims;
  int64_t extent = 1;  // zero dimensions skipped: strides must not overflow either
  for (int i = 0; i < rank; ++i) {
    dims.push_back(io::load_bytes<uint32_t>(&raw_dims[static_cast<size_t>(i) * 4], true));
    NABLA_CHECK(!__builtin_mul_overflow(extent, std::max<int64_t>(dims.back(), 1), &extent),
                IOError, "shape too large");
  }
  const Shape shape(std::move(dims));
  const int64_t numel = shape.numel();
  uint64_t bytes = 0;
  NABLA_CHECK(!__builtin_mul_overflow(static_cast<uint64_t>(numel), type->size, &bytes), IOError,
              "shape ", shape, " is too large");
  const uint64_t header_size = 4 + raw_dims.size();
  if (gzipped) {
    NABLA_CHECK(bytes <= file.size() * kMaxDeflateRatio + 1024, IOError, "the header's shape ",
                shape, " needs ", bytes, " bytes, more than ", file.size(),
                " gzipped bytes can hold");
  } else {
    NABLA_CHECK(header_size + bytes <= file.size(), IOError, "truncated data: shape ", shape,
                " needs ", bytes, " bytes, only ", file.size() - header_size, " remain");
  }

  Tensor t = Tensor::empty(shape, type->dtype);
  if (numel > 0 && type->size == t.itemsize()) {
    read_exact(f.get(), t.data_ptr(), bytes, "data");
    if (type->size > 1) io::swap_in_place(t.data_ptr(), type->size, numel);
  } else if (numel > 0) {  // signed bytes and shorts widen to int32
    std::vector<unsigned char> raw(bytes);
    read_exact(f.get(), raw.data(), bytes, "data");
    int32_t* out = t.data<int32_t>();
    for (int64_t i = 0; i < numel; ++i) {
      const unsigned char* p = &raw[static_cast<size_t>(i) * type->size];
      if (type->size == 2) {
        out[i] = static_cast<int16_t>(io::load_bytes<uint16_t>(p, true));
      } else {
        out[i] = static_cast<int8_t>(*p);
      }
    }
  }
  // Reading past the end also makes zlib verify the gzip CRC and length.
  unsigned char extra = 0;
  const int got = gzread(f.get(), &extra, 1);
  int code = Z_OK;
  gzerror(f.get(), &code);
  if (got < 0 || code != Z_OK) throw_gz_error(f.get(), "corrupt data");
  NABLA_CHECK(got == 0, IOError, "unexpected bytes after the data of shape ", shape);
  return t;
}

}  // namespace

Tensor load_idx(const std::filesystem::path& path) {
  try {
    return read_idx(path);
  } catch (const IOError& e) {
    throw IOError(detail::str_cat("load_idx: ", path, ": ", e.what()));
  }
}

}  // namespace nabla
