// Optimizer updates inside traced graphs: a whole training step (forward, loss, backward,
// clipping, update of the weights, the optimizer's state and its step count) as one graph, equal
// to the same steps run eagerly for every optimizer, with the learning rate fed per call; the
// state stays the optimizer's own (loaded in place, cloned on copy).
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nabla/nabla.hpp"
#include "optim/fused_updates.hpp"
#include "unit/tensor_test_util.hpp"

namespace nabla {
namespace {

using optim::Optimizer;
using testing::expect_error;

using MakeOptimizer = std::function<std::shared_ptr<Optimizer>()>;

struct Problem {
  Tensor w, b;
  std::vector<Tensor> x, y;  // one batch per step
};

/// A least-squares problem with fixed data, its weights fresh (the same values every time).
Problem problem(DType dtype, int steps) {
  random::seed(4);
  Problem p;
  p.w = random::normal({5, 3}, 0.0, 0.5).astype(dtype);
  p.b = random::normal({3}, 0.0, 0.5).astype(dtype);
  for (int s = 0; s < steps; ++s) {
    p.x.push_back(random::normal({8, 5}).astype(dtype));
    p.y.push_back(random::normal({8, 3}).astype(dtype));
  }
  return p;
}

/// The gradients of the loss on batch `s` with respect to `weights` (p.w and p.b, maybe of
/// another problem), which require grad only meanwhile: the optimizer writes them in place.
std::vector<Tensor> gradients(const Problem& p, const std::vector<Tensor>& weights, size_t s) {
  GradModeGuard grad(true);
  for (Tensor w : weights) w.requires_grad_();
  const Tensor loss = mean(square(matmul(p.x[s], weights[0]) + weights[1] - p.y[s]));
  std::vector<Tensor> g = autograd::grad({loss}, weights);
  for (Tensor w : weights) w.requires_grad_(false);
  return g;
}

/// Runs `steps` steps eagerly or as one traced function; returns the final weights.
std::vector<std::vector<double>> train(const MakeOptimizer& make, DType dtype, int steps,
                                       bool traced, size_t* updates_in_graph = nullptr) {
  Problem p = problem(dtype, steps);
  std::shared_ptr<Optimizer> opt = make();
  const std::vector<Tensor> weights{p.w, p.b};
  // The batch index is an argument: a traced step reads the batch it is given.
  auto step = function([&](const Tensor& x, const Tensor& y, const Tensor& lr) {
    Problem batch = p;
    batch.x = {x};
    batch.y = {y};
    const std::vector<Tensor> grads = gradients(batch, weights, 0);
    opt->apply_gradients(grads, weights, lr);
    return grads[0];
  });
  for (int s = 0; s < steps; ++s) {
    const auto k = static_cast<size_t>(s);
    if (traced) {
      (void)step(p.x[k], p.y[k], opt->learning_rate_tensor());
    } else {
      opt->apply_gradients(gradients(p, weights, k), weights);
    }
  }
  EXPECT_EQ(opt->iterations(), steps);
  if (traced) {
    EXPECT_EQ(step.num_traces(), 1u);  // the learning rate is an argument, not a trace constant
    if (updates_in_graph != nullptr) {
      const Graph& g = step.graph_for(p.x[0], p.y[0], opt->learning_rate_tensor());
      *updates_in_graph = g.num_ops("adam_update") + g.num_ops("sgd_update");
    }
  }
  return {p.w.to_vector<double>(), p.b.to_vector<double>()};
}

std::vector<std::pair<std::string, MakeOptimizer>> optimizers() {
  using namespace optim;
  return {
      {"sgd", [] { return std::make_shared<SGD>(SGDOptions{.learning_rate = 0.1}); }},
      {"sgd_nesterov_decay_global_clipnorm",
       [] {
         return std::make_shared<SGD>(SGDOptions{.learning_rate = 0.1,
                                                 .momentum = 0.8,
                                                 .nesterov = true,
                                                 .weight_decay = 0.01,
                                                 .clip = {.global_clipnorm = 0.5}});
       }},
      {"adam_schedule",
       [] {
         return std::make_shared<Adam>(AdamOptions{
             .learning_rate = ExponentialDecay({.initial_learning_rate = 0.05, .decay_steps = 2})});
       }},
      {"adam_amsgrad_clipvalue",
       [] {
         return std::make_shared<Adam>(
             AdamOptions{.learning_rate = 0.01, .amsgrad = true, .clip = {.clipvalue = 0.1}});
       }},
      {"adamw_clipnorm",
       [] {
         return std::make_shared<AdamW>(
             AdamWOptions{.learning_rate = 0.01, .weight_decay = 0.1, .clip = {.clipnorm = 0.2}});
       }},
      {"rmsprop_centered_momentum",
       [] {
         return std::make_shared<RMSprop>(
             RMSpropOptions{.learning_rate = 0.01, .momentum = 0.5, .centered = true});
       }},
      {"adagrad", [] { return std::make_shared<Adagrad>(AdagradOptions{.learning_rate = 0.1}); }},
  };
}

TEST(OptimizerInGraph, TracedStepsEqualEagerStepsForEveryOptimizer) {
  for (const auto& [name, make] : optimizers()) {
    for (bool fused : {true, false}) {
      const optim::detail::FusedUpdatesGuard guard(fused);
      for (DType dtype : {float32, float64}) {
        const std::string what =
            name + (fused ? " fused " : " composite ") + std::string(dtype_name(dtype));
        size_t updates = 0;
        const auto eager = train(make, dtype, 6, false);
        const auto graph = train(make, dtype, 6, true, &updates);
        // The same kernels on the same operands, in the same order: bit for bit.
        EXPECT_EQ(graph, eager) << what;
        const bool has_kernel = name.starts_with("sgd") || name.starts_with("adam");
        EXPECT_EQ(updates, fused && has_kernel ? 2u : 0u) << what;
      }
    }
  }
}

TEST(OptimizerInGraph, LearningRateChangesReachTheGraph) {
  // ReduceLROnPlateau and LearningRateScheduler call set_learning_rate between steps.
  auto make = [] { return std::make_shared<optim::SGD>(optim::SGDOptions{.learning_rate = 0.1}); };
  Problem pe = problem(float32, 2), pg = problem(float32, 2);
  auto eager = make(), traced = make();
  const std::vector<Tensor> we{pe.w, pe.b}, wg{pg.w, pg.b};
  auto step = function([&](const Tensor& lr) {
    traced->apply_gradients(gradients(pg, wg, 0), wg, lr);
    return lr;
  });
  for (double lr : {0.1, 0.01, 0.5}) {
    eager->set_learning_rate(lr);
    traced->set_learning_rate(lr);
    eager->apply_gradients(gradients(pe, we, 0), we);
    (void)step(traced->learning_rate_tensor());
  }
  EXPECT_EQ(pg.w.to_vector<float>(), pe.w.to_vector<float>());
  EXPECT_EQ(step.num_traces(), 1u);
}

TEST(OptimizerInGraph, ApplyingWithAFrozenLearningRateInsideATraceIsRefused) {
  Tensor w = ones({3});
  optim::SGD sgd;
  auto step = function([&](const Tensor& g) {
    sgd.apply_gradients({g}, {w});
    return g;
  });
  expect_error<ValueError>([&] { (void)step(ones({3})); },
                           {"SGD", "symbolic", "learning_rate_tensor()"});
  expect_error<ValueError>([&] { sgd.apply_gradients({ones({3})}, {w}, ones({2}, float64)); },
                           {"SGD", "learning rate must be a floating scalar tensor, got [2]"});
}

TEST(OptimizerInGraph, LoadedStateIsSeenByATracedStep) {
  // A traced step captured the optimizer's state tensors: load_variables writes into them.
  auto make = [] {
    return std::make_shared<optim::Adam>(optim::AdamOptions{.learning_rate = 0.1});
  };
  Problem p = problem(float32, 1);
  Problem q = problem(float32, 1);
  auto traced = make(), eager = make();
  const std::vector<Tensor> wp{p.w, p.b}, wq{q.w, q.b};
  auto grads = [&](const std::vector<Tensor>& ws) { return gradients(p, ws, 0); };
  auto step = function([&](const Tensor& lr) {
    traced->apply_gradients(grads(wp), wp, lr);
    return lr;
  });
  (void)step(traced->learning_rate_tensor());  // traces; the state now lives in the graph
  eager->apply_gradients(grads(wq), wq);
  eager->apply_gradients(grads(wq), wq);
  // Load the eager optimizer's state (2 steps) and the same weights into the traced one.
  traced->load_variables(eager->variables(wq), wp);
  p.w.copy_(q.w);
  p.b.copy_(q.b);
  (void)step(traced->learning_rate_tensor());
  eager->apply_gradients(grads(wq), wq);
  EXPECT_EQ(traced->iterations(), 3);
  EXPECT_EQ(p.w.to_vector<float>(), q.w.to_vector<float>());
  EXPECT_EQ(p.b.to_vector<float>(), q.b.to_vector<float>());
}

TEST(OptimizerInGraph, CopiedOptimizersDoNotShareState) {
  // Updates write the state in place, so a copy must own its own tensors.
  Tensor w1 = ones({4}), w2 = ones({4});
  optim::Adam a({.learning_rate = 0.1});
  a.apply_gradients({full({4}, 1.f)}, {w1});
  optim::Adam b = a;
  const std::vector<Tensor> before = a.variables({w1});
  b.apply_gradients({full({4}, -3.f)}, {w1});
  const std::vector<Tensor> after = a.variables({w1});
  ASSERT_EQ(before.size(), after.size());
  for (size_t k = 0; k < before.size(); ++k) {
    EXPECT_EQ(after[k].to_vector<double>(), before[k].to_vector<double>()) << "variable " << k;
  }
  EXPECT_EQ(a.iterations(), 1);
  EXPECT_EQ(b.iterations(), 2);
  (void)w2;
}

}  // namespace
}  // namespace nabla
