// The global random state: a seed and a counter. Each random op reserves a range of counters, so
// successive calls give new numbers and a re-seed replays them exactly.
#pragma once

#include <cstdint>

namespace nabla::random {

/// Seeds the global generator and resets its counter.
void seed(uint64_t value);

/// The (seed, first counter) of a fresh range of `count` counters.
struct CounterRange {
  uint64_t seed;
  uint64_t first;
};
[[nodiscard]] CounterRange reserve_counters(uint64_t count);

/// The whole generator state, to save and restore (tracing restores it, so that a traced function
/// draws the same numbers as its eager run; checkpoints save it).
struct GeneratorState {
  uint64_t seed;
  uint64_t counter;
};
[[nodiscard]] GeneratorState get_state();
void set_state(const GeneratorState& state);

}  // namespace nabla::random
