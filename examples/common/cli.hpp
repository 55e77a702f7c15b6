// Command-line helpers shared by the example programs (header-only; examples use only the
// public API, so this lives beside them rather than in the library).
#pragma once

#include <charconv>
#include <stdexcept>
#include <string>
#include <string_view>

namespace example_cli {

/// A bad flag or value: the example prints it with its usage text and exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The whole of `text` as a number of type T, or a UsageError naming `flag`.
template <class T>
T parse_number(std::string_view flag, std::string_view text) {
  T value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) {
    throw UsageError(std::string(flag) + " expects a number, got '" + std::string(text) + "'");
  }
  return value;
}

}  // namespace example_cli
