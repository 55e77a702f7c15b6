// fit/evaluate/predict steps as graphs: each step is traced once per batch signature with
// nabla::function and run without its C++ code (docs/graph.md). The train step's graph holds
// the whole step: the forward pass, the loss, the backward pass (autograd::grad, recorded
// symbolically) and the optimizer's update of the weights and its state, with the learning rate
// as an argument (its schedule is C++, evaluated before each call). The loss trackers and
// metrics read the graph's results.
#include "nabla/autograd/autograd.hpp"
#include "nabla/autograd/grad_mode.hpp"
#include "nabla/nn/model.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nn/model_batches.hpp"
#include "nn/model_compiled.hpp"
#include "nn/model_data.hpp"

namespace nabla::nn {
namespace {

using TracedStep = Model::Compiled::TracedStep;

/// A batch as the traced function's argument list: x..., y..., the sample weight if any, and
/// for the train step the learning rate (a float64 scalar).
std::vector<Tensor> step_arguments(const detail::Batch& batch, const Tensor& learning_rate) {
  std::vector<Tensor> args = batch.x;
  args.insert(args.end(), batch.y.begin(), batch.y.end());
  if (batch.sample_weight.defined()) args.push_back(batch.sample_weight);
  if (learning_rate.defined()) args.push_back(learning_rate);
  return args;
}

/// The argument list cut back into x, y, the sample weight and the learning rate.
struct StepInputs {
  std::vector<Tensor> x, y;
  Tensor sample_weight, learning_rate;
};
StepInputs split_arguments(const std::vector<Tensor>& args, size_t inputs, size_t targets,
                           bool training) {
  StepInputs in;
  in.x.assign(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(inputs));
  in.y.assign(args.begin() + static_cast<std::ptrdiff_t>(inputs),
              args.begin() + static_cast<std::ptrdiff_t>(inputs + targets));
  const size_t extra = training ? 1 : 0;
  if (args.size() > inputs + targets + extra) in.sample_weight = args[inputs + targets];
  if (training) in.learning_rate = args.back();
  return in;
}

/// Reads a step's flat result list in order.
class ResultReader {
 public:
  explicit ResultReader(std::vector<Tensor> results) : results_(std::move(results)) {}
  Tensor next() { return results_.at(position_++); }

