// The HDF5 reader's values: datatype and dataspace messages, attribute messages, data layout,
// and decoding elements into tensors or strings.
#include <cstring>
#include <limits>

#include "io/byte_order.hpp"
#include "io/hdf5_format.hpp"
#include "nabla/ops/creation.hpp"

namespace nabla::io::h5 {
namespace {

constexpr uint16_t kDataspace = 0x01;
constexpr uint16_t kDatatype = 0x03;
constexpr uint16_t kExternalFiles = 0x07;
constexpr uint16_t kLayout = 0x08;
constexpr uint16_t kFilters = 0x0B;
constexpr uint16_t kAttribute = 0x0C;
constexpr uint16_t kAttributeInfo = 0x15;
constexpr int kMaxRank = 32;  // HDF5's H5S_MAX_RANK

const char* class_name(int cls) {
  constexpr const char* names[] = {"fixed-point", "floating-point",  "time",     "string",
                                   "bitfield",    "opaque",          "compound", "reference",
                                   "enum",        "variable-length", "array"};
  return cls >= 0 && cls < 11 ? names[cls] : "unknown";
}

// `depth` 0 for a top-level type; enum and variable-length base types are depth 1 and must be
// simple (no nesting).
Datatype parse_type(Cursor& c, int depth) {
  const uint8_t class_version = c.u8();
  const int cls = class_version & 0x0F;
  const int version = class_version >> 4;
  if (version < 1 || version > 4) fail("unsupported datatype version ", version);
  const uint32_t bits = c.u8() | uint32_t{c.u8()} << 8 | uint32_t{c.u8()} << 16;
  Datatype t;
  t.size = c.u32();
  if (t.size == 0) fail("datatype of size 0");
  switch (cls) {
    case 0: {  // fixed-point
      const uint16_t offset = c.u16();
      const uint16_t precision = c.u16();
      if (t.size != 1 && t.size != 2 && t.size != 4 && t.size != 8)
        fail("unsupported: ", t.size, "-byte integers");
      if (offset != 0 || precision != 8 * t.size)
        fail("unsupported: integer with bit offset ", offset, " and precision ", precision);
      t.cls = Datatype::Class::Integer;
      t.big_endian = (bits & 1) != 0;
      t.is_signed = (bits & 8) != 0;
      return t;
    }
    case 1: {  // floating-point
      const uint16_t offset = c.u16();
      const uint16_t precision = c.u16();
      const uint8_t exponent_location = c.u8();
      const uint8_t exponent_size = c.u8();
      const uint8_t mantissa_location = c.u8();
      const uint8_t mantissa_size = c.u8();
      const uint32_t bias = c.u32();
      const uint32_t sign = (bits >> 8) & 0xFF;
      if ((bits & 0x40) != 0) fail("unsupported: VAX-order floats");
      const bool ieee32 = t.size == 4 && precision == 32 && exponent_location == 23 &&
                          exponent_size == 8 && mantissa_size == 23 && bias == 127 && sign == 31;
      const bool ieee64 = t.size == 8 && precision == 64 && exponent_location == 52 &&
                          exponent_size == 11 && mantissa_size == 52 && bias == 1023 && sign == 63;
      if (!(ieee32 || ieee64) || offset != 0 || mantissa_location != 0)
        fail("unsupported: ", t.size * 8, "-bit floating point (only IEEE float32 and float64)");
      t.cls = Datatype::Class::Float;
      t.big_endian = (bits & 1) != 0;
      return t;
    }
    case 3: {  // fixed-length string
      t.cls = Datatype::Class::String;
      t.padding = static_cast<int>(bits & 0x0F);
      if (t.padding > 2) fail("bad string padding ", t.padding);
      if (((bits >> 4) & 0x0F) > 1) fail("unsupported string character set");
      return t;
    }
    case 8: {  // enum: only NumPy's bool as h5py writes it
      if (depth > 0) fail("unsupported: nested enum datatype");
      const uint32_t members = bits & 0xFFFF;
      const Datatype base = parse_type(c, depth + 1);
      if (base.cls != Datatype::Class::Integer || base.size != t.size)
        fail("unsupported: enum with a non-integer base");
      std::vector<std::string> names;
      for (uint32_t i = 0; i < members && i < 3; ++i) {
        std::string name;
        for (uint8_t ch = c.u8(); ch != 0; ch = c.u8()) name.push_back(static_cast<char>(ch));
        if (version < 3) c.skip((8 - (name.size() + 1) % 8) % 8);
        names.push_back(std::move(name));
      }
      if (members != 2 || t.size != 1)
        fail("unsupported: enum datatype other than NumPy bool (", members, " members)");
      const Bytes values = c.bytes(2);
      const bool numpy_bool =
          (names[0] == "FALSE" && names[1] == "TRUE" && values[0] == 0 && values[1] == 1) ||
          (names[0] == "TRUE" && names[1] == "FALSE" && values[0] == 1 && values[1] == 0);
      if (!numpy_bool) fail("unsupported: enum datatype other than NumPy bool");
      t.cls = Datatype::Class::Bool;
      return t;
    }
    case 9: {  // variable-length: strings only
      if (depth > 0) fail("unsupported: nested variable-length datatype");
      if ((bits & 0x0F) != 1) fail("unsupported: variable-length sequence (not a string)");
      if (((bits >> 8) & 0x0F) > 1) fail("unsupported string character set");
      const Datatype base = parse_type(c, depth + 1);
      if (base.size != 1 ||
          (base.cls != Datatype::Class::Integer && base.cls != Datatype::Class::String))
        fail("unsupported: variable-length string of ", base.size, "-byte characters");
      t.cls = Datatype::Class::VlenString;
      return t;
    }
    default:
      fail("unsupported: ", class_name(cls), " datatype (class ", cls, ")");
  }
}

Dataspace parse_space(Cursor& c) {
  const uint8_t version = c.u8();
  if (version != 1 && version != 2) fail("unsupported dataspace version ", int{version});
  const int rank = c.u8();
  const uint8_t flags = c.u8();
  int type = 1;  // simple
  if (version == 1) {
    c.skip(5);
    if (rank == 0) type = 0;
  } else {
    type = c.u8();
    if (type > 2 || (type != 1 && rank != 0)) fail("bad dataspace type ", type);
  }
  if (rank > kMaxRank) fail("dataspace of rank ", rank, " (at most ", kMaxRank, ")");
  Dataspace space;
  std::vector<int64_t> dims;
  uint64_t product = 1;  // of the nonzero extents, so Shape::numel never overflows
  for (int i = 0; i < rank; ++i) {
    const uint64_t d = c.length();
    if (d > 0 && __builtin_mul_overflow(product, d, &product)) fail("dataspace extents overflow");
    if (product > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail("dataspace extents overflow");
    dims.push_back(static_cast<int64_t>(d));
  }
  (void)flags;  // maximum extents (bit 0) and permutation (bit 1) follow; neither is needed
  if (type == 2) {
    space.null = true;
    space.shape = Shape{0};
    space.numel = 0;
    return space;
  }
  space.shape = Shape(std::move(dims));
  space.numel = static_cast<uint64_t>(space.shape.numel());
  return space;
}

uint64_t load_uint(const unsigned char* p, uint64_t size, bool big_endian) {
  uint64_t value = 0;
  for (uint64_t i = 0; i < size; ++i) {
    const uint64_t byte = p[big_endian ? size - 1 - i : i];
    value |= byte << (8 * i);
  }
  return value;
}

template <class Out>
void convert_integers(const Datatype& t, Bytes data, uint64_t n, Out* out) {
  const uint64_t bits = 8 * t.size;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t raw = load_uint(data.data() + i * t.size, t.size, t.big_endian);
    if (t.is_signed && bits < 64 && (raw >> (bits - 1)) != 0) raw |= ~uint64_t{0} << bits;
    if (!t.is_signed && t.size == 8 && raw > uint64_t{std::numeric_limits<int64_t>::max()})
      fail("uint64 value ", raw, " does not fit int64");
    out[i] = static_cast<Out>(static_cast<int64_t>(raw));
  }
}

}  // namespace

Datatype parse_datatype(const FileImage& file, const Message& message) {
  Cursor c(file, message.data, message.offset, "datatype message");
  return parse_type(c, 0);
}

Dataspace parse_dataspace(const FileImage& file, const Message& message) {
  Cursor c(file, message.data, message.offset, "dataspace message");
  return parse_space(c);
}

DType numeric_dtype(const Datatype& t) {
  switch (t.cls) {
    case Datatype::Class::Integer:
      if (t.size == 1) return t.is_signed ? int32 : uint8;
      if (t.size == 2 || (t.size == 4 && t.is_signed)) return int32;
      return int64;
    case Datatype::Class::Float:
      return t.size == 4 ? float32 : float64;
    case Datatype::Class::Bool:
      return bool_;
    default:
      fail("strings are not numbers");
  }
}

uint64_t data_size(const FileImage& file, const Datatype& type, const Dataspace& space) {
  uint64_t size = 0;
  if (__builtin_mul_overflow(space.numel, type.size, &size) || size > file.size())
    fail("data of ", space.numel, " elements of ", type.size,
         " bytes exceeds the file's size (corrupt)");
  return size;
}

Tensor decode_numbers(const Datatype& t, const Dataspace& space, Bytes data) {
  const DType dtype = numeric_dtype(t);
  Tensor out = empty(space.shape, dtype);
  const uint64_t n = space.numel;
  if (n == 0) return out;
  void* dst = out.data_ptr();
  switch (t.cls) {
    case Datatype::Class::Float:
      std::memcpy(dst, data.data(), static_cast<size_t>(n * t.size));
      if (t.big_endian) swap_in_place(dst, static_cast<size_t>(t.size), static_cast<int64_t>(n));
      break;
    case Datatype::Class::Bool: {
      auto* b = static_cast<bool*>(dst);
      for (uint64_t i = 0; i < n; ++i) b[i] = data[i] != 0;
      break;
    }
    default:
      if (dtype == uint8) {
        std::memcpy(dst, data.data(), static_cast<size_t>(n));
      } else if (dtype == int32) {
        convert_integers(t, data, n, static_cast<int32_t*>(dst));
      } else {
        convert_integers(t, data, n, static_cast<int64_t*>(dst));
      }
  }
  return out;
}

std::vector<std::string> decode_strings(const FileImage& file, const Datatype& t, uint64_t numel,
                                        Bytes data) {
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(numel));
  if (t.cls == Datatype::Class::String) {
    for (uint64_t i = 0; i < numel; ++i) {
      const char* p = reinterpret_cast<const char*>(data.data() + i * t.size);
      size_t n = static_cast<size_t>(t.size);
      if (t.padding == 0) {
        const void* nul = std::memchr(p, 0, n);
        if (nul != nullptr) n = static_cast<size_t>(static_cast<const char*>(nul) - p);
      } else {
        const char pad = t.padding == 1 ? '\0' : ' ';
        while (n > 0 && p[n - 1] == pad) --n;
      }
      out.emplace_back(p, n);
    }
    return out;
  }
  if (t.cls != Datatype::Class::VlenString) fail("numbers are not strings");
  // An element: length (4), collection address (O), object index (4). The decoded strings are
  // bounded by the file's size: each string is a distinct heap object in a well-formed file.
  const uint64_t element = 8 + static_cast<uint64_t>(file.offset_size);
  if (t.size != element) fail("bad variable-length string size ", t.size);
  uint64_t total = 0;
  for (uint64_t i = 0; i < numel; ++i) {
    Cursor c(file, data.subspan(static_cast<size_t>(i * element), static_cast<size_t>(element)), 0,
             "variable-length string");
    const uint64_t length = c.u32();
    const uint64_t collection = c.address();
    const uint32_t index = c.u32();
    if (length == 0) {
      out.emplace_back();
      continue;
    }
    const Bytes object = global_heap_object(file, collection, index);
    if (length > object.size()) fail("variable-length string longer than its heap object");
    total += length;
    if (total > file.size()) fail("variable-length strings reuse heap objects (corrupt)");
    out.emplace_back(reinterpret_cast<const char*>(object.data()), static_cast<size_t>(length));
  }
  return out;
}

