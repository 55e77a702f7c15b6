// The HDF5 reader's file structure: superblock, object headers (v1 and v2 with continuation
// blocks), groups (symbol tables: v1 B-tree, symbol nodes, local heap; or compact link
// messages) and global heap collections. Format: the HDF5 File Format Specification, version 3.
#include <algorithm>
#include <cstring>
#include <set>

#include "io/hdf5_format.hpp"

namespace nabla::io::h5 {
namespace {

constexpr unsigned char kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

// Message types the reader knows (the rest are unknown: skipped unless flagged "fail if unknown").
constexpr uint16_t kNil = 0x00;
constexpr uint16_t kLinkInfo = 0x02;
constexpr uint16_t kLayout = 0x08;
constexpr uint16_t kLink = 0x06;
constexpr uint16_t kGroupInfo = 0x0A;
constexpr uint16_t kContinuation = 0x10;
constexpr uint16_t kSymbolTable = 0x11;
constexpr uint16_t kLastKnownType = 0x17;  // file space info
constexpr uint8_t kFlagShared = 0x02;
constexpr uint8_t kFlagFailIfUnknown = 0x80;  // "always fail if unknown" (bit 3 is: when writing)

bool has_signature(Bytes data, const char* signature) {
  return data.size() >= 4 && std::memcmp(data.data(), signature, 4) == 0;
}

uint64_t add_checked(uint64_t a, uint64_t b, const char* what) {
  uint64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) fail(what, ": offset overflows");
  return sum;
}

// Sizes of offsets and lengths libhdf5 writes; 16 and 32 are legal but never used.
bool valid_field_size(int n) { return n == 2 || n == 4 || n == 8; }

std::shared_ptr<FileImage> parse_superblock(std::shared_ptr<FileImage> file, uint64_t at) {
  Cursor c(*file, file->region(at, std::min<uint64_t>(file->size() - at, 1024), "superblock"), at,
           "superblock");
  c.skip(8);
  const uint8_t version = c.u8();
  uint64_t base = 0;
  uint64_t eof = 0;
  uint64_t root = 0;
  auto read_sizes = [&](uint8_t offsets, uint8_t lengths) {
    if (!valid_field_size(offsets) || !valid_field_size(lengths))
      fail("unsupported: superblock sizes of offsets/lengths ", int{offsets}, "/", int{lengths});
    file->offset_size = offsets;
    file->length_size = lengths;
  };
  // Raw (base-relative) addresses: the base is not known while they are read.
  auto raw_address = [&] { return c.uint(static_cast<size_t>(file->offset_size)); };
  auto undefined = [&](uint64_t raw) {
    return raw ==
           (file->offset_size == 8 ? kUndefined : (uint64_t{1} << (8 * file->offset_size)) - 1);
  };
  if (version == 0 || version == 1) {
    c.skip(4);  // free-space, root entry, reserved, shared header versions
    const uint8_t offsets = c.u8();
    const uint8_t lengths = c.u8();
    read_sizes(offsets, lengths);
    c.skip(1 + 2 + 2 + 4);        // reserved, group leaf/internal K, consistency flags
    if (version == 1) c.skip(4);  // indexed storage K, reserved
    base = raw_address();
    (void)raw_address();  // free-space info
    eof = raw_address();
    (void)raw_address();  // driver info
    (void)raw_address();  // root entry: link name offset
    root = raw_address();
  } else if (version == 2 || version == 3) {
    const uint8_t offsets = c.u8();
    const uint8_t lengths = c.u8();
    read_sizes(offsets, lengths);
    c.skip(1);  // consistency flags
    base = raw_address();
    (void)raw_address();  // superblock extension (holds nothing the reader needs)
    eof = raw_address();
    root = raw_address();
    const uint64_t covered = c.position();
    const uint32_t stored = c.u32();
    if (lookup3(file->region(at, covered, "superblock")) != stored)
      fail("superblock checksum mismatch (corrupt file)");
  } else {
    fail("unsupported: superblock version ", int{version});
  }
  if (undefined(base) || base > file->size()) fail("superblock base address out of range");
  if (undefined(eof) || eof > file->size() - base)
    fail("truncated: the file has ", file->size(), " bytes, its superblock says ",
         undefined(eof) ? "undefined" : std::to_string(eof + base));
  if (undefined(root) || root >= file->size() - base) fail("root group address out of range");
  file->base = base;
  file->root = base + root;
  return file;
}

// ---- Object headers ----

void check_message_flags(uint16_t type, uint8_t flags, uint64_t offset) {
  if (type > kLastKnownType) {
    if ((flags & kFlagFailIfUnknown) != 0)
      fail("unsupported: header message type ", type, " (at byte ", offset,
           ") must be understood to read the object");
    return;
  }
  if ((flags & kFlagShared) != 0 && type != kNil)
    fail("unsupported: shared header message of type ", type, " (at byte ", offset, ")");
}

struct HeaderParser {
  const FileImage& file;
  Claims claims;
  std::vector<Message> messages;
  std::vector<std::pair<uint64_t, uint64_t>> continuations;  // (image offset, length)

