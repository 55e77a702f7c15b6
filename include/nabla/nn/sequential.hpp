// Sequential (keras.Sequential): a plain stack of layers, each taking the previous one's output.
//   auto model = nn::Sequential({nn::Input({784}), nn::Dense(512, {.activation = "relu"}),
//                                nn::Dense(10, {.activation = "softmax"})});
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "nabla/nn/model.hpp"

namespace nabla::nn {

class Sequential : public ClonableLayer<Sequential, Model> {
 public:
  Sequential(std::initializer_list<LayerRef> layers = {}, std::string name = "");
  explicit Sequential(const std::vector<LayerRef>& layers, std::string name = "");
  /// Appends a layer (or declares the input with nn::Input(shape) as the first entry).
  void add(const LayerRef& layer);
  /// The symbolic input nn::Input declared (undefined when none was).
  [[nodiscard]] const Tensor& input() const { return stack_->input; }
  /// The stacked layers, in order.
  [[nodiscard]] const std::vector<std::shared_ptr<Layer>>& stack() const { return stack_->layers; }
  // call(), class_name() ("Sequential"), output_names() (the last layer's) and summary() are
  // Model's, which runs the stack when there is one.
};

}  // namespace nabla::nn
