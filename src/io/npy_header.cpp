// The .npy header: "\x93NUMPY", a version, a little-endian length and a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded to 64 bytes. The parser
// accepts exactly that dict (any key order, either quote style) and rejects everything else.
#include <cstring>
#include <iterator>
#include <limits>
#include <optional>

#include "io/npy_format.hpp"

namespace nabla::io {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
constexpr size_t kAlignment = 64;  // NumPy aligns the data to 64 bytes
// NumPy itself refuses headers above 10000 bytes by default; this bound only stops a corrupt
// length from causing a huge allocation.
constexpr uint64_t kMaxHeaderSize = uint64_t{1} << 20;

std::string_view descr_for(DType dtype) {
  constexpr std::string_view descrs[] = {"|b1", "|u1", "<i4", "<i8", "<f4", "<f8", "<c8", "<c16"};
  static_assert(std::size(descrs) == kNumDTypes, "one descr per DType");
  return descrs[static_cast<int>(dtype)];
}

// The header text for an error message: at most 120 characters, non-printables escaped.
std::string excerpt(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 120)) {
    if (c >= 0x20 && c < 0x7f) {
      out += c;
    } else {
      constexpr char kHex[] = "0123456789abcdef";
      const auto byte = static_cast<unsigned char>(c);
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return text.size() > 120 ? out + "..." : out;
}

class DictParser {
 public:
  explicit DictParser(std::string_view text) : text_(text) {}

  NpyHeader parse() {
    NpyHeader header;
    bool seen_descr = false, seen_order = false, seen_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = parse_string();
      expect(':');
      if (key == "descr") {
        check_once(seen_descr, key);
        skip_space();
        if (peek() == '[') fail("structured dtypes are not supported");
        header.descr = parse_string();
      } else if (key == "fortran_order") {
        check_once(seen_order, key);
        header.fortran_order = parse_bool();
      } else if (key == "shape") {
        check_once(seen_shape, key);
        header.shape = parse_shape();
      } else {
        fail("unexpected key '" + excerpt(key) + "'");
      }
      skip_space();
      if (peek() == ',') {
        ++position_;
      } else if (peek() != '}') {
        fail("expected ',' or '}'");
      }
    }
    ++position_;  // '}'
    skip_space();
    if (position_ != text_.size()) fail("unexpected text after the dict");
    if (!seen_descr || !seen_order || !seen_shape) {
      fail("the dict must have the keys 'descr', 'fortran_order' and 'shape'");
    }
    return header;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw IOError("bad header: " + what + " at offset " + std::to_string(position_) + " in \"" +
                  excerpt(text_) + "\"");
  }
  void check_once(bool& seen, const std::string& key) const {
    if (seen) fail("duplicate key '" + key + "'");
    seen = true;
  }
  [[nodiscard]] char peek() const { return position_ < text_.size() ? text_[position_] : '\0'; }
  void skip_space() {
    while (peek() == ' ' || peek() == '\t' || peek() == '\r' || peek() == '\n') ++position_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++position_;
  }
  std::string parse_string() {
    skip_space();
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a string");
    const size_t end = text_.find(quote, position_ + 1);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string value(text_.substr(position_ + 1, end - position_ - 1));
    position_ = end + 1;
    return value;
  }
  bool parse_bool() {
    skip_space();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (text_.substr(position_).starts_with(word)) {
        position_ += std::strlen(word);
        return value;
      }
    }
    fail("expected True or False");
  }
  int64_t parse_dimension() {
    skip_space();
    if (peek() == '-') fail("negative dimension in shape");
    if (peek() < '0' || peek() > '9') fail("expected a dimension");
    if (peek() == '0' && position_ + 1 < text_.size() && text_[position_ + 1] >= '0' &&
        text_[position_ + 1] <= '9') {
      fail("leading zero in a dimension");  // not a Python int literal
    }
    int64_t value = 0;
    while (peek() >= '0' && peek() <= '9') {
      if (value > (std::numeric_limits<int64_t>::max() - (peek() - '0')) / 10) {
        fail("dimension too large");
      }
      value = value * 10 + (peek() - '0');
      ++position_;
    }
    if (peek() == 'L') ++position_;  // Python 2 long, as old NumPy wrote
    return value;
  }
  // A Python tuple of ints: (), (3,), (2, 3) or (2, 3,).
  std::vector<int64_t> parse_shape() {
    expect('(');
    std::vector<int64_t> shape;
    bool trailing_comma = false;
    while (true) {
      skip_space();
      if (peek() == ')') break;
      shape.push_back(parse_dimension());
      skip_space();
      trailing_comma = peek() == ',';
      if (trailing_comma) {
        ++position_;
      } else if (peek() != ')') {
        fail("expected ',' or ')' in shape");
      }
    }
    if (shape.size() == 1 && !trailing_comma) fail("shape is not a tuple");
    ++position_;  // ')'
    return shape;
  }

  std::string_view text_;
  size_t position_ = 0;
};

