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

}  // namespace nabla::testing
