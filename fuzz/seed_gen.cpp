// Writes the fuzzers' seed inputs: small valid files made by nabla's own writers (save_npy,
// save_npz, io::h5::Writer, Model::save), plus a few hand-built variants the writers never
// produce (big-endian and Fortran-order .npy, deflated .npz, every IDX type, gzipped IDX).
// Seeds are generated at fuzz time, never committed: usage `nabla_fuzz_seeds OUT_DIR` fills
// OUT_DIR/<target>/.
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nabla/nabla.hpp>
#include <string>
#include <vector>

#include "io/file.hpp"
#include "io/hdf5.hpp"
#include "io/zip.hpp"
#include "zip_builder.hpp"

namespace {

namespace fs = std::filesystem;
namespace nn = nabla::nn;
namespace h5 = nabla::io::h5;
using nabla::Tensor;

fs::path out_dir;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

fs::path seed(const std::string& target, const std::string& name) {
  fs::create_directories(out_dir / target);
  return out_dir / target / name;
}

// A .npy file with a hand-written header dict (padded to 64 bytes) and raw data.
std::string npy(const std::string& dict, const std::string& data) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + data;
}

void npy_seeds() {
  nabla::save_npy(seed("npy", "f32_2x3.npy"),
                  nabla::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3}));
  nabla::save_npy(seed("npy", "i64_4.npy"), nabla::from_vector<int64_t>({-1, 0, 1, 2}));
  nabla::save_npy(seed("npy", "bool_scalar.npy"), nabla::tensor(true));
  nabla::save_npy(seed("npy", "u8_0x3.npy"), nabla::zeros({0, 3}, nabla::uint8));
  nabla::save_npy(seed("npy", "c64_2.npy"), nabla::zeros({2}, nabla::complex64));
  const std::string two(8, '\x01');
  write_file(seed("npy", "be_i2_fortran.npy"),
             npy("{'descr': '>i2', 'fortran_order': True, 'shape': (2, 2), }", two));
  write_file(seed("npy", "le_u4.npy"),
             npy("{\"descr\": \"<u4\", \"shape\": (2,), \"fortran_order\": False}", two));
  write_file(seed("npy", "be_c16.npy"),
             npy("{'descr': '>c16', 'fortran_order': False, 'shape': (1,), }", two + two));
  write_file(seed("npy", "i1_long.npy"),
             npy("{'descr': '|i1', 'fortran_order': False, 'shape': (2L, 1), }", "\x7f\x80"));
}

void npz_seeds() {
  nabla::save_npz(seed("npz", "two.npz"),
                  {{"a", nabla::from_vector<float>({1, 2, 3}, {3})},
                   {"b", nabla::from_vector<int32_t>({1, 2, 3, 4}, {2, 2})}});
  nabla::save_npz(seed("npz", "empty.npz"), {});
  const std::string a = read_file(seed("npy", "f32_2x3.npy"));
  const std::string b = read_file(seed("npy", "be_i2_fortran.npy"));
  write_file(seed("npz", "deflated.npz"),
             nabla::fuzz::build_zip({{"a.npy", a, true}, {"b.npy", b, true}}));
}

// IDX: 00 00 TYPE RANK, big-endian uint32 dimensions, big-endian data.
std::string idx(unsigned char type, const std::vector<uint32_t>& dims, size_t element_size) {
  std::string out{'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  size_t n = 1;
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((d >> shift) & 0xff);
    n *= d;
  }
  for (size_t i = 0; i < n * element_size; ++i) out += static_cast<char>(i * 37 + 1);
  return out;
}

void gzip_file(const fs::path& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb9");
  if (f == nullptr || gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) <= 0 ||
      gzclose(f) != Z_OK)
    throw std::runtime_error("cannot gzip " + path.string());
}

