// Bidirectional: two copies of a recurrent layer (rebuilt from its config, as Keras does, so
// that neither shares state with the layer passed in), one with go_backwards.
#include "nabla/nn/layers/bidirectional.hpp"

#include "nabla/nn/layer_registry.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nn/config_util.hpp"
#include "nn/layers/sequence_util.hpp"

namespace nabla::nn {
namespace {

std::shared_ptr<RNN> as_rnn(const std::shared_ptr<Layer>& layer, std::string_view role) {
  NABLA_CHECK(layer != nullptr, ValueError, "Bidirectional: no ", role, " layer");
  auto rnn = std::dynamic_pointer_cast<RNN>(layer);
  NABLA_CHECK(rnn != nullptr, ValueError, "Bidirectional: the ", role,
              " layer must be a recurrent layer (RNN, SimpleRNN, LSTM, GRU), got ",
              layer->class_name(), " '", layer->name(), "'");
  return rnn;
}

std::string without_prefix(const std::string& name, const std::string& prefix) {
  return name.starts_with(prefix) ? name.substr(prefix.size()) : name;
}

/// A fresh copy of `layer` from its config, renamed and with go_backwards set.
std::shared_ptr<RNN> copy_of(const RNN& layer, const std::string& prefix, bool go_backwards) {
  nlohmann::json serialized = serialize_layer(layer);
  serialized["config"]["name"] = prefix + without_prefix(layer.name(), prefix);
  serialized["config"]["go_backwards"] = go_backwards;
  return as_rnn(deserialize_layer(serialized), "copied");
}

}  // namespace

Bidirectional::Bidirectional(LayerRef layer, BidirectionalOptions options)
    : ClonableLayer<Bidirectional>("bidirectional"),
      merge_mode_(options.merge_mode.empty() ? "none" : options.merge_mode) {
  NABLA_CHECK(merge_mode_ == "concat" || merge_mode_ == "sum" || merge_mode_ == "mul" ||
                  merge_mode_ == "ave" || merge_mode_ == "none",
              ValueError, "Bidirectional: merge_mode must be concat, sum, mul, ave or none, got '",
              options.merge_mode, "'");
  const std::shared_ptr<RNN> wrapped = as_rnn(layer.get(), "wrapped");
  forward_ = copy_of(*wrapped, "forward_", wrapped->rnn_options().go_backwards);
  if (options.backward_layer) {
    backward_ = as_rnn(options.backward_layer->get(), "backward");
    NABLA_CHECK(backward_->rnn_options().go_backwards != forward_->rnn_options().go_backwards,
                ValueError,
                "Bidirectional: the forward and backward layers must differ in go_backwards");
  } else {
    backward_ = copy_of(*wrapped, "backward_", !wrapped->rnn_options().go_backwards);
  }
  const RNNOptions &f = forward_->rnn_options(), &b = backward_->rnn_options();
  NABLA_CHECK(f.return_sequences == b.return_sequences && f.return_state == b.return_state &&
                  f.stateful == b.stateful,
              ValueError,
              "Bidirectional: the forward and backward layers must agree on return_sequences, "
              "return_state and stateful");
  // Keras: padded steps give zero outputs, so that the reversed backward outputs line up.
  forward_->set_zero_output_for_mask(f.return_sequences);
  backward_->set_zero_output_for_mask(b.return_sequences);
  track_layer(forward_);
  track_layer(backward_);
}

LayerOutputs Bidirectional::operator()(const Tensor& x, bool training) {
  return LayerOutputs(Layer::operator()(std::vector<Tensor>{x}, training));
}

LayerOutputs Bidirectional::operator()(const std::vector<Tensor>& x_and_states, bool training) {
  return LayerOutputs(Layer::operator()(x_and_states, training));
}

void Bidirectional::build_multiple(const std::vector<Shape>& input_shapes) {
  forward_->build_for({input_shapes.at(0)});
  backward_->build_for({input_shapes.at(0)});
}

Tensor Bidirectional::call(const Tensor& x, bool training) {
  return call_multiple({x}, training).at(0);
}

std::vector<Tensor> Bidirectional::call_multiple(const std::vector<Tensor>& xs, bool training) {
  const Tensor& x = xs.at(0);
  const size_t n_states = xs.size() - 1;
  NABLA_CHECK(n_states % 2 == 0, ValueError, name(),
              " (Bidirectional): initial states come in two halves (forward, backward), got ",
              n_states);
  std::vector<Tensor> forward_in{x}, backward_in{x};
  forward_in.insert(forward_in.end(), xs.begin() + 1, xs.begin() + 1 + n_states / 2);
  backward_in.insert(backward_in.end(), xs.begin() + 1 + n_states / 2, xs.end());
  const std::vector<Tensor> y = static_cast<Layer&>(*forward_)(forward_in, training);
  const std::vector<Tensor> y_rev = static_cast<Layer&>(*backward_)(backward_in, training);
  const Tensor forward_out = y[0];
  const Tensor backward_out =
      forward_->rnn_options().return_sequences ? detail::reverse_steps(y_rev[0]) : y_rev[0];
  std::vector<Tensor> out;
  if (merge_mode_ == "concat") {
    out = {concatenate({forward_out, backward_out}, -1)};
  } else if (merge_mode_ == "sum") {
    out = {forward_out + backward_out};
  } else if (merge_mode_ == "ave") {
    out = {(forward_out + backward_out) * 0.5};
  } else if (merge_mode_ == "mul") {
    out = {forward_out * backward_out};
  } else {
    out = {forward_out, backward_out};
  }
  out.insert(out.end(), y.begin() + 1, y.end());
  out.insert(out.end(), y_rev.begin() + 1, y_rev.end());
  return out;
}

std::vector<Tensor> Bidirectional::compute_mask(const std::vector<Tensor>&,
                                                const std::vector<Tensor>& input_masks,
                                                const std::vector<Tensor>& outputs) const {
  std::vector<Tensor> masks(outputs.size());
  if (input_masks.empty() || !forward_->rnn_options().return_sequences) return masks;
  const size_t merged = merge_mode_ == "none" ? 2 : 1;
  for (size_t i = 0; i < merged && i < masks.size(); ++i) masks[i] = input_masks[0];
  return masks;
}

void Bidirectional::reset_states() {
  forward_->reset_states();
  backward_->reset_states();
}

nlohmann::json Bidirectional::get_config() const {
  nlohmann::json config = Layer::get_config();
  config["merge_mode"] =
      merge_mode_ == "none" ? nlohmann::json(nullptr) : nlohmann::json(merge_mode_);
  config["layer"] = serialize_layer(*forward_);
  config["backward_layer"] = serialize_layer(*backward_);
  return config;
}

Bidirectional Bidirectional::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "Bidirectional.from_config";
  detail::check_config_object(config, who);
  const auto inner = config.find("layer");
  NABLA_CHECK(inner != config.end(), ValueError, who, ": no 'layer' (the wrapped layer)");
  BidirectionalOptions options;
  const auto mode = config.find("merge_mode");
  if (mode != config.end() && !mode->is_null()) {
    options.merge_mode = detail::config_as<std::string>(*mode, who, "merge_mode");
  } else if (mode != config.end()) {
    options.merge_mode = "none";
  }
  const auto backward = config.find("backward_layer");
  if (backward != config.end() && !backward->is_null()) {
    options.backward_layer = LayerRef(deserialize_layer(*backward));
  }
  Bidirectional layer(LayerRef(deserialize_layer(*inner)), std::move(options));
  apply_base_config(layer, config);
  return layer;
}

}  // namespace nabla::nn
