// Graph::to_dot and Graph::save_svg: the graph as Graphviz source, and rendered by `dot`.
#include <sstream>

#include "graph/attr_format.hpp"
#include "graph/render_svg.hpp"
#include "nabla/graph/graph.hpp"
#include "ops/op.hpp"

namespace nabla {
namespace {

using graph::dot_escape;

std::string spec_text(const ValueSpec& s) { return detail::str_cat(s.shape, " ", s.dtype); }

}  // namespace

std::string Graph::to_dot(std::string_view title) const {
  std::ostringstream out;
  out << "digraph \"" << dot_escape(title) << "\" {\n"
      << "  rankdir=TB;\n"
      << "  node [fontname=\"Helvetica\", fontsize=10];\n"
      << "  edge [fontname=\"Helvetica\", fontsize=8, color=\"#555555\"];\n";
  for (size_t i = 0; i < nodes.size(); ++i) {
    const GraphNode& node = nodes[i];
    out << "  n" << i << " [";
    switch (node.kind) {
      case GraphNode::Kind::Input:
        out << "shape=ellipse, style=filled, fillcolor=\"#cfe2ff\", label=\""
            << dot_escape(node.name) << "\\n"
            << spec_text(node.outputs[0]) << "\"";
        break;
      case GraphNode::Kind::Capture:
        out << "shape=box, style=filled, fillcolor=\"#ffe5b4\", label=\"" << dot_escape(node.name)
            << "\\n"
            << spec_text(node.outputs[0]) << "\"";
        break;
      case GraphNode::Kind::Constant:
        out << "shape=box, style=\"filled,dashed\", fillcolor=\"#eeeeee\", label=\"constant\\n"
            << spec_text(node.outputs[0]) << "\"";
        break;
      case GraphNode::Kind::Op: {
        const std::string attrs = graph::format_attrs(*node.attrs, /*short_only=*/true);
        out << "shape=box, style=\"rounded,filled\", fillcolor=\"#d9f2d9\", label=\""
            << dot_escape(node.name) << (attrs.empty() ? "" : "\\n" + dot_escape(attrs)) << "\"";
        break;
      }
    }
    out << "];\n";
    for (GraphValue v : node.inputs) {
      out << "  n" << v.node << " -> n" << i << " [label=\"" << spec_text(spec(v)) << "\"];\n";
    }
  }
  for (size_t k = 0; k < outputs.size(); ++k) {
    out << "  out" << k << " [shape=ellipse, style=filled, fillcolor=\"#f8d7da\", label=\"output "
        << k << "\"];\n";
    out << "  n" << outputs[k].node << " -> out" << k << " [label=\"" << spec_text(spec(outputs[k]))
        << "\"];\n";
  }
  out << "}\n";
  return out.str();
}

void Graph::save_svg(const std::string& path, std::string_view title) const {
  graph::render_svg(to_dot(title), path, "Graph::save_svg");
}

}  // namespace nabla
