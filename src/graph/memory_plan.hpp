// Memory plan of a graph run (Note [Memory plan] in memory_plan.cpp): which kernel outputs live
// in one arena, at which offsets, worked out once per graph from the values' live intervals; and
// the arena itself, kept between runs of the plan.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "nabla/graph/graph.hpp"

namespace nabla::graph {

struct RunPlan;

/// Arena offsets and sizes are multiples of this (the CPU allocator's alignment: AVX-512 loads).
inline constexpr int64_t kArenaAlignment = 64;

/// A buffer to place: its size in bytes (a multiple of kArenaAlignment) and the steps it is live
/// in, first to last inclusive.
struct BufferUse {
  int64_t bytes = 0;
  int32_t first = 0;
  int32_t last = 0;
};

struct Packing {
  std::vector<int64_t> offsets;  // one per buffer
  int64_t arena_bytes = 0;       // end of the highest buffer
};

/// Greedy by size: the largest buffer first, each at the lowest offset where it overlaps no
/// buffer already placed that is live at some same step.
[[nodiscard]] Packing pack_buffers(std::span<const BufferUse> buffers);

struct MemoryPlan {
  struct Value {
    GraphValue value;
    int64_t bytes = 0;   // the value's size rounded up to kArenaAlignment
    int32_t first = 0;   // the step that makes it
    int32_t last = 0;    // the last step that reads it or a view of it
    int32_t buffer = 0;  // values sharing a buffer are a chain of in-place donations
    int64_t offset = 0;  // in the arena
  };
  std::vector<Value> values;                // in node order
  std::vector<std::vector<int32_t>> index;  // by node, by output: into `values`, or -1
  /// By step: the step's donor (RunPlan::Step::donor) is planned and its output takes the
  /// donor's offset, so the runner donates it without the run-time ownership check.
  std::vector<bool> static_donor;
  int64_t arena_bytes = 0;
  int64_t planned_bytes = 0;    // the sum of the values' sizes: what fresh buffers would take
  int64_t peak_live_bytes = 0;  // the most bytes of buffers live at one step (arena_bytes >= it)
  size_t buffers = 0;

  /// The plan of `v`; nullptr when `v` is not in the arena.
  [[nodiscard]] const Value* find(GraphValue v) const;
  /// One line: counts and the three byte figures.
  [[nodiscard]] std::string summary() const;
};

/// The memory plan of `g`, whose run plan (steps, donors) is `plan`.
[[nodiscard]] MemoryPlan make_memory_plan(const Graph& g, const RunPlan& plan);

/// The arena of one memory plan, kept between its runs (allocating it anew for each run would
/// fault its pages in every time). A run leases it; a run that finds it leased (the same graph
/// running on two threads at once) gets a temporary arena of its own.
class ArenaCache {
 public:
  class Lease {
   public:
    Lease() = default;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();

    [[nodiscard]] bool held() const { return storage_ != nullptr; }
    [[nodiscard]] const std::shared_ptr<Storage>& storage() const { return storage_; }
    /// A contiguous tensor of `spec` at byte `offset` of the arena.
    [[nodiscard]] Tensor tensor(const ValueSpec& spec, int64_t offset) const;

   private:
    friend class ArenaCache;
    Lease(ArenaCache* owner, std::shared_ptr<Storage> storage)
        : owner_(owner), storage_(std::move(storage)) {}
    void release() noexcept;

    ArenaCache* owner_ = nullptr;  // null for a temporary arena
    std::shared_ptr<Storage> storage_;
  };

  /// The cached arena (made on first use) of `bytes` on the CPU, or a temporary one when another
  /// run holds it.
  [[nodiscard]] Lease acquire(int64_t bytes);
  /// The arena kept between runs (null before the first run): tests check that runs reuse it.
  [[nodiscard]] std::shared_ptr<const Storage> cached() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<Storage> arena_;
  bool leased_ = false;
};

/// Whether direct runs place planned values in the arena (graph::set_memory_planning).
[[nodiscard]] bool memory_planning_enabled();

}  // namespace nabla::graph
