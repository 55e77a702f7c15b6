// load_npy on any bytes: the .npy header parser (magic, version, dict literal), dtype mapping,
// byte order, Fortran order and the size checks made before allocating.
#include <nabla/io/npy.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  nabla::fuzz::init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& path = nabla::fuzz::write_input(data, size, ".npy");
  nabla::fuzz::expect_nabla_errors_only([&] { (void)nabla::load_npy(path); });
  return 0;
}
