// load_idx: every IDX element type, plain and gzipped, corrupt and malicious files, and the real
// MNIST test set when NABLA_DATA points at the data folder.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nabla/nabla.hpp>

#include "unit/file_test_util.hpp"
#include "unit/numpy_interop.hpp"

namespace {
using namespace nabla;
using nabla::testing::expect_io_error;
using nabla::testing::TempDir;
using nabla::testing::write_bytes;

void put_be(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

// An IDX file: 00 00 TYPE NDIM, big-endian dims, then `data` as given.
std::string idx_file(unsigned char type, const std::vector<uint32_t>& dims,
                     const std::string& data) {
  std::string out{'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) put_be(out, d, 4);
  return out + data;
}

template <class T>
std::string big_endian(const std::vector<T>& values) {
  std::string out;
  for (T v : values) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    put_be(out, bits, sizeof(T));
  }
  return out;
}

uint32_t crc32_of(const std::string& data) {
  uint32_t crc = 0xffffffff;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
  }
  return ~crc;
}

// A gzip file (RFC 1952) of deflate "stored" blocks: independent of zlib, which nabla reads with.
std::string gzip(const std::string& data) {
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
  size_t position = 0;
  do {
    const size_t n = std::min<size_t>(data.size() - position, 65535);
    out += static_cast<char>(position + n == data.size() ? 1 : 0);  // BFINAL, BTYPE 00
    for (uint32_t v : {static_cast<uint32_t>(n), static_cast<uint32_t>(~n & 0xffff)}) {
      out += static_cast<char>(v & 0xff);
      out += static_cast<char>(v >> 8);
    }
    out += data.substr(position, n);
    position += n;
  } while (position < data.size());
  for (uint32_t v : {crc32_of(data), static_cast<uint32_t>(data.size())}) {
    for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  }
  return out;
}

void expect_same(const Tensor& actual, const Tensor& expected) {
  ASSERT_EQ(actual.dtype(), expected.dtype());
  ASSERT_EQ(actual.shape(), expected.shape());
  visit_dtype(expected.dtype(),
              [&]<class T>(T) { EXPECT_EQ(actual.to_vector<T>(), expected.to_vector<T>()); });
}

TEST(Idx, ReadsEveryTypePlainAndGzipped) {
  TempDir dir;
  struct Case {
    std::string file;
    Tensor expected;
  };
  const std::vector<Case> cases = {
      {idx_file(0x08, {2, 3}, std::string("\x00\x01\x7f\x80\xc8\xff", 6)),
       tensor<uint8_t>({{0, 1, 127}, {128, 200, 255}})},
      {idx_file(0x09, {4}, std::string("\x80\xff\x00\x7f", 4)), tensor({-128, -1, 0, 127})},
      {idx_file(0x0B, {2}, big_endian<int16_t>({-300, 30000})), tensor({-300, 30000})},
      {idx_file(0x0C, {3}, big_endian<int32_t>({-70000, 0, 2147483647})),
       tensor({-70000, 0, 2147483647})},
      {idx_file(0x0D, {2, 2}, big_endian<float>({1.5f, -2.25f, 1e30f, 0.f})),
       tensor({{1.5f, -2.25f}, {1e30f, 0.f}})},
      {idx_file(0x0E, {3}, big_endian<double>({0.1, -1e-300, 12345.678})),
       tensor({0.1, -1e-300, 12345.678})},
      {idx_file(0x08, {2, 2, 3}, std::string("abcdefghijkl")),
       tensor<uint8_t>({{{97, 98, 99}, {100, 101, 102}}, {{103, 104, 105}, {106, 107, 108}}})},
      {idx_file(0x08, {0, 28}, ""), zeros({0, 28}, uint8)},
      {idx_file(0x0D, {}, big_endian<float>({7.f})), tensor(7.f)},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    write_bytes(dir / "plain.idx", cases[i].file);
    expect_same(load_idx(dir / "plain.idx"), cases[i].expected);
    write_bytes(dir / "packed.idx.gz", gzip(cases[i].file));
    expect_same(load_idx(dir / "packed.idx.gz"), cases[i].expected);
  }
  // A file spanning several deflate blocks.
  std::string pixels(70000 * 3, '\0');
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<char>(i * 7);
  write_bytes(dir / "big.gz", gzip(idx_file(0x08, {70000, 3}, pixels)));
  const Tensor big = load_idx(dir / "big.gz");
  ASSERT_EQ(big.shape(), (Shape{70000, 3}));
  ASSERT_EQ(big.dtype(), uint8);
  const auto values = big.to_vector<uint8_t>();
  for (size_t i = 0; i < values.size(); i += 997)
    EXPECT_EQ(values[i], static_cast<uint8_t>((i * 7) & 0xff));
}

TEST(Idx, CorruptFilesRaiseIOError) {
  TempDir dir;
  const auto path = dir / "bad.idx";
  auto load = [&] { (void)load_idx(path); };
  auto check = [&](const std::string& bytes, const std::string& what) {
    SCOPED_TRACE(what);
    write_bytes(path, bytes);
    expect_io_error(load, path, what);
    write_bytes(path, gzip(bytes));
    expect_io_error(load, path, what);
  };
  expect_io_error([&] { (void)load_idx(dir / "missing.gz"); }, dir / "missing.gz", "cannot open");
  check("", "truncated header");
  check(std::string("\x00\x00\x08\x01\x00\x00", 6), "truncated header");
  check(idx_file(0x08, {3}, "abc").replace(0, 1, "\x01"), "bad magic");
  check(idx_file(0x07, {3}, "abc"), "unsupported IDX data type 0x7");
  check(idx_file(0x08, {3}, "abcd"), "unexpected bytes after the data");
  check(idx_file(0x08, {0xffffffff, 0xffffffff, 0xffffffff}, "x"), "shape too large");
  check(idx_file(0x08, {0, 0xffffffff, 0xffffffff, 0xffffffff}, ""), "shape too large");
  // Short data: the plain size check comes before any allocation; gzip streams end early.
  write_bytes(path, idx_file(0x08, {10}, "abcde"));
  expect_io_error(load, path, "truncated data: shape [10] needs 10 bytes, only 5 remain");
  write_bytes(path, gzip(idx_file(0x08, {10}, "abcde")));
  expect_io_error(load, path, "truncated data");
  write_bytes(path, idx_file(0x0E, {65536, 65536}, "12345678"));
  expect_io_error(load, path, "needs 34359738368 bytes");
  write_bytes(path, gzip(idx_file(0x0E, {65536, 65536}, "12345678")));
  expect_io_error(load, path, "more than");

  const std::string packed = gzip(idx_file(0x08, {4, 4}, "0123456789abcdef"));
  write_bytes(path, packed.substr(0, packed.size() - 12));  // cut inside the data
  expect_io_error(load, path, "load_idx");
  std::string bad_crc = packed;
  bad_crc[bad_crc.size() - 6] ^= 1;
  write_bytes(path, bad_crc);
  expect_io_error(load, path, "corrupt data");
}

TEST(Idx, ReadsPythonsGzip) {
  NABLA_SKIP_WITHOUT_NUMPY();
  TempDir dir;
  // Real (compressed) deflate data, written by Python's gzip module.
  const auto result =
      nabla::testing::run_python(dir,
                                 "import gzip, struct\n"
                                 "a = (np.arange(5000) % 251).astype('>i2')\n"
                                 "open(r'" +
                                     (dir / "a.gz").string() +
                                     "', 'wb').write(gzip.compress(b'\\0\\0\\x0b\\x02' + "
                                     "struct.pack('>II', 50, 100) + a.tobytes()))\n");
  ASSERT_EQ(result.status, 0) << result.output;
  const Tensor t = load_idx(dir / "a.gz");
  ASSERT_EQ(t.shape(), (Shape{50, 100}));
  const auto values = t.to_vector<int32_t>();
  for (size_t i = 0; i < values.size(); ++i) ASSERT_EQ(values[i], static_cast<int32_t>(i % 251));
}

std::string md5sum(const std::filesystem::path& path) {
  const std::string command = "md5sum '" + path.string() + "'";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  char digest[33] = {};
  const size_t n = fread(digest, 1, 32, pipe);
  pclose(pipe);
  return std::string(digest, n);
}

// The decompressed IDX bytes of `t` (ubyte data), for comparing with the published md5 sums.
void write_ubyte_idx(const Tensor& t, const std::filesystem::path& path) {
  std::string data;
  for (uint8_t v : t.to_vector<uint8_t>()) data += static_cast<char>(v);
  std::vector<uint32_t> dims(t.shape().begin(), t.shape().end());
  write_bytes(path, idx_file(0x08, dims, data));
}

TEST(Idx, LoadsTheMnistTestSet) {
  const char* data = std::getenv("NABLA_DATA");
  if (data == nullptr || *data == '\0') GTEST_SKIP() << "NABLA_DATA is not set (the data folder)";
  const std::filesystem::path mnist = std::filesystem::path(data) / "mnist";
  if (!std::filesystem::exists(mnist / "t10k-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "no MNIST test set under " << mnist;
  }
  const Tensor images = load_idx(mnist / "t10k-images-idx3-ubyte.gz");
  const Tensor labels = load_idx(mnist / "t10k-labels-idx1-ubyte.gz");
  ASSERT_EQ(images.shape(), (Shape{10000, 28, 28}));
  ASSERT_EQ(images.dtype(), uint8);  // as Keras's mnist.load_data()
  ASSERT_EQ(labels.shape(), (Shape{10000}));
  ASSERT_EQ(labels.dtype(), uint8);
  const auto pixels = images.to_vector<int32_t>();
  EXPECT_EQ(*std::min_element(pixels.begin(), pixels.end()), 0);
  EXPECT_EQ(*std::max_element(pixels.begin(), pixels.end()), 255);
  std::vector<int> counts(10, 0);
  for (int32_t label : labels.to_vector<int32_t>()) {
    ASSERT_GE(label, 0);
    ASSERT_LE(label, 9);
    ++counts[static_cast<size_t>(label)];
  }
  for (int c : counts) EXPECT_GT(c, 800);
  // Written back as raw IDX, the bytes match the published md5 sums (data/README.md).
  TempDir dir;
  write_ubyte_idx(labels, dir / "labels");
  write_ubyte_idx(images, dir / "images");
  EXPECT_EQ(md5sum(dir / "labels"), "27ae3e4e09519cfbb04c329615203637");
  EXPECT_EQ(md5sum(dir / "images"), "2646ac647ad5339dbf082846283269ea");
}

}  // namespace
