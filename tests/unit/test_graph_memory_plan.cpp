// The memory plan of graph runs (Note [Memory plan] in src/graph/memory_plan.cpp): live intervals
// (views extend their base's), escaping values left out, donations sharing an offset, greedy
// packing; and runs with the arena bit-identical to runs without it and to eager execution, for
// training steps, across runs, and from two threads at once.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "graph/run_plan.hpp"
#include "nabla/nabla.hpp"
#include "unit/graph_test_util.hpp"
#include "unit/memory_plan_test_util.hpp"

namespace nabla {
namespace {

using graph::MemoryPlan;
using testing::Body;
using testing::expect_valid_memory_plan;
using testing::MemoryPlanningGuard;
using testing::sgd_step;

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

const ValueSpec kMatrix{Shape{8, 8}, float32};  // 256 bytes
constexpr int64_t kMatrixBytes = 256;

/// Output 0 of the `n`-th node of op `op`.
GraphValue nth(const Graph& g, std::string_view op, size_t n = 0) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (g.nodes[i].is_op(op) && n-- == 0) return {static_cast<int32_t>(i), 0};
  }
  ADD_FAILURE() << "no node " << op << " in\n" << g.str();
  return {};
}

/// The plan of `v`, which must be planned.
const MemoryPlan::Value& planned(const graph::RunPlan& plan, GraphValue v) {
  const MemoryPlan::Value* p = plan.memory.find(v);
  if (p == nullptr) throw std::runtime_error("value %" + std::to_string(v.node) + " not planned");
  return *p;
}

/// The run plan of `g`, its memory plan checked against `g`.
std::shared_ptr<const graph::RunPlan> checked_plan(const Graph& g) {
  auto plan = graph::make_run_plan(g);
  expect_valid_memory_plan(g, *plan);
  return plan;
}

/// Runs `g` on `args` with planning off and on: bit-identical results, equal to `eager`.
void expect_planned_run_equals(const Graph& g, const std::vector<Tensor>& args,
                               const std::vector<Tensor>& eager) {
  std::vector<Tensor> off, on;
  {
    MemoryPlanningGuard planning(false);
    off = g.run(args);
  }
  {
    MemoryPlanningGuard planning(true);
    on = g.run(args);
  }
  ASSERT_EQ(on.size(), eager.size());
  for (size_t k = 0; k < on.size(); ++k) {
    EXPECT_EQ(values(on[k]), values(off[k])) << "result " << k;
    EXPECT_EQ(values(on[k]), values(eager[k])) << "result " << k;
  }
}

TEST(MemoryPlan, GreedyPackingByHand) {
  // Placed largest first: a at 0; c (live after a) at 0 too; b meets both, above them; d
  // meets all three, above b.
  const std::vector<graph::BufferUse> buffers{{.bytes = 256, .first = 0, .last = 1},  // a
                                              {.bytes = 128, .first = 1, .last = 2},  // b
                                              {.bytes = 256, .first = 2, .last = 3},  // c
                                              {.bytes = 64, .first = 0, .last = 3}};  // d
  const graph::Packing packing = graph::pack_buffers(buffers);
  EXPECT_EQ(packing.offsets, (std::vector<int64_t>{0, 256, 0, 384}));
  EXPECT_EQ(packing.arena_bytes, 448);

  // A small buffer takes the lowest gap that fits: the bytes of a big one that has died.
  const std::vector<graph::BufferUse> gap{{.bytes = 192, .first = 0, .last = 0},
                                          {.bytes = 128, .first = 0, .last = 2},
                                          {.bytes = 64, .first = 1, .last = 1}};
  const graph::Packing filled = graph::pack_buffers(gap);
  EXPECT_EQ(filled.offsets, (std::vector<int64_t>{0, 192, 0}));
  EXPECT_EQ(filled.arena_bytes, 320);
  EXPECT_EQ(graph::pack_buffers({}).arena_bytes, 0);
}

