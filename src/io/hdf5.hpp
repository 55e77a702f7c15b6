// HDF5 files as Keras writes them (h5py with libver "earliest"): a reader of our own and a writer
// on libhdf5.
//
// Why two implementations: libhdf5 is the standard writer and guarantees files h5py and Keras
// read. Its reader, though, is not safe on hostile input (Debian's 1.10 has many open CVEs for
// crashes and overflows on malformed files), and nabla promises an IOError, never a crash, for any
// corrupt file. So reading goes through a small bounds-checked parser of the subset of the format
// Keras files use; anything outside that subset is an IOError saying what is unsupported.
//
// Reading works on a file image in memory: every offset and length is checked against it, so no
// allocation exceeds the file's size (times a small constant for decoded values).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nabla/tensor/shape.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla::io::h5 {

struct FileImage;  // the bytes and the parsed superblock (hdf5_reader.cpp)

/// An attribute's value: strings (fixed- or variable-length, flattened in C order) or numbers.
/// An attribute with a null dataspace (h5py.Empty) reads as zero elements of shape {0}.
struct Attribute {
  Shape shape;  // {} for a scalar
  bool is_string = false;
  std::vector<std::string> strings;  // when is_string
  Tensor numbers;                    // otherwise (bool, uint8, int32, int64, float32, float64)

  /// The single string of a scalar or one-element string attribute; IOError otherwise.
  [[nodiscard]] std::string as_string() const;
};

class Dataset;

/// A group of an open file. Cheap to copy; keeps the file image alive. Thread-safe (the file's
/// caches are locked). Soft and external links are not followed (not listed); an object reached
/// through two hard links, or a cycle, is an IOError (Keras never writes either).
class Group {
 public:
  /// Names of the child groups / datasets, sorted by name (as h5py lists them).
  [[nodiscard]] std::vector<std::string> groups() const;
  [[nodiscard]] std::vector<std::string> datasets() const;
  [[nodiscard]] bool has_group(std::string_view path) const;
  [[nodiscard]] bool has_dataset(std::string_view path) const;
  /// The group or dataset at `path` ("a/b/c", relative); IOError naming the path when missing.
  [[nodiscard]] Group group(std::string_view path) const;
  [[nodiscard]] Dataset dataset(std::string_view path) const;

  [[nodiscard]] std::vector<std::string> attribute_names() const;
  [[nodiscard]] bool has_attribute(std::string_view name) const;
  [[nodiscard]] Attribute attribute(std::string_view name) const;

  /// "/model_weights/dense" (for messages).
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  friend class File;
  friend class Dataset;
  std::shared_ptr<const FileImage> file_;
  uint64_t header_address_ = 0;
  std::string path_;
};

class Dataset {
 public:
  [[nodiscard]] const Shape& shape() const;
  /// The dtype read() returns: HDF5 uint8 -> uint8; int8, int16, uint16, int32 -> int32
  /// (nabla has no narrower ints; values kept exactly); uint32, int64 -> int64; uint64 -> int64
  /// (IOError at read() for values above INT64_MAX); float32, float64; h5py's bool enum -> bool.
  [[nodiscard]] DType dtype() const;
  /// The values as a new contiguous tensor (big-endian data converted); IOError for strings.
  [[nodiscard]] Tensor read() const;
  /// True for a dataset of strings (fixed- or variable-length); dtype() is then meaningless.
  [[nodiscard]] bool is_string() const { return is_string_; }
  /// A string dataset's values, flattened in C order; IOError for numbers.
  [[nodiscard]] std::vector<std::string> read_strings() const;
  [[nodiscard]] std::vector<std::string> attribute_names() const;
  [[nodiscard]] bool has_attribute(std::string_view name) const;
  [[nodiscard]] Attribute attribute(std::string_view name) const;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  friend class Group;
  std::shared_ptr<const FileImage> file_;
  uint64_t header_address_ = 0;
  std::string path_;
  Shape shape_;
  DType dtype_ = float32;
  bool is_string_ = false;
};

/// An HDF5 file parsed from its bytes. `name` (a path, or "model.keras:model.weights.h5") starts
/// every error message.
class File {
 public:
  File(std::vector<unsigned char> bytes, std::string name);
  /// Reads the whole file; IOError when it cannot be read.
  [[nodiscard]] static File open(const std::filesystem::path& path);
  [[nodiscard]] Group root() const;

 private:
  std::shared_ptr<const FileImage> image_;
};

/// Builds an HDF5 file in memory with libhdf5 (core driver, no backing file), laid out as h5py
/// writes it with its defaults, so the caller decides where the bytes go (a zip member, or a file
/// through AtomicWriter).
class Writer;

class GroupWriter {
 public:
  /// A new child group; IOError if `name` exists.
  [[nodiscard]] GroupWriter create_group(std::string_view name);
  /// A new dataset holding `values` (any dtype but complex; written C-contiguous; 0-d allowed).
  void write_dataset(std::string_view name, const Tensor& values);
  /// A scalar variable-length UTF-8 string attribute, as h5py writes a Python str.
  void set_attribute(std::string_view name, std::string_view value);
  /// A 1-D fixed-length byte-string attribute (NumPy 'S' array), as tf.keras writes
  /// layer_names and weight_names; an empty list is a zero-length float64 array, as Keras writes
  /// it.
  void set_attribute(std::string_view name, const std::vector<std::string>& values);
  /// A numeric attribute of `values`' shape and dtype.
  void set_attribute(std::string_view name, const Tensor& values);

 private:
  friend class Writer;
  GroupWriter(Writer* writer, int64_t id) : writer_(writer), id_(id) {}
  Writer* writer_;
  int64_t id_;  // hid_t
};

class Writer {
 public:
  Writer();
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  [[nodiscard]] GroupWriter root();
  /// Closes everything and returns the file's bytes. The writer is unusable afterwards.
  [[nodiscard]] std::vector<unsigned char> finish();

 private:
  friend class GroupWriter;
  int64_t file_ = -1;
  std::vector<int64_t> open_groups_;
};

}  // namespace nabla::io::h5