std::vector<Message> attribute_messages(const FileImage& file, const ObjectHeader& header) {
  std::vector<Message> out;
  for (const Message& m : header.messages) {
    if (m.type == kAttribute) out.push_back(m);
    if (m.type == kAttributeInfo) {
      Cursor c(file, m.data, m.offset, "attribute info message");
      if (c.u8() != 0) fail("unsupported attribute info message version at byte ", m.offset);
      if ((c.u8() & 1) != 0) c.skip(2);  // maximum creation index
      if (c.address() != kUndefined)
        fail(
            "unsupported: dense attribute storage (more than 8 attributes, or large ones, "
            "written with libver 'latest' or track_order)");
    }
  }
  return out;
}

namespace {

struct AttributeParts {
  std::string name;
  Bytes type;
  Bytes space;
  Bytes data;  // the rest of the message
};

AttributeParts split_attribute(const FileImage& file, const Message& m) {
  Cursor c(file, m.data, m.offset, "attribute message");
  const uint8_t version = c.u8();
  if (version < 1 || version > 3) fail("unsupported attribute message version ", int{version});
  const uint8_t flags = c.u8();
  if (version > 1 && (flags & 3) != 0) fail("unsupported: attribute with a shared datatype");
  const uint16_t name_size = c.u16();
  const uint16_t type_size = c.u16();
  const uint16_t space_size = c.u16();
  if (version == 3) c.skip(1);  // name character set
  auto field = [&](uint64_t n) {
    const Bytes b = c.bytes(n);
    if (version == 1) c.align8();
    return b;
  };
  const Bytes name = field(name_size);
  const void* nul = std::memchr(name.data(), 0, name.size());
  const size_t length =
      nul == nullptr ? name.size()
                     : static_cast<size_t>(static_cast<const unsigned char*>(nul) - name.data());
  if (length == 0) fail("attribute without a name at byte ", m.offset);
  AttributeParts parts;
  parts.name.assign(reinterpret_cast<const char*>(name.data()), length);
  parts.type = field(type_size);
  parts.space = field(space_size);
  parts.data = c.rest();
  return parts;
}

}  // namespace

