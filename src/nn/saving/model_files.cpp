// Model::save, save_weights, load_weights and nn::load_model: the .keras archive (config.json,
// metadata.json and model.weights.h5 in a zip, as Keras 3's saving_lib writes it) and the
// legacy .h5 file (model_config attribute, model_weights group).
#include <chrono>
#include <ctime>
#include <iostream>

#include "io/file.hpp"
#include "io/hdf5.hpp"
#include "io/zip.hpp"
#include "nabla/nn/saving.hpp"
#include "nn/saving/keras_model_config.hpp"
#include "nn/saving/keras_weights.hpp"
#include "nn/weight_budget.hpp"

namespace nabla::nn {

using json = nlohmann::json;
using saving::KerasVersion;

namespace {

constexpr const char* kConfigMember = "config.json";
constexpr const char* kMetadataMember = "metadata.json";
constexpr const char* kWeightsMember = "model.weights.h5";
// A config larger than this is not a model config (Keras's largest are a few MiB).
constexpr uint64_t kMaxConfigBytes = uint64_t{256} << 20;
// JSON nested deeper than this is refused before parsing (nesting costs stack in the parser
// and in the destructor).
constexpr int kMaxJsonDepth = 256;

bool ends_with(const std::filesystem::path& path, std::string_view suffix) {
  const std::string name = path.filename().string();
  return name.size() >= suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string who(std::string_view op, const std::filesystem::path& path) {
  return nabla::detail::str_cat(op, ": ", path.string());
}

/// JSON text parsed, or an IOError saying what is wrong with it.
json parse_json(std::string_view text, std::string_view what, std::string_view who_) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      NABLA_CHECK(++depth <= kMaxJsonDepth, IOError, who_, ": ", what, " nests deeper than ",
                  kMaxJsonDepth, " levels");
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw IOError(nabla::detail::str_cat(who_, ": ", what, " is not valid JSON: ", e.what()));
  }
}

std::string date_saved() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm local{};
  localtime_r(&now, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d@%H:%M:%S", &local);
  return text;
}

std::span<const unsigned char> bytes_of(std::string_view s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

struct KerasArchive {
  json config;
  KerasVersion version;
  std::vector<unsigned char> weights;  // model.weights.h5, parsed once the config has been used
  [[nodiscard]] io::h5::File weights_file() {
    return io::h5::File(std::move(weights), kWeightsMember);
  }
};

/// An IOError from a lower layer, prefixed with the operation and path unless it already is.
[[noreturn]] void rethrow_with(const IOError& e, std::string_view who_) {
  const std::string message = e.what();
  if (message.find(std::string(who_)) != std::string::npos) throw e;
  throw IOError(nabla::detail::str_cat(who_, ": ", message));
}

std::string_view text_of(const std::vector<unsigned char>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

KerasArchive read_archive(const std::filesystem::path& path, std::string_view who_) {
  try {
    const io::File file(path);
    const io::ZipReader zip(file);
    const io::ZipEntry* config_entry = zip.find(kConfigMember);
    const io::ZipEntry* metadata_entry = zip.find(kMetadataMember);
    const io::ZipEntry* weights_entry = zip.find(kWeightsMember);
    NABLA_CHECK(config_entry != nullptr, IOError, "not a Keras archive: no config.json");
    NABLA_CHECK(weights_entry != nullptr, IOError,
                "no model.weights.h5 (only HDF5 weights are supported, not npz)");
    json config =
        parse_json(text_of(zip.read(*config_entry, kMaxConfigBytes)), "config.json", who_);
    KerasVersion version;
    if (metadata_entry != nullptr) {
      const json metadata =
          parse_json(text_of(zip.read(*metadata_entry, kMaxConfigBytes)), "metadata.json", who_);
      if (metadata.is_object() && metadata.contains("keras_version") &&
          metadata.at("keras_version").is_string())
        version = KerasVersion::parse(metadata.at("keras_version").get<std::string>());
    }
    auto weights = zip.read(*weights_entry, file.size() * 1100 + (1 << 20));
    return {std::move(config), version, std::move(weights)};
  } catch (const IOError& e) {
    rethrow_with(e, who_);
  }
}

std::string string_attribute(const io::h5::Group& g, std::string_view name) {
  return g.has_attribute(name) ? g.attribute(name).as_string() : std::string();
}

void write_bytes_atomically(const std::filesystem::path& path,
                            const std::vector<unsigned char>& bytes) {
  io::AtomicWriter out(path);
  out.write(bytes.data(), bytes.size());
  out.commit();
}

/// A Model value cannot carry a subclass's call(): such files load through load_weights.
void check_loadable_class(const json& config, std::string_view who_) {
  const std::string class_name =
      config.is_object() && config.contains("class_name") && config.at("class_name").is_string()
          ? config.at("class_name").get<std::string>()
          : std::string();
  NABLA_CHECK(class_name.empty() || class_name == "Sequential" || class_name == "Functional" ||
                  class_name == "Model",
              ValueError, who_, ": the file holds a subclassed model ('", class_name,
              "'); build it in C++ and call load_weights on it");
}

/// Keras's load_model(compile=True): compile as the file's compile_config says, so that the
/// optimizer state loads too. What nabla cannot rebuild (a loss given as Python code) leaves
/// the model uncompiled, with a warning, as Keras does.
void compile_as_saved(Model& model, const json& config, std::string_view who_) {
  const auto it = config.find("compile_config");
  if (it == config.end() || !it->is_object()) return;
  try {
    model.compile_from_config(*it);
  } catch (const Error& e) {
    std::cerr << who_ << ": warning: the model is not compiled: " << e.what() << "\n";
  } catch (const json::exception& e) {
    std::cerr << who_ << ": warning: the model is not compiled: " << e.what() << "\n";
  }
}

}  // namespace

Model load_model(const std::filesystem::path& path) {
  const std::string w = who("load_model", path);
  std::shared_ptr<Model> model;
  if (ends_with(path, ".keras")) {
    KerasArchive archive = read_archive(path, w);
    check_loadable_class(archive.config, w);
    {
      const WeightBudget budget(archive.weights.size(), w, kWeightsMember);
      model = saving::deserialize_model(archive.config, archive.version, w);
    }
    compile_as_saved(*model, archive.config, w);
    try {
      saving::load_weights_keras3(*model, archive.config, archive.weights_file().root(), w);
    } catch (const IOError& e) {
      rethrow_with(e, w);
    }
  } else if (ends_with(path, ".h5") || ends_with(path, ".hdf5")) {
    try {
      const io::h5::File file = io::h5::File::open(path);
      std::error_code ec;  // the file was just read: this fails only in a race (then refuse)
      const uint64_t size = std::filesystem::file_size(path, ec);
      const uint64_t file_size = ec ? 0 : size;
      const io::h5::Group root = file.root();
      NABLA_CHECK(root.has_attribute("model_config"), ValueError, w,
                  ": the file holds weights only (no model_config); build the model in C++ and "
                  "call load_weights");
      const json config = parse_json(root.attribute("model_config").as_string(), "model_config", w);
      const KerasVersion version = KerasVersion::parse(string_attribute(root, "keras_version"));
      check_loadable_class(config, w);
      {
        const WeightBudget budget(file_size, w, "the file");
        model = saving::deserialize_model(config, version, w);
      }
      saving::load_weights_legacy(
          *model, root.has_group("model_weights") ? root.group("model_weights") : root, w);
    } catch (const IOError& e) {
      rethrow_with(e, w);
    }
  } else {
    throw ValueError(nabla::detail::str_cat(w, ": expected a .keras or .h5 file"));
  }
  NABLA_CHECK(model->is_sequential() || model->is_functional(), ValueError, w,
              ": the file holds a subclassed model ('", model->class_name(),
              "'); build it in C++ and call load_weights");
  return *model;
}

void Model::save(const std::filesystem::path& path) {
  const std::string w = who("save", path);
  json config = saving::serialize_model(*this);
  try {
    if (ends_with(path, ".keras")) {
      if (const json compile_config = get_compile_config(); !compile_config.is_null())
        config["compile_config"] = compile_config;
      io::h5::Writer h5;
      saving::save_weights_keras3(*this, config, h5.root());
      const std::vector<unsigned char> weights = h5.finish();
      const std::string config_text = config.dump();
      const std::string metadata = json{
          {"keras_version", saving::kWrittenKerasVersion},
          {"date_saved", date_saved()},
          {"written_by", "nabla"}}.dump();
      io::AtomicWriter out(path);
      io::ZipWriter zip(out);
      // Keras writes metadata, config, then weights; readers look members up by name.
      const std::span<const unsigned char> meta[] = {bytes_of(metadata)};
      zip.add_stored(kMetadataMember, meta);
      const std::span<const unsigned char> cfg[] = {bytes_of(config_text)};
      zip.add_stored(kConfigMember, cfg);
      const std::span<const unsigned char> wts[] = {{weights.data(), weights.size()}};
      zip.add_stored(kWeightsMember, wts);
      zip.finish();
      out.commit();
    } else if (ends_with(path, ".h5")) {
      io::h5::Writer h5;
      io::h5::GroupWriter root = h5.root();
      root.set_attribute("backend", "tensorflow");
      root.set_attribute("keras_version", saving::kWrittenKerasVersion);
      root.set_attribute("model_config", config.dump());
      saving::save_weights_legacy(*this, root.create_group("model_weights"));
      write_bytes_atomically(path, h5.finish());
    } else {
      throw ValueError(nabla::detail::str_cat(w, ": expected a .keras or .h5 file name"));
    }
  } catch (const IOError& e) {
    rethrow_with(e, w);
  }
}

void Model::save_weights(const std::filesystem::path& path) {
  const std::string w = who("save_weights", path);
  NABLA_CHECK(ends_with(path, ".h5"), ValueError, w,
              ": expected a .weights.h5 file name (or .h5 for the legacy layout)");
  try {
    io::h5::Writer h5;
    if (ends_with(path, ".weights.h5")) {
      saving::save_weights_keras3(*this, saving::serialize_model(*this), h5.root());
    } else {
      saving::save_weights_legacy(*this, h5.root());
    }
    write_bytes_atomically(path, h5.finish());
  } catch (const IOError& e) {
    rethrow_with(e, w);
  }
}

void Model::load_weights(const std::filesystem::path& path) {
  const std::string w = who("load_weights", path);
  try {
    if (ends_with(path, ".keras")) {
      KerasArchive archive = read_archive(path, w);
      saving::load_weights_keras3(*this, saving::serialize_model(*this),
                                  archive.weights_file().root(), w);
      return;
    }
    NABLA_CHECK(ends_with(path, ".h5") || ends_with(path, ".hdf5"), ValueError, w,
                ": expected a .keras, .weights.h5 or .h5 file");
    const io::h5::File file = io::h5::File::open(path);
    const io::h5::Group root = file.root();
    if (root.has_group("model_weights")) {
      saving::load_weights_legacy(*this, root.group("model_weights"), w);
    } else if (root.has_attribute("layer_names")) {
      saving::load_weights_legacy(*this, root, w);
    } else {
      saving::load_weights_keras3(*this, saving::serialize_model(*this), root, w);
    }
  } catch (const IOError& e) {
    rethrow_with(e, w);
  }
}

}  // namespace nabla::nn
