// Layer: shared state, lazy building (once per state, re-bound per copy), weights and
// sub-layer tracking, and the symbolic call that records a functional-graph node.
#include "nabla/nn/layer.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "nabla/autograd/grad_mode.hpp"
#include "nabla/graph/symbolic.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nn/layer_state.hpp"
#include "nn/weight_budget.hpp"
#include "ops/copy_into.hpp"
#include "ops/dispatch.hpp"

namespace nabla::nn {
namespace {

/// Keras names layers <prefix>, <prefix>_1, <prefix>_2, ... per prefix, process-wide.
std::string unique_name(const std::string& prefix) {
  static std::mutex mutex;
  static std::map<std::string, int64_t> counts;
  std::lock_guard lock(mutex);
  const int64_t n = counts[prefix]++;
  return n == 0 ? prefix : prefix + "_" + std::to_string(n);
}

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  std::string out = status == 0 && name ? name.get() : mangled;
  const size_t colon = out.rfind("::");
  return colon == std::string::npos ? out : out.substr(colon + 2);
}

}  // namespace

std::string snake_case(const std::string& name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (i > 0 && !std::isupper(static_cast<unsigned char>(name[i - 1]))) out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

LayerRef::LayerRef(const Tensor& input) : input_(input) {
  NABLA_CHECK(input.defined() && input.is_symbolic(), ValueError,
              "Sequential: a tensor in the layer list must be nn::Input(shape)");
}

Layer::Layer(std::string base_name) : state_(std::make_shared<LayerState>()) {
  if (!base_name.empty()) state_->name = unique_name(base_name);
  state_->objects.push_back(this);
}

Layer::~Layer() { std::erase(state_->objects, this); }

Layer::Layer(const Layer& other) : state_(other.state_), bound_(other.bound_) {
  state_->objects.push_back(this);
}

Layer::Layer(const Layer& other, ProxyTag) : state_(other.state_), bound_(true), proxy_(true) {}

Layer& Layer::operator=(const Layer& other) {
  if (this == &other) return *this;
  std::erase(state_->objects, this);
  state_ = other.state_;
  bound_ = other.bound_;
  proxy_ = false;
  state_->objects.push_back(this);
  return *this;
}

const std::string& Layer::name() const {
  if (state_->name.empty()) state_->name = unique_name(snake_case(class_name()));
  return state_->name;
}
void Layer::set_name(std::string name) { state_->name = std::move(name); }
std::string Layer::class_name() const {
  if (proxy_) return state_->class_name;
  return demangle(typeid(*this).name());
}
bool Layer::trainable() const { return state_->trainable; }
void Layer::set_trainable(bool trainable) { state_->trainable = trainable; }
DType Layer::dtype() const { return state_->dtype; }
void Layer::set_dtype(DType dtype) {
  NABLA_CHECK(is_floating(dtype), DTypeError, name(), ".set_dtype: layers compute in float32 or ",
              "float64, got ", dtype);
  NABLA_CHECK(!state_->built || state_->dtype == dtype, ValueError, name(),
              ".set_dtype: the layer is already built with ", state_->dtype, " weights");
  state_->dtype = dtype;
  for (const auto& sub : state_->sublayers) sub->set_dtype(dtype);
}
bool Layer::built() const { return state_->built; }
const std::vector<Shape>& Layer::built_input_shapes() const { return state_->input_shapes; }

void Layer::build(const Shape&) {}
void Layer::build_multiple(const std::vector<Shape>& input_shapes) {
  // Several inputs and no build_multiple of its own: nothing to create from the shapes (a
  // functional model is built from its graph).
  if (multiple_inputs()) return;
  NABLA_CHECK(input_shapes.size() == 1, ValueError, name(), " (", class_name(),
              "): expected one input, got ", input_shapes.size());
  build(input_shapes[0]);
}

Tensor Layer::call(const Tensor&, bool) {
  NABLA_CHECK(false, ValueError, name(), " (", class_name(),
              "): the layer defines no call(const Tensor&, bool)");
  return {};
}
std::vector<Tensor> Layer::call_multiple(const std::vector<Tensor>& xs, bool training) {
  NABLA_CHECK(xs.size() == 1, ValueError, name(), " (", class_name(), "): expected one input, got ",
              xs.size());
  return {call(xs[0], training)};
}

std::vector<Tensor> Layer::compute_mask(const std::vector<Tensor>&,
                                        const std::vector<Tensor>& input_masks,
                                        const std::vector<Tensor>& outputs) const {
  const Tensor passed = supports_masking() && !input_masks.empty() ? input_masks[0] : Tensor();
  return std::vector<Tensor>(outputs.size(), passed);
}

namespace {

// Note [Mask propagation]
// Keras's __call__ attaches masks after every layer call: each output gets the mask
// compute_mask() gives it from the inputs and their masks (Tensor::keras_mask()). All three
// call paths use propagate_masks(): the eager operator()s, and the functional graph's node,
// which runs call() directly (a functional Model, Sequential and nested models all end in one of
// these, so fit/evaluate/predict see the masks too). As Keras's _set_mask_metadata, a mask is
// only attached to an output that has none: a mask the layer set itself in call() (Masking), or
// one a nested model's inner layers attached, is kept; when no output lacks a mask,
// compute_mask() is not even run. An output that is one of its inputs (an identity layer:
// Dropout in inference) shares that TensorImpl, so it keeps the caller's mask and never loses
// it; it gains one only where the caller's tensor had none and compute_mask() gives one, which
// is what Keras does to the same Python object. Symbolic calls record no masks: they exist only
// on concrete tensors, when the graph runs.
void propagate_masks(const Layer& layer, const std::vector<Tensor>& inputs,
                     const std::vector<Tensor>& outputs) {
  const bool all_masked = std::all_of(outputs.begin(), outputs.end(), [](const Tensor& t) {
    return !t.defined() || t.keras_mask().defined();
  });
  if (all_masked) return;
  std::vector<Tensor> input_masks;
  input_masks.reserve(inputs.size());
  for (const Tensor& x : inputs) input_masks.push_back(x.keras_mask());
  std::vector<Tensor> masks;
  {
    NoGradGuard no_grad;  // masks are bool and never differentiated
    masks = layer.compute_mask(inputs, input_masks, outputs);
  }
  if (masks.empty()) return;  // no masks at all
  NABLA_CHECK(masks.size() == outputs.size(), ValueError, layer.name(), " (", layer.class_name(),
              "): compute_mask gave ", masks.size(), " masks for ", outputs.size(), " outputs");
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (masks[i].defined() && outputs[i].defined() && !outputs[i].keras_mask().defined()) {
      outputs[i].set_keras_mask(masks[i]);
    }
  }
}

}  // namespace