std::string attribute_name(const FileImage& file, const Message& message) {
  return split_attribute(file, message).name;
}

RawAttribute parse_attribute(const FileImage& file, const Message& message) {
  AttributeParts parts = split_attribute(file, message);
  RawAttribute raw;
  raw.name = parts.name;
  const uint64_t type_offset =
      message.offset + static_cast<uint64_t>(parts.type.data() - message.data.data());
  const uint64_t space_offset =
      message.offset + static_cast<uint64_t>(parts.space.data() - message.data.data());
  raw.type = parse_datatype(file, {kDatatype, 0, type_offset, parts.type});
  raw.space = parse_dataspace(file, {kDataspace, 0, space_offset, parts.space});
  const uint64_t size = data_size(file, raw.type, raw.space);
  if (parts.data.size() < size)
    fail("attribute '", raw.name, "' has ", parts.data.size(), " bytes of data, needs ", size);
  raw.data = parts.data.first(static_cast<size_t>(size));
  return raw;
}

Attribute decode_attribute(const FileImage& file, const RawAttribute& raw) {
  Attribute a;
  a.shape = raw.space.shape;
  const bool strings =
      raw.type.cls == Datatype::Class::String || raw.type.cls == Datatype::Class::VlenString;
  if (strings) {
    a.is_string = true;
    a.strings = decode_strings(file, raw.type, raw.space.numel, raw.data);
  } else {
    a.numbers = decode_numbers(raw.type, raw.space, raw.data);
  }
  return a;
}