void put_le(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

}  // namespace

std::string format_npy_header(const Shape& shape, DType dtype) {
  std::string dict =
      "{'descr': '" + std::string(descr_for(dtype)) + "', 'fortran_order': False, 'shape': (";
  for (int64_t i = 0; i < shape.rank(); ++i) {
    dict += (i > 0 ? ", " : "") + std::to_string(shape[i]);
  }
  dict += shape.rank() == 1 ? ",), }" : "), }";
  // Version 1.0 has a 2-byte length; 2.0 (4 bytes) only when the dict needs it, as NumPy does.
  const auto padded_size = [&](size_t length_bytes) {
    const size_t unpadded = kMagicSize + 2 + length_bytes + dict.size() + 1;  // + '\n'
    return (unpadded + kAlignment - 1) / kAlignment * kAlignment;
  };
  const bool version2 = padded_size(2) - kMagicSize - 4 > 0xffff;
  const size_t length_bytes = version2 ? 4 : 2;
  const size_t total = padded_size(length_bytes);
  const size_t header_length = total - kMagicSize - 2 - length_bytes;
  std::string out(kMagic, kMagicSize);
  out += static_cast<char>(version2 ? 2 : 1);
  out += '\0';
  put_le(out, header_length, static_cast<int>(length_bytes));
  out += dict;
  out.append(header_length - dict.size() - 1, ' ');
  out += '\n';
  return out;
}

NpyHeader read_npy_header(ByteSource& source) {
  NABLA_CHECK(source.remaining() >= kMagicSize + 4, IOError, "too short to be a .npy file (",
              source.remaining(), " bytes)");
  unsigned char prefix[kMagicSize + 2];
  source.read(prefix, sizeof prefix);
  NABLA_CHECK(std::memcmp(prefix, kMagic, kMagicSize) == 0, IOError,
              "not a .npy file (bad magic bytes)");
  const int major = prefix[kMagicSize];
  const int minor = prefix[kMagicSize + 1];
  NABLA_CHECK(major >= 1 && major <= 3 && minor == 0, IOError, "unsupported .npy format version ",
              major, ".", minor);
  // 1.0: 2-byte length; 2.0 and 3.0 (3.0 only allows UTF-8 in the dict): 4-byte length.
  unsigned char length_bytes[4] = {0, 0, 0, 0};
  source.read(length_bytes, major == 1 ? 2 : 4);
  const uint64_t length = uint64_t{length_bytes[0]} | uint64_t{length_bytes[1]} << 8 |
                          uint64_t{length_bytes[2]} << 16 | uint64_t{length_bytes[3]} << 24;
  NABLA_CHECK(length <= kMaxHeaderSize, IOError, "header length ", length, " is implausibly large");
  NABLA_CHECK(length <= source.remaining(), IOError, "truncated header: it claims ", length,
              " bytes, only ", source.remaining(), " remain");
  std::string text(length, '\0');
  source.read(text.data(), length);
  return DictParser(text).parse();
}

}  // namespace nabla::io
