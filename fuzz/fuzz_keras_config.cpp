// The input is the config.json of a .keras archive whose other members are valid (the metadata
// and weights of a small model written by Model::save at start-up), loaded with nn::load_model:
// JSON parsing, the three config dialects, layer from_config, functional graph wiring, and
// loading weights into whatever model the config describes. Zip CRC-32s would stop most mutations
// of a whole archive before the config is read; here every input reaches it.
#include <nabla/nn/layers/core.hpp>
#include <nabla/nn/saving.hpp>
#include <nabla/nn/sequential.hpp>
#include <nabla/ops/creation.hpp>
#include <string>

#include "fuzz_common.hpp"
#include "io/file.hpp"
#include "io/zip.hpp"
#include "zip_builder.hpp"

namespace {

std::string metadata;  // metadata.json of the start-up model
std::string weights;   // its model.weights.h5

std::string member(const nabla::io::ZipReader& zip, const std::string& name) {
  const nabla::io::ZipEntry* entry = zip.find(name);
  if (entry == nullptr) std::abort();
  const auto bytes = zip.read(*entry, ~uint64_t{0});
  return {bytes.begin(), bytes.end()};
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  nabla::fuzz::init();
  namespace nn = nabla::nn;
  nn::Model model = nn::Sequential({nn::Input({4}), nn::Dense(3, {.activation = "relu"}),
                                    nn::Dense(2, {.activation = "softmax"})});
  model.compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy"});
  (void)model.train_on_batch(nabla::ones({2, 4}), nabla::zeros({2}, nabla::int64));  // Adam state
  const std::filesystem::path path = nabla::fuzz::input_path(".keras");
  model.save(path);
  const nabla::io::File file(path);
  const nabla::io::ZipReader zip(file);
  metadata = member(zip, "metadata.json");
  weights = member(zip, "model.weights.h5");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string archive = nabla::fuzz::build_zip(
      {{"metadata.json", metadata},
       {"config.json", std::string(reinterpret_cast<const char*>(data), size)},
       {"model.weights.h5", weights}});
  const auto& path = nabla::fuzz::write_input(reinterpret_cast<const uint8_t*>(archive.data()),
                                              archive.size(), ".keras");
  nabla::fuzz::expect_nabla_errors_only([&] { (void)nabla::nn::load_model(path); });
  return 0;
}