Bytes dataset_bytes(const FileImage& file, uint64_t header_address, const ObjectHeader& header,
                    uint64_t size) {
  if (const Message* filters = find_message(header, kFilters)) {
    if (filters->data.size() >= 2 && filters->data[1] > 0)
      fail("unsupported: compressed or filtered dataset (", int{filters->data[1]}, " filters)");
  }
  if (find_message(header, kExternalFiles) != nullptr)
    fail("unsupported: dataset stored in external files");
  const Message* layout = find_message(header, kLayout);
  if (layout == nullptr) fail("dataset without a data layout message");
  Cursor c(file, layout->data, layout->offset, "data layout message");
  const uint8_t version = c.u8();
  int cls = 0;
  uint64_t address = kUndefined;
  uint64_t stored = 0;
  Bytes compact;
  if (version == 1 || version == 2) {
    const uint8_t rank = c.u8();
    cls = c.u8();
    c.skip(5);
    if (cls != 0) address = c.address();
    c.skip(uint64_t{rank} * 4);
    if (cls == 2) c.skip(4);
    if (cls == 0) compact = c.bytes(c.u32());
    stored = size;  // implied by the dataspace and datatype
  } else if (version == 3 || version == 4) {
    cls = c.u8();
    if (cls == 0) {
      compact = c.bytes(c.u16());
    } else if (cls == 1) {
      address = c.address();
      stored = c.length();
    }
  } else {
    fail("unsupported data layout version ", int{version});
  }
  if (cls == 2) fail("unsupported: chunked dataset storage");
  if (cls == 0) {
    if (compact.size() < size)
      fail("compact dataset data is ", compact.size(), " bytes, need ", size);
    return compact.first(static_cast<size_t>(size));
  }
  if (cls != 1) fail("unsupported: data layout class ", cls);
  if (size == 0) return {};
  if (address == kUndefined)
    fail("unsupported: dataset storage never allocated (no data was written)");
  if (stored < size) fail("contiguous dataset data is ", stored, " bytes, need ", size);
  std::lock_guard lock(file.mutex);
  Claims claims(file, header_address);
  claims.claim(address, size, "dataset data");
  claims.commit();
  return file.region(address, size, "dataset data");
}

}  // namespace nabla::io::h5
