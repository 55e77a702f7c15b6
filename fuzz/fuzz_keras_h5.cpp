// nn::load_model on any bytes as a legacy .h5 model file: the HDF5 reader, the model_config and
// keras_version attributes, model deserialization, and the legacy weights layout (layer_names,
// weight_names, matching by name or position).
#include <nabla/nn/saving.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  nabla::fuzz::init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& path = nabla::fuzz::write_input(data, size, ".h5");
  nabla::fuzz::expect_nabla_errors_only([&] { (void)nabla::nn::load_model(path); });
  return 0;
}
