// Whether SGD and Adam/AdamW take the fused update kernels (src/ops/optimizer_updates.hpp) when
// the weight and its state allow. On by default; tests switch it off to run the composite
// updates, the reference the fused path is checked against.
#pragma once

namespace nabla::optim::detail {

[[nodiscard]] bool fused_updates_enabled();
void set_fused_updates_enabled(bool enabled);

/// Restores the previous setting when the scope ends.
class FusedUpdatesGuard {
 public:
  explicit FusedUpdatesGuard(bool enabled) : previous_(fused_updates_enabled()) {
    set_fused_updates_enabled(enabled);
  }
  ~FusedUpdatesGuard() { set_fused_updates_enabled(previous_); }
  FusedUpdatesGuard(const FusedUpdatesGuard&) = delete;
  FusedUpdatesGuard& operator=(const FusedUpdatesGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace nabla::optim::detail
