// Sequential: a stack of layers; with nn::Input first it is built (and summarised) at once.
#include "nabla/nn/sequential.hpp"

#include "nabla/graph/symbolic.hpp"
#include "nn/layer_state.hpp"

namespace nabla::nn {

Sequential::Sequential(std::initializer_list<LayerRef> layers, std::string name)
    : Sequential(std::vector<LayerRef>(layers), std::move(name)) {}

Sequential::Sequential(const std::vector<LayerRef>& layers, std::string name) {
  stack_ = std::make_shared<Stack>();
  set_name(name.empty() ? std::string() : std::move(name));
  for (const LayerRef& layer : layers) add(layer);
}

void Sequential::add(const LayerRef& layer) {
  Stack& s = *stack_;
  if (layer.input().defined()) {
    NABLA_CHECK(s.layers.empty() && !s.input.defined(), ValueError, name(),
                ": nn::Input must be the first entry of a Sequential");
    s.input = layer.input();
    return;
  }
  s.layers.push_back(layer.get());
  track_layer(layer.get());
  // With a declared input, build as soon as layers arrive (shapes known for summary()).
  if (s.input.defined()) {
    Tensor x = s.input;
    for (const auto& l : s.layers) x = (*l)(x);
  }
}

std::vector<Model::SummaryRow> Model::sequential_summary_rows() const {
  std::vector<SummaryRow> rows;
  const Stack& s = *stack_;
  if (s.layers.empty()) return rows;
  // Shapes by a symbolic pass from the declared (or built) input shape; unbuilt: unknown.
  Tensor x;
  if (s.input.defined()) {
    x = s.input;
  } else if (s.layers.front()->built() && !s.layers.front()->built_input_shapes().empty()) {
    x = graph::input(s.layers.front()->built_input_shapes().front());
  }
  for (const auto& layer : s.layers) {
    SummaryRow row{layer, layer->name(), layer->class_name(), Shape{}, "", 0};
    if (x.defined()) {
      x = (*layer)(x);
      row.output_shape = x.shape();
    }
    row.params = layer->count_params();
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace nabla::nn
