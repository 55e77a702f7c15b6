// Rendering Graphviz source to an SVG file with `dot` (Graph::save_svg, Model::plot_model).
#pragma once

#include <string>
#include <string_view>

namespace nabla::graph {

/// Writes `dot_source` rendered by `dot -Tsvg` to `path`, through a temporary file renamed at the
/// end, so a failure leaves an existing file intact. IOError naming `who` when Graphviz is not
/// installed or rendering fails.
void render_svg(const std::string& dot_source, const std::string& path, std::string_view who);

/// `text` with '"' and '\' escaped for a quoted DOT string.
[[nodiscard]] std::string dot_escape(std::string_view text);

}  // namespace nabla::graph