  void add(uint16_t type, uint8_t flags, Cursor& c, uint64_t size) {
    const uint64_t offset = c.image_offset();
    const Bytes data = c.bytes(size);
    check_message_flags(type, flags, offset);
    if (type == kContinuation && (flags & kFlagShared) == 0) {
      Cursor m(file, data, offset, "continuation message");
      const uint64_t address = m.address();
      const uint64_t length = m.length();
      if (address == kUndefined || length == 0) fail("bad continuation message at byte ", offset);
      continuations.emplace_back(address, length);
      return;
    }
    messages.push_back({type, flags, offset, data});
  }

  // v1 messages: type (2), size (2), flags (1), reserved (3), data (size, a multiple of 8).
  void v1_messages(Cursor& c) {
    while (c.remaining() >= 8) {
      const uint16_t type = c.u16();
      const uint16_t size = c.u16();
      const uint8_t flags = c.u8();
      c.skip(3);
      add(type, flags, c, size);
    }
  }
  // v2 messages: type (1), size (2), flags (1), [creation order (2)], data.
  void v2_messages(Cursor& c, bool creation_order) {
    const uint64_t header = creation_order ? 6 : 4;
    while (c.remaining() >= header) {
      const uint8_t type = c.u8();
      const uint16_t size = c.u16();
      const uint8_t flags = c.u8();
      if (creation_order) c.skip(2);
      add(type, flags, c, size);
    }
  }
  void verify_checksum(uint64_t begin, uint64_t n, const char* what) {
    const Bytes covered = file.region(begin, n, what);
    Cursor c(file, file.region(begin + n, 4, what), begin + n, what);
    if (lookup3(covered) != c.u32()) fail(what, " checksum mismatch at byte ", begin);
  }
};

std::shared_ptr<const ObjectHeader> parse_object_header(const FileImage& file, uint64_t address) {
  if (address == kUndefined || address >= file.size())
    fail("object header address ", address, " outside the file");
  HeaderParser p{file, Claims(file, address), {}, {}};
  // The longest prefix: v2 with times, phase change values and an 8-byte chunk size (34 bytes).
  const Bytes start =
      file.region(address, std::min<uint64_t>(file.size() - address, 64), "object header");
  bool v2 = false;
  bool creation_order = false;
  if (has_signature(start, "OHDR")) {
    Cursor c(file, start, address, "object header");
    c.skip(4);
    if (c.u8() != 2) fail("unsupported object header version at byte ", address);
    const uint8_t flags = c.u8();
    if ((flags & 0xC0) != 0) fail("bad object header flags at byte ", address);
    if ((flags & 0x20) != 0) c.skip(16);  // access, modification, change, birth times
    if ((flags & 0x10) != 0) c.skip(4);   // attribute phase change values
    const uint64_t chunk_size = c.uint(size_t{1} << (flags & 3));
    const uint64_t prefix = c.position();
    const uint64_t total =
        add_checked(add_checked(prefix, chunk_size, "object header"), 4, "object header");
    p.claims.claim(address, total, "object header");
    p.verify_checksum(address, prefix + chunk_size, "object header");
    Cursor messages(file, file.region(address + prefix, chunk_size, "object header"),
                    address + prefix, "object header");
    creation_order = (flags & 0x04) != 0;
    v2 = true;
    p.v2_messages(messages, creation_order);
  } else {
    Cursor c(file, start, address, "object header");
    const uint8_t version = c.u8();
    if (version != 1)
      fail("not an object header at byte ", address, " (version ", int{version}, ")");
    c.skip(1 + 2 + 4);  // reserved, number of messages, reference count
    const uint64_t size = c.u32();
    p.claims.claim(address, add_checked(16, size, "object header"), "object header");
    Cursor messages(file, file.region(address + 16, size, "object header"), address + 16,
                    "object header");
    p.v1_messages(messages);
  }
  // Continuation blocks, each visited once (claims refuse overlaps, including repeats).
  for (size_t i = 0; i < p.continuations.size(); ++i) {
    const auto [at, length] = p.continuations[i];
    p.claims.claim(at, length, "object header continuation");
    const Bytes block = file.region(at, length, "object header continuation");
    if (v2) {
      if (length < 8 || !has_signature(block, "OCHK"))
        fail("bad object header continuation block at byte ", at);
      p.verify_checksum(at, length - 4, "object header continuation");
      Cursor c(file, block.subspan(4, length - 8), at + 4, "object header continuation");
      p.v2_messages(c, creation_order);
    } else {
      Cursor c(file, block, at, "object header continuation");
      p.v1_messages(c);
    }
  }
  auto header = std::make_shared<ObjectHeader>();
  header->messages = std::move(p.messages);
  bool group = false;
  bool dataset = false;
  for (const Message& m : header->messages) {
    group = group || m.type == kSymbolTable || m.type == kLinkInfo || m.type == kLink ||
            m.type == kGroupInfo;
    dataset = dataset || m.type == kLayout;
  }
  if (group && dataset) fail("object at byte ", address, " is both a group and a dataset");
  header->kind = group ? ObjectKind::Group : dataset ? ObjectKind::Dataset : ObjectKind::Other;
  p.claims.commit();
  return header;
}

// ---- Groups ----

/// Links of an old-style group: a v1 B-tree (type 0) of symbol table nodes, names in a local heap.
class SymbolTableReader {
 public:
  SymbolTableReader(const FileImage& file, uint64_t owner) : file_(file), claims_(file, owner) {}

