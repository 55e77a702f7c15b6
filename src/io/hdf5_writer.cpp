// The HDF5 writer (io/hdf5.hpp) on libhdf5: a file in memory (core driver, no backing store)
// with libhdf5's default "earliest" format bounds, as h5py and Keras write files: superblock v0,
// version 1 object headers, symbol-table groups.
//
// Debian's libhdf5 is built without thread safety, so one mutex serialises every call into it.
#include <hdf5.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <utility>

#include "io/hdf5.hpp"
#include "io/npy_format.hpp"

namespace nabla::io::h5 {
namespace {

// Keras's HDF5_OBJECT_HEADER_LIMIT: attribute data above it does not fit a v1 object header
// (64 KiB in all), and Keras splits such lists into several attributes.
constexpr size_t kMaxAttributeBytes = 64512;

std::mutex& hdf5_mutex() {
  static std::mutex mutex;
  return mutex;
}

herr_t innermost_error(unsigned n, const H5E_error2_t* error, void* data) {
  if (n == 0 && error->desc != nullptr) *static_cast<std::string*>(data) = error->desc;
  return 0;
}

/// IOError for a failed libhdf5 call, with libhdf5's innermost error description.
[[noreturn]] void hdf5_fail(const std::string& what) {
  std::string reason;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_error, &reason);
  H5Eclear2(H5E_DEFAULT);
  throw IOError("HDF5 writer: " + what + (reason.empty() ? "" : " (libhdf5: " + reason + ")"));
}

template <class T>
T check(T result, const std::string& what) {
  if (result < 0) hdf5_fail(what);
  return result;
}

/// An identifier closed on scope exit.
class Id {
 public:
  Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Id() {
    if (id_ >= 0) close_(id_);
  }
  Id(Id&& other) noexcept : id_(std::exchange(other.id_, -1)), close_(other.close_) {}
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  Id& operator=(Id&&) = delete;
  [[nodiscard]] hid_t get() const { return id_; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

/// The file datatype of `dtype` (also used as the memory type: the host is little-endian).
Id datatype(DType dtype) {
  switch (dtype) {
    case DType::Bool: {
      // NumPy's bool as h5py stores it: an int8 enum FALSE = 0, TRUE = 1.
      Id type(check(H5Tenum_create(H5T_NATIVE_INT8), "cannot create the bool type"), H5Tclose);
      const int8_t no = 0;
      const int8_t yes = 1;
      check(H5Tenum_insert(type.get(), "FALSE", &no), "cannot create the bool type");
      check(H5Tenum_insert(type.get(), "TRUE", &yes), "cannot create the bool type");
      return type;
    }
    case DType::UInt8:
      return Id(check(H5Tcopy(H5T_STD_U8LE), "cannot copy a type"), H5Tclose);
    case DType::Int32:
      return Id(check(H5Tcopy(H5T_STD_I32LE), "cannot copy a type"), H5Tclose);
    case DType::Int64:
      return Id(check(H5Tcopy(H5T_STD_I64LE), "cannot copy a type"), H5Tclose);
    case DType::Float32:
      return Id(check(H5Tcopy(H5T_IEEE_F32LE), "cannot copy a type"), H5Tclose);
    case DType::Float64:
      return Id(check(H5Tcopy(H5T_IEEE_F64LE), "cannot copy a type"), H5Tclose);
    default:
      throw ValueError(detail::str_cat("HDF5 writer: ", dtype, " is not supported"));
  }
}

Id dataspace(const Shape& shape) {
  if (shape.rank() == 0)
    return Id(check(H5Screate(H5S_SCALAR), "cannot create a dataspace"), H5Sclose);
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  return Id(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                  "cannot create a dataspace"),
            H5Sclose);
}

/// The path of an open object, for messages.
std::string path_of(hid_t id) {
  char buffer[512] = {};
  const ssize_t n = H5Iget_name(id, buffer, sizeof buffer);
  return n > 0 ? std::string(buffer) : std::string("?");
}

void check_link_name(std::string_view name, std::string_view op) {
  NABLA_CHECK(!name.empty() && name != "." && name.find('/') == std::string_view::npos &&
                  name.find('\0') == std::string_view::npos,
              ValueError, "HDF5 writer: ", op, ": bad name '", name,
              "' (empty, '.', or contains '/' or NUL)");
}

void check_attribute_name(std::string_view name) {
  NABLA_CHECK(!name.empty() && name.find('\0') == std::string_view::npos, ValueError,
              "HDF5 writer: bad attribute name '", name, "' (empty or contains NUL)");
}

Tensor writable(const Tensor& values, std::string_view op) {
  Tensor data = contiguous_for_writing(values, op);
  NABLA_CHECK(!is_complex(data.dtype()), ValueError, op, ": ", data.dtype(),
              " cannot be written to HDF5 (h5py's complex compound type is not supported)");
  return data;
}

}  // namespace

// ---- Writer ----

Writer::Writer() {
  static std::atomic<uint64_t> counter{0};
  const std::string name = "nabla-writer-" + std::to_string(counter++) + ".h5";
  std::lock_guard lock(hdf5_mutex());
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become IOError, not stderr output
  Id fapl(check(H5Pcreate(H5P_FILE_ACCESS), "cannot create file access properties"), H5Pclose);
  check(H5Pset_fapl_core(fapl.get(), 1 << 20, 0), "cannot select the in-memory driver");
  file_ = check(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()),
                "cannot create an in-memory file");
}

