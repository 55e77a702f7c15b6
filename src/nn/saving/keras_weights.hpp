// Model weights in HDF5, in Keras's two layouts.
//
// Keras 3 (model.weights.h5 inside .keras files, and .weights.h5 files): every layer has a group
// whose `vars` subgroup holds its own variables as datasets "0", "1", ... (those created
// trainable first). The layers of a Sequential or Functional model sit at layers/<key>, where the
// key is the snake_case class name, numbered in layer order ("dense", "dense_1"; Keras avoids
// layer names, which vary between runs). Sub-layers of other layers sit below their parent under
// the attribute name Keras gives them: "cell" (recurrent layers), "forward_layer" and
// "backward_layer" (Bidirectional), "layer" (wrappers). Other sub-layers (of custom layers and
// subclassed models) get class-based keys in tracking order, like a container's: Keras uses the
// Python attribute name there, which C++ cannot know, so such files round-trip between
// instances of one C++ class but do not load into a Keras subclass.
//
// Legacy (.h5 files of tf.keras 2.x and Keras 3's save_format="h5"): a group per layer with a
// `weight_names` attribute listing its weights' dataset paths in layer.weights order; the
// parent's `layer_names` attribute lists the layers.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "io/hdf5.hpp"
#include "nabla/nn/model.hpp"

namespace nabla::nn::saving {

/// Writes `model`'s weights under `root`. `serialized` is the model's serialize_model() result:
/// its layer lists fix the order (and so the keys) of the layers.
void save_weights_keras3(const Model& model, const nlohmann::json& serialized,
                         io::h5::GroupWriter root);
/// Loads every variable. All values are read and checked before any weight changes: a count or
/// shape that differs is a ValueError naming the layer (and both shapes); a missing variable is
/// an IOError.
void load_weights_keras3(const Model& model, const nlohmann::json& serialized,
                         const io::h5::Group& root, std::string_view who);

/// The legacy layout: `group` is the file's root (weights files) or its model_weights group.
void save_weights_legacy(const Model& model, io::h5::GroupWriter group);
/// Layers are matched by name when every layer in the file has a namesake in the model (files
/// of models rebuilt from the same file), otherwise by position among the layers with weights,
/// as Keras does.
void load_weights_legacy(const Model& model, const io::h5::Group& group, std::string_view who);

/// Keras's to_snake_case ("Conv2D" -> "conv2d", "ReLU" -> "re_lu", "GlobalAveragePooling2D" ->
/// "global_average_pooling2d").
[[nodiscard]] std::string keras_snake_case(std::string_view class_name);

}  // namespace nabla::nn::saving
