// Attribute printing shared by the text listing and the DOT export.
#include "graph/attr_format.hpp"

#include <sstream>

namespace nabla::graph {
namespace {

std::string format_value(const AttrValue& value) {
  std::ostringstream out;
  std::visit(
      [&]<class T>(const T& v) {
        if constexpr (std::is_same_v<T, bool>) {
          out << (v ? "true" : "false");
        } else if constexpr (std::is_same_v<T, std::string>) {
          out << '"' << v << '"';
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          out << Shape(v);
        } else {
          out << v;
        }
      },
      value);
  return out.str();
}

}  // namespace

std::string format_attrs(const Attrs& attrs, bool short_only) {
  std::string text;
  for (const auto& [key, value] : attrs.entries()) {
    if (short_only && (key == "seed" || key == "counter" || key == "counters")) continue;
    std::string v = format_value(value);
    if (short_only && v.size() > 24) v = v.substr(0, 21) + "...";
    text += (text.empty() ? "" : ", ") + key + "=" + v;
  }
  return text;
}

}  // namespace nabla::graph
