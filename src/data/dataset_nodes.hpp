// The pipeline's building blocks behind Dataset: a Node is one immutable stage (it knows its
// input stage), a Cursor is one pass over it. Dataset's methods each wrap one Node.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "nabla/data/dataset.hpp"

namespace nabla::datasets::detail {

/// One pass over a stage: yields elements until std::nullopt.
struct Cursor {
  virtual ~Cursor() = default;
  [[nodiscard]] virtual std::optional<Element> next() = 0;
};

/// One stage of a pipeline. Shared by all copies of the Datasets built on it, so open() may be
/// called from several threads at once.
struct Node {
  virtual ~Node() = default;
  [[nodiscard]] virtual std::unique_ptr<Cursor> open() const = 0;
  /// Elements per pass, or Dataset::kUnknownCardinality (see Dataset::cardinality()).
  [[nodiscard]] virtual int64_t cardinality() const = 0;
};

/// prefetch(buffer_size) over `input` (prefetch.cpp: the threaded one).
[[nodiscard]] std::shared_ptr<const Node> make_prefetch_node(std::shared_ptr<const Node> input,
                                                             size_t buffer_size);

}  // namespace nabla::datasets::detail