  std::vector<Link> read(const Message& message) {
    Cursor c(file_, message.data, message.offset, "symbol table message");
    const uint64_t btree = c.address();
    const uint64_t heap = c.address();
    read_heap(heap);
    walk(btree, -1);
    claims_.commit();
    return std::move(links_);
  }

 private:
  void read_heap(uint64_t at) {
    const uint64_t header_size =
        8 + 2 * static_cast<uint64_t>(file_.length_size) + static_cast<uint64_t>(file_.offset_size);
    if (at == kUndefined) fail("group has no local heap");
    claims_.claim(at, header_size, "local heap");
    Cursor c(file_, file_.region(at, header_size, "local heap"), at, "local heap");
    if (!has_signature(c.bytes(4), "HEAP")) fail("bad local heap signature at byte ", at);
    if (c.u8() != 0) fail("unsupported local heap version at byte ", at);
    c.skip(3);
    const uint64_t size = c.length();
    (void)c.length();  // free list
    const uint64_t data = c.address();
    if (data == kUndefined) fail("local heap without data segment at byte ", at);
    claims_.claim(data, size, "local heap data");
    heap_ = file_.region(data, size, "local heap data");
    heap_offset_ = data;
  }

  // `level` is the level the node must have (-1 for the root, any).
  void walk(uint64_t at, int level) {
    if (at == kUndefined) fail("group B-tree address undefined");
    if (!visited_.insert(at).second) fail("group B-tree node at byte ", at, " visited twice");
    const uint64_t o = static_cast<uint64_t>(file_.offset_size);
    const uint64_t l = static_cast<uint64_t>(file_.length_size);
    const uint64_t prefix = 8 + 2 * o;
    Cursor head(file_, file_.region(at, prefix, "group B-tree node"), at, "group B-tree node");
    if (!has_signature(head.bytes(4), "TREE")) fail("bad B-tree node signature at byte ", at);
    if (head.u8() != 0) fail("B-tree node at byte ", at, " is not a group node");
    const int node_level = head.u8();
    const uint64_t entries = head.u16();
    if (level >= 0 && node_level != level) fail("B-tree node at byte ", at, " has a wrong level");
    const uint64_t size = prefix + entries * (l + o) + l;
    claims_.claim(at, size, "group B-tree node");
    Cursor c(file_, file_.region(at + prefix, size - prefix, "group B-tree node"), at + prefix,
             "group B-tree node");
    std::vector<uint64_t> children;
    for (uint64_t i = 0; i < entries; ++i) {
      (void)c.length();  // key: heap offset of a name
      children.push_back(c.address());
    }
    for (uint64_t child : children) {
      if (node_level > 0) {
        walk(child, node_level - 1);
      } else {
        read_symbol_node(child);
      }
    }
  }

