// The process-wide switch between fused and composite optimizer updates (fused_updates.hpp).
#include "optim/fused_updates.hpp"

#include <atomic>

namespace nabla::optim::detail {
namespace {
std::atomic<bool> enabled{true};
}  // namespace

bool fused_updates_enabled() { return enabled.load(std::memory_order_relaxed); }
void set_fused_updates_enabled(bool value) { enabled.store(value, std::memory_order_relaxed); }

}  // namespace nabla::optim::detail
