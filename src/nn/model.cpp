// Model: functional construction and calls, compile(), and the TrainingTarget side. The training
// loop itself is in model_fit.cpp, summary() in model_summary.cpp.
#include "nabla/nn/model.hpp"

#include <map>

#include "nn/layer_state.hpp"
#include "nn/model_compiled.hpp"

namespace nabla::nn {

Model::Model() : Layer("") {}

Model::Model(const Tensor& inputs, const Tensor& outputs, std::string name)
    : Model(std::vector<Tensor>{inputs}, std::vector<Tensor>{outputs}, std::move(name)) {}

Model::Model(const Tensor& inputs, std::vector<Tensor> outputs, std::string name)
    : Model(std::vector<Tensor>{inputs}, std::move(outputs), std::move(name)) {}

Model::Model(std::vector<Tensor> inputs, std::vector<Tensor> outputs, std::string name)
    : Layer(name.empty() ? "functional" : "") {
  if (!name.empty()) set_name(std::move(name));
  graph_ = std::make_shared<graph::Executor>(std::move(inputs), std::move(outputs));
  // The layers of the graph are this model's sub-layers (their weights are its weights).
  for (const auto& node : graph_->order()) {
    if (node->kind != graph::Node::Kind::Call) continue;
    auto layer = std::static_pointer_cast<Layer>(node->owner);
    bool seen = false;
    for (const auto& l : layers()) seen |= l->is_same_layer(*layer);
    if (!seen) track_layer(layer);  // a shared layer appears once
  }
  std::vector<Shape> shapes;
  for (const Tensor& t : graph_->inputs()) shapes.push_back(t.shape());
  state().input_shapes = shapes;
  state().built = true;
}

Tensor Model::call(const Tensor& x, bool training) {
  if (stack_ != nullptr) {
    Tensor h = x;
    for (const auto& layer : stack_->layers) h = (*layer)(h, training);
    return h;
  }
  if (graph_ == nullptr) return Layer::call(x, training);  // a subclass must override call()
  NABLA_CHECK(graph_->outputs().size() == 1, ValueError, name(), ": the model has ",
              graph_->outputs().size(), " outputs; call it with a vector of inputs");
  return graph_->run({x}, training)[0];
}

std::vector<Tensor> Model::call_multiple(const std::vector<Tensor>& xs, bool training) {
  if (graph_ == nullptr) return Layer::call_multiple(xs, training);
  return graph_->run(xs, training);
}

bool Model::multiple_inputs() const {
  return graph_ != nullptr && (graph_->inputs().size() > 1 || graph_->outputs().size() > 1);
}

std::shared_ptr<Layer> Model::clone() const {
  // Only a functional model is fully described by this class; a subclass is not (no slicing).
  return graph_ != nullptr || stack_ != nullptr ? std::make_shared<Model>(*this) : nullptr;
}

std::string Model::class_name() const {
  if (stack_ != nullptr) return "Sequential";
  return graph_ != nullptr ? "Functional" : Layer::class_name();
}

void Model::compile(CompileOptions options) {
  auto c = std::make_shared<Compiled>();
  NABLA_CHECK(options.optimizer.defined(), ValueError, name(), ".compile: no optimizer");
  NABLA_CHECK(!options.loss.empty(), ValueError, name(), ".compile: no loss given");
  c->optimizer = options.optimizer.get();
  c->loss_spec = std::move(options.loss);
  c->metrics_spec = std::move(options.metrics);
  c->weights_spec = std::move(options.loss_weights);
  c->run_eagerly = options.run_eagerly;
  if (options.device.has_value()) to(*options.device);
  c->jit_compile = options.jit_compile;
  // Outputs known now (functional, Sequential): a spec that does not fit fails here.
  const std::vector<std::string> names = output_names();
  if (!names.empty()) c->build(name(), names);
  compiled_ = std::move(c);
}

Model::Compiled& Model::compiled(std::string_view caller) const {
  NABLA_CHECK(compiled_ != nullptr, ValueError, name(), ".", caller,
              ": the model must be compiled first (model.compile({.optimizer, .loss}))");
  return *compiled_;
}

Model::Compiled& Model::built_compiled(std::string_view caller, size_t outputs) {
  Compiled& c = compiled(caller);
  if (!c.built()) {
    std::vector<std::string> names = output_names();
    if (names.size() != outputs) {
      names.clear();
      for (size_t i = 0; i < outputs; ++i) names.push_back("output_" + std::to_string(i));
    }
    c.build(name(), names);
  }
  NABLA_CHECK(c.outputs.size() == outputs, ValueError, name(), ".", caller, ": the model gave ",
              outputs, " outputs, but was compiled for ", c.outputs.size());
  return c;
}

std::vector<std::string> Model::output_names() const {
  if (stack_ != nullptr) {  // the last layer's name (Keras); empty while the stack is
    if (stack_->layers.empty()) return {};
    return {stack_->layers.back()->name()};
  }
  if (graph_ == nullptr) return {};
  std::vector<std::string> names;
  std::map<std::string, int64_t> seen;
  for (size_t i = 0; i < graph_->outputs().size(); ++i) {
    const auto& node = graph::producer(graph_->outputs()[i]);
    // An output computed by a bare op (x + 1) has no layer name.
    std::string base =
        node != nullptr && !node->name.empty() ? node->name : "output_" + std::to_string(i);
    const int64_t count = seen[base]++;
    names.push_back(count == 0 ? base : base + "_" + std::to_string(count));
  }
  return names;
}

std::shared_ptr<optim::Optimizer> Model::optimizer() const {
  return compiled_ != nullptr ? compiled_->optimizer : nullptr;
}

std::vector<Tensor> Model::inputs() const {
  if (graph_ != nullptr) return graph_->inputs();
  if (stack_ != nullptr && stack_->input.defined()) return {stack_->input};
  return {};
}

size_t Model::input_count() const { return graph_ != nullptr ? graph_->inputs().size() : 1; }

size_t Model::output_count() const {
  if (graph_ != nullptr) return graph_->outputs().size();
  return compiled_ != nullptr && compiled_->built() ? compiled_->outputs.size() : 1;
}

std::vector<Tensor> Model::forward(const std::vector<Tensor>& xs, bool training) {
  if (xs.size() == 1 && !multiple_inputs()) return {(*this)(xs[0], training)};
  return (*this)(xs, training);
}

double Model::learning_rate() const { return compiled("learning_rate").optimizer->learning_rate(); }
void Model::set_learning_rate(double learning_rate) {
  compiled("set_learning_rate").optimizer->set_learning_rate(learning_rate);
}

}  // namespace nabla::nn
