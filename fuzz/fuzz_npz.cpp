// load_npz on any bytes: the zip reader (end record, central directory, local headers, stored
// and deflated members, CRC-32, declared sizes) and .npy members read from it.
#include <nabla/io/npy.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  nabla::fuzz::init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& path = nabla::fuzz::write_input(data, size, ".npz");
  nabla::fuzz::expect_nabla_errors_only([&] { (void)nabla::load_npz(path); });
  return 0;
}
