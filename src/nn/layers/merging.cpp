// The merging layers: shape rules of Keras's Merge base, the elementwise merges and
// Concatenate.
#include "nabla/nn/layers/merging.hpp"

#include <algorithm>
#include <sstream>

#include "nabla/nn/layer_registry.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/ops/view.hpp"
#include "nn/config_util.hpp"

namespace nabla::nn {
namespace {

std::string shapes_text(const std::vector<Shape>& shapes) {
  std::ostringstream out;
  for (size_t i = 0; i < shapes.size(); ++i) out << (i == 0 ? "" : ", ") << shapes[i];
  return out.str();
}

/// The merge layers have no keys of their own: the config is the base one.
template <class T>
T merge_from_config(const nlohmann::json& config, std::string_view who) {
  detail::check_config_object(config, who);
  T layer;
  apply_base_config(layer, config);
  return layer;
}

}  // namespace

std::string Merge::label() const { return name() + " (" + class_name() + ")"; }

Shape Merge::output_shape(const std::vector<Shape>& input_shapes) const {
  NABLA_CHECK(input_shapes.size() >= 2, ValueError, label(),
              ": a merge layer needs a list of at least 2 inputs, got ", input_shapes.size(),
              input_shapes.empty() ? "" : " with shape ", shapes_text(input_shapes));
  int64_t rank = 0;
  for (const Shape& s : input_shapes) {
    NABLA_CHECK(s.rank() >= 1, ShapeError, label(),
                ": inputs need a batch dimension; input shapes: ", shapes_text(input_shapes));
    NABLA_CHECK(s[0] == input_shapes[0][0], ShapeError, label(),
                ": cannot merge inputs with different batch sizes; input shapes: ",
                shapes_text(input_shapes));
    rank = std::max(rank, s.rank());
  }
  // Keras aligns the non-batch axes at the end (a lower-rank input gets size-1 axes after its
  // batch axis), then broadcasts axes of size 1.
  std::vector<int64_t> dims(static_cast<size_t>(rank), 1);
  dims[0] = input_shapes[0][0];
  for (const Shape& s : input_shapes) {
    for (int64_t i = 1; i < s.rank(); ++i) {
      int64_t& out = dims[static_cast<size_t>(rank - s.rank() + i)];
      NABLA_CHECK(s[i] == out || s[i] == 1 || out == 1, ShapeError, label(),
                  ": inputs have incompatible shapes ", shapes_text(input_shapes),
                  " (non-batch axes must be equal or 1)");
      if (out == 1) out = s[i];
    }
  }
  return Shape(std::move(dims));
}

void Merge::build_multiple(const std::vector<Shape>& input_shapes) {
  (void)output_shape(input_shapes);  // validation only: merge layers have no weights
}

Tensor Merge::call(const Tensor& x, bool training) { return call_multiple({x}, training)[0]; }

std::vector<Tensor> Merge::call_multiple(const std::vector<Tensor>& xs, bool) {
  // Checked on every call: a built layer may be called again on other shapes.
  std::vector<Shape> shapes;
  int64_t rank = 0;
  for (const Tensor& x : xs) {
    shapes.push_back(x.shape());
    rank = std::max(rank, x.ndim());
  }
  (void)output_shape(shapes);
  std::vector<Tensor> aligned;
  for (Tensor x : xs) {
    while (x.ndim() < rank) x = x.unsqueeze(1);
    aligned.push_back(x);
  }
  return {merge(aligned)};
}

std::vector<Tensor> Merge::compute_mask(const std::vector<Tensor>&,
                                        const std::vector<Tensor>& input_masks,
                                        const std::vector<Tensor>& outputs) const {
  Tensor combined;
  for (const Tensor& mask : input_masks) {
    if (!mask.defined()) continue;
    combined = combined.defined() ? logical_and(combined, mask) : mask;
  }
  return std::vector<Tensor>(outputs.size(), combined);
}

Add::Add() : ClonableLayer<Add, Merge>("add") {}
Tensor Add::merge(const std::vector<Tensor>& xs) const {
  Tensor out = xs[0];
  for (size_t i = 1; i < xs.size(); ++i) out = out + xs[i];
  return out;
}
Add Add::from_config(const nlohmann::json& config) {
  return merge_from_config<Add>(config, "Add.from_config");
}

Subtract::Subtract() : ClonableLayer<Subtract, Merge>("subtract") {}
Shape Subtract::output_shape(const std::vector<Shape>& input_shapes) const {
  NABLA_CHECK(input_shapes.size() == 2, ValueError, label(), ": needs exactly 2 inputs, got ",
              input_shapes.size(), " with shapes ", shapes_text(input_shapes));
  return Merge::output_shape(input_shapes);
}
Tensor Subtract::merge(const std::vector<Tensor>& xs) const { return xs[0] - xs[1]; }
Subtract Subtract::from_config(const nlohmann::json& config) {
  return merge_from_config<Subtract>(config, "Subtract.from_config");
}

Multiply::Multiply() : ClonableLayer<Multiply, Merge>("multiply") {}
Tensor Multiply::merge(const std::vector<Tensor>& xs) const {
  Tensor out = xs[0];
  for (size_t i = 1; i < xs.size(); ++i) out = out * xs[i];
  return out;
}
Multiply Multiply::from_config(const nlohmann::json& config) {
  return merge_from_config<Multiply>(config, "Multiply.from_config");
}

Average::Average() : ClonableLayer<Average, Merge>("average") {}
Tensor Average::merge(const std::vector<Tensor>& xs) const {
  Tensor sum = xs[0];
  for (size_t i = 1; i < xs.size(); ++i) sum = sum + xs[i];
  return sum / static_cast<double>(xs.size());  // a weak scalar: float32 stays float32
}
Average Average::from_config(const nlohmann::json& config) {
  return merge_from_config<Average>(config, "Average.from_config");
}

Maximum::Maximum() : ClonableLayer<Maximum, Merge>("maximum") {}
Tensor Maximum::merge(const std::vector<Tensor>& xs) const {
  Tensor out = xs[0];
  for (size_t i = 1; i < xs.size(); ++i) out = maximum(out, xs[i]);
  return out;
}
Maximum Maximum::from_config(const nlohmann::json& config) {
  return merge_from_config<Maximum>(config, "Maximum.from_config");
}

Minimum::Minimum() : ClonableLayer<Minimum, Merge>("minimum") {}
Tensor Minimum::merge(const std::vector<Tensor>& xs) const {
  Tensor out = xs[0];
  for (size_t i = 1; i < xs.size(); ++i) out = minimum(out, xs[i]);
  return out;
}
Minimum Minimum::from_config(const nlohmann::json& config) {
  return merge_from_config<Minimum>(config, "Minimum.from_config");
}

Concatenate::Concatenate(int64_t axis)
    : ClonableLayer<Concatenate, Merge>("concatenate"), axis_(axis) {}

Shape Concatenate::output_shape(const std::vector<Shape>& input_shapes) const {
  NABLA_CHECK(input_shapes.size() >= 2, ValueError, label(),
              ": needs a list of at least 2 inputs, got ", input_shapes.size(),
              input_shapes.empty() ? "" : " with shape ", shapes_text(input_shapes));
  const int64_t rank = input_shapes[0].rank();
  NABLA_CHECK(axis_ >= -rank && axis_ < rank, IndexError, label(), ": axis ", axis_,
              " is out of range for inputs of rank ", rank,
              "; input shapes: ", shapes_text(input_shapes));
  const int64_t axis = axis_ < 0 ? axis_ + rank : axis_;
  Shape out = input_shapes[0];
  out[axis] = 0;
  for (const Shape& s : input_shapes) {
    bool matches = s.rank() == rank;
    for (int64_t i = 0; matches && i < rank; ++i) matches = i == axis || s[i] == out[i];
    NABLA_CHECK(matches, ShapeError, label(),
                ": inputs must have matching shapes except for the concatenation axis ", axis_,
                "; input shapes: ", shapes_text(input_shapes));
    out[axis] += s[axis];
  }
  return out;
}

Tensor Concatenate::merge(const std::vector<Tensor>& xs) const { return concatenate(xs, axis_); }

std::vector<Tensor> Concatenate::compute_mask(const std::vector<Tensor>& inputs,
                                              const std::vector<Tensor>& input_masks,
                                              const std::vector<Tensor>& outputs) const {
  const bool any_mask = std::any_of(input_masks.begin(), input_masks.end(),
                                    [](const Tensor& m) { return m.defined(); });
  if (!any_mask) return std::vector<Tensor>(outputs.size());
  std::vector<Tensor> full;  // one mask per input, of the input's shape
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    const Tensor& mask = i < input_masks.size() ? input_masks[i] : Tensor();
    if (!mask.defined()) {
      full.push_back(ones(x.shape(), bool_, x.device()));
    } else if (mask.ndim() == x.ndim() - 1) {
      full.push_back(broadcast_to(unsqueeze(mask, -1), x.shape()));
    } else {
      NABLA_CHECK(mask.shape() == x.shape(), ShapeError, label(), ": the mask ", mask.shape(),
                  " of input ", i, " fits neither its shape ", x.shape(),
                  " nor that shape without its last axis");
      full.push_back(mask);
    }
  }
  return std::vector<Tensor>(outputs.size(), all(concatenate(full, axis_), {-1}));
}

nlohmann::json Concatenate::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["axis"] = axis_;
  return config;
}

Concatenate Concatenate::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "Concatenate.from_config";
  detail::check_config_object(config, who);
  Concatenate layer(detail::config_get<int64_t>(config, "axis", -1, who));
  apply_base_config(layer, config);
  return layer;
}

}  // namespace nabla::nn