TEST(MemoryPlan, AChainReusesTwoBuffers) {
  const Graph g = testing::trace(
      [](const std::vector<Tensor>& a) {
        Tensor h = a[0];
        for (int k = 0; k < 5; ++k) h = matmul(h, a[0]);
        return std::vector<Tensor>{h};
      },
      {kMatrix});
  ASSERT_EQ(g.num_ops(), 5u) << g.str();
  const auto plan = checked_plan(g);
  const MemoryPlan& mp = plan->memory;
  ASSERT_EQ(mp.values.size(), 4u);  // the fifth matmul is the result: not planned
  for (int32_t k = 0; k < 4; ++k) {
    const MemoryPlan::Value& v = planned(*plan, nth(g, "matmul", static_cast<size_t>(k)));
    EXPECT_EQ(v.first, k);
    EXPECT_EQ(v.last, k + 1);
    EXPECT_EQ(v.bytes, kMatrixBytes);
    EXPECT_EQ(v.offset, (k % 2) * kMatrixBytes);  // ping-pong between two buffers
  }
  EXPECT_EQ(mp.planned_bytes, 4 * kMatrixBytes);
  EXPECT_EQ(mp.arena_bytes, 2 * kMatrixBytes);
  EXPECT_EQ(mp.peak_live_bytes, 2 * kMatrixBytes);
  EXPECT_EQ(plan->memory.find(nth(g, "matmul", 4)), nullptr);

  const Tensor x = random::normal({8, 8}, 0.0, 0.3);
  Tensor h = x;
  for (int k = 0; k < 5; ++k) h = matmul(h, x);
  expect_planned_run_equals(g, {x}, {h});
}

TEST(MemoryPlan, ViewsExtendTheirBasesLife) {
  const Graph g = testing::trace(
      [](const std::vector<Tensor>& a) {
        const Tensor& x = a[0];
        const Tensor base = matmul(x, x);  // step 0
        const Tensor t = transpose(base);  // step 1: a view of base
        const Tensor b = matmul(x, x);     // step 2
        const Tensor c = matmul(b, t);     // step 3: reads base through t
        return std::vector<Tensor>{matmul(c, x)};
      },
      {kMatrix});
  const auto plan = checked_plan(g);
  const MemoryPlan::Value& base = planned(*plan, nth(g, "matmul", 0));
  EXPECT_EQ(base.first, 0);
  EXPECT_EQ(base.last, 3);  // not 1, where base itself is last read
  EXPECT_EQ(plan->memory.find(nth(g, "permute")), nullptr);  // a view takes no memory
  EXPECT_EQ(planned(*plan, nth(g, "matmul", 1)).first, 2);
  EXPECT_EQ(plan->memory.arena_bytes, 3 * kMatrixBytes);  // base, b and c meet at step 3
}

TEST(MemoryPlan, ValuesReachingAResultAreNotPlanned) {
  const Body body = [](const std::vector<Tensor>& a) {
    const Tensor& x = a[0];
    const Tensor base = matmul(x, x);
    const Tensor b = matmul(base, x);
    const Tensor view = transpose(reshape(base, Shape{4, 16}));  // base escapes through views
    return std::vector<Tensor>{view, matmul(b, x), exp(b)};
  };
  const Graph g = testing::trace(body, {kMatrix});
  const auto plan = checked_plan(g);
  const MemoryPlanningGuard planning(true);
  EXPECT_EQ(plan->memory.find(nth(g, "matmul", 0)), nullptr);
  EXPECT_EQ(plan->memory.find(nth(g, "matmul", 2)), nullptr);  // a result
  EXPECT_EQ(plan->memory.find(nth(g, "exp")), nullptr);        // a result, though a donee
  EXPECT_NE(plan->memory.find(nth(g, "matmul", 1)), nullptr);
  EXPECT_EQ(plan->memory.values.size(), 1u);

  const Tensor x = random::normal({8, 8}, 0.0, 0.3);
  std::vector<Tensor> out = graph::run_with_plan(g, *plan, {x});
  const std::vector<Tensor> again = graph::run_with_plan(g, *plan, {x * 2.0});
  const std::vector<Tensor> eager = body({x});
  EXPECT_NE(plan->arena->cached(), nullptr);  // b was in the arena
  for (size_t k = 0; k < out.size(); ++k) {
    EXPECT_EQ(values(out[k]), values(eager[k])) << "result " << k;  // not overwritten by `again`
    EXPECT_FALSE(out[k].storage() == plan->arena->cached()) << "result " << k;
  }
  expect_planned_run_equals(g, {x}, eager);
}

