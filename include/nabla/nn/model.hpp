// Model (keras.Model): a Layer that trains. Three ways to define one, as in Keras:
//   Functional:  Tensor in = nn::Input({784}); Tensor out = nn::Dense(10)(in);
//                nn::Model m(in, out);
//   Sequential:  nn::Sequential({nn::Input({784}), nn::Dense(10)}) (sequential.hpp)
//   Subclassing: struct Mlp : nn::Model { nn::Dense d = track(nn::Dense(10));
//                                         Tensor call(const Tensor& x, bool) override { ... } };
// then compile(), fit(), evaluate(), predict(), summary() (their options: model_options.hpp).
#pragma once

#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nabla/data/dataset.hpp"
#include "nabla/graph/symbolic.hpp"
#include "nabla/nn/layer.hpp"
#include "nabla/nn/model_options.hpp"
#include "nabla/train/callback.hpp"
#include "nabla/train/history.hpp"

namespace nabla::nn {

namespace detail {
struct Batch;       // one batch of inputs, targets and sample weights (src/nn/model_batches.hpp)
class BatchSource;  // where fit/evaluate/predict take their batches from
}  // namespace detail

class Model : public Layer, public callbacks::TrainingTarget {
 public:
  /// For subclasses (override call()).
  Model();
  /// A functional model from symbolic inputs to symbolic outputs.
  Model(const Tensor& inputs, const Tensor& outputs, std::string name = "");
  Model(std::vector<Tensor> inputs, std::vector<Tensor> outputs, std::string name = "");
  /// One input, several outputs: Model(seq, {per_step, last}).
  Model(const Tensor& inputs, std::vector<Tensor> outputs, std::string name = "");

  /// Records the optimizer, the loss(es), their weights and the metrics (model_options.hpp).
  /// Specs that need the model's outputs are checked here for functional models and at the first
  /// training or test step otherwise (ValueError naming the mismatch).
  void compile(CompileOptions options);

  /// Trains on x/y in batches (Keras's fit): one tensor each, or one per model input / output
  /// (`fit(x, {y1, y2})`). Logs "loss" (the weighted total with regularization), for several
  /// losses "<output>_loss" (unweighted), the metrics, and the same with "val_" after validation.
  History fit(const Tensors& x, const Tensors& y, FitOptions options = {});
  /// Trains on a Dataset of batches. Each element holds the model's inputs, then its targets
  /// (one per output), then optionally per-sample weights [batch]: {x, y} or {x, y, w} for a
  /// single-input, single-output model. An epoch is a full pass unless steps_per_epoch is given;
  /// the progress bar shows "N/Unknown" while the number of batches is not known
  /// (Dataset::cardinality()). validation_split and shuffle do not apply (ValueError / ignored).
  History fit(const datasets::Dataset& data, FitOptions options = {});

  /// {"loss": ..., <metric>: ...} over x/y, batched, in inference mode.
  std::map<std::string, double> evaluate(const Tensors& x, const Tensors& y,
                                         EvaluateOptions options = {});
  /// The same over a Dataset laid out as fit()'s.
  std::map<std::string, double> evaluate(const datasets::Dataset& data,
                                         EvaluateOptions options = {});

  /// The output for x, computed in batches in inference mode (a single-output model).
  [[nodiscard]] Tensor predict(const Tensors& x, PredictOptions options = {});
  /// The same over a Dataset whose elements start with the model's inputs (targets, if any,
  /// are ignored, as Keras).
  [[nodiscard]] Tensor predict(const datasets::Dataset& data, PredictOptions options = {});
  /// Every output of a multi-output model, in output order.
  [[nodiscard]] std::vector<Tensor> predict_outputs(const Tensors& x, PredictOptions options = {});
  [[nodiscard]] std::vector<Tensor> predict_outputs(const datasets::Dataset& data,
                                                    PredictOptions options = {});

  /// One optimisation step on one batch; returns that batch's loss and metrics.
  std::map<std::string, double> train_on_batch(const Tensors& x, const Tensors& y);
  std::map<std::string, double> test_on_batch(const Tensors& x, const Tensors& y);

  /// Keras's output_names: the names of the layers producing a functional model's outputs
  /// (made unique with "_1", "_2", ...), the last layer's for a Sequential; empty for a
  /// subclassed model, whose outputs are named "output_0", ... once it has been called.
  [[nodiscard]] virtual std::vector<std::string> output_names() const;

  /// Keras's table: Layer (type) / Output Shape / Param # (and Connected to for functional
  /// models), then total, trainable and non-trainable parameter counts.
  void summary(std::ostream& out = std::cout) const;
  /// Keras's plot_model: the layer graph of a Functional (or built Sequential) model as Graphviz
  /// source, one box per layer with its class and output shape, and rendered to an SVG file
  /// (IOError when Graphviz's `dot` is missing; ValueError for a subclassed model, which has no
  /// layer graph: trace its call with nabla::function and save that Graph instead).
  [[nodiscard]] std::string to_dot() const;
  void plot_model(const std::string& path) const;

