// The memory plan of a graph run: live intervals of the kernel outputs, in-place donations made
// static, greedy-by-size packing into one arena, and the arena cache (Note [Memory plan]).
#include "graph/memory_plan.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <iomanip>
#include <numeric>
#include <sstream>
#include <string_view>
#include <utility>

#include "graph/run_plan.hpp"
#include "ops/op.hpp"

namespace nabla::graph {

// Note [Memory plan]
// Without a plan every kernel output is a fresh Tensor::empty: the CPU allocator's cache reuses
// a freed block only for a tensor of the same size class, and keeps blocks of every size the
// graph ever made. A graph knows every value's size and lifetime before it runs, so when the
// runner calls kernels directly (Note [Planned execution] in graph_run.cpp) their outputs are
// placed in one arena, laid out once per graph:
//
// - Planned values: the outputs of kernels (op nodes that are neither views nor effects) that
//   have elements. A value whose storage reaches a result of the graph, itself or through a chain
//   of views, escapes the run and is not planned (it stays a Tensor::empty), and nor are inputs,
//   captured tensors and constants.
// - Live interval: from the step that makes a value to the last step that reads it or any view
//   derived from it (views alias their base's storage), both inclusive. Two values may share
//   bytes only when their intervals are disjoint: a kernel's outputs are live at its step, and so
//   is everything it reads, so no kernel ever gets an output that overlaps one of its inputs or
//   another output.
// - Donation: the one exception. An elementwise step's donor (Note [In-place execution]) that is
//   planned, whose interval (views included) ends at that step, and that no other operand of the
//   step reads through a view, gives its buffer to the step's output: the two values form one
//   buffer whose interval is the union of theirs. This makes in-place execution static: the
//   run-time ownership check is only needed for values outside the arena (whose storage every
//   planned value shares, so that check could never pass).
// - Packing: greedy by size. The largest buffer first; each goes at the lowest 64-aligned offset
//   where it overlaps, in bytes, no buffer already placed whose interval meets its own. Sizes are
//   rounded up to 64 bytes, so every offset is aligned as the allocator aligns fresh buffers and
//   kernels see the same alignment (results are bit-identical with and without the plan).
//
// The runner leases the plan's arena (kept by the plan's ArenaCache, so its pages are faulted in
// once, not on every run) and makes each planned output a contiguous tensor at its offset. A
// second run of the same plan while the first holds the arena (nabla::function called from two
// threads) gets a temporary arena. No arena tensor outlives the run: results are never planned
// (the runner checks), and the runner drops its values when it finishes. The arena is used only
// by the serial schedule: the intervals follow node order, which inter-op parallelism does not.

namespace {

constexpr int64_t round_up(int64_t bytes) {
  return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

/// True when two inclusive step intervals meet.
bool meet(const BufferUse& a, const BufferUse& b) { return a.first <= b.last && b.first <= a.last; }

std::atomic<bool>& planning_flag() {
  static std::atomic<bool> flag{[] {
    const char* env = std::getenv("NABLA_MEMORY_PLANNING");
    return env == nullptr || std::string_view(env) != "0";
  }()};
  return flag;
}

std::string format_bytes(int64_t bytes) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << static_cast<double>(bytes) / (1 << 20) << " MiB";
  return out.str();
}

}  // namespace

Packing pack_buffers(std::span<const BufferUse> buffers) {
  Packing packing;
  packing.offsets.assign(buffers.size(), -1);
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return buffers[a].bytes > buffers[b].bytes; });
  std::vector<size_t> placed;     // by offset
  std::vector<size_t> conflicts;  // placed buffers live at a step of the one being placed
  for (size_t b : order) {
    const BufferUse& use = buffers[b];
    conflicts.clear();
    for (size_t p : placed) {
      if (meet(use, buffers[p])) conflicts.push_back(p);
    }
    int64_t offset = 0;
    for (size_t p : conflicts) {  // in offset order: the first gap that fits
      const int64_t start = packing.offsets[p];
      if (offset + use.bytes <= start) break;
      offset = std::max(offset, start + buffers[p].bytes);
    }
    packing.offsets[b] = offset;
    packing.arena_bytes = std::max(packing.arena_bytes, offset + use.bytes);
    const auto at = std::upper_bound(placed.begin(), placed.end(), offset,
                                     [&](int64_t o, size_t p) { return o < packing.offsets[p]; });
    placed.insert(at, b);
  }
  return packing;
}

