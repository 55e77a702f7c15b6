// Reading Keras configs (JSON) back into C++ values with nabla errors: a wrong or missing key is
// a ValueError naming who read it, the key and the value, never a raw nlohmann exception.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "nabla/util/error.hpp"

namespace nabla::nn::detail {

/// ValueError unless `config` is a JSON object.
inline void check_config_object(const nlohmann::json& config, std::string_view who) {
  NABLA_CHECK(config.is_object(), ValueError, who, ": the config must be a JSON object, got ",
              config.dump());
}

template <class T>
[[nodiscard]] const char* config_type_name() {
  if constexpr (std::is_same_v<T, bool>) return "a boolean";
  if constexpr (std::is_same_v<T, int64_t>) return "an integer";
  if constexpr (std::is_same_v<T, double>) return "a number";
  if constexpr (std::is_same_v<T, std::string>) return "a string";
  if constexpr (std::is_same_v<T, std::vector<int64_t>>) return "a list of integers";
  return "a value";
}

/// `value` as T (bool, int64_t, double, std::string or std::vector<int64_t>), checked by JSON
/// type (nlohmann would silently truncate 2.5 to an integer).
template <class T>
[[nodiscard]] T config_as(const nlohmann::json& value, std::string_view who, std::string_view key) {
  bool ok = false;
  if constexpr (std::is_same_v<T, bool>) ok = value.is_boolean();
  if constexpr (std::is_same_v<T, int64_t>) ok = value.is_number_integer();
  if constexpr (std::is_same_v<T, double>) ok = value.is_number();
  if constexpr (std::is_same_v<T, std::string>) ok = value.is_string();
  if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
    ok = value.is_array();
    for (const auto& item : value) ok = ok && item.is_number_integer();
  }
  NABLA_CHECK(ok, ValueError, who, ": config key '", key, "' must be ", config_type_name<T>(),
              ", got ", value.dump());
  return value.get<T>();
}

/// config[key] as T; ValueError when the key is missing.
template <class T>
[[nodiscard]] T config_require(const nlohmann::json& config, std::string_view key,
                               std::string_view who) {
  const auto it = config.find(key);
  NABLA_CHECK(it != config.end(), ValueError, who, ": the config has no '", key, "' key");
  return config_as<T>(*it, who, key);
}

/// config[key] as T, or `fallback` when the key is missing (Keras: a missing argument takes its
/// default).
template <class T>
[[nodiscard]] T config_get(const nlohmann::json& config, std::string_view key, const T& fallback,
                           std::string_view who) {
  const auto it = config.find(key);
  return it == config.end() ? fallback : config_as<T>(*it, who, key);
}

/// A Keras seed: null or missing for none, else a non-negative integer.
[[nodiscard]] inline std::optional<uint64_t> config_seed(const nlohmann::json& config,
                                                         std::string_view who) {
  const auto it = config.find("seed");
  if (it == config.end() || it->is_null()) return std::nullopt;
  NABLA_CHECK(it->is_number_unsigned() || (it->is_number_integer() && it->get<int64_t>() >= 0),
              ValueError, who, ": config key 'seed' must be null or a non-negative integer, got ",
              it->dump());
  return it->get<uint64_t>();
}

}  // namespace nabla::nn::detail
