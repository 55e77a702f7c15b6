// RNN (the loop over a cell, masking, initial and carried states, go_backwards) and its
// built-in forms SimpleRNN, LSTM and GRU, whose configs are Keras's flat ones (the cell's keys
// beside the RNN's, no "cell" entry).
#include "nabla/nn/layers/recurrent.hpp"

#include "nabla/autograd/grad_mode.hpp"
#include "nabla/graph/function.hpp"
#include "nabla/nn/layer_registry.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nn/config_util.hpp"
#include "nn/layers/sequence_util.hpp"

namespace nabla::nn {
namespace {

/// Keeps `fresh` on rows whose step is real, else `carried`; mask_t [batch] bool.
Tensor keep_real(const Tensor& mask_t, const Tensor& fresh, const Tensor& carried) {
  return where(mask_t.unsqueeze(1), fresh, carried);
}

}  // namespace

RNN::RNN(std::shared_ptr<RNNCell> cell, RNNOptions options)
    : ClonableLayer<RNN>(""),  // named after the class: rnn, lstm, gru, simple_rnn
      cell_(std::move(cell)),
      options_(options),
      carried_(std::make_shared<std::vector<Tensor>>()) {
  NABLA_CHECK(cell_ != nullptr, ValueError, "RNN: no cell");
  track_layer(cell_);
}

LayerOutputs RNN::operator()(const Tensor& x, bool training) {
  return LayerOutputs(Layer::operator()(std::vector<Tensor>{x}, training));
}

LayerOutputs RNN::operator()(const std::vector<Tensor>& x_and_states, bool training) {
  return LayerOutputs(Layer::operator()(x_and_states, training));
}

void RNN::build_multiple(const std::vector<Shape>& input_shapes) {
  const Shape& x = input_shapes.at(0);
  NABLA_CHECK(x.rank() == 3, ShapeError, name(), " (", class_name(),
              "): expects inputs [batch, steps, features], got ", x);
  std::vector<Shape> step_shapes{Shape({x[0], x[2]})};
  for (const int64_t size : cell_->state_size()) step_shapes.push_back(Shape({x[0], size}));
  cell_->build_for(step_shapes);
}

Tensor RNN::call(const Tensor& x, bool training) { return call_multiple({x}, training).at(0); }

std::vector<Tensor> RNN::call_multiple(const std::vector<Tensor>& xs, bool training) {
  const Tensor& x_in = xs.at(0);
  NABLA_CHECK(x_in.ndim() == 3, ShapeError, name(), " (", class_name(),
              "): expects inputs [batch, steps, features], got ", x_in.shape());
  const int64_t batch = x_in.size(0), steps = x_in.size(1);
  const std::vector<int64_t> sizes = cell_->state_size();
  // Initial states: given, carried (stateful), or zeros.
  std::vector<Tensor> states(xs.begin() + 1, xs.end());
  if (states.empty()) {
    const bool carried = options_.stateful && !carried_->empty();
    states = carried ? *carried_ : cell_->initial_state(batch);
  }
  NABLA_CHECK(states.size() == sizes.size(), ValueError, name(), " (", class_name(),
              "): the cell has ", sizes.size(), " states, got ", states.size(), " initial states");
  for (size_t i = 0; i < states.size(); ++i) {
    NABLA_CHECK(states[i].shape() == Shape({batch, sizes[i]}), ShapeError, name(), " (",
                class_name(), "): initial state ", i, " must be [", batch, ", ", sizes[i],
                "], got ", states[i].shape());
  }
  Tensor mask = x_in.keras_mask();
  if (mask.defined()) {
    NABLA_CHECK(mask.shape() == Shape({batch, steps}), ShapeError, name(), " (", class_name(),
                "): the input's mask must be [batch, steps] = [", batch, ", ", steps, "], got ",
                mask.shape());
    mask = mask.astype(DType::Bool);
  }
  Tensor x = x_in;
  if (options_.go_backwards) {
    x = detail::reverse_steps(x);
    if (mask.defined()) mask = detail::reverse_steps(mask);
  }
  std::optional<SequenceOutput> fused;
  // Functional API shape inference takes the simple path; a trace records the fused ops.
  if (!x.is_symbolic() || graph::is_tracing()) {
    fused = cell_->fused_sequence(x, states, mask, training);
  }
  SequenceOutput result = fused ? std::move(*fused) : run_cell(x, states, mask, training);

  NABLA_CHECK(!(options_.stateful && graph::is_tracing()), ValueError, name(), " (", class_name(),
              "): a stateful RNN cannot run inside nabla::function yet (its carried states "
              "would be fixed at trace time); call it eagerly");
  if (options_.stateful && !x.is_symbolic()) {
    carried_->clear();
    for (const Tensor& s : result.states) carried_->push_back(s.detach());
  }
  Tensor output;
  if (options_.return_sequences) {
    output = result.outputs;
    if (options_.zero_output_for_mask && mask.defined()) {
      output = where(mask.unsqueeze(2), output, zeros({}, output.dtype()));
    }
  } else {
    output = steps == 0 ? zeros({batch, cell_->output_size()}, x.dtype())
                        : result.outputs.select(1, steps - 1);
  }
  std::vector<Tensor> out{output};
  if (options_.return_state) out.insert(out.end(), result.states.begin(), result.states.end());
  return out;
}

SequenceOutput RNN::run_cell(const Tensor& x, std::vector<Tensor> states, const Tensor& mask,
                             bool training) {
  cell_->reset_dropout_masks();
  const int64_t steps = x.size(1);
  std::vector<Tensor> outputs;
  Tensor previous_output;
  for (int64_t t = 0; t < steps; ++t) {
    CellOutput out = cell_->step(x.select(1, t), states, training);
    NABLA_CHECK(out.states.size() == states.size(), ValueError, name(), ": the cell returned ",
                out.states.size(), " states for ", states.size());
    if (mask.defined()) {
      // Keras: a padded step repeats the previous output (zeros before the first) and keeps the
      // states.
      const Tensor mask_t = mask.select(1, t);
      if (!previous_output.defined()) previous_output = zeros_like(out.output);
      out.output = keep_real(mask_t, out.output, previous_output);
      for (size_t i = 0; i < states.size(); ++i) {
        out.states[i] = keep_real(mask_t, out.states[i], states[i]);
      }
    }
    previous_output = out.output;
    outputs.push_back(out.output);
    states = std::move(out.states);
  }
  cell_->reset_dropout_masks();
  Tensor sequence =
      steps > 0 ? stack(outputs, 1) : zeros({x.size(0), 0, cell_->output_size()}, x.dtype());
  return {sequence, states};
}

std::vector<Tensor> RNN::compute_mask(const std::vector<Tensor>&,
                                      const std::vector<Tensor>& input_masks,
                                      const std::vector<Tensor>& outputs) const {
  std::vector<Tensor> masks(outputs.size());
  if (!input_masks.empty() && options_.return_sequences) masks[0] = input_masks[0];
  return masks;
}

void RNN::reset_states() {
  for (Tensor& s : *carried_) s = zeros_like(s);
}

std::vector<Tensor> RNN::states() const { return *carried_; }

void RNN::write_rnn_config(nlohmann::json& config) const {
  config["return_sequences"] = options_.return_sequences;
  config["return_state"] = options_.return_state;
  config["go_backwards"] = options_.go_backwards;
  config["stateful"] = options_.stateful;
  config["unroll"] = options_.unroll;
  config["zero_output_for_mask"] = options_.zero_output_for_mask;
}

RNNOptions RNN::read_rnn_config(const nlohmann::json& config, std::string_view who) {
  RNNOptions o;
  o.return_sequences = detail::config_get(config, "return_sequences", false, who);
  o.return_state = detail::config_get(config, "return_state", false, who);
  o.go_backwards = detail::config_get(config, "go_backwards", false, who);
  o.stateful = detail::config_get(config, "stateful", false, who);
  o.unroll = detail::config_get(config, "unroll", false, who);
  o.zero_output_for_mask = detail::config_get(config, "zero_output_for_mask", false, who);
  return o;
}

nlohmann::json RNN::get_config() const {
  nlohmann::json config = Layer::get_config();
  write_rnn_config(config);
  config["cell"] = serialize_layer(*cell_);
  return config;
}

RNN RNN::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "RNN.from_config";
  detail::check_config_object(config, who);
  const auto cell = config.find("cell");
  NABLA_CHECK(cell != config.end(), ValueError, who, ": no 'cell'");
  auto layer = deserialize_layer(*cell);
  auto as_cell = std::dynamic_pointer_cast<RNNCell>(layer);
  NABLA_CHECK(as_cell != nullptr, ValueError, who, ": '", layer->class_name(),
              "' is not an RNN cell");
  RNN rnn(as_cell, read_rnn_config(config, who));
  apply_base_config(rnn, config);
  return rnn;
}

