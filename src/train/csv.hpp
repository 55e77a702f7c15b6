// Quoting of CSV fields as Python's csv module does it (QUOTE_MINIMAL), for metric names that
// contain the separator, a quote or a line break.
#pragma once

#include <string>
#include <string_view>

namespace nabla::callbacks::detail {

/// `field`, or "\"...\"" with inner quotes doubled when it contains `separator`, '"', '\r' or
/// '\n'.
[[nodiscard]] inline std::string csv_field(std::string_view field, std::string_view separator) {
  const bool needs_quotes = field.find(separator) != std::string_view::npos ||
                            field.find_first_of("\"\r\n") != std::string_view::npos;
  if (!needs_quotes) return std::string(field);
  std::string out = "\"";
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace nabla::callbacks::detail
