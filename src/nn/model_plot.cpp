// Model::to_dot and Model::plot_model: the layer graph of a Functional model for Graphviz.
#include <sstream>
#include <unordered_map>

#include "graph/render_svg.hpp"
#include "nabla/nn/model.hpp"

namespace nabla::nn {
namespace {

std::string keras_shape(const Shape& s) {
  std::string out = "(None";
  for (int64_t d = 1; d < s.rank(); ++d) out += ", " + std::to_string(s[d]);
  return out + (s.rank() == 1 ? ",)" : ")");
}

}  // namespace

std::string Model::to_dot() const {
  NABLA_CHECK(graph_ != nullptr, ValueError, name(),
              ": plot_model needs a Functional model or a Sequential one that has been built; a "
              "subclassed model has no layer graph (trace its call with nabla::function and "
              "save that Graph)");
  std::ostringstream out;
  out << "digraph \"" << graph::dot_escape(name()) << "\" {\n"
      << "  rankdir=TB;\n"
      << "  node [shape=record, fontname=\"Helvetica\", fontsize=10, style=filled, "
         "fillcolor=\"#f5f5f5\"];\n";
  std::unordered_map<const graph::Node*, size_t> ids;
  for (const auto& node : graph_->order()) {
    const size_t id = ids.size();
    ids[node.get()] = id;
    std::string type;
    switch (node->kind) {
      case graph::Node::Kind::Input:
        type = "InputLayer";
        break;
      case graph::Node::Kind::Call:
        type = std::static_pointer_cast<Layer>(node->owner)->class_name();
        break;
      case graph::Node::Kind::Op:
        type = "op";
        break;
    }
    std::string shapes;
    for (const auto& spec : node->output_specs) {
      shapes += (shapes.empty() ? "" : ", ") + keras_shape(spec.first);
    }
    out << "  l" << id << " [label=\"{" << graph::dot_escape(node->name) << " | "
        << graph::dot_escape(type) << " | " << graph::dot_escape(shapes) << "}\"];\n";
    for (const Tensor& in : node->inputs) {
      const auto& p = graph::producer(in);
      if (p != nullptr && ids.contains(p.get()))
        out << "  l" << ids[p.get()] << " -> l" << id << ";\n";
    }
  }
  out << "}\n";
  return out.str();
}

void Model::plot_model(const std::string& path) const {
  graph::render_svg(to_dot(), path, name() + ".plot_model");
}

}  // namespace nabla::nn