 private:
  std::vector<Tensor> results_;
  size_t position_ = 0;
};

/// Appends what both the train and the test step return: the total loss, each output's loss,
/// the predictions, and the Keras masks of those that carry one (noted in step.masked).
void append_step_results(std::vector<Tensor>& results, const Tensor& loss,
                         const Model::Compiled::Losses& losses, const std::vector<Tensor>& y_pred,
                         TracedStep& step) {
  results.push_back(loss);
  for (const Tensor& l : losses.per_output) {
    if (l.defined()) results.push_back(l);
  }
  step.masked.clear();
  for (const Tensor& p : y_pred) {
    results.push_back(p);
    step.masked.push_back(p.keras_mask().defined());
  }
  for (const Tensor& p : y_pred) {
    if (p.keras_mask().defined()) results.push_back(p.keras_mask());
  }
}

/// Reads back what append_step_results wrote and records the losses and metrics of the batch.
void record_step_results(ResultReader& results, Model::Compiled& c, const TracedStep& step,
                         const detail::Batch& batch) {
  const Tensor loss = results.next();
  std::vector<Tensor> per_output(c.outputs.size());
  for (size_t i = 0; i < c.outputs.size(); ++i) {
    if (c.outputs[i].loss != nullptr) per_output[i] = results.next();
  }
  std::vector<Tensor> y_pred(step.masked.size());
  for (Tensor& p : y_pred) p = results.next();
  for (size_t i = 0; i < y_pred.size(); ++i) {
    if (step.masked[i]) y_pred[i].set_keras_mask(results.next());
  }
  c.record_losses(per_output, batch.size());
  c.loss_mean.add(loss, static_cast<double>(batch.size()));
  c.update_metrics(batch.y, y_pred);
}

/// Runs `step` on `args`, tracing it on first use; a trace that fails says how to run eagerly.
std::vector<Tensor> run_step(TracedStep& step, Model* model, const std::string& caller,
                             const std::vector<Tensor>& args) {
  step.model = model;
  const bool tracing = step.function->num_traces() == 0;
  NoGradGuard no_grad;  // the gradients are part of the graph: nothing to record around it
  try {
    return step.function->call(args);
  } catch (const ValueError& e) {
    if (!tracing) throw;
    NABLA_CHECK(false, ValueError, model->name(), ".", caller,
                ": the step could not be traced into a graph (", e.what(),
                "); compile with run_eagerly = true to run it op by op");
  }
  return {};
}

}  // namespace

bool Model::runs_graphs() const { return compiled_ != nullptr && !compiled_->run_eagerly; }

void Model::graph_train_step(const Batch& batch) { graph_step(batch, /*training=*/true); }

void Model::graph_test_step(const Batch& batch) { graph_step(batch, /*training=*/false); }

void Model::graph_step(const Batch& batch, bool training) {
  const char* caller = training ? "fit" : "evaluate";
  Compiled& c = compiled(caller);
  TracedStep& step = training ? c.train_step : c.test_step;
  const size_t inputs = batch.x.size(), targets = batch.y.size();
  if (step.function == nullptr) {
    auto body = [&step, inputs, targets, training, caller](const std::vector<Tensor>& args) {
      Model& model = *step.model;
      GradModeGuard grad_mode(training);  // the backward pass needs the forward recorded
      const StepInputs in = split_arguments(args, inputs, targets, training);
      const std::vector<Tensor> y_pred = model.forward(in.x, training);
      const Compiled& state = model.built_compiled(caller, y_pred.size());
      detail::check_targets(model.name(), in.y.size(), y_pred.size(), caller);
      const Compiled::Losses losses = state.compute_losses(in.y, y_pred, in.sample_weight);
      Tensor loss = losses.total;
      for (const Tensor& penalty : model.losses()) loss = loss + penalty;
      std::vector<Tensor> results;
      append_step_results(results, loss, losses, y_pred, step);
      if (!training) return results;
      const std::vector<Tensor> weights = model.trainable_weights();
      std::vector<Tensor> grads(weights.size());
      if (loss.requires_grad() && !weights.empty()) grads = autograd::grad({loss}, weights);
      step.trained_weights = weights.size();
      // Recorded into the graph: the updates of the weights and the optimizer's state and step
      // count are effects that every run applies.
      model.optimizer()->apply_gradients(grads, weights, in.learning_rate);
      return results;
    };
    step.function = std::make_unique<nabla::detail::FunctionCore>(
        std::move(body),
        FunctionOptions{
            .name = name() + "." + caller, .optimize = c.jit_compile, .unknown_batch = true});
  }
  if (training && step.function->num_traces() > 0) {
    // The graph updates the weights that were trainable when it was traced.
    const size_t trainable = trainable_weights().size();
    NABLA_CHECK(trainable == step.trained_weights, ValueError, name(), ".fit: the model has ",
                trainable, " trainable weights, but its train step was traced with ",
                step.trained_weights,
                "; call compile() again after changing which layers are trainable");
  }
  const Tensor learning_rate = training ? c.optimizer->learning_rate_tensor() : Tensor();
  ResultReader results(run_step(step, this, caller, step_arguments(batch, learning_rate)));
  record_step_results(results, c, step, batch);
}

std::vector<Tensor> Model::graph_predict_step(const Batch& batch) {
  Compiled& c = compiled("predict");
  TracedStep& step = c.predict_step;
  if (step.function == nullptr) {
    auto body = [&step](const std::vector<Tensor>& args) {
      return step.model->forward(args, false);
    };
    step.function = std::make_unique<nabla::detail::FunctionCore>(
        std::move(body),
        FunctionOptions{
            .name = name() + ".predict", .optimize = c.jit_compile, .unknown_batch = true});
  }
  return run_step(step, this, "predict", batch.x);
}

}  // namespace nabla::nn
