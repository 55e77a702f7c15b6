// Layer (keras.Layer): configuration and weights; the math is ops. A layer object is a cheap
// handle: copies share one state (weights, sub-layers, name), so the same layer value can go into
// a Sequential, be called in a functional graph and be a member of a subclassed model.
//
//   struct Scale : nn::Layer {
//     Tensor w;
//     void build(const Shape& input_shape) override { w = add_weight("w", {input_shape[-1]}); }
//     Tensor call(const Tensor& x, bool) override { return x * w; }
//   };
//
// Calling a layer builds it on first use from the input's shape (including the batch dimension).
// Called on symbolic tensors (nn::Input), it records a node of a functional graph instead.
#pragma once

#include <concepts>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nabla/nn/initializers.hpp"
#include "nabla/nn/regularizers.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla::nn {

class Layer;
struct LayerState;

/// A layer held by a container (Sequential, a parent layer): any Layer subclass by value, kept
/// with its dynamic type; it shares its state with the value it was made from.
class LayerRef {
 public:
  template <class T>
  requires std::derived_from<T, Layer> LayerRef(T layer)  // NOLINT: implicit by design
      : ptr_(std::make_shared<T>(std::move(layer))) {}
  /// nn::Input(...) inside Sequential({...}): declares the input shape.
  LayerRef(const Tensor& input);  // NOLINT: implicit by design
  explicit LayerRef(std::shared_ptr<Layer> layer) : ptr_(std::move(layer)) {}
  [[nodiscard]] const std::shared_ptr<Layer>& get() const { return ptr_; }
  [[nodiscard]] const Tensor& input() const { return input_; }

 private:
  std::shared_ptr<Layer> ptr_;
  Tensor input_;
};

class Layer {
 public:
  /// `base_name` is the snake_case prefix of automatic names ("dense" -> dense, dense_1, ...);
  /// empty: derived from the class name.
  explicit Layer(std::string base_name = "");
  virtual ~Layer();
  Layer(const Layer& other);
  Layer& operator=(const Layer& other);

  /// Keras's __call__: build on first use, then call(); on symbolic inputs, record a node.
  Tensor operator()(const Tensor& x, bool training = false);
  /// Several inputs (merge layers, multi-input models).
  std::vector<Tensor> operator()(const std::vector<Tensor>& xs, bool training = false);

  /// Creates the weights for inputs of `input_shape` (batch dimension first).
  virtual void build(const Shape& input_shape);
  /// Builds the layer for inputs of these shapes without calling it: what a parent layer does
  /// for a sub-layer it drives itself (an RNN its cell). Nothing happens once built.
  void build_for(const std::vector<Shape>& input_shapes) { ensure_built(input_shapes); }
  /// The forward computation on concrete (or symbolic) tensors.
  [[nodiscard]] virtual Tensor call(const Tensor& x, bool training);
  /// Multi-input layers (merge layers, multi-input models) override these two instead; the
  /// defaults forward a single input to build() / call().
  virtual void build_multiple(const std::vector<Shape>& input_shapes);
  [[nodiscard]] virtual std::vector<Tensor> call_multiple(const std::vector<Tensor>& xs,
                                                          bool training);
  /// True for layers taking several inputs (they are called through call_multiple).
  [[nodiscard]] virtual bool multiple_inputs() const { return false; }

  /// Masking (Keras's supports_masking / compute_mask). A layer that supports masking passes its
  /// first input's mask on to its outputs unchanged; Embedding(mask_zero) and Masking create one;
  /// RNN layers consume it. Masks ride on tensors (Tensor::keras_mask()), so a layer's call()
  /// reads its inputs' masks from them. After every concrete call (eager, or a functional
  /// graph's node) each output without a mask gets the one compute_mask() gives it (Note [Mask
  /// propagation] in src/nn/layer.cpp).
  [[nodiscard]] virtual bool supports_masking() const { return false; }
  /// The mask of each output (undefined: none), from the call's inputs, their masks (undefined
  /// where an input has none) and outputs. Default: with supports_masking(), input 0's mask for
  /// every output; otherwise none.
  [[nodiscard]] virtual std::vector<Tensor> compute_mask(const std::vector<Tensor>& inputs,
                                                         const std::vector<Tensor>& input_masks,
                                                         const std::vector<Tensor>& outputs) const;

  /// Adds a weight (created once: later builds of copies of this layer get the same tensor).
  Tensor add_weight(const std::string& name, const Shape& shape,
                    const initializers::InitializerRef& initializer = "glorot_uniform",
                    bool trainable = true, const regularizers::RegularizerRef& regularizer = {});
  /// Tracks a sub-layer (its weights become this layer's) and returns it: in a subclass,
  /// `nn::Dense d1 = track(nn::Dense(64));`.
  template <class T>
  requires std::derived_from<T, Layer> T track(T layer) {
    track_layer(std::make_shared<T>(layer));
    return layer;
  }

