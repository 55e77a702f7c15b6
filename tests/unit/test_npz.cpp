// save_npz / load_npz and the zip layer: round trips, every malformed-archive path (bad records,
// CRC mismatch, ZIP64, impossible sizes), and atomic saves that never destroy the previous file.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <fstream>
#include <nabla/nabla.hpp>

#include "io/zip.hpp"
#include "unit/file_test_util.hpp"
#include "unit/numpy_interop.hpp"

namespace {
using namespace nabla;
using nabla::testing::expect_io_error;
using nabla::testing::overwrite_bytes;
using nabla::testing::read_bytes;
using nabla::testing::TempDir;
using nabla::testing::write_bytes;

uint32_t get32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = v << 8 | static_cast<unsigned char>(s[at + static_cast<size_t>(i)]);
  return v;
}
void put(std::string& s, size_t at, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i)
    s[at + static_cast<size_t>(i)] = static_cast<char>(value >> (8 * i));
}

void expect_same(const Tensor& actual, const Tensor& expected) {
  ASSERT_EQ(actual.dtype(), expected.dtype());
  ASSERT_EQ(actual.shape(), expected.shape());
  visit_dtype(expected.dtype(),
              [&]<class T>(T) { EXPECT_EQ(actual.to_vector<T>(), expected.to_vector<T>()); });
}

std::map<std::string, Tensor> sample() {
  return {{"a", tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}})},
          {"b", from_vector(std::vector<int64_t>{7, -8, 9, 1})}};
}

TEST(Npz, RoundTrips) {
  TempDir dir;
  std::map<std::string, Tensor> tensors = sample();
  tensors["flags"] = tensor({true, false, true});
  tensors["scalar"] = tensor(2.5);
  tensors["empty"] = zeros({3, 0}, int32);
  tensors["view"] = nabla::testing::random_tensor({5, 4}, float64, 1).transpose();
  tensors["nested/name"] = tensor({1, 2});
  save_npz(dir / "t.npz", tensors);
  const auto loaded = load_npz(dir / "t.npz");
  ASSERT_EQ(loaded.size(), tensors.size());
  for (const auto& [name, t] : tensors) expect_same(loaded.at(name), t.contiguous());
  save_npz(dir / "none.npz", {});
  EXPECT_TRUE(load_npz(dir / "none.npz").empty());
}

TEST(Npz, PythonZipfileAcceptsTheArchive) {
  NABLA_SKIP_WITHOUT_NUMPY();
  TempDir dir;
  save_npz(dir / "t.npz", sample());
  const auto result = nabla::testing::run_python(
      dir, "import zipfile\nz = zipfile.ZipFile(r'" + (dir / "t.npz").string() +
               "')\nassert z.testzip() is None\nprint(sorted(z.namelist()))\n");
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_EQ(result.output, "['a.npy', 'b.npy']\n");
}

TEST(Npz, MalformedArchivesRaiseIOError) {
  TempDir dir;
  const auto path = dir / "bad.npz";
  save_npz(path, sample());
  const std::string good = read_bytes(path);
  const size_t end = good.size() - 22;  // end of central directory record
  const size_t directory = get32(good, end + 16);
  const size_t central_b = directory + 46 + 5;  // second central entry, after "a.npy"
  auto load = [&] { (void)load_npz(path); };
  auto patched = [&](size_t at, uint64_t value, int bytes) {
    std::string bad = good;
    put(bad, at, value, bytes);
    write_bytes(path, bad);
  };

  patched(directory - 1, static_cast<unsigned char>(good[directory - 1]) ^ 1, 1);
  expect_io_error(load, path, "member 'b.npy': CRC-32 mismatch");
  write_bytes(path, good.substr(0, good.size() / 2));
  expect_io_error(load, path, "no end of central directory record");
  write_bytes(path, "PK but not really a zip archive, just some text of sufficient length");
  expect_io_error(load, path, "not a zip archive");
  patched(end + 12, 0xffffffff, 4);
  expect_io_error(load, path, "ZIP64 archives are not supported");
  patched(central_b + 20, 0xffffffff, 4);
  expect_io_error(load, path, "ZIP64");
  patched(end + 16, directory + 1000, 4);
  expect_io_error(load, path, "the directory lies outside the file");
  patched(end + 4, 1, 2);
  expect_io_error(load, path, "multi-disk");
  patched(0, 0x04034b51, 4);
  expect_io_error(load, path, "member 'a.npy': bad local header signature");
  patched(directory, 0, 4);
  expect_io_error(load, path, "bad central directory entry 0");
  patched(central_b + 10, 12, 2);
  expect_io_error(load, path, "unsupported compression method 12");
  patched(central_b + 8, 1, 2);
  expect_io_error(load, path, "encrypted");
  patched(central_b + 24, get32(good, central_b + 24) + 1, 4);
  expect_io_error(load, path, "stored member with different compressed");
  {
    std::string bad = good;
    put(bad, central_b + 20, get32(good, central_b + 20) + 100, 4);
    put(bad, central_b + 24, get32(good, central_b + 24) + 100, 4);
    write_bytes(path, bad);
    expect_io_error(load, path, "runs past the central directory");
  }
  {  // A deflated member claiming 4 GB from a few bytes: refused before any allocation.
    std::string bad = good;
    put(bad, central_b + 10, 8, 2);
    put(bad, central_b + 24, 0xf0000000, 4);
    write_bytes(path, bad);
    expect_io_error(load, path, "is impossible for");
  }
  patched(central_b + 10, 8, 2);  // stored .npy bytes are not valid deflate data
  expect_io_error(load, path, "member 'b.npy'");
  patched(30, 'A', 1);  // local name "A.npy" vs central "a.npy"
  expect_io_error(load, path, "local header names 'A.npy'");
}

