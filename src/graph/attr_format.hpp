// Printing an op's attributes for Graph::str() and Graph::to_dot().
#pragma once

#include <string>

#include "backend/attrs.hpp"

namespace nabla::graph {

/// "axes=[1], keepdims=true". With `short_only`, long values (and the random ops' seed and
/// counters, which change every run) are left out so that DOT labels stay readable.
[[nodiscard]] std::string format_attrs(const Attrs& attrs, bool short_only);

}  // namespace nabla::graph
