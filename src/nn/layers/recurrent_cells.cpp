// SimpleRNNCell, LSTMCell, GRUCell: the step written with ops (the readable reference, twice
// differentiable) and the fused whole-sequence path (nabla/ops/recurrent.hpp) for the options it
// covers. Dropout follows Keras 3's cells: one input mask and one recurrent mask per sequence.
#include "nabla/nn/layers/recurrent_cells.hpp"

#include "nabla/nn/layer_registry.hpp"
#include "nabla/ops/contraction.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/ops/random.hpp"
#include "nabla/ops/recurrent.hpp"
#include "nn/config_util.hpp"
#include "nn/layers/layer_config.hpp"

namespace nabla::nn {
namespace {

/// Keras's unit_forget_bias: the bias initializer everywhere but the forget gate, which starts
/// at one.
class UnitForgetBias : public initializers::Initializer {
 public:
  explicit UnitForgetBias(initializers::InitializerRef base) : base_(std::move(base)) {}
  [[nodiscard]] Tensor operator()(const Shape& shape, DType dtype) const override {
    const int64_t units = shape[0] / 4;
    const auto& base = *base_.get();
    return concatenate({base({units}, dtype), ones({units}, dtype), base({2 * units}, dtype)}, 0);
  }
  [[nodiscard]] std::string name() const override { return base_.get()->name(); }

