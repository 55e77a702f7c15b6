// Graph: node queries, the verifier and the text listing.
#include "nabla/graph/graph.hpp"

#include <sstream>

#include "graph/attr_format.hpp"
#include "nabla/graph/symbolic.hpp"
#include "ops/op.hpp"

namespace nabla {

bool GraphNode::is_op(std::string_view op_name) const {
  return kind == Kind::Op && op != nullptr && op->name == op_name;
}

size_t Graph::num_ops(std::string_view op_name) const {
  size_t n = 0;
  for (const GraphNode& node : nodes) {
    if (node.kind == GraphNode::Kind::Op && (op_name.empty() || node.op->name == op_name)) ++n;
  }
  return n;
}

namespace {

std::string describe(const Graph& g, size_t i) {
  const GraphNode& node = g.nodes[i];
  return detail::str_cat("node %", i, " (", node.name, ")");
}

void check_value(const Graph& g, GraphValue v, size_t before, const std::string& who) {
  NABLA_CHECK(v.node >= 0 && static_cast<size_t>(v.node) < before, ValueError,
              "Graph::verify: ", who, " reads %", v.node, ", which is not an earlier node");
  NABLA_CHECK(v.output >= 0 && static_cast<size_t>(v.output) < g.node(v).outputs.size(), ValueError,
              "Graph::verify: ", who, " reads output ", v.output, " of %", v.node, ", which has ",
              g.node(v).outputs.size());
}

/// The op's shape rule applied to symbolic stand-ins of the node's inputs.
std::vector<TensorSpec> infer_again(const Graph& g, const GraphNode& node) {
  auto stand_in = std::make_shared<graph::Node>();
  std::vector<std::pair<Shape, DType>> specs;
  for (GraphValue v : node.inputs) specs.emplace_back(g.spec(v).shape, g.spec(v).dtype);
  const std::vector<Tensor> inputs = graph::make_outputs(stand_in, specs);
  return node.op->infer(*node.op, inputs, *node.attrs);
}

}  // namespace

void Graph::verify() const {
  for (size_t i = 0; i < nodes.size(); ++i) {
    const GraphNode& node = nodes[i];
    const std::string who = describe(*this, i);
    switch (node.kind) {
      case GraphNode::Kind::Input:
        NABLA_CHECK(node.index >= 0 && static_cast<size_t>(node.index) < inputs.size() &&
                        inputs[static_cast<size_t>(node.index)] == static_cast<int32_t>(i),
                    ValueError, "Graph::verify: ", who, " is input ", node.index,
                    " but not listed as such");
        NABLA_CHECK(node.outputs.size() == 1, ValueError, "Graph::verify: ", who,
                    " must have one output");
        break;
      case GraphNode::Kind::Capture:
      case GraphNode::Kind::Constant:
        NABLA_CHECK(node.tensor.defined() && !node.tensor.is_symbolic(), ValueError,
                    "Graph::verify: ", who, " holds no concrete tensor");
        NABLA_CHECK(node.outputs.size() == 1 && node.outputs[0].shape == node.tensor.shape() &&
                        node.outputs[0].dtype == node.tensor.dtype(),
                    ValueError, "Graph::verify: ", who, " records a spec that differs from its ",
                    node.tensor.shape(), " ", node.tensor.dtype(), " tensor");
        break;
      case GraphNode::Kind::Op: {
        NABLA_CHECK(node.op != nullptr && node.attrs != nullptr, ValueError, "Graph::verify: ", who,
                    " has no op");
        for (GraphValue v : node.inputs) check_value(*this, v, i, who);
        std::vector<TensorSpec> inferred;
        try {
          inferred = infer_again(*this, node);
        } catch (const Error& e) {
          NABLA_CHECK(false, ValueError, "Graph::verify: ", who,
                      " fails its op's shape rule: ", e.what());
        }
        NABLA_CHECK(inferred.size() == node.outputs.size(), ValueError, "Graph::verify: ", who,
                    " records ", node.outputs.size(), " outputs, its op makes ", inferred.size());
        for (size_t k = 0; k < inferred.size(); ++k) {
          NABLA_CHECK(inferred[k].shape == node.outputs[k].shape &&
                          inferred[k].dtype == node.outputs[k].dtype,
                      ValueError, "Graph::verify: ", who, " output ", k, " is recorded as ",
                      node.outputs[k].shape, " ", node.outputs[k].dtype, ", its op makes ",
                      inferred[k].shape, " ", inferred[k].dtype);
        }
        break;
      }
    }
  }
  for (size_t k = 0; k < inputs.size(); ++k) {
    const int32_t n = inputs[k];
    NABLA_CHECK(n >= 0 && static_cast<size_t>(n) < nodes.size() &&
                    nodes[static_cast<size_t>(n)].kind == GraphNode::Kind::Input &&
                    nodes[static_cast<size_t>(n)].index == static_cast<int64_t>(k),
                ValueError, "Graph::verify: input ", k, " is not an Input node of that index");
  }
  for (size_t k = 0; k < outputs.size(); ++k) {
    check_value(*this, outputs[k], nodes.size(), detail::str_cat("output ", k));
  }
}

std::string Graph::str() const {
  std::ostringstream out;
  auto value = [](GraphValue v) {
    return v.output == 0 ? detail::str_cat("%", v.node)
                         : detail::str_cat("%", v.node, ".", v.output);
  };
  for (size_t i = 0; i < nodes.size(); ++i) {
    const GraphNode& node = nodes[i];
    out << "%" << i << " = ";
    switch (node.kind) {
      case GraphNode::Kind::Input:
        out << "input " << node.index << " (" << node.name << ")";
        break;
      case GraphNode::Kind::Capture:
        out << "capture (" << node.name << ")";
        break;
      case GraphNode::Kind::Constant:
        out << "constant";
        break;
      case GraphNode::Kind::Op: {
        out << node.name << "(";
        for (size_t k = 0; k < node.inputs.size(); ++k) {
          out << (k == 0 ? "" : ", ") << value(node.inputs[k]);
        }
        const std::string attrs = graph::format_attrs(*node.attrs, /*short_only=*/false);
        out << ")" << (attrs.empty() ? "" : " {" + attrs + "}");
        break;
      }
    }
    out << " :";
    for (const ValueSpec& s : node.outputs) out << " " << s.shape << " " << s.dtype;
    out << "\n";
  }
  out << "return";
  for (size_t k = 0; k < outputs.size(); ++k) out << (k == 0 ? " " : ", ") << value(outputs[k]);
  out << "\n";
  return out.str();
}

}  // namespace nabla