void Layer::ensure_built(const std::vector<Shape>& input_shapes) {
  if (bound_) return;
  LayerState& s = *state_;
  s.binding = s.built;
  s.weight_cursor = s.layer_cursor = 0;
  if (!s.built) s.input_shapes = input_shapes;
  if (s.class_name.empty()) s.class_name = class_name();
  PauseTracing concrete_weights;  // a layer first called inside nabla::function builds real weights
  try {
    build_multiple(input_shapes);
  } catch (...) {
    s.binding = false;
    throw;
  }
  s.binding = false;
  s.built = true;
  bound_ = true;
}

Tensor Layer::operator()(const Tensor& x, bool training) {
  NABLA_CHECK(x.defined(), ValueError, name(), ": called on an undefined tensor");
  // Inside nabla::function the layer's ops join the traced graph; otherwise (Functional API) the
  // call becomes one opaque node.
  if (x.is_symbolic() && !dispatch_records_everything) return record_symbolic_call({x})[0];
  ensure_built({x.shape()});
  Tensor y = call(x, training);
  propagate_masks(*this, {x}, {y});
  return y;
}

std::vector<Tensor> Layer::operator()(const std::vector<Tensor>& xs, bool training) {
  bool symbolic = false;
  for (const Tensor& x : xs) {
    NABLA_CHECK(x.defined(), ValueError, name(), ": called on an undefined tensor");
    symbolic |= x.is_symbolic();
  }
  if (symbolic && !dispatch_records_everything) return record_symbolic_call(xs);
  std::vector<Shape> shapes;
  for (const Tensor& x : xs) shapes.push_back(x.shape());
  ensure_built(shapes);
  std::vector<Tensor> ys = call_multiple(xs, training);
  propagate_masks(*this, xs, ys);
  return ys;
}

