// Sequential: a stack of layers; with nn::Input first it is built (and summarised) at once.
#include "nabla/nn/sequential.hpp"

#include "nabla/graph/symbolic.hpp"
#include "nn/layer_state.hpp"

namespace nabla::nn {

Sequential::Sequential(std::initializer_list<LayerRef> layers, std::string name)
    : Sequential(std::vector<LayerRef>(layers), std::move(name)) {}

Sequential::Sequential(const std::vector<LayerRef>& layers, std::string name) {
  set_name(name.empty() ? std::string() : std::move(name));
  for (const LayerRef& layer : layers) add(layer);
}

void Sequential::add(const LayerRef& layer) {
  if (layer.input().defined()) {
    NABLA_CHECK(stack_.empty() && !input_.defined(), ValueError, name(),
                ": nn::Input must be the first entry of a Sequential");
    input_ = layer.input();
    return;
  }
  stack_.push_back(layer.get());
  track_layer(layer.get());
  // With a declared input, build as soon as layers arrive (shapes known for summary()).
  if (input_.defined()) {
    Tensor x = input_;
    for (const auto& l : stack_) x = (*l)(x);
  }
}

Tensor Sequential::call(const Tensor& x, bool training) {
  Tensor h = x;
  for (const auto& layer : stack_) h = (*layer)(h, training);
  return h;
}

std::vector<std::string> Sequential::output_names() const {
  if (stack_.empty()) return {};
  return {stack_.back()->name()};
}

std::vector<Model::SummaryRow> Sequential::summary_rows() const {
  std::vector<SummaryRow> rows;
  if (stack_.empty()) return rows;
  // Shapes by a symbolic pass from the declared (or built) input shape; unbuilt: unknown.
  Tensor x;
  if (input_.defined()) {
    x = input_;
  } else if (stack_.front()->built() && !state().input_shapes.empty()) {
    x = graph::input(state().input_shapes.front());
  }
  for (const auto& layer : stack_) {
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