  void read_symbol_node(uint64_t at) {
    if (at == kUndefined) fail("symbol table node address undefined");
    if (!visited_.insert(at).second) fail("symbol table node at byte ", at, " visited twice");
    Cursor head(file_, file_.region(at, 8, "symbol table node"), at, "symbol table node");
    if (!has_signature(head.bytes(4), "SNOD")) fail("bad symbol table node signature at byte ", at);
    if (head.u8() != 1) fail("unsupported symbol table node version at byte ", at);
    head.skip(1);
    const uint64_t count = head.u16();
    const uint64_t entry = 2 * static_cast<uint64_t>(file_.offset_size) + 24;
    claims_.claim(at, 8 + count * entry, "symbol table node");
    Cursor c(file_, file_.region(at + 8, count * entry, "symbol table node"), at + 8,
             "symbol table node");
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t name_offset = c.uint(static_cast<size_t>(file_.offset_size));
      const uint64_t object = c.address();
      c.skip(24);  // cache type, reserved, scratch pad
      links_.push_back({name(name_offset), object});
    }
  }

  std::string name(uint64_t offset) {
    if (offset >= heap_.size()) fail("link name offset ", offset, " outside the local heap");
    const auto* begin = heap_.data() + offset;
    const auto* end =
        static_cast<const unsigned char*>(std::memchr(begin, 0, heap_.size() - offset));
    if (end == nullptr) fail("unterminated link name in the local heap at byte ", heap_offset_);
    // Names are distinct heap strings, so all of them together fit the heap once.
    names_scanned_ += static_cast<uint64_t>(end - begin) + 1;
    if (names_scanned_ > heap_.size()) fail("link names overlap in the local heap");
    return {reinterpret_cast<const char*>(begin), static_cast<size_t>(end - begin)};
  }

  const FileImage& file_;
  Claims claims_;
  Bytes heap_;
  uint64_t heap_offset_ = 0;
  uint64_t names_scanned_ = 0;
  std::set<uint64_t> visited_;
  std::vector<Link> links_;
};

/// Links of a new-style group: link messages in the header (compact storage).
std::vector<Link> compact_links(const FileImage& file, const ObjectHeader& header) {
  std::vector<Link> links;
  for (const Message& m : header.messages) {
    if (m.type == kLinkInfo) {
      Cursor c(file, m.data, m.offset, "link info message");
      if (c.u8() != 0) fail("unsupported link info message version at byte ", m.offset);
      const uint8_t flags = c.u8();
      if ((flags & 1) != 0) c.skip(8);  // maximum creation index
      if (c.address() != kUndefined)
        fail(
            "unsupported: dense link storage (a group with many links written with libver "
            "'latest' or track_order)");
    } else if (m.type == kLink) {
      Cursor c(file, m.data, m.offset, "link message");
      if (c.u8() != 1) fail("unsupported link message version at byte ", m.offset);
      const uint8_t flags = c.u8();
      const uint8_t type = (flags & 0x08) != 0 ? c.u8() : 0;
      if ((flags & 0x04) != 0) c.skip(8);  // creation order
      if ((flags & 0x10) != 0) c.skip(1);  // name character set
      const uint64_t length = c.uint(size_t{1} << (flags & 3));
      const Bytes name = c.bytes(length);
      if (type != 0) continue;  // soft and external links are not followed
      links.push_back(
          {std::string(reinterpret_cast<const char*>(name.data()), name.size()), c.address()});
    }
  }
  return links;
}

