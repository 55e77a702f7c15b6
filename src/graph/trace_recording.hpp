// The op nodes recorded by the active trace on this thread (shared by the dispatch hook in
// symbolic.cpp and the tracer in trace.cpp).
#pragma once

#include <memory>
#include <vector>

#include "nabla/graph/symbolic.hpp"

namespace nabla::graph {

/// Null unless a trace is running on this thread; the hook appends every node it records.
[[nodiscard]] std::vector<std::shared_ptr<Node>>*& active_trace_nodes();

}  // namespace nabla::graph
