#include "nabla/tensor/device.hpp"

#include <charconv>

#include "nabla/util/error.hpp"

namespace nabla {

Device Device::parse(std::string_view name) {
  if (name == "cpu") return cpu();
  if (name == "cuda") return cuda(0);
  constexpr std::string_view kCuda = "cuda:";
  if (name.starts_with(kCuda)) {
    const std::string_view digits = name.substr(kCuda.size());
    int index = -1;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (error == std::errc() && end == digits.data() + digits.size() && !digits.empty() &&
        index >= 0 && index <= INT16_MAX) {
      return cuda(static_cast<int16_t>(index));
    }
  }
  throw ValueError(detail::str_cat("unknown device '", name, "': expected cpu, cuda or cuda:N"));
}

}  // namespace nabla
