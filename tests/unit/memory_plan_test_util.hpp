// Shared by the memory-plan tests: checks that a graph's memory plan keeps its promises
// (Note [Memory plan] in src/graph/memory_plan.cpp), recomputing the live intervals from the
// graph, and a guard that sets graph::set_memory_planning for a scope.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "graph/run_plan.hpp"
#include "nabla/nabla.hpp"
#include "ops/op.hpp"

namespace nabla::testing {

/// Sets graph::set_memory_planning(enabled) until the end of the scope.
class MemoryPlanningGuard {
 public:
  explicit MemoryPlanningGuard(bool enabled) : previous_(graph::memory_planning_enabled()) {
    graph::set_memory_planning(enabled);
  }
  ~MemoryPlanningGuard() { graph::set_memory_planning(previous_); }
  MemoryPlanningGuard(const MemoryPlanningGuard&) = delete;
  MemoryPlanningGuard& operator=(const MemoryPlanningGuard&) = delete;

 private:
  bool previous_;
};

/// The value whose storage `v` shares: `v` unless a view op made it.
inline GraphValue storage_root(const Graph& g, GraphValue v) {
  while (g.node(v).kind == GraphNode::Kind::Op && g.node(v).op->view != nullptr) {
    v = g.node(v).inputs[0];
  }
  return v;
}

/// Checks `plan.memory` against `g`: every kernel output with elements that does not reach a
/// result is planned, with the interval the graph gives it; offsets are aligned and inside the
/// arena; two values live at a common step share no byte unless a donation made them one buffer
/// (then they share the offset, and only a step's donor and output do); and the figures agree.
inline void expect_valid_memory_plan(const Graph& g, const graph::RunPlan& plan) {
  const graph::MemoryPlan& mp = plan.memory;
  std::vector<GraphValue> escaping;  // the values whose storage results share
  for (GraphValue v : g.outputs) escaping.push_back(storage_root(g, v));
  std::vector<int32_t> step_of(g.nodes.size(), -1);
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    step_of[plan.steps[s].node] = static_cast<int32_t>(s);
  }
  size_t expected_values = 0;
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const size_t i = plan.steps[s].node;
    const GraphNode& node = g.nodes[i];
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      const GraphValue v{static_cast<int32_t>(i), static_cast<int32_t>(k)};
      const ValueSpec& spec = node.outputs[k];
      const auto bytes = spec.shape.numel() * static_cast<int64_t>(dtype_size(spec.dtype));
      const graph::MemoryPlan::Value* planned = mp.find(v);
      const bool should = node.op->view == nullptr && !node.op->has_effect() && bytes > 0 &&
                          std::find(escaping.begin(), escaping.end(), v) == escaping.end();
      EXPECT_EQ(planned != nullptr, should) << "%" << i << ":" << k << " " << node.name;
      if (planned == nullptr) continue;
      ++expected_values;
      // The interval: the step that makes it to the last step reading it or a view of it.
      int32_t last = static_cast<int32_t>(s);
      for (size_t r = s; r < plan.steps.size(); ++r) {
        for (GraphValue in : g.nodes[plan.steps[r].node].inputs) {
          if (storage_root(g, in) == v) last = static_cast<int32_t>(r);
        }
      }
      EXPECT_EQ(planned->first, static_cast<int32_t>(s)) << "%" << i;
      EXPECT_EQ(planned->last, last) << "%" << i;
      EXPECT_GE(planned->bytes, bytes) << "%" << i;
      EXPECT_EQ(planned->bytes % graph::kArenaAlignment, 0) << "%" << i;
      EXPECT_EQ(planned->offset % graph::kArenaAlignment, 0) << "%" << i;
      EXPECT_LE(planned->offset + planned->bytes, mp.arena_bytes) << "%" << i;
    }
  }
  ASSERT_EQ(mp.values.size(), expected_values);

  int64_t planned_bytes = 0;
  std::vector<int64_t> buffer_bytes(mp.buffers, 0);
  for (size_t a = 0; a < mp.values.size(); ++a) {
    const graph::MemoryPlan::Value& x = mp.values[a];
    planned_bytes += x.bytes;
    auto& size = buffer_bytes[static_cast<size_t>(x.buffer)];
    size = std::max(size, x.bytes);
    for (size_t b = a + 1; b < mp.values.size(); ++b) {
      const graph::MemoryPlan::Value& y = mp.values[b];
      if (x.buffer == y.buffer) {
        EXPECT_EQ(x.offset, y.offset)
            << "one buffer, two offsets: %" << x.value.node << ", %" << y.value.node;
        continue;
      }
      const bool meet = x.first <= y.last && y.first <= x.last;
      const bool disjoint = x.offset + x.bytes <= y.offset || y.offset + y.bytes <= x.offset;
      EXPECT_TRUE(!meet || disjoint)
          << "%" << x.value.node << " and %" << y.value.node << " are live together and overlap";
    }
  }
  // A buffer holds a chain of donations: each value after the first is the output of a step
  // whose donor is the value before it, read for the last time there.
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    if (!mp.static_donor[s]) continue;
    const GraphNode& node = g.nodes[plan.steps[s].node];
    ASSERT_GE(plan.steps[s].donor, 0) << "step " << s;
    const GraphValue donor = node.inputs[static_cast<size_t>(plan.steps[s].donor)];
    const graph::MemoryPlan::Value* from = mp.find(donor);
    const graph::MemoryPlan::Value* to = mp.find({static_cast<int32_t>(plan.steps[s].node), 0});
    ASSERT_TRUE(from != nullptr && to != nullptr) << "step " << s;
    EXPECT_EQ(from->buffer, to->buffer) << "step " << s;
    EXPECT_EQ(from->last, static_cast<int32_t>(s)) << "step " << s;
    for (GraphValue in : node.inputs) {
      EXPECT_TRUE(in == donor || !(storage_root(g, in) == donor))
          << "step " << s << " reads its donor through a view";
    }
  }
  for (size_t a = 0; a < mp.values.size(); ++a) {
    const graph::MemoryPlan::Value& x = mp.values[a];
    const bool first_of_buffer =
        std::none_of(mp.values.begin(), mp.values.begin() + static_cast<std::ptrdiff_t>(a),
                     [&](const graph::MemoryPlan::Value& y) { return y.buffer == x.buffer; });
    if (!first_of_buffer) {
      EXPECT_TRUE(mp.static_donor[static_cast<size_t>(x.first)] && x.value.output == 0)
          << "%" << x.value.node << " shares a buffer without a donation";
    }
  }
  int64_t buffers_total = 0;
  for (int64_t b : buffer_bytes) buffers_total += b;
  EXPECT_EQ(mp.planned_bytes, planned_bytes);
  EXPECT_LE(mp.peak_live_bytes, mp.arena_bytes);
  EXPECT_LE(mp.arena_bytes, buffers_total);
}

}  // namespace nabla::testing