 private:
  initializers::InitializerRef base_;
};

/// Columns [k * units, (k + 1) * units) of z [batch, n * units]: gate k.
Tensor gate(const Tensor& z, int64_t k, int64_t units) {
  return z.slice(-1, k * units, (k + 1) * units);
}

/// x [batch, steps, in] @ kernel (+ bias) as one matmul over all steps: [batch, steps, n].
Tensor project_steps(const Tensor& x, const Tensor& kernel, const Tensor& bias) {
  const int64_t batch = x.size(0), steps = x.size(1);
  Tensor y = matmul(x.reshape({batch * steps, x.size(2)}), kernel);
  if (bias.defined()) y = y + bias;
  return y.reshape({batch, steps, kernel.size(1)});
}

/// The fused path's input dropout: one mask per sample and feature, the same at every step.
Tensor sequence_dropout(const Tensor& x, double rate, bool training) {
  if (!training || rate <= 0.0) return x;
  return x * dropout(ones({x.size(0), 1, x.size(2)}, x.dtype()), rate);
}

/// The last step's state, or the initial one for an empty sequence.
Tensor last_step(const Tensor& sequence, const Tensor& initial) {
  const int64_t steps = sequence.size(1);
  return steps == 0 ? initial : sequence.select(1, steps - 1);
}

void check_step_input(const Layer& cell, const Tensor& x, const Tensor& kernel,
                      const std::vector<Tensor>& states, size_t n_states) {
  NABLA_CHECK(x.ndim() == 2 && x.size(1) == kernel.size(0), ShapeError, cell.name(), " (",
              cell.class_name(), "): expected a step input [batch, ", kernel.size(0), "], got ",
              x.shape());
  NABLA_CHECK(states.size() == n_states, ValueError, cell.name(), " (", cell.class_name(),
              "): expected ", n_states, " states, got ", states.size());
}

/// x [batch, steps, features] must have the features the kernel was built for.
void check_sequence_input(const Layer& cell, const Tensor& x, const Tensor& kernel) {
  NABLA_CHECK(x.size(2) == kernel.size(0), ShapeError, cell.name(), " (", cell.class_name(),
              "): built for ", kernel.size(0), " features per step, got inputs ", x.shape());
}

void check_rates(std::string_view who, double dropout_rate, double recurrent_rate) {
  NABLA_CHECK(dropout_rate >= 0 && dropout_rate < 1 && recurrent_rate >= 0 && recurrent_rate < 1,
              ValueError, who, ": dropout rates must be in [0, 1), got dropout=", dropout_rate,
              " recurrent_dropout=", recurrent_rate);
}

/// The config keys every cell shares, in Keras's spelling.
template <class Options>
void write_cell_config(nlohmann::json& config, int64_t units, const Options& o) {
  config["units"] = units;
  config["activation"] = o.activation.name();
  config["use_bias"] = o.use_bias;
  config["kernel_initializer"] = initializers::serialize(o.kernel_initializer);
  config["recurrent_initializer"] = initializers::serialize(o.recurrent_initializer);
  config["bias_initializer"] = initializers::serialize(o.bias_initializer);
  config["kernel_regularizer"] = regularizers::serialize(o.kernel_regularizer);
  config["recurrent_regularizer"] = regularizers::serialize(o.recurrent_regularizer);
  config["bias_regularizer"] = regularizers::serialize(o.bias_regularizer);
  detail::write_unsupported_nulls(config,
                                  {"kernel_constraint", "recurrent_constraint", "bias_constraint"});
  config["dropout"] = o.dropout;
  config["recurrent_dropout"] = o.recurrent_dropout;
  config["seed"] = nullptr;
}

template <class Options>
void read_cell_config(const nlohmann::json& config, Options& o, std::string_view who) {
  detail::check_config_object(config, who);
  detail::check_unsupported_null(
      config,
      {"kernel_constraint", "recurrent_constraint", "bias_constraint", "activity_regularizer"},
      who);
  if (config.contains("activation")) o.activation = detail::activation_from_config(config, who);
  o.use_bias = detail::config_get(config, "use_bias", o.use_bias, who);
  detail::read_initializer(config, "kernel_initializer", o.kernel_initializer);
  detail::read_initializer(config, "recurrent_initializer", o.recurrent_initializer);
  detail::read_initializer(config, "bias_initializer", o.bias_initializer);
  detail::read_regularizer(config, "kernel_regularizer", o.kernel_regularizer);
  detail::read_regularizer(config, "recurrent_regularizer", o.recurrent_regularizer);
  detail::read_regularizer(config, "bias_regularizer", o.bias_regularizer);
  o.dropout = detail::config_get(config, "dropout", o.dropout, who);
  o.recurrent_dropout = detail::config_get(config, "recurrent_dropout", o.recurrent_dropout, who);
}

/// read_cell_config plus the recurrent activation of the gated cells (LSTM, GRU).
template <class Options>
void read_gated_cell_config(const nlohmann::json& config, Options& o, std::string_view who) {
  read_cell_config(config, o, who);
  if (config.contains("recurrent_activation")) {
    o.recurrent_activation = detail::activation_from_config(
        nlohmann::json{{"activation", config["recurrent_activation"]}}, who);
  }
}

}  // namespace

// ---- RNNCell ----

std::optional<SequenceOutput> RNNCell::fused_sequence(const Tensor&, const std::vector<Tensor>&,
                                                      const Tensor&, bool) {
  return std::nullopt;
}

std::vector<Tensor> RNNCell::initial_state(int64_t batch) const {
  std::vector<Tensor> states;
  for (const int64_t size : state_size()) states.push_back(zeros({batch, size}, dtype()));
  return states;
}

void RNNCell::reset_dropout_masks() {
  input_mask_ = Tensor();
  recurrent_mask_ = Tensor();
}

void RNNCell::build_multiple(const std::vector<Shape>& input_shapes) {
  NABLA_CHECK(!input_shapes.empty(), ValueError, name(), ": a cell needs a step input");
  build(input_shapes[0]);
}

std::vector<Tensor> RNNCell::call_multiple(const std::vector<Tensor>& xs, bool training) {
  NABLA_CHECK(!xs.empty(), ValueError, name(), ": a cell is called on [x, *states]");
  CellOutput out = step(xs[0], std::vector<Tensor>(xs.begin() + 1, xs.end()), training);
  std::vector<Tensor> result{out.output};
  result.insert(result.end(), out.states.begin(), out.states.end());
  return result;
}

namespace {
Tensor apply_mask(Tensor& mask, const Tensor& x, double rate, bool training) {
  if (!training || rate <= 0.0) return x;
  if (!mask.defined() || mask.shape() != x.shape() || mask.dtype() != x.dtype()) {
    mask = dropout(ones(x.shape(), x.dtype()), rate);
  }
  return x * mask;
}
}  // namespace

Tensor RNNCell::input_dropout(const Tensor& x, double rate, bool training) {
  return apply_mask(input_mask_, x, rate, training);
}
Tensor RNNCell::recurrent_dropout(const Tensor& h, double rate, bool training) {
  return apply_mask(recurrent_mask_, h, rate, training);
}

// ---- SimpleRNNCell ----

SimpleRNNCell::SimpleRNNCell(int64_t units, SimpleRNNCellOptions options)
    : ClonableLayer<SimpleRNNCell, RNNCell>("simple_rnn_cell"),
      units_(units),
      options_(std::move(options)) {
  NABLA_CHECK(units > 0, ValueError, "SimpleRNNCell: units must be positive, got ", units);
  check_rates("SimpleRNNCell", options_.dropout, options_.recurrent_dropout);
}

void SimpleRNNCell::build(const Shape& input_shape) {
  kernel = add_weight("kernel", {input_shape[-1], units_}, options_.kernel_initializer, true,
                      options_.kernel_regularizer);
  recurrent_kernel =
      add_weight("recurrent_kernel", {units_, units_}, options_.recurrent_initializer, true,
                 options_.recurrent_regularizer);
  if (options_.use_bias) {
    bias = add_weight("bias", {units_}, options_.bias_initializer, true, options_.bias_regularizer);
  }
}

CellOutput SimpleRNNCell::step(const Tensor& x, const std::vector<Tensor>& states, bool training) {
  check_step_input(*this, x, kernel, states, 1);
  Tensor y = matmul(input_dropout(x, options_.dropout, training), kernel);
  if (bias.defined()) y = y + bias;
  y = y +
      matmul(recurrent_dropout(states[0], options_.recurrent_dropout, training), recurrent_kernel);
  const Tensor h = options_.activation(y);
  return {h, {h}};
}

std::optional<SequenceOutput> SimpleRNNCell::fused_sequence(const Tensor& x,
                                                            const std::vector<Tensor>& states,
                                                            const Tensor& mask, bool training) {
  const std::string& activation = options_.activation.name();
  const bool fusable = activation == "tanh" || activation == "relu" || activation == "sigmoid" ||
                       activation == "linear";
  check_sequence_input(*this, x, kernel);
  if (!fusable || (training && options_.recurrent_dropout > 0.0)) return std::nullopt;
  const Tensor inputs_x =
      project_steps(sequence_dropout(x, options_.dropout, training), kernel, bias);
  const Tensor h = simple_rnn_sequence(inputs_x, recurrent_kernel, states[0], mask, activation);
  return SequenceOutput{h, {last_step(h, states[0])}};
}

nlohmann::json SimpleRNNCell::get_config() const {
  nlohmann::json config = Layer::get_config();
  write_cell_config(config, units_, options_);
  return config;
}

SimpleRNNCell SimpleRNNCell::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "SimpleRNNCell.from_config";
  SimpleRNNCellOptions options;
  read_cell_config(config, options, who);
  SimpleRNNCell cell(detail::config_require<int64_t>(config, "units", who), std::move(options));
  apply_base_config(cell, config);
  return cell;
}

