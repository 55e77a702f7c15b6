// The dataset loaders: MD5 against RFC 1321's vectors; downloads from a loopback HTTP server
// (md5 verification, no partial files, cache reuse, mirror fallback, NABLA_DATA first);
// load_idx_folder; and the real MNIST / Fashion-MNIST files when NABLA_DATA has them.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <nabla/data/datasets.hpp>
#include <nabla/nabla.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "data/checksums_for_testing.hpp"
#include "data/md5.hpp"
#include "unit/file_test_util.hpp"
#include "unit/numpy_interop.hpp"

namespace {
using namespace nabla;
using datasets::Split;
using datasets::detail::md5_file;
using datasets::detail::md5_hex;
using nabla::testing::read_bytes;
using nabla::testing::TempDir;
using nabla::testing::write_bytes;
namespace fs = std::filesystem;

const std::vector<std::string> kFiles = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};

// ---- MD5 ---------------------------------------------------------------------------------------

TEST(Md5, MatchesTheRfc1321TestSuite) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(md5_hex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(md5_hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(md5_hex("1234567890123456789012345678901234567890123456789012345678901234567890"
                    "1234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(Md5, PiecesAndFilesGiveTheSameDigest) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data += static_cast<char>((i * 31 + i / 7) & 0xff);
  const std::string whole = md5_hex(data);
  // Splits on and off the 64-byte block boundaries, including the padding edge (55, 56, 64).
  for (size_t piece : {1, 3, 55, 56, 63, 64, 65, 1000, 65536}) {
    datasets::detail::Md5 md5;
    for (size_t at = 0; at < data.size(); at += piece) {
      const std::string_view part = std::string_view(data).substr(at, piece);
      md5.update(part.data(), part.size());
    }
    EXPECT_EQ(md5.hex_digest(), whole) << "pieces of " << piece;
  }
  for (size_t size : {55, 56, 57, 63, 64, 65, 119, 120}) {  // padding spills into a 2nd block
    const std::string prefix = data.substr(0, size);
    datasets::detail::Md5 md5;
    md5.update(prefix.data(), prefix.size());
    EXPECT_EQ(md5.hex_digest(), md5_hex(prefix)) << size;
  }
  TempDir dir;
  write_bytes(dir / "data.bin", data);
  EXPECT_EQ(md5_file(dir / "data.bin"), whole);
  EXPECT_THROW((void)md5_file(dir / "missing.bin"), IOError);
}

// ---- Small IDX datasets, gzipped ---------------------------------------------------------------

uint32_t crc32(const std::string& data) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void append_le32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

// RFC 1952 gzip of uncompressed deflate blocks: enough for zlib to read back, and no zlib here.
std::string gzip_stored(const std::string& data) {
  std::string out("\x1f\x8b\x08\0\0\0\0\0\0\xff", 10);
  size_t at = 0;
  do {
    const size_t n = std::min<size_t>(65535, data.size() - at);
    out += static_cast<char>(at + n == data.size());  // BFINAL on the last, BTYPE 00
    const auto len = static_cast<uint16_t>(n);
    const auto nlen = static_cast<uint16_t>(~len);
    out += {static_cast<char>(len & 0xff), static_cast<char>(len >> 8),
            static_cast<char>(nlen & 0xff), static_cast<char>(nlen >> 8)};
    out.append(data, at, n);
    at += n;
  } while (at < data.size());
  append_le32(out, crc32(data));
  append_le32(out, static_cast<uint32_t>(data.size()));
  return out;
}

std::string idx_bytes(const std::vector<uint32_t>& dims, const std::string& data) {
  std::string out{'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int i = 3; i >= 0; --i) out += static_cast<char>((d >> (8 * i)) & 0xff);
  }
  return out + data;
}

// A dataset of 2x3 images: `train` and `test` examples; pixels and labels depend on `tag`, so
// tests can tell which copy was loaded.
struct FakeDataset {
  std::map<std::string, std::string> raw;  // IDX bytes by file name without .gz
  std::map<std::string, std::string> gz;   // gzipped, by file name with .gz
  std::map<std::string, std::string> md5;  // of the gzipped files
  int tag = 0;
};

FakeDataset make_fake(int tag, uint32_t train = 5, uint32_t test = 3) {
  FakeDataset fake;
  fake.tag = tag;
  int counter = 0;
  for (const auto& [prefix, n] : {std::pair{"train", train}, std::pair{"t10k", test}}) {
    std::string pixels, labels;
    for (uint32_t i = 0; i < n; ++i) {
      labels += static_cast<char>((i + static_cast<uint32_t>(tag)) % 10);
      for (int p = 0; p < 6; ++p) pixels += static_cast<char>((counter++ * 7 + tag) % 256);
    }
    fake.raw[std::string(prefix) + "-images-idx3-ubyte"] = idx_bytes({n, 2, 3}, pixels);
    fake.raw[std::string(prefix) + "-labels-idx1-ubyte"] = idx_bytes({n}, labels);
  }
  for (const auto& [name, bytes] : fake.raw) {
    fake.gz[name + ".gz"] = gzip_stored(bytes);
    fake.md5[name + ".gz"] = md5_hex(fake.gz[name + ".gz"]);
  }
  return fake;
}

void expect_fake(const std::pair<Split, Split>& loaded, const FakeDataset& fake) {
  const auto& [train, test] = loaded;
  ASSERT_EQ(train.x.shape(), (Shape{5, 2, 3}));
  ASSERT_EQ(test.x.shape(), (Shape{3, 2, 3}));
  EXPECT_EQ(train.x.dtype(), uint8);  // as Keras
  EXPECT_EQ(test.x.dtype(), uint8);
  EXPECT_EQ(train.y.dtype(), int64);
  EXPECT_EQ(test.y.dtype(), int64);
  ASSERT_EQ(train.y.shape(), (Shape{5}));
  ASSERT_EQ(test.y.shape(), (Shape{3}));
  EXPECT_EQ(train.y.to_vector<int64_t>()[0], fake.tag % 10);
  EXPECT_EQ(test.y.to_vector<int64_t>()[2], (2 + fake.tag) % 10);
  EXPECT_EQ(train.x.to_vector<int32_t>()[1], (7 + fake.tag) % 256);
  EXPECT_EQ(test.x.to_vector<int32_t>()[0], (30 * 7 + fake.tag) % 256);  // pixel 30 overall
}

void write_folder(const fs::path& dir, const FakeDataset& fake, bool gzipped) {
  fs::create_directories(dir);
  for (const auto& [name, bytes] : gzipped ? fake.gz : fake.raw) write_bytes(dir / name, bytes);
}

// ---- A loopback HTTP server --------------------------------------------------------------------

/// Serves `files` (URL path -> body) on 127.0.0.1 at an ephemeral port, one request per
/// connection, and counts the requests; any other path gets 404.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::map<std::string, std::string> files) : files_(std::move(files)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;  // the kernel picks a free port
    socklen_t size = sizeof address;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      throw std::runtime_error("LoopbackServer: cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] int requests() const { return requests_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd ready{listener_, POLLIN, 0};
      if (::poll(&ready, 1, 20) <= 0) continue;  // wakes every 20 ms to see stop_
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      answer(client);
      ::close(client);
    }
  }
  void answer(int client) {
    timeval timeout{5, 0};
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
      if (n <= 0) return;
      request.append(buffer, static_cast<size_t>(n));
    }
    ++requests_;
    const size_t start = request.find(' ') + 1;  // "GET /path HTTP/1.1"
    const std::string path = request.substr(start, request.find(' ', start) - start);
    const auto found = files_.find(path);
    const std::string body = found != files_.end() ? found->second : "";
    std::string response = found != files_.end() ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 404 No\r\n";
    response +=
        "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    for (size_t sent = 0; sent < response.size();) {
      const ssize_t n =
          ::send(client, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  std::map<std::string, std::string> files_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

/// The URL of a local port nothing listens on (connections are refused).
std::string dead_url() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), size);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
}