TEST(MemoryPlan, ADonationSharesItsDonorsOffset) {
  const Graph g = testing::trace(
      [](const std::vector<Tensor>& a) {
        const Tensor h = matmul(a[0], a[0]);  // step 0
        const Tensor e = exp(h);              // step 1: may overwrite h
        const Tensor t = tanh(e);             // step 2: may overwrite e
        return std::vector<Tensor>{matmul(t, a[0])};
      },
      {kMatrix});
  const auto plan = checked_plan(g);
  const MemoryPlan& mp = plan->memory;
  const MemoryPlan::Value &h = planned(*plan, nth(g, "matmul")), &e = planned(*plan, nth(g, "exp")),
                          &t = planned(*plan, nth(g, "tanh"));
  EXPECT_TRUE(mp.static_donor[1]);
  EXPECT_TRUE(mp.static_donor[2]);
  EXPECT_EQ(e.offset, h.offset);
  EXPECT_EQ(t.offset, h.offset);
  EXPECT_EQ(e.buffer, h.buffer);
  EXPECT_EQ(t.buffer, h.buffer);
  EXPECT_EQ(mp.buffers, 1u);
  EXPECT_EQ(mp.arena_bytes, kMatrixBytes);
  EXPECT_EQ(mp.planned_bytes, 3 * kMatrixBytes);

  const Tensor x = random::normal({8, 8}, 0.0, 0.3);
  expect_planned_run_equals(g, {x}, {matmul(tanh(exp(matmul(x, x))), x)});
}

TEST(MemoryPlan, NoDonationWhileAViewOfTheDonorIsRead) {
  // mul's donor h is read at mul through a transposed view too: writing over h would change
  // what the view reads. exp's donor g is read later through a view.
  const Body body = [](const std::vector<Tensor>& a) {
    const Tensor h = matmul(a[0], a[0]);
    const Tensor m = h * transpose(h);
    const Tensor g = matmul(m, a[0]);
    const Tensor t = transpose(g);
    const Tensor e = exp(g);
    return std::vector<Tensor>{matmul(e, t)};
  };
  const Graph g = testing::trace(body, {kMatrix});
  const auto plan = checked_plan(g);
  const auto& steps = plan->steps;
  size_t donors = 0;
  for (size_t s = 0; s < steps.size(); ++s) {
    donors += steps[s].donor >= 0 ? 1 : 0;  // the run plan's candidates (checked at run time)
    EXPECT_FALSE(plan->memory.static_donor[s]) << "step " << s;
  }
  EXPECT_EQ(donors, 2u);
  EXPECT_NE(planned(*plan, nth(g, "mul")).offset, planned(*plan, nth(g, "matmul")).offset);
  EXPECT_NE(planned(*plan, nth(g, "exp")).offset, planned(*plan, nth(g, "matmul", 1)).offset);

  const Tensor x = random::normal({8, 8}, 0.0, 0.3);
  expect_planned_run_equals(g, {x}, body({x}));
}

TEST(MemoryPlan, TheArenaIsKeptBetweenRunsAndLentToOneRunAtATime) {
  graph::ArenaCache cache;
  EXPECT_EQ(cache.cached(), nullptr);
  std::shared_ptr<const Storage> first;
  {
    const graph::ArenaCache::Lease a = cache.acquire(1024);
    first = cache.cached();
    EXPECT_EQ(a.storage(), first);
    const graph::ArenaCache::Lease b = cache.acquire(1024);  // a holds it: a temporary arena
    EXPECT_NE(b.storage(), first);
    EXPECT_GE(b.storage()->bytes(), 1024u);
  }
  const graph::ArenaCache::Lease c = cache.acquire(1024);
  EXPECT_EQ(c.storage(), first);
  const Tensor t = c.tensor(ValueSpec{Shape{4, 2}, float64}, 128);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.offset(), 16);
  EXPECT_EQ(static_cast<const char*>(t.data_ptr()),
            static_cast<const char*>(c.storage()->data()) + 128);
}

TEST(MemoryPlan, PlansOfOneFunctionShareOneArena) {
  // nabla::function gives the plans of all its graphs one ArenaCache: a partial last batch runs
  // in the full batch's arena instead of keeping a second one alive.
  const Body body = [](const std::vector<Tensor>& a) {
    return std::vector<Tensor>{sum(exp(matmul(matmul(a[0], a[0]), a[0])))};
  };
  const Graph big = testing::trace(body, {kMatrix});
  const Graph small = testing::trace(body, {ValueSpec{Shape{4, 4}, float32}});
  auto shared = std::make_shared<graph::ArenaCache>();
  const auto big_plan = graph::make_run_plan(big, shared);
  const auto small_plan = graph::make_run_plan(small, shared);
  ASSERT_GT(small_plan->memory.arena_bytes, 0);
  ASSERT_LT(small_plan->memory.arena_bytes, big_plan->memory.arena_bytes);
  const MemoryPlanningGuard planning(true);
  NoGradGuard no_grad;
  const Tensor x = random::normal({8, 8}, 0.0, 0.3), y = random::normal({4, 4}, 0.0, 0.3);
  const std::vector<Tensor> a = graph::run_with_plan(big, *big_plan, {x});
  const std::shared_ptr<const Storage> arena = shared->cached();
  ASSERT_NE(arena, nullptr);
  const std::vector<Tensor> b = graph::run_with_plan(small, *small_plan, {y});
  EXPECT_EQ(shared->cached(), arena);  // reused, not replaced
  EXPECT_EQ(values(a[0]), values(body({x})[0]));
  EXPECT_EQ(values(b[0]), values(body({y})[0]));
}