// ---- LSTMCell ----

LSTMCell::LSTMCell(int64_t units, LSTMCellOptions options)
    : ClonableLayer<LSTMCell, RNNCell>("lstm_cell"), units_(units), options_(std::move(options)) {
  NABLA_CHECK(units > 0, ValueError, "LSTMCell: units must be positive, got ", units);
  check_rates("LSTMCell", options_.dropout, options_.recurrent_dropout);
}

void LSTMCell::build(const Shape& input_shape) {
  kernel = add_weight("kernel", {input_shape[-1], 4 * units_}, options_.kernel_initializer, true,
                      options_.kernel_regularizer);
  recurrent_kernel =
      add_weight("recurrent_kernel", {units_, 4 * units_}, options_.recurrent_initializer, true,
                 options_.recurrent_regularizer);
  if (options_.use_bias) {
    const initializers::InitializerRef init =
        options_.unit_forget_bias ? initializers::InitializerRef(
                                        std::make_shared<UnitForgetBias>(options_.bias_initializer))
                                  : options_.bias_initializer;
    bias = add_weight("bias", {4 * units_}, init, true, options_.bias_regularizer);
  }
}

CellOutput LSTMCell::step(const Tensor& x, const std::vector<Tensor>& states, bool training) {
  check_step_input(*this, x, kernel, states, 2);
  Tensor z =
      matmul(input_dropout(x, options_.dropout, training), kernel) +
      matmul(recurrent_dropout(states[0], options_.recurrent_dropout, training), recurrent_kernel);
  if (bias.defined()) z = z + bias;
  const auto& act = options_.activation;
  const auto& recurrent_act = options_.recurrent_activation;
  const Tensor i = recurrent_act(gate(z, 0, units_)), f = recurrent_act(gate(z, 1, units_));
  const Tensor c = f * states[1] + i * act(gate(z, 2, units_));
  const Tensor h = recurrent_act(gate(z, 3, units_)) * act(c);
  return {h, {h, c}};
}