// ---- SimpleRNN, LSTM, GRU: an RNN over their cell, with Keras's flat config ----

namespace {

template <class Options>
RNNOptions rnn_part(const Options& o) {
  return {.return_sequences = o.return_sequences,
          .return_state = o.return_state,
          .go_backwards = o.go_backwards,
          .stateful = o.stateful,
          .unroll = o.unroll};
}

/// The cell options of a layer's options (the shared fields).
template <class CellOptions, class Options>
CellOptions common_cell_part(const Options& o) {
  CellOptions c;
  c.activation = o.activation;
  c.use_bias = o.use_bias;
  c.kernel_initializer = o.kernel_initializer;
  c.recurrent_initializer = o.recurrent_initializer;
  c.bias_initializer = o.bias_initializer;
  c.kernel_regularizer = o.kernel_regularizer;
  c.recurrent_regularizer = o.recurrent_regularizer;
  c.bias_regularizer = o.bias_regularizer;
  c.dropout = o.dropout;
  c.recurrent_dropout = o.recurrent_dropout;
  return c;
}

/// A layer's options from a flat config: the cell's keys (read by the cell's from_config) and
/// the RNN's.
template <class Options, class Cell>
Options layer_options(const Cell& cell, const RNNOptions& rnn) {
  Options o;
  const auto& c = cell.options();
  o.activation = c.activation;
  o.use_bias = c.use_bias;
  o.kernel_initializer = c.kernel_initializer;
  o.recurrent_initializer = c.recurrent_initializer;
  o.bias_initializer = c.bias_initializer;
  o.kernel_regularizer = c.kernel_regularizer;
  o.recurrent_regularizer = c.recurrent_regularizer;
  o.bias_regularizer = c.bias_regularizer;
  o.dropout = c.dropout;
  o.recurrent_dropout = c.recurrent_dropout;
  o.return_sequences = rnn.return_sequences;
  o.return_state = rnn.return_state;
  o.go_backwards = rnn.go_backwards;
  o.stateful = rnn.stateful;
  o.unroll = rnn.unroll;
  return o;
}

}  // namespace

