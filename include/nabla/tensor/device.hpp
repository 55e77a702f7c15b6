// Device: where a tensor's storage lives. CPU is built in; CUDA is known to the type system now and
// provided by backend/cuda (a later issue): asking for it without that backend is a DeviceError.
#pragma once

#include <cstdint>
#include <ostream>
#include <string_view>

namespace nabla {

enum class DeviceKind : uint8_t { CPU, CUDA };
inline constexpr int kNumDeviceKinds = 2;

struct Device {
  DeviceKind kind = DeviceKind::CPU;
  int16_t index = 0;

  [[nodiscard]] static constexpr Device cpu() { return {DeviceKind::CPU, 0}; }
  [[nodiscard]] static constexpr Device cuda(int16_t index = 0) {
    return {DeviceKind::CUDA, index};
  }
  /// "cpu", "cuda" (cuda:0) or "cuda:N", as torch.device spells them; ValueError otherwise.
  [[nodiscard]] static Device parse(std::string_view name);
  [[nodiscard]] constexpr bool is_cpu() const { return kind == DeviceKind::CPU; }
  [[nodiscard]] constexpr bool is_cuda() const { return kind == DeviceKind::CUDA; }
  friend constexpr bool operator==(const Device&, const Device&) = default;
  friend std::ostream& operator<<(std::ostream& out, const Device& d) {
    return d.is_cpu() ? out << "cpu" : out << "cuda:" << d.index;
  }
};

}  // namespace nabla
