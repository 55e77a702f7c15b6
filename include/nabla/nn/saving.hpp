// Loading whole models from files Keras (or nabla) wrote: Keras's keras.saving.load_model.
// Saving is Model::save / save_weights / load_weights (model.hpp). What is supported, version by
// version, is listed in docs/saving.md.
#pragma once

#include <filesystem>

#include "nabla/nn/model.hpp"

namespace nabla::nn {

/// The model in a ".keras" archive (Keras 3) or a legacy ".h5" file (tf.keras 2.x, standalone
/// Keras 2, Keras 3's save_format="h5"), with its weights. A Sequential file gives a Model that
/// behaves as the Sequential (it is one: model.is_sequential()).
///   - Layer classes nabla lacks: one ValueError listing them all (register custom classes with
///     nn::register_layer);
///   - a weights-only file, or a subclassed model's: ValueError saying to build the model in
///     C++ and call load_weights;
///   - a missing, truncated or corrupt file: IOError naming the path and what is wrong.
[[nodiscard]] Model load_model(const std::filesystem::path& path);

}  // namespace nabla::nn