/// The base keys, the cell's own keys (not its name), the RNN keys.
nlohmann::json RNN::flat_config() const {
  nlohmann::json config = Layer::get_config();
  const RNNCell& cell = *cell_;
  const nlohmann::json cell_keys = cell.get_config();
  for (auto it = cell_keys.begin(); it != cell_keys.end(); ++it) {
    if (it.key() != "name" && it.key() != "trainable" && it.key() != "dtype")
      config[it.key()] = *it;
  }
  write_rnn_config(config);
  return config;
}

namespace {

/// A config for the cell: the flat config's keys, named as Keras names the cell.
nlohmann::json cell_config(const nlohmann::json& config, const char* cell_name) {
  nlohmann::json cell = config;
  cell["name"] = cell_name;
  return cell;
}

}  // namespace

SimpleRNN::SimpleRNN(int64_t units, SimpleRNNOptions options)
    : ClonableLayer<SimpleRNN, RNN>(std::shared_ptr<RNNCell>(std::make_shared<SimpleRNNCell>(
                                        units, common_cell_part<SimpleRNNCellOptions>(options))),
                                    rnn_part(options)) {}

nlohmann::json SimpleRNN::get_config() const { return flat_config(); }

SimpleRNN SimpleRNN::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "SimpleRNN.from_config";
  const auto cell = SimpleRNNCell::from_config(cell_config(config, "simple_rnn_cell"));
  SimpleRNN layer(cell.units(),
                  layer_options<SimpleRNNOptions>(cell, read_rnn_config(config, who)));
  layer.set_zero_output_for_mask(read_rnn_config(config, who).zero_output_for_mask);
  apply_base_config(layer, config);
  return layer;
}

LSTM::LSTM(int64_t units, LSTMOptions options)
    : ClonableLayer<LSTM, RNN>(std::shared_ptr<RNNCell>(std::make_shared<LSTMCell>(
                                   units,
                                   [&] {
                                     auto c = common_cell_part<LSTMCellOptions>(options);
                                     c.recurrent_activation = options.recurrent_activation;
                                     c.unit_forget_bias = options.unit_forget_bias;
                                     return c;
                                   }())),
                               rnn_part(options)) {}

nlohmann::json LSTM::get_config() const { return flat_config(); }

LSTM LSTM::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "LSTM.from_config";
  const auto cell = LSTMCell::from_config(cell_config(config, "lstm_cell"));
  auto options = layer_options<LSTMOptions>(cell, read_rnn_config(config, who));
  options.recurrent_activation = cell.options().recurrent_activation;
  options.unit_forget_bias = cell.options().unit_forget_bias;
  LSTM layer(cell.units(), std::move(options));
  layer.set_zero_output_for_mask(read_rnn_config(config, who).zero_output_for_mask);
  apply_base_config(layer, config);
  return layer;
}

GRU::GRU(int64_t units, GRUOptions options)
    : ClonableLayer<GRU, RNN>(std::shared_ptr<RNNCell>(std::make_shared<GRUCell>(
                                  units,
                                  [&] {
                                    auto c = common_cell_part<GRUCellOptions>(options);
                                    c.recurrent_activation = options.recurrent_activation;
                                    c.reset_after = options.reset_after;
                                    return c;
                                  }())),
                              rnn_part(options)) {}

nlohmann::json GRU::get_config() const { return flat_config(); }

GRU GRU::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "GRU.from_config";
  const auto cell = GRUCell::from_config(cell_config(config, "gru_cell"));
  auto options = layer_options<GRUOptions>(cell, read_rnn_config(config, who));
  options.recurrent_activation = cell.options().recurrent_activation;
  options.reset_after = cell.options().reset_after;
  GRU layer(cell.units(), std::move(options));
  layer.set_zero_output_for_mask(read_rnn_config(config, who).zero_output_for_mask);
  apply_base_config(layer, config);
  return layer;
}

}  // namespace nabla::nn
