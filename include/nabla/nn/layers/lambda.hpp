// Lambda (keras.layers.Lambda): wraps a function of one tensor as a layer without weights.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "nabla/nn/layer.hpp"

namespace nabla::nn {

/// fn(x). The output shape needs no output_shape argument: fn's ops infer it on symbolic
/// inputs. fn must be built from nabla ops (so it can be traced and differentiated) and must
/// not create weights.
class Lambda : public ClonableLayer<Lambda> {
 public:
  using Function = std::function<Tensor(const Tensor&)>;
  explicit Lambda(Function fn);
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "Lambda"; }
  /// Keras's keys ("function", "arguments"), but a C++ callable has no serialized form (Keras
  /// stores Python bytecode): "function" is null and from_config throws.
  [[nodiscard]] nlohmann::json get_config() const override;
  /// Always a ValueError: the function cannot be rebuilt from a config.
  [[nodiscard]] static Lambda from_config(const nlohmann::json& config);

 private:
  Function fn_;
};

}  // namespace nabla::nn
