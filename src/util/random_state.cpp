// Global seed and counter behind nabla::random, guarded by a mutex (reservations are rare and
// cheap; the numbers themselves are generated in parallel from the reserved range).
#include "nabla/util/random_state.hpp"

#include <mutex>

namespace nabla::random {
namespace {
struct State {
  std::mutex mutex;
  uint64_t seed = 0x5eed;
  uint64_t counter = 0;
};
State& state() {
  static State s;
  return s;
}
}  // namespace

void seed(uint64_t value) {
  std::lock_guard lock(state().mutex);
  state().seed = value;
  state().counter = 0;
}

CounterRange reserve_counters(uint64_t count) {
  std::lock_guard lock(state().mutex);
  CounterRange range{state().seed, state().counter};
  state().counter += count;
  return range;
}

GeneratorState get_state() {
  std::lock_guard lock(state().mutex);
  return {state().seed, state().counter};
}

void set_state(const GeneratorState& saved) {
  std::lock_guard lock(state().mutex);
  state().seed = saved.seed;
  state().counter = saved.counter;
}

}  // namespace nabla::random
