// nn::load_model on any bytes as a .keras archive: zip, config.json and metadata.json parsing,
// model deserialization and model.weights.h5 (Keras 3 weights layout). Bit flips mostly stop at
// the zip's CRC-32s; fuzz_keras_config reaches the config more directly.
#include <nabla/nn/saving.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  nabla::fuzz::init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& path = nabla::fuzz::write_input(data, size, ".keras");
  nabla::fuzz::expect_nabla_errors_only([&] { (void)nabla::nn::load_model(path); });
  return 0;
}