std::map<std::string, std::string> served(const std::string& dataset, const FakeDataset& fake) {
  std::map<std::string, std::string> files;
  for (const auto& [name, bytes] : fake.gz) files["/" + dataset + "/" + name] = bytes;
  return files;
}

/// Sets (or, with nullopt, unsets) an environment variable for the scope.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    set(value);
  }
  ~ScopedEnv() { set(old_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  void set(const std::optional<std::string>& value) {
    if (value.has_value()) {
      ::setenv(name_.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  std::string name_;
  std::optional<std::string> old_;
};

/// The generated files' md5 sums in place of the published ones, for the scope.
class ScopedChecksums {
 public:
  ScopedChecksums(std::string dataset, std::map<std::string, std::string> md5)
      : dataset_(std::move(dataset)) {
    datasets::detail::set_checksums_for_testing(dataset_, std::move(md5));
  }
  ~ScopedChecksums() { datasets::detail::set_checksums_for_testing(dataset_, {}); }
  ScopedChecksums(const ScopedChecksums&) = delete;
  ScopedChecksums& operator=(const ScopedChecksums&) = delete;

 private:
  std::string dataset_;
};

/// A sandbox: HOME in a temporary folder (so ~/.nabla is fresh), NABLA_DATA at an empty folder,
/// downloads from `mirror`, proxies bypassed for the loopback address.
class Sandbox {
 public:
  explicit Sandbox(const std::string& mirror)
      : home_("HOME", (dir_ / "home").string()),
        data_("NABLA_DATA", (dir_ / "data").string()),
        mirror_("NABLA_DATASETS_MIRROR", mirror),
        no_proxy_("no_proxy", "127.0.0.1,localhost"),
        no_proxy_upper_("NO_PROXY", "127.0.0.1,localhost") {}
  [[nodiscard]] fs::path cache(const std::string& name) const {
    return dir_ / "home" / ".nabla" / "datasets" / name;
  }
  [[nodiscard]] fs::path data(const std::string& name) const { return dir_ / "data" / name; }

 private:
  TempDir dir_;
  ScopedEnv home_, data_, mirror_, no_proxy_, no_proxy_upper_;
};

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> names;
  if (!fs::exists(dir)) return names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

template <class Fn>
std::string io_error_of(Fn&& fn) {
  try {
    fn();
  } catch (const IOError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no IOError";
  return "";
}

// ---- Downloads -----------------------------------------------------------------------------

TEST(DatasetsDownload, DownloadsVerifiesCachesAndReuses) {
  const FakeDataset fake = make_fake(3);
  const LoopbackServer server(served("mnist", fake));
  const Sandbox sandbox(server.url());
  const ScopedChecksums checksums("mnist", fake.md5);

  auto [train, test] = datasets::mnist::load_data();
  expect_fake({train, test}, fake);
  EXPECT_EQ(server.requests(), 4);
  EXPECT_EQ(files_in(sandbox.cache("mnist")),
            (std::vector<std::string>{"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
                                      "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"}));
  for (const std::string& name : kFiles) {
    EXPECT_EQ(read_bytes(sandbox.cache("mnist") / name), fake.gz.at(name)) << name;
  }

  expect_fake(datasets::mnist::load_data(), fake);  // from the cache: no request
  EXPECT_EQ(server.requests(), 4);

  // A cache missing one file downloads that file only.
  fs::remove(sandbox.cache("mnist") / "t10k-labels-idx1-ubyte.gz");
  expect_fake(datasets::mnist::load_data(), fake);
  EXPECT_EQ(server.requests(), 5);
}

TEST(DatasetsDownload, RejectsACorruptFileAndKeepsNothing) {
  const FakeDataset fake = make_fake(1);
  auto files = served("mnist", fake);
  files["/mnist/train-images-idx3-ubyte.gz"][20] ^= 0x55;  // one flipped byte in the pixels
  const LoopbackServer server(files);
  const Sandbox sandbox(server.url());
  const ScopedChecksums checksums("mnist", fake.md5);

  const std::string message = io_error_of([] { (void)datasets::mnist::load_data(); });
  const std::string url = server.url() + "/mnist/train-images-idx3-ubyte.gz";
  EXPECT_NE(message.find(url), std::string::npos) << message;
  EXPECT_NE(message.find("md5 mismatch"), std::string::npos) << message;
  EXPECT_NE(message.find(fake.md5.at("train-images-idx3-ubyte.gz")), std::string::npos) << message;
  EXPECT_NE(message.find("NABLA_DATA"), std::string::npos) << message;
  EXPECT_EQ(files_in(sandbox.cache("mnist")), std::vector<std::string>{});  // no partial file
}

TEST(DatasetsDownload, TriesTheNextMirrorAfterAFailure) {
  const FakeDataset fake = make_fake(4);
  const LoopbackServer server(served("fashion-mnist", fake));
  const Sandbox sandbox(server.url() + "/nowhere," + server.url());
  const ScopedChecksums checksums("fashion-mnist", fake.md5);

  expect_fake(datasets::fashion_mnist::load_data(), fake);
  EXPECT_EQ(server.requests(), 8);  // a 404 then the file, four times
  EXPECT_EQ(files_in(sandbox.cache("fashion-mnist")).size(), 4u);
}

TEST(DatasetsDownload, UnreachableMirrorsNameEveryUrlAndNablaData) {
  const FakeDataset fake = make_fake(0);
  const std::string first = dead_url(), second = dead_url() + "/";  // trailing '/' is dropped
  const Sandbox sandbox(first + "," + second);
  const ScopedChecksums checksums("mnist", fake.md5);

  const std::string message = io_error_of([] { (void)datasets::mnist::load_data(); });
  EXPECT_NE(message.find(first + "/mnist/train-images-idx3-ubyte.gz"), std::string::npos)
      << message;
  EXPECT_NE(message.find(second + "mnist/train-images-idx3-ubyte.gz"), std::string::npos)
      << message;
  EXPECT_NE(message.find("NABLA_DATA"), std::string::npos) << message;
  EXPECT_EQ(files_in(sandbox.cache("mnist")), std::vector<std::string>{});
}

TEST(DatasetsDownload, NablaDataComesFirstThenTheCache) {
  const FakeDataset remote = make_fake(2), local = make_fake(7), cached = make_fake(5);
  const LoopbackServer server(served("mnist", remote));
  const Sandbox sandbox(server.url());
  const ScopedChecksums checksums("mnist", remote.md5);

  write_folder(sandbox.data("mnist"), local, /*gzipped=*/false);
  write_folder(sandbox.cache("mnist"), cached, /*gzipped=*/true);
  expect_fake(datasets::mnist::load_data(), local);
  fs::remove_all(sandbox.data("mnist"));
  expect_fake(datasets::mnist::load_data(), cached);
  EXPECT_EQ(server.requests(), 0);

  // A NABLA_DATA folder without all four files is passed over.
  write_folder(sandbox.data("mnist"), local, false);
  fs::remove(sandbox.data("mnist") / "t10k-labels-idx1-ubyte");
  expect_fake(datasets::mnist::load_data(), cached);
  EXPECT_EQ(server.requests(), 0);
}

// ---- load_idx_folder ---------------------------------------------------------------------------

TEST(DatasetsFolder, LoadsGzippedAndRawFiles) {
  const FakeDataset fake = make_fake(6);
  TempDir dir;
  write_bytes(dir / "train-images-idx3-ubyte.gz", fake.gz.at("train-images-idx3-ubyte.gz"));
  write_bytes(dir / "train-labels-idx1-ubyte", fake.raw.at("train-labels-idx1-ubyte"));
  write_bytes(dir / "t10k-images-idx3-ubyte", fake.raw.at("t10k-images-idx3-ubyte"));
  write_bytes(dir / "t10k-labels-idx1-ubyte.gz", fake.gz.at("t10k-labels-idx1-ubyte.gz"));
  auto [train, test] = datasets::load_idx_folder(dir.path());
  expect_fake({train, test}, fake);
}

TEST(DatasetsFolder, ReportsMissingAndInconsistentFiles) {
  const FakeDataset fake = make_fake(0);
  TempDir dir;
  write_folder(dir.path(), fake, true);
  fs::remove(dir / "t10k-images-idx3-ubyte.gz");
  std::string message = io_error_of([&] { (void)datasets::load_idx_folder(dir.path()); });
  EXPECT_NE(message.find(dir.path().string()), std::string::npos) << message;
  EXPECT_NE(message.find("t10k-images-idx3-ubyte"), std::string::npos) << message;

  // Three test images but four labels.
  write_bytes(dir / "t10k-images-idx3-ubyte.gz", fake.gz.at("t10k-images-idx3-ubyte.gz"));
  write_bytes(dir / "t10k-labels-idx1-ubyte.gz", gzip_stored(idx_bytes({4}, "abcd")));
  message = io_error_of([&] { (void)datasets::load_idx_folder(dir.path()); });
  EXPECT_NE(message.find("3 images"), std::string::npos) << message;
  EXPECT_NE(message.find("4 labels"), std::string::npos) << message;

  // Labels where images belong.
  write_bytes(dir / "t10k-images-idx3-ubyte.gz", gzip_stored(idx_bytes({4}, "abcd")));
  message = io_error_of([&] { (void)datasets::load_idx_folder(dir.path()); });
  EXPECT_NE(message.find("[4]"), std::string::npos) << message;
}

// ---- The real datasets -------------------------------------------------------------------------

std::optional<fs::path> real_folder(const std::string& name) {
  const char* data = std::getenv("NABLA_DATA");
  if (data == nullptr || *data == '\0') return std::nullopt;
  const fs::path dir = fs::path(data) / name;
  for (const std::string& file : kFiles) {
    if (!fs::exists(dir / file)) return std::nullopt;
  }
  return dir;
}

struct RealCase {
  std::string name;
  std::pair<Split, Split> (*load)();
  std::vector<int64_t> first_train_labels, first_test_labels;
  int64_t first_image_sum;
};

class RealDatasets : public ::testing::TestWithParam<RealCase> {};

TEST_P(RealDatasets, LoadFromNablaDataWithKerasShapes) {
  const RealCase& c = GetParam();
  const std::optional<fs::path> dir = real_folder(c.name);
  if (!dir) GTEST_SKIP() << "no " << c.name << " under $NABLA_DATA (set it to the data folder)";
  const TempDir home;
  const ScopedEnv home_env("HOME", home.path().string());
  const ScopedEnv mirror("NABLA_DATASETS_MIRROR", dead_url());  // it must not download

  auto [train, test] = c.load();
  ASSERT_EQ(train.x.shape(), (Shape{60000, 28, 28}));
  ASSERT_EQ(test.x.shape(), (Shape{10000, 28, 28}));
  EXPECT_EQ(train.x.dtype(), uint8);
  EXPECT_EQ(test.x.dtype(), uint8);
  ASSERT_EQ(train.y.shape(), (Shape{60000}));
  ASSERT_EQ(test.y.shape(), (Shape{10000}));
  EXPECT_EQ(train.y.dtype(), int64);
  EXPECT_EQ(test.y.dtype(), int64);
  EXPECT_EQ(train.y.slice(0, 0, 10).to_vector<int64_t>(), c.first_train_labels);
  EXPECT_EQ(test.y.slice(0, 0, 10).to_vector<int64_t>(), c.first_test_labels);
  EXPECT_EQ(sum(train.x[0]).item<int64_t>(), c.first_image_sum);  // uint8 sums in int64
  EXPECT_EQ(max(train.x).item<uint8_t>(), 255);
  EXPECT_EQ(min(train.x).item<uint8_t>(), 0);
}

// The published md5 table checked against the real files: they are served over loopback and
// must pass the loader's verification with no test checksums installed.
TEST_P(RealDatasets, PublishedChecksumsMatchTheRealFiles) {
  const RealCase& c = GetParam();
  const std::optional<fs::path> dir = real_folder(c.name);
  if (!dir) GTEST_SKIP() << "no " << c.name << " under $NABLA_DATA (set it to the data folder)";
  std::map<std::string, std::string> files;
  for (const std::string& file : kFiles) files["/" + c.name + "/" + file] = read_bytes(*dir / file);
  const LoopbackServer server(files);
  const Sandbox sandbox(server.url());

  auto [train, test] = c.load();
  EXPECT_EQ(server.requests(), 4);
  EXPECT_EQ(train.y.slice(0, 0, 10).to_vector<int64_t>(), c.first_train_labels);
  for (const std::string& file : kFiles) {
    EXPECT_EQ(md5_file(sandbox.cache(c.name) / file), md5_file(*dir / file)) << file;
  }
}

INSTANTIATE_TEST_SUITE_P(Datasets, RealDatasets,
                         ::testing::Values(RealCase{"mnist",
                                                    &datasets::mnist::load_data,
                                                    {5, 0, 4, 1, 9, 2, 1, 3, 1, 4},
                                                    {7, 2, 1, 0, 4, 1, 4, 9, 5, 9},
                                                    27525},
                                           RealCase{"fashion-mnist",
                                                    &datasets::fashion_mnist::load_data,
                                                    {9, 0, 0, 3, 0, 2, 7, 2, 5, 5},
                                                    {9, 2, 1, 1, 6, 1, 4, 6, 5, 7},
                                                    76247}),
                         [](const ::testing::TestParamInfo<RealCase>& param) {
                           return param.param.name == "mnist" ? std::string("Mnist")
                                                              : std::string("FashionMnist");
                         });

}  // namespace
