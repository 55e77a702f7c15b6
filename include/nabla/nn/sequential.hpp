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
  /// The stacked layers, in order.
  [[nodiscard]] const std::vector<std::shared_ptr<Layer>>& stack() const { return stack_; }

  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "Sequential"; }
  /// The last layer's name (Keras); empty while the stack is.
  [[nodiscard]] std::vector<std::string> output_names() const override;

 protected:
  [[nodiscard]] std::vector<SummaryRow> summary_rows() const override;

 private:
  std::vector<std::shared_ptr<Layer>> stack_;
  Tensor input_;  // the symbolic input declared by nn::Input, if any
};

}  // namespace nabla::nn
