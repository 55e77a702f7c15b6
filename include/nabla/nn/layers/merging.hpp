// Merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate (Keras's
// names, options and configs). They take a list of inputs, eagerly or in the Functional API:
//   Tensor a = nn::Input({8}), b = nn::Input({8});
//   Tensor sum = nn::Add()({a, b})[0];
//   nn::Model model({a, b}, {nn::Dense(1)(sum)});
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nabla/nn/layer.hpp"

namespace nabla::nn {

/// Keras's base of the elementwise merge layers. Inputs: at least two, with one batch size; the
/// other axes broadcast as Keras's merge layers do: a lower-rank input gets axes of size 1
/// inserted after the batch axis, then each axis must be equal or 1 across the inputs. Errors
/// name the layer and every input shape.
class Merge : public Layer {
 public:
  explicit Merge(std::string base_name) : Layer(std::move(base_name)) {}
  [[nodiscard]] bool multiple_inputs() const override { return true; }
  void build_multiple(const std::vector<Shape>& input_shapes) override;
  /// One input: the "at least 2 inputs" error.
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::vector<Tensor> call_multiple(const std::vector<Tensor>& xs,
                                                  bool training) override;
  /// Keras's Merge masking: the output's mask is the logical AND of the inputs' masks that are
  /// defined (a step is real only where every masked input has it real); none when no input has
  /// one.
  [[nodiscard]] bool supports_masking() const override { return true; }
  [[nodiscard]] std::vector<Tensor> compute_mask(const std::vector<Tensor>& inputs,
                                                 const std::vector<Tensor>& input_masks,
                                                 const std::vector<Tensor>& outputs) const override;

 protected:
  /// The merged output's shape; throws when the inputs cannot be merged.
  [[nodiscard]] virtual Shape output_shape(const std::vector<Shape>& input_shapes) const;
  /// Merges inputs that output_shape() accepted, all of one rank.
  [[nodiscard]] virtual Tensor merge(const std::vector<Tensor>& xs) const = 0;
  /// "add (Add)" for error messages.
  [[nodiscard]] std::string label() const;
};

/// x1 + x2 + ...
class Add : public ClonableLayer<Add, Merge> {
 public:
  Add();
  [[nodiscard]] std::string class_name() const override { return "Add"; }
  [[nodiscard]] static Add from_config(const nlohmann::json& config);

 protected:
  [[nodiscard]] Tensor merge(const std::vector<Tensor>& xs) const override;
};

/// x1 - x2 (exactly two inputs).
class Subtract : public ClonableLayer<Subtract, Merge> {
 public:
  Subtract();
  [[nodiscard]] std::string class_name() const override { return "Subtract"; }
  [[nodiscard]] static Subtract from_config(const nlohmann::json& config);

 protected:
  [[nodiscard]] Shape output_shape(const std::vector<Shape>& input_shapes) const override;
  [[nodiscard]] Tensor merge(const std::vector<Tensor>& xs) const override;
};

/// x1 * x2 * ... (elementwise).
class Multiply : public ClonableLayer<Multiply, Merge> {
 public:
  Multiply();
  [[nodiscard]] std::string class_name() const override { return "Multiply"; }
  [[nodiscard]] static Multiply from_config(const nlohmann::json& config);

 protected:
  [[nodiscard]] Tensor merge(const std::vector<Tensor>& xs) const override;
};

/// (x1 + x2 + ... + xn) / n.
class Average : public ClonableLayer<Average, Merge> {
 public:
  Average();
  [[nodiscard]] std::string class_name() const override { return "Average"; }
  [[nodiscard]] static Average from_config(const nlohmann::json& config);

 protected:
  [[nodiscard]] Tensor merge(const std::vector<Tensor>& xs) const override;
};

/// Elementwise maximum of the inputs.
class Maximum : public ClonableLayer<Maximum, Merge> {
 public:
  Maximum();
  [[nodiscard]] std::string class_name() const override { return "Maximum"; }
  [[nodiscard]] static Maximum from_config(const nlohmann::json& config);

 protected:
  [[nodiscard]] Tensor merge(const std::vector<Tensor>& xs) const override;
};

/// Elementwise minimum of the inputs.
class Minimum : public ClonableLayer<Minimum, Merge> {
 public:
  Minimum();
  [[nodiscard]] std::string class_name() const override { return "Minimum"; }
  [[nodiscard]] static Minimum from_config(const nlohmann::json& config);

 protected:
  [[nodiscard]] Tensor merge(const std::vector<Tensor>& xs) const override;
};

/// Joins the inputs along `axis` (counted with the batch axis, negative from the end; Keras's
/// default -1): at least two inputs of one rank whose other axes are equal.
class Concatenate : public ClonableLayer<Concatenate, Merge> {
 public:
  explicit Concatenate(int64_t axis = -1);
  [[nodiscard]] std::string class_name() const override { return "Concatenate"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static Concatenate from_config(const nlohmann::json& config);
  /// Keras's Concatenate masking: each input's mask (all true where it has none) is broadcast
  /// over the input's last axis, the masks are joined along `axis` as the inputs are, and a
  /// position is real where all its last-axis entries are: along the last axis, the AND of the
  /// step masks; along the steps axis, the step masks joined.
  [[nodiscard]] std::vector<Tensor> compute_mask(const std::vector<Tensor>& inputs,
                                                 const std::vector<Tensor>& input_masks,
                                                 const std::vector<Tensor>& outputs) const override;

 protected:
  [[nodiscard]] Shape output_shape(const std::vector<Shape>& input_shapes) const override;
  [[nodiscard]] Tensor merge(const std::vector<Tensor>& xs) const override;

 private:
  int64_t axis_;
};

}  // namespace nabla::nn
