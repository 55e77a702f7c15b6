// Command-line helpers shared by the example programs (header-only; examples use only the
// public API, so this lives beside them rather than in the library).
#pragma once

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nabla/util/error.hpp>
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

/// For --skip-if-no-data: true (after saying so) when no --data folder was given and
/// $NABLA_DATA/mnist does not exist, so the program can exit 77, CTest's "skipped".
inline bool mnist_missing(const char* program, const std::string& data_flag) {
  if (!data_flag.empty()) return false;
  const char* root = std::getenv("NABLA_DATA");
  if (root != nullptr && std::filesystem::exists(std::filesystem::path(root) / "mnist")) {
    return false;
  }
  std::cout << program << ": skipped: NABLA_DATA/mnist not found\n";
  return true;
}

/// An example's main(): parse the options (usage errors exit 2 with the usage text), --help
/// prints the usage, then run; a nabla error is printed with the program's name and exits 1.
template <class Parse, class Run>
int run_main(const char* program, const char* usage, int argc, char** argv, Parse parse, Run run) {
  decltype(parse(argc, argv)) options;
  try {
    options = parse(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << program << ": " << e.what() << "\n" << usage;
    return 2;
  }
  if (options.help) {
    std::cout << usage;
    return 0;
  }
  try {
    return run(options);
  } catch (const nabla::Error& e) {
    std::cerr << program << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace example_cli