std::vector<Tensor> Layer::record_symbolic_call(const std::vector<Tensor>& xs) {
  std::vector<Shape> shapes;
  for (const Tensor& x : xs) shapes.push_back(x.shape());
  ensure_built(shapes);
  // The layer's own ops on the symbolic inputs give the output shapes without computing; the
  // graph then keeps one node for the whole call.
  std::vector<Tensor> traced;
  {
    NoGradGuard no_grad;
    traced = xs.size() == 1 && !multiple_inputs() ? std::vector<Tensor>{call(xs[0], false)}
                                                  : call_multiple(xs, false);
  }
  auto node = std::make_shared<graph::Node>();
  node->kind = graph::Node::Kind::Call;
  node->inputs = xs;
  node->name = name();
  std::shared_ptr<Layer> owned = clone();
  std::shared_ptr<LayerState> state = state_;
  const bool single = xs.size() == 1 && !multiple_inputs();
  // The graph's owner of the layer: a typed copy, or for a custom layer without clone() a proxy
  // that keeps its weights reachable (its call runs on a live copy, checked when run).
  node->owner = owned != nullptr ? owned : std::make_shared<Layer>(*this, ProxyTag{});
  node->call = [owned, state, single](const std::vector<Tensor>& inputs, bool training) {
    Layer* layer = owned.get();
    if (layer == nullptr) {
      NABLA_CHECK(!state->objects.empty(), ValueError, "Model: layer '", state->name,
                  "' was destroyed before the functional model that uses it ran; keep the "
                  "layer object alive (custom layers without clone() are not copied into the "
                  "graph)");
      layer = state->objects.front();
    }
    std::vector<Tensor> outputs = single ? std::vector<Tensor>{layer->call(inputs[0], training)}
                                         : layer->call_multiple(inputs, training);
    propagate_masks(*layer, inputs, outputs);
    return outputs;
  };
  std::vector<std::pair<Shape, DType>> specs;
  for (const Tensor& t : traced) specs.emplace_back(t.shape(), t.dtype());
  return graph::make_outputs(node, specs);
}

Shape Layer::compute_output_shape(const Shape& input_shape) {
  return (*this)(graph::input(input_shape)).shape();
}

Tensor Layer::add_weight(const std::string& weight_name, const Shape& shape,
                         const initializers::InitializerRef& initializer, bool trainable,
                         const regularizers::RegularizerRef& regularizer) {
  LayerState& s = *state_;
  if (s.binding) {
    NABLA_ASSERT(s.weight_cursor < s.weights.size(), name(),
                 ": build() created a different set of weights the second time");
    const auto& w = s.weights[s.weight_cursor++];
    NABLA_CHECK(w.name == weight_name && w.value.shape() == shape, ValueError, name(),
                ": build() on a copy asked for weight '", weight_name, "' ", shape,
                " where the layer has '", w.name, "' ", w.value.shape());
    return w.value;
  }
  for (const auto& w : s.weights) {
    NABLA_CHECK(w.name != weight_name, ValueError, name(), ": weight '", weight_name,
                "' added twice");
  }
  WeightBudget::charge(shape, name(), weight_name);  // before allocating (weight_budget.hpp)
  Tensor value = (*initializer.get())(shape, s.dtype).to(s.device);
  if (trainable) value.requires_grad_();
  s.weights.push_back({weight_name, value, trainable, regularizer.get()});
  return value;
}

void Layer::track_layer(std::shared_ptr<Layer> layer) {
  LayerState& s = *state_;
  if (s.binding) {
    ++s.layer_cursor;  // already tracked by the copy that built first
    return;
  }
  if (layer->device() != s.device) layer->to(s.device);  // a sub-layer joins its parent's device
  s.sublayers.push_back(std::move(layer));
}

std::vector<std::shared_ptr<Layer>> Layer::layers() const { return state_->sublayers; }

namespace {
void gather(const Layer& layer, bool parent_trainable, int which, std::vector<Tensor>& out,
            std::vector<std::string>* names, const LayerState& s) {
  // which: 0 all, 1 trainable, 2 non-trainable
  const bool layer_trainable = parent_trainable && s.trainable;
  for (const auto& w : s.weights) {
    const bool t = layer_trainable && w.trainable;
    if (which == 0 || (which == 1) == t) {
      out.push_back(w.value);
      if (names != nullptr) names->push_back(s.name + "/" + w.name);
    }
  }
  (void)layer;
}
}  // namespace

std::vector<Tensor> Layer::trainable_weights() const {
  std::vector<Tensor> out;
  // Depth-first in tracking order: own weights first, then each sub-layer's.
  std::function<void(const Layer&, bool)> visit = [&](const Layer& l, bool parent) {
    gather(l, parent, 1, out, nullptr, *l.state_);
    for (const auto& sub : l.state_->sublayers) visit(*sub, parent && l.state_->trainable);
  };
  visit(*this, true);
  return out;
}

