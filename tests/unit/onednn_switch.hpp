// OneDnnSwitch: oneDNN (and its Winograd convolutions) on or off for a scope, for tests that
// compare nabla's own kernels with oneDNN's.
#pragma once

#include "backend/cpu/onednn.hpp"

namespace nabla::testing {

/// Switches oneDNN (and its Winograd convolutions) for the scope, restoring the previous state.
class OneDnnSwitch {
 public:
  explicit OneDnnSwitch(bool on, bool winograd = true)
      : before_(cpu::onednn::enabled()), winograd_before_(cpu::onednn::winograd_enabled()) {
    cpu::onednn::set_enabled(on);
    cpu::onednn::set_winograd_enabled(winograd);
  }
  ~OneDnnSwitch() {
    cpu::onednn::set_enabled(before_);
    cpu::onednn::set_winograd_enabled(winograd_before_);
  }
  OneDnnSwitch(const OneDnnSwitch&) = delete;
  OneDnnSwitch& operator=(const OneDnnSwitch&) = delete;

 private:
  bool before_, winograd_before_;
};

/// Whether nabla is built with oneDNN (true unless NABLA_ONEDNN=OFF or libdnnl is missing).
inline bool built_with_onednn() {
  const OneDnnSwitch on(true);
  return cpu::onednn::enabled();
}

}  // namespace nabla::testing
