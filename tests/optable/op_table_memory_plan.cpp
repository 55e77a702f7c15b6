// Every row of the op table traced and run under NoGradGuard, where the runner calls kernels
// directly, with memory planning on and off: the same bits (Note [Memory plan]). Differentiable
// rows are traced a second time with their gradient inside the graph (autograd::grad on captured
// inputs), so the backward graphs' intermediate values, which most rows' forward graphs lack,
// live in the arena too. Each planned graph runs twice (the arena reused) and its plan is checked
// against the graph. Compared with planning off, not with eager execution: a few float32 linalg
// rows differ from eager in the last bits in any graph run without autograd.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <random>

#include "graph/run_plan.hpp"
#include "optable/op_table.hpp"
#include "unit/memory_plan_test_util.hpp"

namespace optable {
namespace {

using nabla::Tensor;
using nabla::testing::MemoryPlanningGuard;

/// Every result bit for bit.
void expect_same_results(const std::vector<Tensor>& got, const std::vector<Tensor>& want,
                         const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t k = 0; k < got.size(); ++k) {
    expect_same_values(got[k], want[k], what + " result " + std::to_string(k));
  }
}

struct Counts {
  size_t graphs = 0;      // graphs run both ways
  size_t with_arena = 0;  // of which some value lived in the arena
  int64_t planned_bytes = 0, arena_bytes = 0;
};

/// Runs `f` on `inputs` with planning off, then twice with it on (re-seeding before each run,
/// so random ops draw alike): the same bits every time.
template <class F>
void expect_planning_changes_nothing(F& f, const std::vector<Tensor>& inputs,
                                     const std::string& what, Counts& counts) {
  nabla::NoGradGuard no_grad;
  std::vector<Tensor> off;
  {
    MemoryPlanningGuard planning(false);
    nabla::random::seed(kRandomSeed);
    off = f(inputs);
  }
  const MemoryPlanningGuard planning(true);
  nabla::random::seed(kRandomSeed);
  const std::vector<Tensor> on = f(inputs);
  nabla::random::seed(kRandomSeed);
  const std::vector<Tensor> again = f(inputs);
  expect_same_results(on, off, what);
  expect_same_results(again, off, what + " (second planned run)");
  expect_same_results(on, off, what + " (first planned run, after the second)");
  const nabla::Graph& g = f.graph_for(inputs);
  const auto plan = nabla::graph::make_run_plan(g);
  nabla::testing::expect_valid_memory_plan(g, *plan);
  ++counts.graphs;
  counts.with_arena += plan->memory.arena_bytes > 0 ? 1 : 0;
  counts.planned_bytes += plan->memory.planned_bytes;
  counts.arena_bytes += plan->memory.arena_bytes;
}

// Graphs that had values in the arena when this test was written (the others are single kernels
// or keep only results); fewer means the plan stopped covering them (more is fine: raise them).
constexpr size_t kForwardGraphsWithArena = 129;
constexpr size_t kGradientGraphsWithArena = 93;

TEST(OpTableMemoryPlan, PlanningOnAndOffGiveTheSameBits) {
  Counts forward, backward;
  for (const OpCase& c : registry()) {
    SCOPED_TRACE(c.name);
    std::mt19937_64 rng(std::hash<std::string>{}(c.name) + 7);
    std::vector<Tensor> inputs;
    for (const InputSpec& spec : c.inputs) inputs.push_back(random_tensor(spec, spec.shape, rng));

    auto traced = nabla::function([&](const std::vector<Tensor>& args) {
      nabla::GradModeGuard grad(
          true);  // traced as the traced-graph suite does (rows may differentiate)
      return std::vector<Tensor>{c.run(args)};
    });
    expect_planning_changes_nothing(traced, inputs, c.name + " forward", forward);

    const bool differentiable =
        c.grad_order > 0 &&
        std::any_of(c.inputs.begin(), c.inputs.end(),
                    [](const InputSpec& s) { return nabla::is_floating(s.dtype); }) &&
        nabla::is_floating(c.expected_dtype);
    if (!differentiable) continue;
    // The floating inputs as captured float64 leaves (as the traced-graph suite differentiates).
    std::vector<Tensor> leaves(inputs.size());
    std::vector<Tensor> wrt;
    for (size_t k = 0; k < inputs.size(); ++k) {
      if (!nabla::is_floating(inputs[k].dtype())) continue;
      leaves[k] = inputs[k].astype(nabla::float64).requires_grad_();
      wrt.push_back(leaves[k]);
    }
    auto with_gradient = nabla::function([&](const std::vector<Tensor>& args) {
      std::vector<Tensor> in = args;
      for (size_t k = 0; k < in.size(); ++k) {
        if (leaves[k].defined()) in[k] = leaves[k];
      }
      nabla::GradModeGuard grad(true);
      const Tensor out = c.run(in);
      const Tensor weights =
          nabla::cos(nabla::arange(0, out.numel()).reshape(out.shape()).astype(out.dtype()));
      std::vector<Tensor> results{out};
      if (!out.requires_grad()) return results;  // a row whose result does not depend on them
      for (const Tensor& g : nabla::autograd::grad({nabla::sum(out * weights)}, wrt)) {
        if (g.defined()) results.push_back(g);
      }
      return results;
    });
    expect_planning_changes_nothing(with_gradient, inputs, c.name + " gradient", backward);
  }
  std::cout << "[ memory plan ] " << registry().size() << " rows: forward graphs "
            << forward.with_arena << " of " << forward.graphs << " with an arena, gradient graphs "
            << backward.with_arena << " of " << backward.graphs << "; arena "
            << backward.arena_bytes + forward.arena_bytes << " bytes for "
            << backward.planned_bytes + forward.planned_bytes << " planned\n";
  EXPECT_GE(forward.with_arena, kForwardGraphsWithArena);
  EXPECT_GE(backward.with_arena, kGradientGraphsWithArena);
}

}  // namespace
}  // namespace optable
