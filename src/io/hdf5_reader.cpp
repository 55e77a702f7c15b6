// The HDF5 reader's public API (io/hdf5.hpp) over the parsers of hdf5_objects.cpp and
// hdf5_values.cpp: paths, groups, datasets and attributes, with errors that name the file and the
// object.
#include <algorithm>
#include <optional>

#include "io/file.hpp"
#include "io/hdf5_format.hpp"

namespace nabla::io::h5 {
namespace {

constexpr uint16_t kDataspace = 0x01;
constexpr uint16_t kDatatype = 0x03;
constexpr size_t kMaxDepth = 256;  // groups nested deeper are refused (recursive walkers)

/// Runs `fn`, turning the parser's FormatError into IOError("name: what, at where").
template <class Fn>
auto guarded(const FileImage& file, const std::string& where, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const FormatError& e) {
    throw IOError(detail::str_cat(file.name, ": ", e.what(), ", at ", where));
  }
}

std::string child_path(const std::string& parent, std::string_view name) {
  return parent == "/" ? "/" + std::string(name) : parent + "/" + std::string(name);
}

struct Object {
  uint64_t address = 0;
  std::string path;
  ObjectKind kind = ObjectKind::Other;
};

/// The child `link` of the group at `parent`, its header parsed (errors name the child's path).
Object open_child(const FileImage& file, uint64_t parent, const std::string& parent_path,
                  const Link& link) {
  Object child{link.address, child_path(parent_path, link.name), ObjectKind::Other};
  guarded(file, child.path, [&] {
    if (static_cast<size_t>(std::count(child.path.begin(), child.path.end(), '/')) > kMaxDepth)
      fail("groups nested deeper than ", kMaxDepth, " levels");
    register_link(file, parent, link.name, link.address);
    child.kind = object_header(file, link.address)->kind;
  });
  return child;
}

/// The object at relative `path` below the group at `start`; nullopt when a component is missing
/// or is not a group.
std::optional<Object> resolve(const FileImage& file, uint64_t start, const std::string& start_path,
                              std::string_view path) {
  Object current{start, start_path, ObjectKind::Group};
  size_t pos = 0;
  while (pos <= path.size()) {
    const size_t slash = std::min(path.find('/', pos), path.size());
    const std::string_view name = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (name.empty() || name == ".") continue;
    if (current.kind != ObjectKind::Group) return std::nullopt;
    const auto links =
        guarded(file, current.path, [&] { return group_links(file, current.address); });
    const auto it = std::lower_bound(links->begin(), links->end(), name,
                                     [](const Link& l, std::string_view n) { return l.name < n; });
    if (it == links->end() || it->name != name) return std::nullopt;
    current = open_child(file, current.address, current.path, *it);
  }
  return current;
}

std::vector<std::string> children(const FileImage& file, uint64_t address, const std::string& path,
                                  ObjectKind kind) {
  const auto links = guarded(file, path, [&] { return group_links(file, address); });
  std::vector<std::string> names;
  for (const Link& link : *links) {
    if (open_child(file, address, path, link).kind == kind) names.push_back(link.name);
  }
  return names;
}

std::vector<std::string> attribute_names_of(const FileImage& file, uint64_t address,
                                            const std::string& path) {
  return guarded(file, path, [&] {
    const auto header = object_header(file, address);
    std::vector<std::string> names;
    for (const Message& m : attribute_messages(file, *header))
      names.push_back(attribute_name(file, m));
    std::sort(names.begin(), names.end());
    if (std::adjacent_find(names.begin(), names.end()) != names.end())
      fail("duplicate attribute name '", *std::adjacent_find(names.begin(), names.end()), "'");
    return names;
  });
}

std::optional<Attribute> find_attribute(const FileImage& file, uint64_t address,
                                        const std::string& path, std::string_view name) {
  const std::string where = detail::str_cat(path, " (attribute '", name, "')");
  return guarded(file, where, [&]() -> std::optional<Attribute> {
    const auto header = object_header(file, address);
    for (const Message& m : attribute_messages(file, *header)) {
      if (attribute_name(file, m) == name) return decode_attribute(file, parse_attribute(file, m));
    }
    return std::nullopt;
  });
}

Attribute attribute_of(const FileImage& file, uint64_t address, const std::string& path,
                       std::string_view name) {
  auto attribute = find_attribute(file, address, path, name);
  if (!attribute)
    throw IOError(detail::str_cat(file.name, ": no attribute '", name, "', at ", path));
  return std::move(*attribute);
}

struct DatasetInfo {
  Datatype type;
  Dataspace space;
};

DatasetInfo dataset_info(const FileImage& file, const ObjectHeader& header) {
  const Message* type = find_message(header, kDatatype);
  const Message* space = find_message(header, kDataspace);
  if (type == nullptr || space == nullptr) fail("dataset without a datatype or dataspace");
  return {parse_datatype(file, *type), parse_dataspace(file, *space)};
}

}  // namespace

