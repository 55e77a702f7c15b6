// download_verified: libcurl, streaming into a temporary file while hashing, then an atomic
// rename. libcurl is the field's standard HTTP client (TLS, redirects, proxies from the
// environment), so the loaders behave like `curl -L` and like Keras's get_file.
#include "data/download.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <system_error>

#include "data/md5.hpp"
#include "nabla/util/error.hpp"

namespace nabla::datasets::detail {
namespace {

using nabla::detail::str_cat;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
    NABLA_CHECK(code == CURLE_OK, IOError, "libcurl cannot start: ", curl_easy_strerror(code));
  });
}

struct CurlCleanup {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

/// A temporary file next to the destination, removed unless committed by rename.
class TempFile {
 public:
  explicit TempFile(const std::filesystem::path& dest) {
    static std::atomic<uint64_t> counter{0};
    path_ = dest;
    path_ += str_cat(".part-", ::getpid(), "-", counter.fetch_add(1));
  }
  ~TempFile() {
    if (!committed_) {
      std::error_code ignored;
      std::filesystem::remove(path_, ignored);
    }
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  void commit(const std::filesystem::path& dest) {
    std::error_code error;
    std::filesystem::rename(path_, dest, error);
    NABLA_CHECK(!error, IOError, "cannot rename ", path_, " to ", dest, ": ", error.message());
    committed_ = true;
  }

 private:
  std::filesystem::path path_;
  bool committed_ = false;
};

// Where libcurl's write callback puts the body: the file and the running md5.
struct Sink {
  std::FILE* file;
  Md5 md5;
  bool write_failed = false;
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t bytes = size * count;
  if (std::fwrite(data, 1, bytes, sink->file) != bytes) {
    sink->write_failed = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  sink->md5.update(data, bytes);
  return bytes;
}

/// One attempt: "" on success (dest in place), else why it failed.
std::string try_download(const std::string& url, const std::filesystem::path& dest,
                         const std::string& expected_md5) {
  TempFile temp(dest);
  std::unique_ptr<std::FILE, FileClose> file(std::fopen(temp.path().c_str(), "wb"));
  if (file == nullptr) {
    return str_cat("cannot create ", temp.path(), ": ", std::generic_category().message(errno));
  }
  std::unique_ptr<CURL, CurlCleanup> curl(curl_easy_init());
  if (curl == nullptr) return "libcurl cannot create a handle";
  Sink sink{file.get(), {}};
  char error[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);  // HTTP >= 400 is a failure, not a body
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);     // no SIGALRM: safe in threaded programs
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);  // give up on a transfer stalled for 60 s
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "nabla-datasets");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  const CURLcode code = curl_easy_perform(c);
  if (sink.write_failed) {
    return str_cat("cannot write ", temp.path(), ": ", std::generic_category().message(errno));
  }
  if (code != CURLE_OK) return error[0] != '\0' ? error : curl_easy_strerror(code);
  if (std::fclose(file.release()) != 0) {
    return str_cat("cannot write ", temp.path(), ": ", std::generic_category().message(errno));
  }
  const std::string actual = sink.md5.hex_digest();
  if (actual != expected_md5) {
    return str_cat("md5 mismatch: got ", actual, ", expected ", expected_md5,
                   " (corrupt or wrong file; not kept)");
  }
  temp.commit(dest);
  return "";
}

}  // namespace

void download_verified(const std::vector<std::string>& urls, const std::filesystem::path& dest,
                       const std::string& expected_md5) {
  global_init();
  std::error_code error;
  std::filesystem::create_directories(dest.parent_path(), error);
  NABLA_CHECK(!error, IOError, "cannot create the folder ", dest.parent_path(), ": ",
              error.message());
  std::string failures;
  for (const std::string& url : urls) {
    std::clog << "nabla: downloading " << url << "\n";
    const std::string failure = try_download(url, dest, expected_md5);
    if (failure.empty()) return;
    failures += str_cat("\n  ", url, ": ", failure);
  }
  throw IOError(str_cat("cannot download ", dest.filename(), failures));
}

}  // namespace nabla::datasets::detail
