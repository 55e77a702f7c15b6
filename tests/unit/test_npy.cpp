// save_npy / load_npy: round trips of every dtype and layout, NumPy reading nabla's files and
// nabla reading NumPy's (Fortran order, big-endian, narrow ints, format versions, npz), and corrupt
// or malicious headers failing with an IOError that names the file.
#include <gtest/gtest.h>

#include <fstream>
#include <nabla/nabla.hpp>

#include "unit/file_test_util.hpp"
#include "unit/numpy_interop.hpp"

namespace {
using namespace nabla;
using nabla::testing::expect_io_error;
using nabla::testing::overwrite_bytes;
using nabla::testing::read_bytes;
using nabla::testing::TempDir;
using nabla::testing::write_bytes;

void expect_same(const Tensor& actual, const Tensor& expected) {
  ASSERT_EQ(actual.dtype(), expected.dtype());
  ASSERT_EQ(actual.shape(), expected.shape());
  EXPECT_TRUE(actual.is_contiguous());
  visit_dtype(expected.dtype(),
              [&]<class T>(T) { EXPECT_EQ(actual.to_vector<T>(), expected.to_vector<T>()); });
}

// Expects `fn` to throw IOError whose message names `path` and contains `what`.

// A .npy file with the given dict text (padded to 64 bytes unless `pad` is false) and data.
std::string make_npy(const std::string& dict, const std::string& data = "", int major = 1) {
  const size_t length_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  while ((6 + 2 + length_bytes + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  for (size_t i = 0; i < length_bytes; ++i)
    out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

std::vector<Tensor> sample_tensors() {
  std::vector<bool> flags;
  for (int i = 0; i < 15; ++i) flags.push_back(i % 4 == 1);
  return {
      nabla::testing::random_tensor({2, 3}, float32, 1),
      nabla::testing::random_tensor({4, 1, 5}, float64, 2),
      nabla::testing::random_tensor({7}, int32, 3, -1e9, 1e9),
      from_vector(std::vector<int64_t>{int64_t{1} << 62, -(int64_t{1} << 40), 0, -1}),
      from_vector(flags, {3, 5}),
      tensor(2.5f),
      tensor(int64_t{-9}),
      zeros({2, 0, 3}, float64),
      zeros({0}, int32),
      nabla::testing::random_tensor({3, 1, 4, 2}, float32, 4),
      nabla::testing::random_tensor({4, 6}, uint8, 5, 0, 256),
      tensor(uint8_t{200}),
  };
}

TEST(Npy, RoundTripsEveryDtypeAndShape) {
  TempDir dir;
  for (const Tensor& t : sample_tensors()) {
    save_npy(dir / "t.npy", t);
    expect_same(load_npy(dir / "t.npy"), t);
  }
}

TEST(Npy, SavesViewsInCOrder) {
  TempDir dir;
  Tensor base = nabla::testing::random_tensor({4, 6}, float64, 5);
  for (const Tensor& view :
       {base.transpose(), base.slice(1, 5, 0, -2), base[2], base.unsqueeze(1).expand({4, 3, 6})}) {
    save_npy(dir / "v.npy", view);
    expect_same(load_npy(dir / "v.npy"), view.contiguous());
  }
}

TEST(Npy, WritesNumpysHeaderLayout) {
  TempDir dir;
  save_npy(dir / "h.npy", zeros({2, 3}));
  const std::string bytes = read_bytes(dir / "h.npy");
  ASSERT_EQ(bytes.size(), 128u + 24u);
  EXPECT_EQ(bytes.substr(0, 10), std::string("\x93NUMPY\x01\x00\x76\x00", 10));
  EXPECT_EQ(bytes.substr(10, 59), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
  EXPECT_EQ(bytes[127], '\n');
  save_npy(dir / "h.npy", zeros({5}, bool_));
  EXPECT_NE(
      read_bytes(dir / "h.npy").find("{'descr': '|b1', 'fortran_order': False, 'shape': (5,), }"),
      std::string::npos);
  save_npy(dir / "h.npy", zeros({2}, uint8));
  EXPECT_NE(
      read_bytes(dir / "h.npy").find("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }"),
      std::string::npos);
  save_npy(dir / "h.npy", tensor(int64_t{1}));
  EXPECT_NE(read_bytes(dir / "h.npy").find("'descr': '<i8', 'fortran_order': False, 'shape': ()"),
            std::string::npos);
}

TEST(Npy, ReadsCraftedFormats) {
  TempDir dir;
  const auto path = dir / "c.npy";
  // Versions 2.0 and 3.0 (4-byte header length).
  const std::string data(reinterpret_cast<const char*>(std::array<float, 2>{1.5f, -2.f}.data()), 8);
  for (int major : {2, 3}) {
    write_bytes(path,
                make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data, major));
    expect_same(load_npy(path), tensor({1.5f, -2.f}));
  }
  // Fortran order: the data 0..5 of a [2, 3] array column by column.
  std::string column_major;
  for (int32_t v : {0, 1, 2, 3, 4, 5}) column_major.append(reinterpret_cast<const char*>(&v), 4);
  write_bytes(path, make_npy("{\"shape\": (2, 3), \"fortran_order\": True, \"descr\": \"<i4\"}",
                             column_major));
  expect_same(load_npy(path), tensor({{0, 2, 4}, {1, 3, 5}}));
  // Big-endian int32 and Python 2 longs in the shape.
  write_bytes(path, make_npy("{'descr': '>i4', 'fortran_order': False, 'shape': (2L,), }",
                             std::string("\x00\x00\x01\x02\xff\xff\xff\xfe", 8)));
  expect_same(load_npy(path), tensor({258, -2}));
  // Any nonzero byte is True.
  write_bytes(path, make_npy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
                             std::string("\x00\x07\x01", 3)));
  expect_same(load_npy(path), tensor({false, true, true}));
}

TEST(Npy, CorruptFilesRaiseIOError) {
  TempDir dir;
  const auto path = dir / "bad.npy";
  auto load = [&] { (void)load_npy(path); };
  expect_io_error([&] { (void)load_npy(dir / "missing.npy"); }, dir / "missing.npy", "cannot open");
  expect_io_error([&] { (void)load_npy(dir.path()); }, dir.path(), "directory");
  write_bytes(path, "this is not an npy file at all");
  expect_io_error(load, path, "bad magic");
  write_bytes(path, "\x93NU");
  expect_io_error(load, path, "too short");

  save_npy(path, arange(0, 100).astype(float64));
  const std::string good = read_bytes(path);
  write_bytes(path, good.substr(0, good.size() - 8));
  expect_io_error(load, path, "truncated data: shape [100] of '<f8' needs 800 bytes, only 792");
  write_bytes(path, good + "xyz");
  expect_io_error(load, path, "3 unexpected bytes after the data");
  write_bytes(path, good.substr(0, 40));
  expect_io_error(load, path, "truncated header");
  write_bytes(path, good.substr(0, 6) + "\x04" + good.substr(7));
  expect_io_error(load, path, "unsupported .npy format version 4.0");
  write_bytes(path, good.substr(0, 8) + "\xff\xff" + good.substr(10));
  expect_io_error(load, path, "truncated header");
  write_bytes(path, good.substr(0, 6) + "\x02" + good.substr(7, 1) + "\xff\xff\xff\x7f");
  expect_io_error(load, path, "implausibly large");
}

TEST(Npy, BadHeaderDictsRaiseIOError) {
  TempDir dir;
  const auto path = dir / "dict.npy";
  const std::pair<std::string, std::string> cases[] = {
      {"{'descr': '<f4', 'fortran_order': False}", "must have the keys"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "unexpected key"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': ()}", "duplicate key"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (3)}", "not a tuple"},
      {"{'descr': '<f4', 'fortran_order': Maybe, 'shape': ()}", "expected True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3)}", "negative dimension"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}",
       "dimension too large"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } junk", "after the dict"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", "expected ',' or '}'"},
      {"{'descr: '<f4'}", "expected ':'"},
      {"['descr', '<f4']", "expected '{'"},
      {"{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': ()}", "structured dtypes"},
      {"{'descr': '<c32', 'fortran_order': False, 'shape': ()}", "unsupported dtype '<c32'"},
      {"{'descr': '<f2', 'fortran_order': False, 'shape': ()}", "unsupported dtype '<f2'"},
      {"{'descr': '|f8', 'fortran_order': False, 'shape': ()}", "unsupported dtype '|f8'"},
      {"{'descr': '|O', 'fortran_order': False, 'shape': ()}", "unsupported dtype '|O'"},
  };
  for (const auto& [dict, what] : cases) {
    write_bytes(path, make_npy(dict));
    SCOPED_TRACE(dict);
    expect_io_error([&] { (void)load_npy(path); }, path, what);
  }
}

TEST(Npy, GiantShapesFailBeforeAllocating) {
  TempDir dir;
  const auto path = dir / "giant.npy";
  const std::pair<std::string, std::string> cases[] = {
      {"(4611686018427387904, 4)", "more elements than int64 can count"},
      {"(0, 4611686018427387904, 4)", "more elements than int64 can count"},
      {"(2305843009213693952,)", "is too large"},  // numel fits, bytes overflow
      {"(1000000000000,)", "needs 8000000000000 bytes, only 16 remain"},
      {"(65536, 65536, 65536)", "needs 2251799813685248 bytes"},
      {"(1,,)", "expected a dimension"},
      {"(2, 03)", "leading zero"},
  };
  for (const auto& [shape, what] : cases) {
    write_bytes(path, make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }",
                               std::string(16, '\0')));
    SCOPED_TRACE(shape);
    expect_io_error([&] { (void)load_npy(path); }, path, what);
  }
  std::string many_dims = "(";
  for (int i = 0; i < 65; ++i) many_dims += "1, ";
  write_bytes(path,
              make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': " + many_dims + "), }",
                       std::string(8, '\0')));
  expect_io_error([&] { (void)load_npy(path); }, path, "65 dimensions");
}