  /// Moves every weight (and its gradient) to `device`, in place: the weight tensors keep their
  /// identity, so layers, models and optimizers holding them follow (PyTorch's module.to). Weights
  /// built later are created there too. Move a model before its first fit(): optimizer state
  /// that already exists stays where it is, and its update then raises a DeviceError.
  void to(Device device);
  /// Where the weights live (Device::cpu() until to() moves them).
  [[nodiscard]] Device device() const;

  [[nodiscard]] std::vector<Tensor> weights() const;  // trainable first, like Keras
  [[nodiscard]] std::vector<Tensor> trainable_weights() const;
  [[nodiscard]] std::vector<Tensor> non_trainable_weights() const;
  /// This layer's own weights, not its sub-layers': those created trainable first, each group in
  /// creation order. These are the variables Keras saves under a layer's `vars` group.
  [[nodiscard]] std::vector<Tensor> own_weights() const;
  /// The names own_weights() were created with ("kernel", "moving_mean"), in the same order.
  [[nodiscard]] std::vector<std::string> own_weight_names() const;
  /// Names of weights() ("dense/kernel", ...).
  [[nodiscard]] std::vector<std::string> weight_names() const;
  /// Copies of the weights' values; set_weights checks count and shapes and copies in place.
  [[nodiscard]] std::vector<Tensor> get_weights() const;
  void set_weights(const std::vector<Tensor>& values);
  [[nodiscard]] int64_t count_params() const;
  /// Penalties of the weights' regularizers (added to the training loss).
  [[nodiscard]] std::vector<Tensor> losses() const;

  [[nodiscard]] bool trainable() const;
  void set_trainable(bool trainable);
  [[nodiscard]] bool built() const;
  /// The input shapes the layer was built for, batch dimension included (Keras's build_config);
  /// empty until built.
  [[nodiscard]] const std::vector<Shape>& built_input_shapes() const;
  /// The dtype of the weights build() creates (Keras's `dtype`, float32 by default). Set before
  /// the layer is built; it applies to the sub-layers tracked so far too. float64 layers are
  /// what the gradient checks use.
  [[nodiscard]] DType dtype() const;
  void set_dtype(DType dtype);
  [[nodiscard]] const std::string& name() const;
  void set_name(std::string name);
  /// Keras's class name ("Dense"); defaults to the demangled C++ class name.
  [[nodiscard]] virtual std::string class_name() const;
  /// Keras's config: {"name", "trainable", "dtype"} plus each layer's own keys.
  [[nodiscard]] virtual nlohmann::json get_config() const;
  /// True when both are copies of one layer (they share weights and name).
  [[nodiscard]] bool is_same_layer(const Layer& other) const { return state_ == other.state_; }
  /// The direct sub-layers, in tracking order.
  [[nodiscard]] std::vector<std::shared_ptr<Layer>> layers() const;
  /// The output shape for inputs of `input_shape`, inferred symbolically (nothing computed).
  [[nodiscard]] Shape compute_output_shape(const Shape& input_shape);
  /// A copy of this layer with its dynamic type, sharing its state (needed to keep a layer
  /// called on symbolic tensors alive in a functional graph). Built-in layers have one; a
  /// custom layer without it must outlive the functional models that use it.
  [[nodiscard]] virtual std::shared_ptr<Layer> clone() const { return nullptr; }

 protected:
  void track_layer(std::shared_ptr<Layer> layer);
  [[nodiscard]] LayerState& state() const { return *state_; }

 private:
  struct ProxyTag {
    explicit ProxyTag() = default;
  };

 public:
  /// A base-class view of `other`'s state that is not one of its callable copies: what a
  /// functional graph keeps for a custom layer without clone() (its weights, not its call).
  /// Only the layer itself can name ProxyTag.
  Layer(const Layer& other, ProxyTag);

 private:
  void ensure_built(const std::vector<Shape>& input_shapes);
  std::vector<Tensor> record_symbolic_call(const std::vector<Tensor>& xs);
  std::shared_ptr<LayerState> state_;
  bool bound_ = false;  // this object's members point at the state's weights
  bool proxy_ = false;
};

/// Built-in layers derive from this to get clone() (their temporaries can be used in a
/// functional graph).
template <class Derived, class Base = Layer>
class ClonableLayer : public Base {
 public:
  using Base::Base;
  [[nodiscard]] std::shared_ptr<Layer> clone() const override {
    return std::make_shared<Derived>(static_cast<const Derived&>(*this));
  }
};

/// Keras's Input(shape): a symbolic tensor of shape [None, ...shape] for the Functional API.
/// -1 declares an unknown dimension (Keras's None, e.g. a sequence length: Input({-1, 16})):
/// layers are built as if it were 1 (no weight depends on it), any extent is accepted when the
/// model is called, and saved configs write None.
[[nodiscard]] Tensor Input(const Shape& shape, DType dtype = float32, std::string name = "");

/// Input's keyword arguments: `nn::Input({40}, {.dtype = int64})` (token ids for an Embedding).
struct InputOptions {
  DType dtype = float32;
  std::string name = "";
};
[[nodiscard]] Tensor Input(const Shape& shape, const InputOptions& options);

}  // namespace nabla::nn