Writer::~Writer() {
  std::lock_guard lock(hdf5_mutex());
  for (auto it = open_groups_.rbegin(); it != open_groups_.rend(); ++it) H5Gclose(*it);
  if (file_ >= 0) H5Fclose(file_);
  H5Eclear2(H5E_DEFAULT);
}

GroupWriter Writer::root() {
  std::lock_guard lock(hdf5_mutex());
  NABLA_CHECK(file_ >= 0, ValueError, "HDF5 writer: root() after finish()");
  const hid_t id = check(H5Gopen2(file_, "/", H5P_DEFAULT), "cannot open the root group");
  open_groups_.push_back(id);
  return GroupWriter(this, id);
}

std::vector<unsigned char> Writer::finish() {
  std::lock_guard lock(hdf5_mutex());
  NABLA_CHECK(file_ >= 0, ValueError, "HDF5 writer: finish() called twice");
  while (!open_groups_.empty()) {
    const hid_t id = open_groups_.back();
    open_groups_.pop_back();
    check(H5Gclose(id), "cannot close a group");
  }
  check(H5Fflush(file_, H5F_SCOPE_GLOBAL), "cannot flush the file");
  const ssize_t size = check(H5Fget_file_image(file_, nullptr, 0), "cannot get the file image");
  std::vector<unsigned char> image(static_cast<size_t>(size));
  check(H5Fget_file_image(file_, image.data(), image.size()), "cannot get the file image");
  const hid_t file = file_;
  file_ = -1;
  check(H5Fclose(file), "cannot close the file");
  return image;
}

// ---- GroupWriter ----

GroupWriter GroupWriter::create_group(std::string_view name) {
  check_link_name(name, "create_group");
  const std::string n(name);
  std::lock_guard lock(hdf5_mutex());
  NABLA_CHECK(writer_->file_ >= 0, ValueError, "HDF5 writer: create_group after finish()");
  NABLA_CHECK(check(H5Lexists(id_, n.c_str(), H5P_DEFAULT), "cannot look up '" + n + "'") == 0,
              IOError, "HDF5 writer: '", n, "' already exists in ", path_of(id_));
  const hid_t id = check(H5Gcreate2(id_, n.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                         "cannot create group '" + n + "' in " + path_of(id_));
  writer_->open_groups_.push_back(id);
  return GroupWriter(writer_, id);
}

void GroupWriter::write_dataset(std::string_view name, const Tensor& values) {
  check_link_name(name, "write_dataset");
  const std::string n(name);
  const Tensor data = writable(values, "HDF5 write_dataset '" + n + "'");
  std::lock_guard lock(hdf5_mutex());
  NABLA_CHECK(writer_->file_ >= 0, ValueError, "HDF5 writer: write_dataset after finish()");
  NABLA_CHECK(check(H5Lexists(id_, n.c_str(), H5P_DEFAULT), "cannot look up '" + n + "'") == 0,
              IOError, "HDF5 writer: '", n, "' already exists in ", path_of(id_));
  const std::string where = "dataset '" + n + "' in " + path_of(id_);
  const Id type = datatype(data.dtype());
  const Id space = dataspace(data.shape());
  const Id dataset(check(H5Dcreate2(id_, n.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                    H5P_DEFAULT, H5P_DEFAULT),
                         "cannot create " + where),
                   H5Dclose);
  if (data.numel() > 0) {
    check(H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data_ptr()),
          "cannot write " + where);
  }
}

