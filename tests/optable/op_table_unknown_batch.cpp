// Every row of the op table traced with FunctionOptions::unknown_batch at its own shapes and then
// called at other batch sizes (dimension 0 of every input of rank >= 1 changed): whether the
// template serves the new size or the function traces it, the result must equal eager execution
// at the new shapes (Note [Unknown batch dimension]). Prints how many rows one trace serves.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <optional>
#include <random>

#include "optable/op_table.hpp"

namespace optable {
namespace {

using nabla::Tensor;

/// The row's inputs with dimension 0 of every input of rank >= 1 set to `batch`.
std::vector<Tensor> inputs_at(const OpCase& c, int64_t batch) {
  std::mt19937_64 rng(std::hash<std::string>{}(c.name) + static_cast<uint64_t>(batch));
  std::vector<Tensor> inputs;
  for (const InputSpec& spec : c.inputs) {
    nabla::Shape shape = spec.shape;
    if (shape.rank() > 0) shape[0] = batch;
    inputs.push_back(random_tensor(spec, shape, rng));
  }
  return inputs;
}

/// Dimension 0 shared by every input of rank >= 1 (at least 2, so that a smaller batch exists).
std::optional<int64_t> shared_batch(const OpCase& c) {
  std::optional<int64_t> batch;
  for (const InputSpec& spec : c.inputs) {
    if (spec.shape.rank() == 0) continue;
    if (batch.has_value() && *batch != spec.shape[0]) return std::nullopt;
    batch = spec.shape[0];
  }
  return batch.has_value() && *batch >= 2 ? batch : std::nullopt;
}

/// Within the row's tolerance, as the forward suite compares with the reference.
void expect_close_values(const Tensor& got, const Tensor& want, double tolerance,
                         const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  const std::vector<double> g = got.to_vector<double>(), w = want.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(w[i])) {
      EXPECT_TRUE(std::isnan(g[i])) << what << " element " << i;
    } else if (std::isinf(w[i])) {
      EXPECT_EQ(g[i], w[i]) << what << " element " << i;
    } else {
      EXPECT_LE(std::abs(g[i] - w[i]), tolerance * (1 + std::abs(w[i])))
          << what << " element " << i << ": got " << g[i] << ", want " << w[i];
    }
  }
}

// The rows that one trace served at every other batch size where the row is valid (its eager
// run does not throw) when this test was written; a change that makes fewer rows generalize
// fails here (more is fine: raise the figure).
constexpr size_t kServedRows = 202;

TEST(OpTableUnknownBatch, OtherBatchSizesEqualEager) {
  size_t candidates = 0, served = 0, traced = 0;
  std::vector<std::string> not_served;
  for (const OpCase& c : registry()) {
    const std::optional<int64_t> batch = shared_batch(c);
    if (!batch.has_value()) continue;
    ++candidates;
    SCOPED_TRACE(c.name);
    const auto body = [&](const std::vector<Tensor>& args) { return c.run(args); };
    auto f = nabla::function(body, {.name = c.name, .unknown_batch = true});
    (void)f(inputs_at(c, *batch));
    EXPECT_EQ(f.num_traces(), 2u);  // the batch and the probe
    bool any_valid = false;
    for (int64_t other : {*batch - 1, *batch + 2}) {
      const std::vector<Tensor> inputs = inputs_at(c, other);
      Tensor want;
      try {
        nabla::random::seed(kRandomSeed);
        want = c.run(inputs);
      } catch (const nabla::Error&) {
        continue;  // the row's op is not defined at this batch size (a square matrix, indices)
      }
      any_valid = true;
      const std::string what = c.name + " at batch " + std::to_string(other);
      nabla::random::seed(kRandomSeed);
      const Tensor got = f(inputs);
      // A template must make the graph a trace at this batch size makes: the same bits.
      auto traced_here = nabla::function(body, {.name = c.name});
      nabla::random::seed(kRandomSeed);
      expect_same_values(got, traced_here(inputs), what + " (against a trace at that size)");
      // And the eager result, as the forward suite allows (a few float32 linalg rows differ from
      // eager in the last bits in any graph run without autograd).
      expect_close_values(got, want, c.tolerance, what + " (against eager)");
    }
    if (!any_valid) continue;
    if (f.num_traces() == 2) {
      ++served;
    } else {
      ++traced;
      not_served.push_back(c.name);
    }
  }
  std::cout << "[ unknown batch ] " << registry().size() << " rows, " << candidates
            << " with a shared dimension 0; at other batch sizes one trace served " << served
            << ", " << traced << " were traced again\n";
  std::cout << "[ traced again  ]";
  for (const std::string& name : not_served) std::cout << " " << name;
  std::cout << "\n";
  EXPECT_GE(served, kServedRows);
}

}  // namespace
}  // namespace optable
