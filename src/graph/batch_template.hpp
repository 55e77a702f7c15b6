// BatchTemplate: a traced Graph whose batch-dependent numbers (shapes, attributes) are written
// as expressions of the batch size B, made by comparing two traces of one body at two batch
// sizes; specializing it at any batch size gives the graph a trace at that size would record,
// without running the body again (FunctionOptions::unknown_batch, Note [Unknown batch dimension]
// in batch_template.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nabla/graph/graph.hpp"

namespace nabla::graph {

/// A value as a function of the batch size B.
struct BatchExpr {
  enum class Kind : uint8_t {
    Multiple,      // k * B: an integer
    CeilDivision,  // ceil(k * B / d): the counter count of a random op (Philox words in fours)
    Scaled,        // c * B: a double (a mean's divisor: c = 10 for a [B, 10] mean)
    Reciprocal,    // c / (k * B): a double, c an integer (a 1/n factor)
  };
  Kind kind = Kind::Multiple;
  int64_t k = 1;
  int64_t d = 1;
  double c = 0.0;

  /// The integer value at batch `batch`; ValueError when it overflows int64.
  [[nodiscard]] int64_t integer_at(int64_t batch) const;
  /// The floating value at batch `batch`.
  [[nodiscard]] double floating_at(int64_t batch) const;
};

/// Where a BatchExpr goes in the graph: a dimension of a node's output spec, or an attribute of
/// an op node (one element of it for an int vector or a Shape).
struct BatchSite {
  enum class Where : uint8_t { OutputDim, Attr };
  Where where = Where::OutputDim;
  int32_t node = 0;
  int32_t slot = 0;     // OutputDim: the output; Attr: the index in Attrs::entries()
  int32_t element = 0;  // OutputDim: the dimension; Attr: the vector element (0 for a scalar)
  BatchExpr expr;
};

class BatchTemplate {
 public:
  /// The result of generalize: a template, or why the two traces do not generalize.
  struct Generalized;

  /// Compares `at_batch` (the raw trace at batch `batch`) with `at_probe` (the raw trace of the
  /// same body at batch `probe`, another size): every number that differs must be k*B, c/B
  /// (doubles) or, for a random op's counter count, ceil(k*B/d).
  [[nodiscard]] static Generalized generalize(const Graph& at_batch, int64_t batch,
                                              const Graph& at_probe, int64_t probe);

  /// The graph at `batch`: the trace at the first batch size with every site substituted. Not
  /// verified (a wrong template shows as a shape rule failing in Graph::verify()).
  [[nodiscard]] Graph specialize(int64_t batch) const;

  /// The batch-dependent places.
  [[nodiscard]] const std::vector<BatchSite>& sites() const { return sites_; }

 private:
  BatchTemplate(Graph base, std::vector<BatchSite> sites)
      : base_(std::move(base)), sites_(std::move(sites)) {}

  Graph base_;
  std::vector<BatchSite> sites_;
};

struct BatchTemplate::Generalized {
  std::optional<BatchTemplate> batch_template;
  std::string failure;  // why not, naming the node and the values (empty on success)
};

}  // namespace nabla::graph
