// POSIX implementation of File, FileSource and AtomicWriter (pread, O_EXCL temporaries, fsync,
// rename).
#include "io/file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include "nabla/util/error.hpp"

namespace nabla::io {

std::string errno_message() { return std::strerror(errno); }

File::File(const std::filesystem::path& path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  NABLA_CHECK(fd_ >= 0, IOError, "cannot open for reading: ", errno_message());
  struct stat info {};
  if (::fstat(fd_, &info) != 0 || !S_ISREG(info.st_mode)) {
    const std::string why = S_ISDIR(info.st_mode) ? "is a directory" : "not a regular file";
    ::close(fd_);
    throw IOError("cannot open for reading: " + why);
  }
  size_ = static_cast<uint64_t>(info.st_size);
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

void File::read_at(uint64_t offset, void* dst, size_t n) const {
  auto* out = static_cast<char*>(dst);
  while (n > 0) {
    const size_t chunk = std::min<size_t>(n, size_t{1} << 30);
    const ssize_t got = ::pread(fd_, out, chunk, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    NABLA_CHECK(got >= 0, IOError, "read failed: ", errno_message());
    NABLA_CHECK(got > 0, IOError, "unexpected end of file at byte ", offset);
    out += got;
    offset += static_cast<uint64_t>(got);
    n -= static_cast<size_t>(got);
  }
}

void FileSource::read(void* dst, size_t n) {
  NABLA_CHECK(n <= remaining(), IOError, "truncated: needed ", n, " more bytes, only ", remaining(),
              " remain");
  file_.read_at(position_, dst, n);
  position_ += n;
}

namespace {
std::atomic<uint64_t> temporary_counter{0};

/// Removes the temporaries of `target` that killed writers left ("." NAME ".tmp" PID "_" N with
/// a PID no process has): a save interrupted by a crash leaves its target intact, and the next
/// save of the same file cleans up after it. Live writers' temporaries are kept.
void remove_stale_temporaries(const std::filesystem::path& directory,
                              const std::filesystem::path& target) {
  const std::string prefix = "." + target.filename().string() + ".tmp";
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const size_t underscore = name.find('_', prefix.size());
    if (underscore == std::string::npos) continue;
    pid_t pid = 0;
    const char* begin = name.data() + prefix.size();
    const auto [end, ec] = std::from_chars(begin, name.data() + underscore, pid);
    if (ec != std::errc() || end != name.data() + underscore || pid <= 0) continue;
    if (::kill(pid, 0) != 0 && errno == ESRCH) std::filesystem::remove(entry.path(), error);
  }
}
}  // namespace

AtomicWriter::AtomicWriter(const std::filesystem::path& target) : target_(target) {
  const std::filesystem::path directory =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  remove_stale_temporaries(directory, target);
  // O_EXCL with a fresh name (pid + counter): never clobbers another writer's temporary.
  for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
    temporary_ =
        directory / ("." + target.filename().string() + ".tmp" + std::to_string(::getpid()) + "_" +
                     std::to_string(temporary_counter.fetch_add(1)));
    fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && errno != EEXIST) break;
  }
  NABLA_CHECK(fd_ >= 0, IOError, "cannot create a temporary file in ", directory, ": ",
              errno_message());
}

AtomicWriter::~AtomicWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(temporary_.c_str());
  }
}

void AtomicWriter::write(const void* data, size_t n) {
  const auto* in = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t put = ::write(fd_, in, std::min<size_t>(n, size_t{1} << 30));
    if (put < 0 && errno == EINTR) continue;
    NABLA_CHECK(put > 0, IOError, "write failed: ", errno_message());
    in += put;
    n -= static_cast<size_t>(put);
    position_ += static_cast<uint64_t>(put);
  }
}

void AtomicWriter::commit() {
  NABLA_CHECK(::fsync(fd_) == 0, IOError, "fsync failed: ", errno_message());
  const int fd = fd_;
  fd_ = -1;  // from here on the destructor must not unlink a renamed file
  if (::close(fd) != 0) {
    const std::string why = errno_message();
    ::unlink(temporary_.c_str());
    throw IOError("close failed: " + why);
  }
  if (::rename(temporary_.c_str(), target_.c_str()) != 0) {
    const std::string why = errno_message();
    ::unlink(temporary_.c_str());
    throw IOError("cannot replace the file: " + why);
  }
  // Make the rename itself durable; failing here loses nothing already written, so best effort.
  const std::filesystem::path directory =
      target_.has_parent_path() ? target_.parent_path() : std::filesystem::path(".");
  const int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    (void)::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace nabla::io