MemoryPlan make_memory_plan(const Graph& g, const RunPlan& plan) {
  MemoryPlan mp;
  const size_t n = g.nodes.size();
  mp.static_donor.assign(plan.steps.size(), false);
  mp.index.resize(n);
  for (size_t i = 0; i < n; ++i) mp.index[i].assign(g.nodes[i].outputs.size(), -1);

  // The value whose storage each view shares (views have one output, a layout over input 0's).
  std::vector<GraphValue> view_root(n);
  auto root = [&](GraphValue v) {
    const GraphNode& node = g.node(v);
    return node.kind == GraphNode::Kind::Op && node.op->view != nullptr
               ? view_root[static_cast<size_t>(v.node)]
               : v;
  };
  for (size_t i = 0; i < n; ++i) {
    const GraphNode& node = g.nodes[i];
    if (node.kind == GraphNode::Kind::Op && node.op->view != nullptr)
      view_root[i] = root(node.inputs[0]);
  }
  constexpr int32_t kEscapes = -2;
  for (GraphValue v : g.outputs) {
    const GraphValue r = root(v);
    mp.index[static_cast<size_t>(r.node)][static_cast<size_t>(r.output)] = kEscapes;
  }

  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const size_t i = plan.steps[s].node;
    const GraphNode& node = g.nodes[i];
    if (node.op->view == nullptr && !node.op->has_effect()) {
      for (size_t k = 0; k < node.outputs.size(); ++k) {
        const ValueSpec& spec = node.outputs[k];
        const int64_t bytes = spec.shape.numel() * static_cast<int64_t>(dtype_size(spec.dtype));
        // The arena is host memory: values on other devices keep their own allocations.
        if (bytes == 0 || mp.index[i][k] == kEscapes || !spec.device.is_cpu()) continue;
        mp.index[i][k] = static_cast<int32_t>(mp.values.size());
        const auto step = static_cast<int32_t>(s);
        mp.values.push_back({.value = {static_cast<int32_t>(i), static_cast<int32_t>(k)},
                             .bytes = round_up(bytes),
                             .first = step,
                             .last = step});
      }
    }
    // Reads extend the life of the value they read, or of the base of the view they read.
    for (GraphValue v : node.inputs) {
      const GraphValue r = root(v);
      const int32_t at = mp.index[static_cast<size_t>(r.node)][static_cast<size_t>(r.output)];
      if (at >= 0) mp.values[static_cast<size_t>(at)].last = static_cast<int32_t>(s);
    }
  }
  for (std::vector<int32_t>& outputs : mp.index)
    std::replace(outputs.begin(), outputs.end(), kEscapes, -1);

  // Buffers: one per value, except that a static donation puts the output in its donor's.
  std::vector<BufferUse> buffers;
  for (MemoryPlan::Value& value : mp.values) {
    const auto s = static_cast<size_t>(value.first);
    const RunPlan::Step& step = plan.steps[s];
    const GraphNode& node = g.nodes[step.node];
    if (value.value.output == 0 && step.donor >= 0) {
      const GraphValue donor = node.inputs[static_cast<size_t>(step.donor)];
      const int32_t at =
          mp.index[static_cast<size_t>(donor.node)][static_cast<size_t>(donor.output)];
      bool alone = true;  // no other operand reads the donor through a view
      for (GraphValue v : node.inputs) alone = alone && (v == donor || root(v) != donor);
      if (at >= 0 && mp.values[static_cast<size_t>(at)].last == value.first && alone) {
        value.buffer = mp.values[static_cast<size_t>(at)].buffer;
        BufferUse& shared = buffers[static_cast<size_t>(value.buffer)];
        shared.bytes = std::max(shared.bytes, value.bytes);
        shared.last = std::max(shared.last, value.last);
        mp.static_donor[s] = true;
        continue;
      }
    }
    value.buffer = static_cast<int32_t>(buffers.size());
    buffers.push_back({.bytes = value.bytes, .first = value.first, .last = value.last});
  }

  const Packing packing = pack_buffers(buffers);
  mp.arena_bytes = packing.arena_bytes;
  mp.buffers = buffers.size();
  for (MemoryPlan::Value& value : mp.values) {
    value.offset = packing.offsets[static_cast<size_t>(value.buffer)];
    mp.planned_bytes += value.bytes;
  }
  std::vector<int64_t> change(plan.steps.size() + 1, 0);  // live bytes: + at first, - after last
  for (const BufferUse& use : buffers) {
    change[static_cast<size_t>(use.first)] += use.bytes;
    change[static_cast<size_t>(use.last) + 1] -= use.bytes;
  }
  int64_t live = 0;
  for (int64_t delta : change) {
    live += delta;
    mp.peak_live_bytes = std::max(mp.peak_live_bytes, live);
  }
  return mp;
}

