// The state shared by all copies of one layer (nn::Layer is a handle to it).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nabla/nn/layer.hpp"

namespace nabla::nn {

struct LayerState {
  struct Weight {
    std::string name;
    Tensor value;
    bool trainable = true;
    std::shared_ptr<regularizers::Regularizer> regularizer;
  };
  std::string name;
  std::string class_name;  // recorded when built (a proxy cannot ask its dynamic type)
  bool trainable = true;
  bool built = false;
  DType dtype = float32;          // the weights' dtype (Keras's layer dtype)
  Device device = Device::cpu();  // where the weights live (Layer::to), built later ones too
  std::vector<Weight> weights;
  std::vector<std::shared_ptr<Layer>> sublayers;
  std::vector<Shape> input_shapes;  // at build time (batch dimension included)
  // A copy built after the first one re-runs build(): add_weight and track then hand back the
  // existing weights and sub-layers in order instead of creating new ones.
  bool binding = false;
  size_t weight_cursor = 0;
  size_t layer_cursor = 0;
  std::vector<Layer*> objects;  // the live copies (for functional nodes of non-clonable layers)
};

/// "Dense" -> "dense", "MyBlock" -> "my_block".
[[nodiscard]] std::string snake_case(const std::string& name);

}  // namespace nabla::nn
