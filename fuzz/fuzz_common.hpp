// Shared by the fuzz targets: the input written to a file the public loaders can open, and the
// rule every target checks, that a reader given any bytes either returns or throws nabla::Error.
// Any other exception escapes LLVMFuzzerTestOneInput, and libFuzzer reports it as a crash.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nabla/tensor/memory.hpp>
#include <nabla/util/error.hpp>
#include <string>

namespace nabla::fuzz {

/// One file per process (libFuzzer's -jobs run several), in $TMPDIR or /tmp, rewritten for every
/// input; fuzz/run.sh removes it (libFuzzer exits without running atexit handlers). `suffix`
/// matters: load_model picks the format by it.
inline const std::filesystem::path& input_path(const char* suffix) {
  static const std::filesystem::path path = [&] {
    const char* dir = std::getenv("TMPDIR");
    std::filesystem::path p = dir != nullptr && *dir != '\0' ? dir : "/tmp";
    p /= "nabla_fuzz_" + std::to_string(::getpid()) + suffix;
    return p;
  }();
  return path;
}

/// Writes `data` to input_path(suffix) and returns the path. Overwritten in place, then cut to
/// size: truncating to zero first makes ext4 flush the file on close (its auto_da_alloc
/// heuristic), which cost 3 ms per input, 90% of the fuzzers' time.
inline const std::filesystem::path& write_input(const uint8_t* data, size_t size,
                                                const char* suffix) {
  const std::filesystem::path& path = input_path(suffix);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  bool ok = fd >= 0;
  for (size_t done = 0; ok && done < size;) {
    const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    ok = n > 0;
    done += ok ? static_cast<size_t>(n) : 0;
  }
  ok = ok && ::ftruncate(fd, static_cast<off_t>(size)) == 0;
  if (fd >= 0) ok = ::close(fd) == 0 && ok;
  if (!ok) {
    std::perror(path.c_str());
    std::abort();  // the harness itself is broken, not the reader
  }
  return path;
}

/// Settings every target wants before the first input: the CPU allocator's block cache off, so
/// AddressSanitizer sees every free (use after free) and memory stays bounded.
inline void init() { memory::set_cpu_cache_limit(0); }

/// Runs `fn`; nabla::Error (IOError for corrupt files, ValueError and friends for well-formed
/// files describing something unsupported) is the expected outcome for bad input.
template <class Fn>
void expect_nabla_errors_only(Fn&& fn) {
  try {
    fn();
  } catch (const Error&) {
  }
}

}  // namespace nabla::fuzz
