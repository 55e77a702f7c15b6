// load_idx on any bytes, plain or gzipped: magic, rank and big-endian dimensions, the size checks
// (including the deflate-ratio bound for .gz), widening of int8/int16 and the trailing-byte check.
#include <nabla/io/idx.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  nabla::fuzz::init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& path = nabla::fuzz::write_input(data, size, ".idx");
  nabla::fuzz::expect_nabla_errors_only([&] { (void)nabla::load_idx(path); });
  return 0;
}