const MemoryPlan::Value* MemoryPlan::find(GraphValue v) const {
  if (v.node < 0 || static_cast<size_t>(v.node) >= index.size()) return nullptr;
  const std::vector<int32_t>& outputs = index[static_cast<size_t>(v.node)];
  if (v.output < 0 || static_cast<size_t>(v.output) >= outputs.size()) return nullptr;
  const int32_t at = outputs[static_cast<size_t>(v.output)];
  return at >= 0 ? &values[static_cast<size_t>(at)] : nullptr;
}

std::string MemoryPlan::summary() const {
  std::ostringstream out;
  out << "memory plan: " << values.size() << " values in " << buffers << " buffers, "
      << format_bytes(planned_bytes) << " planned, arena " << format_bytes(arena_bytes)
      << " (peak live " << format_bytes(peak_live_bytes) << ")";
  return out.str();
}

ArenaCache::Lease::Lease(Lease&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), storage_(std::move(other.storage_)) {}

ArenaCache::Lease& ArenaCache::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    storage_ = std::move(other.storage_);
  }
  return *this;
}

ArenaCache::Lease::~Lease() { release(); }

void ArenaCache::Lease::release() noexcept {
  storage_.reset();
  if (owner_ != nullptr) {
    std::lock_guard lock(owner_->mutex_);
    owner_->leased_ = false;
    owner_ = nullptr;
  }
}

Tensor ArenaCache::Lease::tensor(const ValueSpec& spec, int64_t offset) const {
  const auto itemsize = static_cast<int64_t>(dtype_size(spec.dtype));
  NABLA_ASSERT(offset % itemsize == 0 &&
                   static_cast<size_t>(offset + spec.shape.numel() * itemsize) <= storage_->bytes(),
               "arena tensor outside its arena");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = storage_;
  impl->layout = Layout(spec.shape, offset / itemsize);
  impl->dtype = spec.dtype;
  impl->device = storage_->device();
  return Tensor(std::move(impl));
}

ArenaCache::Lease ArenaCache::acquire(int64_t bytes) {
  {
    std::lock_guard lock(mutex_);
    if (!leased_) {
      if (arena_ == nullptr || arena_->bytes() < static_cast<size_t>(bytes))
        arena_ = Storage::allocate(static_cast<size_t>(bytes), Device::cpu());
      leased_ = true;
      return Lease(this, arena_);
    }
  }
  return Lease(nullptr, Storage::allocate(static_cast<size_t>(bytes), Device::cpu()));
}

std::shared_ptr<const Storage> ArenaCache::cached() const {
  std::lock_guard lock(mutex_);
  return arena_;
}

bool memory_planning_enabled() { return planning_flag().load(std::memory_order_relaxed); }

void set_memory_planning(bool enabled) {
  planning_flag().store(enabled, std::memory_order_relaxed);
}

}  // namespace nabla::graph