// --- Training steps: planning on and off give the same bits, equal to eager execution ---

enum class Mode { Eager, Unplanned, Planned };

struct Trained {
  std::vector<std::vector<double>> results;  // every run's results, flattened
  std::vector<std::vector<double>> weights;  // after the last run
  friend bool operator==(const Trained&, const Trained&) = default;
};

/// Starts `weights` from `initial` and runs `step` on each batch under NoGradGuard, as fit does
/// (so a traced step calls its kernels directly): eagerly, or as a traced function with memory
/// planning off or on. Traced runs also check that earlier runs' results keep their values while
/// later runs reuse the arena.
Trained train(const Body& step, const std::vector<Tensor>& weights,
              const std::vector<Tensor>& initial, const std::vector<std::vector<Tensor>>& batches,
              Mode mode) {
  NoGradGuard no_grad;
  for (size_t k = 0; k < weights.size(); ++k) Tensor(weights[k]).copy_(initial[k]);
  MemoryPlanningGuard planning(mode == Mode::Planned);
  auto traced = function(step);
  random::seed(77);
  Trained out;
  std::vector<std::vector<Tensor>> kept;
  for (const std::vector<Tensor>& batch : batches) {
    kept.push_back(mode == Mode::Eager ? step(batch) : traced(batch));
    std::vector<double> flat;
    for (const Tensor& t : kept.back()) {
      const std::vector<double> v = values(t);
      flat.insert(flat.end(), v.begin(), v.end());
    }
    out.results.push_back(std::move(flat));
  }
  for (size_t r = 0; r < kept.size(); ++r) {
    std::vector<double> flat;
    for (const Tensor& t : kept[r]) {
      const std::vector<double> v = values(t);
      flat.insert(flat.end(), v.begin(), v.end());
    }
    EXPECT_EQ(flat, out.results[r]) << "run " << r << "'s results changed later";
  }
  for (const Tensor& w : weights) out.weights.push_back(values(w));
  if (mode == Mode::Planned) {
    const Graph& g = traced.graph_for(batches[0]);
    const auto plan = checked_plan(g);
    EXPECT_GT(plan->memory.arena_bytes, 0);
    EXPECT_LT(plan->memory.arena_bytes, plan->memory.planned_bytes) << plan->memory.summary();
    EXPECT_GE(g.num_ops("assign") + g.num_ops("sgd_update"), weights.size());
  }
  return out;
}

/// Trains `model` for a few batches of `x_shape` (classes 0..2) eagerly and traced with planning
/// off and on: the same bits every way.
void expect_same_training(nn::Sequential& model, const Shape& x_shape) {
  std::vector<std::vector<Tensor>> batches;
  random::seed(9);
  for (int b = 0; b < 4; ++b) {
    batches.push_back({random::normal(x_shape), random::randint(0, 3, Shape{x_shape[0]})});
  }
  const std::vector<Tensor> weights = model.trainable_weights();
  std::vector<Tensor> initial;
  for (const Tensor& w : weights) initial.push_back(w.clone());
  const Body step = sgd_step(model);
  const Trained eager = train(step, weights, initial, batches, Mode::Eager);
  const Trained unplanned = train(step, weights, initial, batches, Mode::Unplanned);
  const Trained planned = train(step, weights, initial, batches, Mode::Planned);
  EXPECT_TRUE(planned == unplanned) << "planning on and off differ";
  EXPECT_TRUE(planned == eager) << "a planned graph differs from eager execution";
  EXPECT_NE(planned.weights, std::vector<std::vector<double>>{});
}

TEST(MemoryPlanRuns, MlpTrainingStep) {
  random::seed(1);
  auto model = nn::Sequential({nn::Input({20}), nn::Dense(64, {.activation = "relu"}),
                               nn::Dense(32, {.activation = "tanh"}), nn::Dense(3)});
  expect_same_training(model, Shape{16, 20});
}

TEST(MemoryPlanRuns, ConvolutionAndPoolingTrainingStep) {
  random::seed(2);
  auto model =
      nn::Sequential({nn::Input({10, 10, 2}), nn::Conv2D(4, 3, {.activation = "relu"}),
                      nn::MaxPooling2D(2), nn::Conv2D(6, 2, {.activation = "relu"}),
                      nn::AveragePooling2D(2), nn::Flatten(), nn::Dropout(0.5), nn::Dense(3)});
  expect_same_training(model, Shape{6, 10, 10, 2});
}

