// RunPlan: what running a Graph needs that does not change between runs, worked out once per
// graph (nabla::function keeps one per traced signature): the op nodes in order, which values die
// after each node, which inputs an elementwise node may overwrite, the depth levels for inter-op
// parallelism, and where kernel outputs go in the arena (Note [Memory plan] in memory_plan.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "graph/memory_plan.hpp"
#include "nabla/graph/graph.hpp"

namespace nabla::graph {

struct RunPlan {
  struct Step {
    size_t node = 0;
    std::vector<int32_t> last_reads;  // values (node indices) read for the last time here
    /// Input slot whose buffer the output may take over (Note [In-place execution]); -1: none.
    int32_t donor = -1;
    bool has_elements = true;     // some output has elements (else no kernel runs, as in dispatch)
    bool small = false;           // few elements: may run beside other small ops (inter-op)
    bool checks_indices = false;  // an integer input: run the shape rule, which checks indices
    Device device;                // creation ops: from their attrs
  };
  std::vector<Step> steps;                  // the Op nodes, in node order
  std::vector<std::vector<size_t>> levels;  // step indices by depth (inter-op parallelism)
  std::vector<size_t> captures;             // the Capture nodes
  bool has_effects = false;
  bool has_random = false;
  MemoryPlan memory;  // where kernel outputs go in the arena when kernels are called directly
  std::shared_ptr<ArenaCache> arena = std::make_shared<ArenaCache>();  // kept between runs
};

/// Works out the plan of `g` (which must be verified or traced: topologically ordered).
/// `arena`: the arena cache to run from, shared by the plans of one function (its graphs run one
/// at a time, so one arena of the largest plan's size serves them all); null: a new one.
[[nodiscard]] std::shared_ptr<const RunPlan> make_run_plan(
    const Graph& g, std::shared_ptr<ArenaCache> arena = nullptr);
/// Graph::run with a plan made by make_run_plan(g).
[[nodiscard]] std::vector<Tensor> run_with_plan(const Graph& g, const RunPlan& plan,
                                                const std::vector<Tensor>& args);

}  // namespace nabla::graph