namespace {

/// Creates attribute `name` on `object` (replacing one of that name, as h5py's attrs[name] = x
/// does) and writes `data`.
void write_attribute(hid_t object, const std::string& name, hid_t type, hid_t space,
                     const void* data, size_t bytes) {
  const std::string where = "attribute '" + name + "' of " + path_of(object);
  if (bytes > kMaxAttributeBytes)
    throw IOError(detail::str_cat("HDF5 writer: ", where, " holds ", bytes,
                                  " bytes; an HDF5 object header holds at most 64 KiB (Keras "
                                  "limits attributes to ",
                                  kMaxAttributeBytes, " bytes)"));
  if (check(H5Aexists(object, name.c_str()), "cannot look up " + where) > 0)
    check(H5Adelete(object, name.c_str()), "cannot replace " + where);
  const Id attribute(check(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                           "cannot create " + where),
                     H5Aclose);
  static const unsigned char nothing = 0;  // libhdf5 refuses a null buffer, even for no data
  check(H5Awrite(attribute.get(), type, data != nullptr ? data : &nothing),
        "cannot write " + where);
}

}  // namespace

void GroupWriter::set_attribute(std::string_view name, std::string_view value) {
  check_attribute_name(name);
  NABLA_CHECK(value.find('\0') == std::string_view::npos, ValueError, "HDF5 writer: attribute '",
              name, "': a variable-length string cannot hold NUL");
  const std::string n(name);
  const std::string v(value);
  std::lock_guard lock(hdf5_mutex());
  NABLA_CHECK(writer_->file_ >= 0, ValueError, "HDF5 writer: set_attribute after finish()");
  const Id type(check(H5Tcopy(H5T_C_S1), "cannot copy a type"), H5Tclose);
  check(H5Tset_size(type.get(), H5T_VARIABLE), "cannot make a string type");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "cannot make a string type");
  const Id space(check(H5Screate(H5S_SCALAR), "cannot create a dataspace"), H5Sclose);
  const char* pointer = v.c_str();
  write_attribute(id_, n, type.get(), space.get(), &pointer, 0);
}

void GroupWriter::set_attribute(std::string_view name, const std::vector<std::string>& values) {
  check_attribute_name(name);
  const std::string n(name);
  std::lock_guard lock(hdf5_mutex());
  NABLA_CHECK(writer_->file_ >= 0, ValueError, "HDF5 writer: set_attribute after finish()");
  if (values.empty()) {
    // Keras writes an empty name list as np.array([]): a zero-length float64 array.
    const Id type(check(H5Tcopy(H5T_IEEE_F64LE), "cannot copy a type"), H5Tclose);
    const Id space = dataspace(Shape{0});
    write_attribute(id_, n, type.get(), space.get(), nullptr, 0);
    return;
  }
  size_t width = 1;
  for (const std::string& s : values) width = std::max(width, s.size());
  std::vector<char> buffer(values.size() * width, '\0');
  for (size_t i = 0; i < values.size(); ++i)
    std::memcpy(buffer.data() + i * width, values[i].data(), values[i].size());
  const Id type(check(H5Tcopy(H5T_C_S1), "cannot copy a type"), H5Tclose);
  check(H5Tset_size(type.get(), width), "cannot make a string type");
  check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "cannot make a string type");
  const Id space = dataspace(Shape{static_cast<int64_t>(values.size())});
  write_attribute(id_, n, type.get(), space.get(), buffer.data(), buffer.size());
}

void GroupWriter::set_attribute(std::string_view name, const Tensor& values) {
  check_attribute_name(name);
  const std::string n(name);
  const Tensor data = writable(values, "HDF5 set_attribute '" + n + "'");
  std::lock_guard lock(hdf5_mutex());
  NABLA_CHECK(writer_->file_ >= 0, ValueError, "HDF5 writer: set_attribute after finish()");
  const Id type = datatype(data.dtype());
  const Id space = dataspace(data.shape());
  write_attribute(id_, n, type.get(), space.get(), data.numel() > 0 ? data.data_ptr() : nullptr,
                  static_cast<size_t>(data.numel()) * data.itemsize());
}

}  // namespace nabla::io::h5
