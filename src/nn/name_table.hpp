// Keras-style lookups by name (losses.get, metrics.get, the layer registry): one way to list
// the known names and one error for an unknown one.
#pragma once

#include <string>
#include <string_view>

#include "nabla/util/error.hpp"

namespace nabla::nn::detail {

/// The keys of a name-keyed map, comma-separated, in the map's order.
template <class Map>
std::string joined_names(const Map& table) {
  std::string out;
  for (const auto& entry : table) out += (out.empty() ? "" : ", ") + entry.first;
  return out;
}

/// The entry of `table` named `name`; a ValueError listing the known names otherwise.
template <class Map>
const typename Map::mapped_type& find_by_name(const Map& table, const std::string& name,
                                              std::string_view kind) {
  const auto found = table.find(name);
  NABLA_CHECK(found != table.end(), ValueError, "Could not interpret ", kind, " identifier: '",
              name, "'. Known names: ", joined_names(table));
  return found->second;
}

}  // namespace nabla::nn::detail