  /// Keras's model.save (docs/saving.md): "m.keras" writes Keras 3's archive (config.json,
  /// metadata.json, model.weights.h5), "m.h5" the legacy HDF5 file tf.keras 2.x reads. The file
  /// is replaced only once the new one is complete (temporary file, fsync, rename). A
  /// subclassed model is saved with its class name and get_config(); load it back with
  /// load_weights into a model built in C++ (or nn::load_model once its class is registered
  /// with nn::register_layer). ValueError for another extension.
  void save(const std::filesystem::path& path) override;
  /// The weights only: "w.weights.h5" in Keras 3's layout, another ".h5" name in the legacy
  /// (tf.keras) layout.
  void save_weights(const std::filesystem::path& path) override;
  /// Loads weights saved by save_weights, model.save (.keras, .h5) or Keras: every weight's
  /// shape is checked first (a ValueError names the layer and both shapes), and nothing changes
  /// unless all fit.
  void load_weights(const std::filesystem::path& path) override;

  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::vector<Tensor> call_multiple(const std::vector<Tensor>& xs,
                                                  bool training) override;
  [[nodiscard]] bool multiple_inputs() const override;
  [[nodiscard]] std::shared_ptr<Layer> clone() const override;
  [[nodiscard]] std::string class_name() const override;
  [[nodiscard]] bool is_functional() const { return graph_ != nullptr; }
  /// Keras's get_compile_config(): compile()'s arguments as Keras writes them in a .keras
  /// file's compile_config (optimizer, loss, loss_weights, metrics, run_eagerly, jit_compile);
  /// null before compile().
  [[nodiscard]] nlohmann::json get_compile_config() const;
  /// Keras's compile_from_config(): compile() with the arguments such a config describes, from
  /// nabla or Keras. ValueError for what nabla cannot rebuild (an unknown optimizer, loss or
  /// metric; a loss given as Python code).
  void compile_from_config(const nlohmann::json& config);
  /// Keras's model.optimizer: the optimizer compile() was given; null before compile().
  [[nodiscard]] std::shared_ptr<optim::Optimizer> optimizer() const;
  /// Keras's model.inputs: the symbolic inputs of a functional model, the input a Sequential
  /// declared with nn::Input; empty otherwise.
  [[nodiscard]] std::vector<Tensor> inputs() const;
  /// True for a Sequential, or a Model value copied from one.
  [[nodiscard]] bool is_sequential() const { return stack_ != nullptr; }
  [[nodiscard]] const std::shared_ptr<graph::Executor>& graph() const { return graph_; }

  // callbacks::TrainingTarget
  void set_stop_training(bool stop) override { stop_training_ = stop; }
  [[nodiscard]] bool stop_training() const override { return stop_training_; }
  [[nodiscard]] std::vector<Tensor> get_weights() const override { return Layer::get_weights(); }
  void set_weights(const std::vector<Tensor>& weights) override { Layer::set_weights(weights); }
  [[nodiscard]] double learning_rate() const override;
  void set_learning_rate(double learning_rate) override;
  void resume_at_epoch(int64_t epoch) override { resume_epoch_ = epoch; }

  /// What compile() records and the traced steps (internal: src/nn/model_compiled.hpp).
  struct Compiled;

 protected:
  /// The rows summary() prints for this model: (layer, output shape, connected-to text).
  struct SummaryRow {
    std::shared_ptr<Layer> layer;  // null for an input row
    std::string name, type;
    Shape output_shape;
    std::string connected_to;
    int64_t params = 0;
  };
  [[nodiscard]] virtual std::vector<SummaryRow> summary_rows() const;

  /// A Sequential's layers and declared input. They live here, not in Sequential, so that a
  /// Model value copied from a Sequential (nn::Model m = nn::load_model(...)) still is one.
  struct Stack {
    std::vector<std::shared_ptr<Layer>> layers;
    Tensor input;  // the symbolic input nn::Input declared, if any
  };
  std::shared_ptr<Stack> stack_;  // set by Sequential's constructors
  [[nodiscard]] std::vector<SummaryRow> sequential_summary_rows() const;  // sequential.cpp

  /// The compiled state; ValueError naming `caller` when compile() was not called.
  [[nodiscard]] Compiled& compiled(std::string_view caller) const;

 private:
  using Batch = detail::Batch;
  using BatchSource = detail::BatchSource;
  /// The model's outputs for a batch of inputs (one per input).
  [[nodiscard]] std::vector<Tensor> forward(const std::vector<Tensor>& xs, bool training);
  /// The compiled state, with its per-output specs resolved against `outputs` outputs.
  [[nodiscard]] Compiled& built_compiled(std::string_view caller, size_t outputs);
  /// One optimisation step (forward, loss, gradients, update, loss trackers and metrics).
  void train_step(const Batch& batch);
  /// One evaluation step (forward, loss, loss trackers and metrics), in inference mode.
  void test_step(const Batch& batch);
  /// The same steps through graphs traced by nabla::function (model_graph_steps.cpp): forward,
  /// loss, gradients and the optimizer's update run as one graph, and the loss trackers and
  /// metrics read the graph's results.
  void graph_train_step(const Batch& batch);
  void graph_test_step(const Batch& batch);
  void graph_step(const Batch& batch, bool training);
  [[nodiscard]] std::vector<Tensor> graph_predict_step(const Batch& batch);
  /// Whether the steps run as graphs: compiled without run_eagerly.
  [[nodiscard]] bool runs_graphs() const;
  History run_fit(BatchSource& train, BatchSource* validation, const FitOptions& options);
  std::map<std::string, double> run_evaluate(
      BatchSource& data, int verbose, const std::vector<std::shared_ptr<callbacks::Callback>>& cbs,
      bool in_fit);
  std::vector<Tensor> run_predict(BatchSource& data, const PredictOptions& options);
  [[nodiscard]] size_t input_count() const;
  [[nodiscard]] size_t output_count() const;
  std::shared_ptr<Compiled> compiled_;
  std::shared_ptr<graph::Executor> graph_;
  bool stop_training_ = false;
  std::optional<int64_t> resume_epoch_;  // set by BackupAndRestore in on_train_begin
};

}  // namespace nabla::nn
