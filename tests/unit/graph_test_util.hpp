// Shared by the graph pass tests: tracing a body into a verified Graph, and checking that a
// rewritten graph computes exactly what the traced one computes.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "nabla/nabla.hpp"

namespace nabla::testing {

using Body = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

/// The raw (unoptimised) trace of `body` on arguments of `specs`, verified.
inline Graph trace(const Body& body, const std::vector<ValueSpec>& specs) {
  Graph g = graph::trace(body, specs, "test");
  g.verify();
  return g;
}

/// Verifies `after`, runs both graphs on `args` (re-seeding before each, so random ops draw
/// alike) and expects identical results.
inline void expect_same_results(const Graph& before, const Graph& after,
                                const std::vector<Tensor>& args) {
  after.verify();
  random::seed(1234);
  const std::vector<Tensor> expected = before.run(args);
  random::seed(1234);
  const std::vector<Tensor> got = after.run(args);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].shape(), expected[k].shape()) << "output " << k;
    EXPECT_EQ(got[k].dtype(), expected[k].dtype()) << "output " << k;
    EXPECT_EQ(got[k].to_vector<double>(), expected[k].to_vector<double>()) << "output " << k;
  }
}

/// One SGD step of `model` on (x, labels): forward in training mode, sparse cross-entropy from
/// logits, autograd::grad inside the trace, the weights updated in place (the graph's effects).
inline Body sgd_step(nn::Sequential& model) {
  return [&model](const std::vector<Tensor>& batch) {
    const std::vector<Tensor> weights = model.trainable_weights();
    Tensor loss;
    std::vector<Tensor> grads;
    {
      GradModeGuard grad(true);
      loss =
          mean(nn::losses::sparse_categorical_crossentropy(batch[1], model(batch[0], true), true));
      grads = autograd::grad({loss}, weights);
    }
    for (size_t k = 0; k < weights.size(); ++k) Tensor(weights[k]).sub_(grads[k] * 0.05);
    return std::vector<Tensor>{loss, grads[0]};
  };
}

}  // namespace nabla::testing