void idx_seeds() {
  write_file(seed("idx", "u8_2x3.idx"), idx(0x08, {2, 3}, 1));
  write_file(seed("idx", "i8_4.idx"), idx(0x09, {4}, 1));
  write_file(seed("idx", "i16_2x2.idx"), idx(0x0B, {2, 2}, 2));
  write_file(seed("idx", "i32_3.idx"), idx(0x0C, {3}, 4));
  write_file(seed("idx", "f32_2.idx"), idx(0x0D, {2}, 4));
  write_file(seed("idx", "f64_1x1x2.idx"), idx(0x0E, {1, 1, 2}, 8));
  write_file(seed("idx", "scalar.idx"), idx(0x08, {}, 1));
  gzip_file(seed("idx", "u8_3x4.idx.gz"), idx(0x08, {3, 4}, 1));
  gzip_file(seed("idx", "i16_2.idx.gz"), idx(0x0B, {2}, 2));
}

void hdf5_seeds() {
  h5::Writer w;
  h5::GroupWriter root = w.root();
  root.set_attribute("title", "seed");
  root.set_attribute("names", std::vector<std::string>{"a", "bb", "ccc"});
  root.set_attribute("empty_names", std::vector<std::string>{});
  root.set_attribute("numbers", nabla::from_vector<int32_t>({1, 2, 3}));
  root.write_dataset("f32", nabla::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3}));
  root.write_dataset("scalar", nabla::tensor(2.5));
  h5::GroupWriter g = root.create_group("group");
  g.write_dataset("i64", nabla::from_vector<int64_t>({-1, 7}));
  g.write_dataset("u8", nabla::zeros({3}, nabla::uint8));
  g.write_dataset("flags", nabla::from_vector<bool>({true, false}));
  g.write_dataset("none", nabla::zeros({0, 2}));
  h5::GroupWriter inner = g.create_group("inner");
  inner.set_attribute("f64", nabla::from_vector<double>({0.5}));
  inner.write_dataset("i32", nabla::from_vector<int32_t>({4, 5, 6}));
  const std::vector<unsigned char> bytes = w.finish();
  write_file(seed("hdf5", "groups.h5"), std::string(bytes.begin(), bytes.end()));
}

std::string member(const fs::path& archive, const std::string& name) {
  const nabla::io::File file(archive);
  const nabla::io::ZipReader zip(file);
  const nabla::io::ZipEntry* entry = zip.find(name);
  if (entry == nullptr) throw std::runtime_error("no " + name + " in " + archive.string());
  const auto bytes = zip.read(*entry, ~uint64_t{0});
  return {bytes.begin(), bytes.end()};
}

void model_seeds() {
  nn::Model sequential = nn::Sequential({nn::Input({4}), nn::Dense(3, {.activation = "relu"}),
                                         nn::Dense(2, {.activation = "softmax"})});
  Tensor a = nn::Input({3}, nabla::float32, "a");
  Tensor b = nn::Input({3}, nabla::float32, "b");
  nn::Dense shared(2, {.activation = "tanh"});
  Tensor sum = nn::Add()(std::vector<Tensor>{shared(a), shared(b)})[0];
  nn::Model functional({a, b}, {nn::Dense(1)(sum)}, "functional");
  // Compiled and trained a step: the files then hold compile_config and optimizer state too.
  sequential.compile(
      {.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  (void)sequential.train_on_batch(nabla::ones({2, 4}), nabla::zeros({2}, nabla::int64));
  functional.compile({.optimizer = nabla::optim::SGD({.momentum = 0.9}), .loss = "mse"});
  (void)functional.train_on_batch(std::vector<Tensor>{nabla::ones({2, 3}), nabla::ones({2, 3})},
                                  nabla::zeros({2, 1}));
  for (auto& [name, model] : {std::pair<std::string, nn::Model*>{"sequential", &sequential},
                              std::pair<std::string, nn::Model*>{"functional", &functional}}) {
    const fs::path keras = seed("keras", name + ".keras");
    model->save(keras);
    model->save(seed("keras_h5", name + ".h5"));
    write_file(seed("keras_config", name + ".json"), member(keras, "config.json"));
    write_file(seed("hdf5", name + ".weights.h5"), member(keras, "model.weights.h5"));
    fs::copy_file(seed("keras_h5", name + ".h5"), seed("hdf5", name + ".h5"),
                  fs::copy_options::overwrite_existing);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " OUT_DIR\n";
    return 2;
  }
  out_dir = argv[1];
  npy_seeds();
  npz_seeds();
  idx_seeds();
  hdf5_seeds();
  model_seeds();
  return 0;
}