std::string Attribute::as_string() const {
  NABLA_CHECK(is_string && strings.size() == 1, IOError, "attribute is not a single string (",
              is_string ? "strings" : "numbers", " of shape ", shape, ")");
  return strings[0];
}

// ---- Group ----

std::vector<std::string> Group::groups() const {
  return children(*file_, header_address_, path_, ObjectKind::Group);
}

std::vector<std::string> Group::datasets() const {
  return children(*file_, header_address_, path_, ObjectKind::Dataset);
}

bool Group::has_group(std::string_view path) const {
  const auto object = resolve(*file_, header_address_, path_, path);
  return object && object->kind == ObjectKind::Group;
}

bool Group::has_dataset(std::string_view path) const {
  const auto object = resolve(*file_, header_address_, path_, path);
  return object && object->kind == ObjectKind::Dataset;
}

Group Group::group(std::string_view path) const {
  const auto object = resolve(*file_, header_address_, path_, path);
  if (!object || object->kind != ObjectKind::Group)
    throw IOError(detail::str_cat(file_->name, ": no group '", path, "', at ", path_));
  Group g;
  g.file_ = file_;
  g.header_address_ = object->address;
  g.path_ = object->path;
  return g;
}

Dataset Group::dataset(std::string_view path) const {
  const auto object = resolve(*file_, header_address_, path_, path);
  if (!object || object->kind != ObjectKind::Dataset)
    throw IOError(detail::str_cat(file_->name, ": no dataset '", path, "', at ", path_));
  Dataset d;
  d.file_ = file_;
  d.header_address_ = object->address;
  d.path_ = object->path;
  guarded(*file_, d.path_, [&] {
    const DatasetInfo info = dataset_info(*file_, *object_header(*file_, d.header_address_));
    d.shape_ = info.space.shape;
    d.is_string_ =
        info.type.cls == Datatype::Class::String || info.type.cls == Datatype::Class::VlenString;
    d.dtype_ = d.is_string_ ? uint8 : numeric_dtype(info.type);
  });
  return d;
}

std::vector<std::string> Group::attribute_names() const {
  return attribute_names_of(*file_, header_address_, path_);
}

bool Group::has_attribute(std::string_view name) const {
  const auto names = attribute_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

Attribute Group::attribute(std::string_view name) const {
  return attribute_of(*file_, header_address_, path_, name);
}

// ---- Dataset ----

const Shape& Dataset::shape() const { return shape_; }

DType Dataset::dtype() const { return dtype_; }

Tensor Dataset::read() const {
  if (is_string_)
    throw IOError(detail::str_cat(file_->name, ": a dataset of strings, not numbers, at ", path_));
  return guarded(*file_, path_, [&] {
    const auto header = object_header(*file_, header_address_);
    const DatasetInfo info = dataset_info(*file_, *header);
    const uint64_t size = data_size(*file_, info.type, info.space);
    return decode_numbers(info.type, info.space,
                          dataset_bytes(*file_, header_address_, *header, size));
  });
}

std::vector<std::string> Dataset::read_strings() const {
  if (!is_string_)
    throw IOError(detail::str_cat(file_->name, ": a dataset of numbers, not strings, at ", path_));
  return guarded(*file_, path_, [&] {
    const auto header = object_header(*file_, header_address_);
    const DatasetInfo info = dataset_info(*file_, *header);
    const uint64_t size = data_size(*file_, info.type, info.space);
    return decode_strings(*file_, info.type, info.space.numel,
                          dataset_bytes(*file_, header_address_, *header, size));
  });
}

std::vector<std::string> Dataset::attribute_names() const {
  return attribute_names_of(*file_, header_address_, path_);
}

bool Dataset::has_attribute(std::string_view name) const {
  const auto names = attribute_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

Attribute Dataset::attribute(std::string_view name) const {
  return attribute_of(*file_, header_address_, path_, name);
}

// ---- File ----

File::File(std::vector<unsigned char> bytes, std::string name) {
  try {
    std::shared_ptr<FileImage> image = parse_file(std::move(bytes), name);
    guarded(*image, "/", [&] {
      if (object_header(*image, image->root)->kind != ObjectKind::Group)
        fail("the root object is not a group");
    });
    image_ = std::move(image);
  } catch (const FormatError& e) {
    throw IOError(detail::str_cat(name, ": ", e.what(), ", at the superblock"));
  }
}

File File::open(const std::filesystem::path& path) {
  std::vector<unsigned char> bytes;
  try {
    const ::nabla::io::File file(path);
    bytes.resize(static_cast<size_t>(file.size()));
    if (!bytes.empty()) file.read_at(0, bytes.data(), bytes.size());
  } catch (const IOError& e) {
    throw IOError(detail::str_cat(path.string(), ": ", e.what()));
  }
  return File(std::move(bytes), path.string());
}

Group File::root() const {
  Group g;
  g.file_ = image_;
  g.header_address_ = image_->root;
  g.path_ = "/";
  return g;
}

}  // namespace nabla::io::h5