std::optional<SequenceOutput> LSTMCell::fused_sequence(const Tensor& x,
                                                       const std::vector<Tensor>& states,
                                                       const Tensor& mask, bool training) {
  check_sequence_input(*this, x, kernel);
  if (options_.activation.name() != "tanh" || options_.recurrent_activation.name() != "sigmoid" ||
      (training && options_.recurrent_dropout > 0.0)) {
    return std::nullopt;
  }
  const Tensor gates_x =
      project_steps(sequence_dropout(x, options_.dropout, training), kernel, bias);
  const LstmSequenceResult r = lstm_sequence(gates_x, recurrent_kernel, states[0], states[1], mask);
  return SequenceOutput{r.h, {last_step(r.h, states[0]), r.c_last}};
}

nlohmann::json LSTMCell::get_config() const {
  nlohmann::json config = Layer::get_config();
  write_cell_config(config, units_, options_);
  config["recurrent_activation"] = options_.recurrent_activation.name();
  config["unit_forget_bias"] = options_.unit_forget_bias;
  return config;
}

LSTMCell LSTMCell::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "LSTMCell.from_config";
  LSTMCellOptions options;
  read_gated_cell_config(config, options, who);
  options.unit_forget_bias = detail::config_get(config, "unit_forget_bias", true, who);
  LSTMCell cell(detail::config_require<int64_t>(config, "units", who), std::move(options));
  apply_base_config(cell, config);
  return cell;
}

// ---- GRUCell ----

GRUCell::GRUCell(int64_t units, GRUCellOptions options)
    : ClonableLayer<GRUCell, RNNCell>("gru_cell"), units_(units), options_(std::move(options)) {
  NABLA_CHECK(units > 0, ValueError, "GRUCell: units must be positive, got ", units);
  check_rates("GRUCell", options_.dropout, options_.recurrent_dropout);
}

void GRUCell::build(const Shape& input_shape) {
  kernel = add_weight("kernel", {input_shape[-1], 3 * units_}, options_.kernel_initializer, true,
                      options_.kernel_regularizer);
  recurrent_kernel =
      add_weight("recurrent_kernel", {units_, 3 * units_}, options_.recurrent_initializer, true,
                 options_.recurrent_regularizer);
  if (options_.use_bias) {
    const Shape shape = options_.reset_after ? Shape({2, 3 * units_}) : Shape({3 * units_});
    bias = add_weight("bias", shape, options_.bias_initializer, true, options_.bias_regularizer);
  }
}