TEST(Npy, BitFlippedHeadersNeverLoadWrongShapes) {
  TempDir dir;
  const auto path = dir / "flip.npy";
  save_npy(path, nabla::testing::random_tensor({2, 3}, float32, 6));
  const std::string good = read_bytes(path);
  int failures = 0, flips = 0;
  for (size_t byte = 0; byte < 128; ++byte) {  // the whole header
    for (int bit = 0; bit < 8; ++bit, ++flips) {
      std::string bad = good;
      bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
      overwrite_bytes(path, bad);
      try {
        const Tensor t = load_npy(path);
        // Only the byte-order character can flip into another valid value ('<' to '>' or '=').
        EXPECT_EQ(t.shape(), (Shape{2, 3})) << "byte " << byte << " bit " << bit;
        EXPECT_EQ(t.dtype(), float32);
      } catch (const IOError& e) {
        ++failures;
        EXPECT_NE(std::string(e.what()).find("flip.npy"), std::string::npos);
      }
    }
  }
  EXPECT_GE(failures, flips - 2);
}

TEST(NpyNumpy, NumpyReadsNablaFiles) {
  NABLA_SKIP_WITHOUT_NUMPY();
  TempDir dir;
  std::string script;
  std::map<std::string, Tensor> archive;
  int i = 0;
  for (const Tensor& t : sample_tensors()) {
    const std::string name = "t" + std::to_string(i++);
    save_npy(dir / (name + ".npy"), t);
    nabla::testing::write_raw(t, dir / (name + ".bin"));
    archive[name] = t;
    script += nabla::testing::python_load_raw("want", t, dir / (name + ".bin"));
    script += "got = np.load(r'" + (dir / (name + ".npy")).string() + "')\n";
    script += "assert got.dtype == want.dtype and got.shape == want.shape, ('" + name +
              "', got.dtype, got.shape)\nassert np.array_equal(got, want), '" + name + "'\n";
    script += "z = np.load(r'" + (dir / "all.npz").string() + "')\n";
    script += "assert z['" + name + "'].dtype == want.dtype and np.array_equal(z['" + name +
              "'], want), 'npz " + name + "'\n";
  }
  save_npz(dir / "all.npz", archive);
  script += "assert sorted(np.load(r'" + (dir / "all.npz").string() +
            "').files) == " + "sorted(['t%d' % i for i in range(" + std::to_string(i) +
            ")])\nprint('ok')\n";
  const auto result = nabla::testing::run_python(dir, script);
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_EQ(result.output, "ok\n");
}