std::shared_ptr<const GlobalHeap> parse_global_heap(const FileImage& file, uint64_t at) {
  if (at == kUndefined || at >= file.size()) fail("global heap address outside the file");
  const uint64_t l = static_cast<uint64_t>(file.length_size);
  Cursor head(file, file.region(at, 8 + l, "global heap"), at, "global heap");
  if (!has_signature(head.bytes(4), "GCOL")) fail("bad global heap signature at byte ", at);
  if (head.u8() != 1) fail("unsupported global heap version at byte ", at);
  head.skip(3);
  const uint64_t size = head.length();
  if (size < 8 + l) fail("bad global heap size at byte ", at);
  Claims claims(file, at);
  claims.claim(at, size, "global heap");
  Cursor c(file, file.region(at, size, "global heap").subspan(8 + l), at + 8 + l, "global heap");
  auto heap = std::make_shared<GlobalHeap>();
  while (c.remaining() >= 8 + l) {
    const uint16_t index = c.u16();
    if (index == 0) break;  // free space: the rest of the collection
    c.skip(6);              // reference count, reserved
    const uint64_t n = c.length();
    const Bytes data = c.bytes(n);
    if (!heap->objects.emplace(index, data).second)
      fail("duplicate global heap object ", index, " at byte ", at);
    c.skip(std::min<uint64_t>((8 - n % 8) % 8, c.remaining()));
  }
  claims.commit();
  return heap;
}

}  // namespace

Bytes FileImage::region(uint64_t at, uint64_t n, const char* what) const {
  if (at == kUndefined || at > size() || n > size() - at)
    fail(what, " (", n, " bytes at byte ", at == kUndefined ? "undefined" : std::to_string(at),
         ") lies outside the file (", size(), " bytes; truncated or corrupt)");
  return {bytes.data() + at, static_cast<size_t>(n)};
}

std::shared_ptr<FileImage> parse_file(std::vector<unsigned char> bytes, std::string name) {
  auto file = std::make_shared<FileImage>();
  file->bytes = std::move(bytes);
  file->name = std::move(name);
  for (uint64_t at = 0; at + 8 <= file->size(); at = at == 0 ? 512 : at * 2) {
    if (std::memcmp(file->bytes.data() + at, kSignature, 8) == 0) return parse_superblock(file, at);
  }
  fail("not an HDF5 file (no signature; ", file->size(), " bytes)");
}

uint64_t Cursor::uint(size_t n) {
  const Bytes b = bytes(n);
  uint64_t value = 0;
  for (size_t i = 0; i < n; ++i) value |= uint64_t{b[i]} << (8 * i);
  return value;
}

uint64_t Cursor::address() {
  const size_t n = static_cast<size_t>(file_.offset_size);
  const uint64_t raw = uint(n);
  const uint64_t all_ones = n == 8 ? kUndefined : (uint64_t{1} << (8 * n)) - 1;
  if (raw == all_ones) return kUndefined;
  uint64_t at = 0;
  if (__builtin_add_overflow(raw, file_.base, &at) || at == kUndefined)
    fail(what_, ": address overflows at byte ", image_offset());
  return at;
}

Bytes Cursor::bytes(uint64_t n) {
  if (n > remaining())
    fail(what_, " at byte ", offset_, " is truncated or corrupt (", n, " bytes needed at byte ",
         image_offset(), ", ", remaining(), " left)");
  const Bytes out = data_.subspan(static_cast<size_t>(pos_), static_cast<size_t>(n));
  pos_ += n;
  return out;
}

void Cursor::align8() { skip((8 - pos_ % 8) % 8); }

void Claims::claim(uint64_t begin, uint64_t n, const char* what) {
  if (n == 0) return;
  (void)file_.region(begin, n, what);  // inside the image, so begin + n does not overflow
  const uint64_t end = begin + n;
  auto overlaps = [&](const std::map<uint64_t, ClaimedRange>& ranges, bool allow_same) {
    auto it = ranges.lower_bound(begin);
    if (it != ranges.end() && it->first == begin && it->second.end == end &&
        it->second.owner == owner_ && allow_same)
      return false;  // the same structure read again by its owner
    if (it != ranges.end() && it->first < end) return true;
    if (it != ranges.begin() && std::prev(it)->second.end > begin) return true;
    return false;
  };
  if (overlaps(file_.claimed, true) || overlaps(pending_, false))
    fail(what, " at byte ", begin, " overlaps another structure (corrupt file)");
  pending_[begin] = {end, owner_};
}

void Claims::commit() {
  file_.claimed.insert(pending_.begin(), pending_.end());
  pending_.clear();
}

std::shared_ptr<const ObjectHeader> object_header(const FileImage& file, uint64_t address) {
  std::lock_guard lock(file.mutex);
  auto it = file.headers.find(address);
  if (it != file.headers.end()) return it->second;
  auto header = parse_object_header(file, address);
  file.headers.emplace(address, header);
  return header;
}