CellOutput GRUCell::step(const Tensor& x, const std::vector<Tensor>& states, bool training) {
  check_step_input(*this, x, kernel, states, 1);
  const Tensor& h = states[0];
  const Tensor h_dropped = recurrent_dropout(h, options_.recurrent_dropout, training);
  Tensor input_bias, recurrent_bias;
  if (bias.defined()) {
    input_bias = options_.reset_after ? bias.select(0, 0) : bias;
    if (options_.reset_after) recurrent_bias = bias.select(0, 1);
  }
  Tensor mx = matmul(input_dropout(x, options_.dropout, training), kernel);
  if (input_bias.defined()) mx = mx + input_bias;
  const int64_t u = units_;
  const auto& act = options_.activation;
  const auto& recurrent_act = options_.recurrent_activation;
  Tensor hh;
  Tensor z, r;
  if (options_.reset_after) {
    Tensor mi = matmul(h_dropped, recurrent_kernel);
    if (recurrent_bias.defined()) mi = mi + recurrent_bias;
    z = recurrent_act(gate(mx, 0, u) + gate(mi, 0, u));
    r = recurrent_act(gate(mx, 1, u) + gate(mi, 1, u));
    hh = act(gate(mx, 2, u) + r * gate(mi, 2, u));
  } else {
    const Tensor mi = matmul(h_dropped, recurrent_kernel.slice(1, 0, 2 * u));
    z = recurrent_act(gate(mx, 0, u) + gate(mi, 0, u));
    r = recurrent_act(gate(mx, 1, u) + gate(mi, 1, u));
    hh = act(gate(mx, 2, u) + matmul(r * h_dropped, recurrent_kernel.slice(1, 2 * u, 3 * u)));
  }
  const Tensor h_new = z * h + (1.0 - z) * hh;
  return {h_new, {h_new}};
}

std::optional<SequenceOutput> GRUCell::fused_sequence(const Tensor& x,
                                                      const std::vector<Tensor>& states,
                                                      const Tensor& mask, bool training) {
  check_sequence_input(*this, x, kernel);
  if (!options_.reset_after || options_.activation.name() != "tanh" ||
      options_.recurrent_activation.name() != "sigmoid" ||
      (training && options_.recurrent_dropout > 0.0)) {
    return std::nullopt;
  }
  const Tensor input_bias = bias.defined() ? bias.select(0, 0) : Tensor();
  const Tensor recurrent_bias =
      bias.defined() ? bias.select(0, 1) : zeros({3 * units_}, recurrent_kernel.dtype());
  const Tensor gates_x =
      project_steps(sequence_dropout(x, options_.dropout, training), kernel, input_bias);
  const Tensor h = gru_sequence(gates_x, recurrent_kernel, recurrent_bias, states[0], mask);
  return SequenceOutput{h, {last_step(h, states[0])}};
}

nlohmann::json GRUCell::get_config() const {
  nlohmann::json config = Layer::get_config();
  write_cell_config(config, units_, options_);
  config["recurrent_activation"] = options_.recurrent_activation.name();
  config["reset_after"] = options_.reset_after;
  return config;
}

GRUCell GRUCell::from_config(const nlohmann::json& config) {
  constexpr std::string_view who = "GRUCell.from_config";
  GRUCellOptions options;
  read_gated_cell_config(config, options, who);
  options.reset_after = detail::config_get(config, "reset_after", true, who);
  GRUCell cell(detail::config_require<int64_t>(config, "units", who), std::move(options));
  apply_base_config(cell, config);
  return cell;
}

}  // namespace nabla::nn