TEST(MemoryPlanRuns, LstmTrainingStep) {
  random::seed(3);
  auto model = nn::Sequential(
      {nn::Input({7, 5}), nn::LSTM(12, {.return_sequences = true}), nn::LSTM(8), nn::Dense(3)});
  expect_same_training(model, Shape{4, 7, 5});
}

TEST(MemoryPlanRuns, DropoutDrawsAsEager) {
  const Tensor w = random::normal({16, 16}, 0.0, 0.3);
  const Body body = [&](const std::vector<Tensor>& a) {
    const Tensor h = dropout(relu(matmul(a[0], w)), 0.5);
    return std::vector<Tensor>{sum(dropout(tanh(matmul(h, w)), 0.25) * h, {1})};
  };
  const std::vector<std::vector<Tensor>> batches{{random::normal({8, 16})},
                                                 {random::normal({8, 16})}};
  const Trained eager = train(body, {}, {}, batches, Mode::Eager);
  const Trained unplanned = train(body, {}, {}, batches, Mode::Unplanned);
  const Trained planned = train(body, {}, {}, batches, Mode::Planned);
  EXPECT_TRUE(planned == unplanned);
  EXPECT_TRUE(planned == eager);
  EXPECT_NE(planned.results[0], planned.results[1]);  // fresh masks on every run
}

TEST(MemoryPlanRuns, RunsReuseThePlansArena) {
  const Tensor w = random::normal({32, 32}, 0.0, 0.2);
  const Body body = [&](const std::vector<Tensor>& a) {
    Tensor h = a[0];
    for (int k = 0; k < 4; ++k) h = tanh(matmul(h, w));
    return std::vector<Tensor>{h};
  };
  const Graph g = testing::trace(body, {{Shape{16, 32}, float32}});
  const auto plan = checked_plan(g);
  const MemoryPlanningGuard planning(true);
  EXPECT_EQ(plan->arena->cached(), nullptr);
  std::vector<Tensor> first = graph::run_with_plan(g, *plan, {ones({16, 32})});
  const std::shared_ptr<const Storage> arena = plan->arena->cached();
  ASSERT_NE(arena, nullptr);
  EXPECT_FALSE(first[0].storage() == arena);
  const std::vector<double> first_values = values(first[0]);
  const Tensor x = random::normal({16, 32});
  const std::vector<Tensor> second = graph::run_with_plan(g, *plan, {x});
  EXPECT_EQ(plan->arena->cached(), arena);  // the same memory, not a new arena per run
  EXPECT_EQ(values(first[0]), first_values);
  EXPECT_EQ(values(second[0]), values(body({x})[0]));
  {
    MemoryPlanningGuard off(false);
    EXPECT_EQ(values(graph::run_with_plan(g, *plan, {x})[0]), values(second[0]));
  }
  {
    NoGradGuard no_grad;  // the inter-op schedule does not use the arena; same results
    graph::set_inter_op_parallelism(true);
    const std::vector<Tensor> concurrent = graph::run_with_plan(g, *plan, {x});
    graph::set_inter_op_parallelism(false);
    EXPECT_EQ(values(concurrent[0]), values(second[0]));
  }
}

TEST(MemoryPlanRuns, TwoThreadsRunOneGraphAtOnce) {
  const Tensor w = random::normal({48, 48}, 0.0, 0.15);
  auto body = [&](const Tensor& x) {
    Tensor h = x;
    for (int k = 0; k < 12; ++k) h = sigmoid(matmul(h, w) + h);
    return h * 2.0;
  };
  auto f = function(body);
  std::vector<Tensor> inputs, expected;
  for (int t = 0; t < 2; ++t) {
    inputs.push_back(random::normal({32, 48}));
    expected.push_back(body(inputs.back()));
  }
  (void)f(inputs[0]);  // traced before the threads start
  const MemoryPlanningGuard planning(true);
  std::vector<int> mismatches(2, 0);
  auto worker = [&](int t) {
    NoGradGuard no_grad;
    for (int run = 0; run < 50; ++run) {
      const Tensor got = f(inputs[static_cast<size_t>(t)]);
      if (values(got) != values(expected[static_cast<size_t>(t)]))
        ++mismatches[static_cast<size_t>(t)];
    }
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  EXPECT_EQ(mismatches, (std::vector<int>{0, 0}));
}

}  // namespace
}  // namespace nabla