std::vector<Tensor> Layer::non_trainable_weights() const {
  std::vector<Tensor> out;
  std::function<void(const Layer&, bool)> visit = [&](const Layer& l, bool parent) {
    gather(l, parent, 2, out, nullptr, *l.state_);
    for (const auto& sub : l.state_->sublayers) visit(*sub, parent && l.state_->trainable);
  };
  visit(*this, true);
  return out;
}

std::vector<Tensor> Layer::own_weights() const {
  std::vector<Tensor> out;
  for (bool trainable : {true, false}) {
    for (const auto& w : state_->weights)
      if (w.trainable == trainable) out.push_back(w.value);
  }
  return out;
}

std::vector<std::string> Layer::own_weight_names() const {
  std::vector<std::string> out;
  for (bool trainable : {true, false}) {
    for (const auto& w : state_->weights)
      if (w.trainable == trainable) out.push_back(w.name);
  }
  return out;
}

std::vector<Tensor> Layer::weights() const {
  std::vector<Tensor> out = trainable_weights();
  for (const Tensor& t : non_trainable_weights()) out.push_back(t);
  return out;
}

std::vector<std::string> Layer::weight_names() const {
  std::vector<Tensor> sink;
  std::vector<std::string> names;
  for (int which : {1, 2}) {
    std::function<void(const Layer&, bool)> visit = [&](const Layer& l, bool parent) {
      (void)l.name();  // assigns the automatic name if needed
      gather(l, parent, which, sink, &names, *l.state_);
      for (const auto& sub : l.state_->sublayers) visit(*sub, parent && l.state_->trainable);
    };
    visit(*this, true);
  }
  return names;
}

std::vector<Tensor> Layer::get_weights() const {
  std::vector<Tensor> out;
  for (const Tensor& w : weights()) out.push_back(w.detach().clone());
  return out;
}

void Layer::set_weights(const std::vector<Tensor>& values) {
  const std::vector<Tensor> ws = weights();
  NABLA_CHECK(values.size() == ws.size(), ValueError, name(), ".set_weights: expected ", ws.size(),
              " arrays, got ", values.size());
  for (size_t i = 0; i < ws.size(); ++i) {
    NABLA_CHECK(values[i].shape() == ws[i].shape(), ShapeError, name(), ".set_weights: weight ", i,
                " has shape ", ws[i].shape(), ", got ", values[i].shape());
  }
  NoGradGuard no_grad;
  for (size_t i = 0; i < ws.size(); ++i) {
    detail::copy_into(ws[i], values[i].astype(ws[i].dtype()));
    ws[i].storage()->bump_version();
  }
}

int64_t Layer::count_params() const {
  int64_t n = 0;
  for (const Tensor& w : weights()) n += w.numel();
  return n;
}

std::vector<Tensor> Layer::losses() const {
  std::vector<Tensor> out;
  std::function<void(const Layer&)> visit = [&](const Layer& l) {
    for (const auto& w : l.state_->weights) {
      if (w.regularizer != nullptr) out.push_back((*w.regularizer)(w.value));
    }
    for (const auto& sub : l.state_->sublayers) visit(*sub);
  };
  visit(*this);
  return out;
}

nlohmann::json Layer::get_config() const {
  return {
      {"name", name()}, {"trainable", trainable()}, {"dtype", std::string(dtype_name(dtype()))}};
}

Tensor Input(const Shape& shape, DType dtype, std::string name) {
  std::vector<int64_t> dims{1};  // the batch dimension (None)
  bool unknown = false;
  for (const int64_t d : shape) {
    NABLA_CHECK(d >= -1, ValueError,
                "Input: dimensions must be >= 0, or -1 for unknown (None); got ", shape);
    unknown = unknown || d == -1;
    dims.push_back(d == -1 ? 1 : d);
  }
  if (name.empty()) name = unique_name("input_layer");
  Tensor in = graph::input(Shape(std::move(dims)), dtype, std::move(name));
  if (unknown) {
    std::vector<int64_t> declared{-1};
    declared.insert(declared.end(), shape.begin(), shape.end());
    graph::producer(in)->declared_dims = std::move(declared);
  }
  return in;
}

Tensor Input(const Shape& shape, const InputOptions& options) {
  return Input(shape, options.dtype, options.name);
}

}  // namespace nabla::nn