std::shared_ptr<const std::vector<Link>> group_links(const FileImage& file, uint64_t address) {
  std::lock_guard lock(file.mutex);
  auto it = file.links.find(address);
  if (it != file.links.end()) return it->second;
  const auto header = object_header(file, address);
  if (header->kind != ObjectKind::Group) fail("object at byte ", address, " is not a group");
  std::vector<Link> links;
  if (const Message* table = find_message(*header, kSymbolTable)) {
    links = SymbolTableReader(file, address).read(*table);
  } else {
    links = compact_links(file, *header);
  }
  std::sort(links.begin(), links.end(),
            [](const Link& a, const Link& b) { return a.name < b.name; });
  for (size_t i = 0; i < links.size(); ++i) {
    if (links[i].name.empty() || links[i].name.find('/') != std::string::npos)
      fail("bad link name '", links[i].name, "'");
    if (i > 0 && links[i].name == links[i - 1].name)
      fail("duplicate link name '", links[i].name, "'");
  }
  auto shared = std::make_shared<const std::vector<Link>>(std::move(links));
  file.links.emplace(address, shared);
  return shared;
}

void register_link(const FileImage& file, uint64_t parent, const std::string& name,
                   uint64_t object) {
  std::lock_guard lock(file.mutex);
  if (object == file.root)
    fail("link '", name, "' points at the root group (a cycle; unsupported)");
  auto [it, inserted] = file.linked_from.try_emplace(object, parent, name);
  if (!inserted && (it->second.first != parent || it->second.second != name))
    fail("object '", name, "' at byte ", object, " is also linked as '", it->second.second,
         "' (hard links to one object, or a cycle; unsupported)");
}

Bytes global_heap_object(const FileImage& file, uint64_t address, uint32_t index) {
  std::shared_ptr<const GlobalHeap> heap;
  {
    std::lock_guard lock(file.mutex);
    auto it = file.global_heaps.find(address);
    if (it == file.global_heaps.end())
      it = file.global_heaps.emplace(address, parse_global_heap(file, address)).first;
    heap = it->second;
  }
  auto it = heap->objects.find(index);
  if (it == heap->objects.end())
    fail("global heap object ", index, " missing from the collection at byte ", address);
  return it->second;
}

const Message* find_message(const ObjectHeader& header, uint16_t type) {
  for (const Message& m : header.messages) {
    if (m.type == type) return &m;
  }
  return nullptr;
}

uint32_t lookup3(Bytes data) {
  auto rot = [](uint32_t x, int k) { return (x << k) | (x >> (32 - k)); };
  // One line of lookup3's mix() and of its final().
  auto mix = [&](uint32_t& x, uint32_t& y, uint32_t& z, int r) {
    x -= z;
    x ^= rot(z, r);
    z += y;
  };
  auto fin = [&](uint32_t& x, uint32_t y, int r) {
    x ^= y;
    x -= rot(y, r);
  };
  uint32_t a = 0xdeadbeef + static_cast<uint32_t>(data.size());
  uint32_t b = a;
  uint32_t c = a;
  const unsigned char* k = data.data();
  size_t length = data.size();
  auto word = [&](size_t i) {
    return uint32_t{k[i]} | uint32_t{k[i + 1]} << 8 | uint32_t{k[i + 2]} << 16 |
           uint32_t{k[i + 3]} << 24;
  };
  while (length > 12) {
    a += word(0);
    b += word(4);
    c += word(8);
    mix(a, b, c, 4);
    mix(b, c, a, 6);
    mix(c, a, b, 8);
    mix(a, b, c, 16);
    mix(b, c, a, 19);
    mix(c, a, b, 4);
    length -= 12;
    k += 12;
  }
  if (length == 0) return c;
  // The last 1..12 bytes, zero-padded, as hashlittle's byte-wise tail.
  unsigned char tail[12] = {};
  std::memcpy(tail, k, length);
  k = tail;
  a += word(0);
  b += word(4);
  c += word(8);
  fin(c, b, 14);
  fin(a, c, 11);
  fin(b, a, 25);
  fin(c, b, 16);
  fin(a, c, 4);
  fin(b, a, 14);
  fin(c, b, 24);
  return c;
}

}  // namespace nabla::io::h5