TEST(NpyNumpy, NablaReadsNumpyFiles) {
  NABLA_SKIP_WITHOUT_NUMPY();
  TempDir dir;
  const auto result = nabla::testing::run_python(dir, R"(
import os, struct, zipfile
from numpy.lib import format as fmt
d = os.path.dirname(os.path.abspath(__file__))
def save(name, a):
    np.save(os.path.join(d, name + '.npy'), a)
save('c_f4', np.arange(6, dtype='<f4').reshape(2, 3) * 0.5)
save('fortran_f8', np.asfortranarray(np.arange(24.).reshape(2, 3, 4)))
save('fortran_be_f4', np.asfortranarray(np.arange(6, dtype='>f4').reshape(2, 3)))
save('be_i4', np.arange(-3, 3, dtype='>i4').reshape(2, 3))
save('be_i8', np.array([2**40, -5], dtype='>i8'))
save('be_f8', (np.arange(6) / 4).astype('>f8'))
save('bool', np.array([[True, False, True], [False, False, True]]))
save('zero_d', np.array(3.5, dtype=np.float32))
save('zero_d_i8', np.array(-7))
save('empty', np.zeros((0, 3), dtype=np.float32))
save('empty1', np.zeros(0, dtype=np.int64))
save('u1', np.array([0, 255, 7], dtype=np.uint8))
save('i1', np.array([-128, 127, 0], dtype=np.int8))
save('i2', np.array([-32768, 32767], dtype='<i2'))
save('be_i2', np.array([-2, 300], dtype='>i2'))
save('u2', np.array([65535, 1], dtype='<u2'))
save('u4', np.array([4294967295, 0], dtype='<u4'))
save('complex', np.zeros(3, dtype=np.clongdouble))  # complex64/128 are supported
save('half', np.zeros(3, dtype=np.float16))
save('structured', np.zeros(2, dtype=[('a', '<i4'), ('b', '<f4')]))
for version in [(2, 0), (3, 0)]:
    with open(os.path.join(d, 'v%d.npy' % version[0]), 'wb') as f:
        fmt.write_array(f, np.arange(4, dtype=np.float64), version=version)
np.savez(os.path.join(d, 'plain.npz'), a=np.arange(6, dtype=np.float32).reshape(2, 3),
         b=np.array([True, False]), s=np.array(5))
big = os.path.join(d, 'compressed.npz')
np.savez_compressed(big, x=np.arange(1000.).reshape(10, 100),
                    m=np.arange(12, dtype=np.int32).reshape(3, 4) % 2 == 0, e=np.zeros((0, 2)))
with zipfile.ZipFile(big) as z:
    info = z.getinfo('x.npy')
raw = bytearray(open(big, 'rb').read())
n, e = struct.unpack('<HH', raw[info.header_offset + 26:info.header_offset + 30])
raw[info.header_offset + 30 + n + e + info.compress_size // 2] ^= 0x10
open(os.path.join(d, 'corrupt.npz'), 'wb').write(raw)
print('ok')
)");
  ASSERT_EQ(result.status, 0) << result.output;
  auto load = [&](const std::string& name) { return load_npy(dir / (name + ".npy")); };
  auto iota = [](int64_t n, DType dtype) { return arange(0, n).astype(dtype); };
  expect_same(load("c_f4"), (iota(6, float32) * tensor(0.5f)).reshape({2, 3}));
  expect_same(load("fortran_f8"), iota(24, float64).reshape({2, 3, 4}));
  expect_same(load("fortran_be_f4"), iota(6, float32).reshape({2, 3}));
  expect_same(load("be_i4"), tensor({{-3, -2, -1}, {0, 1, 2}}));
  expect_same(load("be_i8"), from_vector(std::vector<int64_t>{int64_t{1} << 40, -5}));
  expect_same(load("be_f8"), tensor({0.0, 0.25, 0.5, 0.75, 1.0, 1.25}));
  expect_same(load("bool"), tensor({{true, false, true}, {false, false, true}}));
  expect_same(load("zero_d"), tensor(3.5f));
  expect_same(load("zero_d_i8"), tensor(int64_t{-7}));
  expect_same(load("empty"), zeros({0, 3}));
  expect_same(load("empty1"), zeros({0}, int64));
  expect_same(load("u1"), tensor<uint8_t>({0, 255, 7}));
  expect_same(load("i1"), tensor({-128, 127, 0}));
  expect_same(load("i2"), tensor({-32768, 32767}));
  expect_same(load("be_i2"), tensor({-2, 300}));
  expect_same(load("u2"), tensor({65535, 1}));
  expect_same(load("u4"), from_vector(std::vector<int64_t>{4294967295, 0}));
  expect_same(load("v2"), iota(4, float64));
  expect_same(load("v3"), iota(4, float64));
  expect_io_error([&] { (void)load("complex"); }, dir / "complex.npy", "unsupported dtype '<c32'");
  expect_io_error([&] { (void)load("half"); }, dir / "half.npy", "unsupported dtype '<f2'");
  expect_io_error([&] { (void)load("structured"); }, dir / "structured.npy", "structured");

  const auto plain = load_npz(dir / "plain.npz");
  ASSERT_EQ(plain.size(), 3u);
  expect_same(plain.at("a"), iota(6, float32).reshape({2, 3}));
  expect_same(plain.at("b"), tensor({true, false}));
  expect_same(plain.at("s"), tensor(int64_t{5}));
  const auto compressed = load_npz(dir / "compressed.npz");
  ASSERT_EQ(compressed.size(), 3u);
  expect_same(compressed.at("x"), iota(1000, float64).reshape({10, 100}));
  expect_same(
      compressed.at("m"),
      tensor({{true, false, true, false}, {true, false, true, false}, {true, false, true, false}}));
  expect_same(compressed.at("e"), zeros({0, 2}, float64));
  expect_io_error([&] { (void)load_npz(dir / "corrupt.npz"); }, dir / "corrupt.npz",
                  "member 'x.npy'");
}

}  // namespace