TEST(Npz, ArchivesOfOtherMembersRaiseIOError) {
  TempDir dir;
  const auto path = dir / "other.npz";
  auto write_archive = [&](const std::vector<std::string>& names) {
    io::AtomicWriter out(path);
    io::ZipWriter zip(out);
    const std::string npy = read_bytes(dir / "one.npy");
    for (const auto& name : names) {
      const std::span<const unsigned char> piece(reinterpret_cast<const unsigned char*>(npy.data()),
                                                 npy.size());
      zip.add_stored(name, {&piece, 1});
    }
    zip.finish();
    out.commit();
  };
  save_npy(dir / "one.npy", tensor({1.5f}));
  write_archive({"x.npy", "notes.txt"});
  expect_io_error([&] { (void)load_npz(path); }, path, "member 'notes.txt' is not a .npy file");
  write_archive({"x.npy", "x.npy"});
  expect_io_error([&] { (void)load_npz(path); }, path, "duplicate member 'x.npy'");
  write_archive({"x.npy"});
  expect_same(load_npz(path).at("x"), tensor({1.5f}));
}

TEST(Npz, BitFlipsNeverLoadWrongValues) {
  TempDir dir;
  const auto path = dir / "flip.npz";
  const Tensor original = tensor({1, 2, 3});
  save_npz(path, {{"v", original}});
  const std::string good = read_bytes(path);
  int failures = 0;
  for (size_t byte = 0; byte < good.size(); ++byte) {
    for (int bit : {0, 6}) {
      std::string bad = good;
      bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
      overwrite_bytes(path, bad);
      try {
        // Flips in fields nabla ignores (times, attributes, local sizes) still load correctly.
        const auto loaded = load_npz(path);
        ASSERT_EQ(loaded.size(), 1u) << "byte " << byte;
        expect_same(loaded.begin()->second, original);
      } catch (const IOError&) {
        ++failures;
      }
    }
  }
  EXPECT_GT(failures, static_cast<int>(good.size()));  // most flips are caught
}

// Caps the size of files this process may write; SIGXFSZ ignored so write() fails with EFBIG.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = old_;
    limit.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit old_{};
  void (*old_handler_)(int) = nullptr;
};

size_t count_files(const std::filesystem::path& dir) {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

TEST(AtomicSave, ReplacesTheFileAndLeavesNoTemporaries) {
  TempDir dir;
  save_npy(dir / "x.npy", tensor({1, 2}));
  save_npy(dir / "x.npy", tensor({3.f}));
  expect_same(load_npy(dir / "x.npy"), tensor({3.f}));
  save_npz(dir / "x.npz", sample());
  save_npz(dir / "x.npz", {{"c", tensor(true)}});
  EXPECT_EQ(load_npz(dir / "x.npz").count("c"), 1u);
  EXPECT_EQ(count_files(dir.path()), 2u);
}

TEST(AtomicSave, AFailedWriteKeepsThePreviousFile) {
  TempDir dir;
  const Tensor small = tensor({1, 2, 3});
  const Tensor big = zeros({100000});
  save_npy(dir / "x.npy", small);
  save_npz(dir / "x.npz", {{"s", small}});
  {
    const FileSizeLimit limit(4096);  // the big tensor's 400 KB cannot be written
    expect_io_error([&] { save_npy(dir / "x.npy", big); }, dir / "x.npy", "write failed");
    expect_io_error([&] { save_npz(dir / "x.npz", {{"b", big}}); }, dir / "x.npz", "write failed");
  }
  expect_same(load_npy(dir / "x.npy"), small);
  expect_same(load_npz(dir / "x.npz").at("s"), small);
  EXPECT_EQ(count_files(dir.path()), 2u);  // the temporaries were removed
}

TEST(AtomicSave, TensorsWithoutDataAreRefusedBeforeWriting) {
  TempDir dir;
  save_npy(dir / "x.npy", tensor({1, 2}));
  EXPECT_THROW(save_npy(dir / "x.npy", Tensor()), ValueError);
  auto symbolic = std::make_shared<TensorImpl>();
  symbolic->layout = Layout(Shape{2});
  EXPECT_THROW(save_npy(dir / "x.npy", Tensor(symbolic)), ValueError);
  EXPECT_THROW(save_npz(dir / "x.npy", {{"a", tensor(1)}, {"s", Tensor(symbolic)}}), ValueError);
  auto on_gpu = std::make_shared<TensorImpl>(tensor({1, 2}).impl());
  on_gpu->device = Device::cuda(0);
  EXPECT_THROW(save_npy(dir / "x.npy", Tensor(on_gpu)), DeviceError);
  expect_same(load_npy(dir / "x.npy"), tensor({1, 2}));
  EXPECT_EQ(count_files(dir.path()), 1u);
  expect_io_error([&] { save_npy(dir / "missing" / "x.npy", tensor(1)); },
                  dir / "missing" / "x.npy", "cannot create a temporary file");
}

}  // namespace
