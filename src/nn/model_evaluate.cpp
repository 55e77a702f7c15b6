// Inference loops (Keras's evaluate and predict, on tensors or a Dataset): batches in inference
// mode, the loss trackers and metrics for evaluate, the concatenated outputs for predict, with
// callbacks and the progress bar.
#include <algorithm>
#include <limits>

#include "nabla/autograd/grad_mode.hpp"
#include "nabla/nn/model.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nn/model_batches.hpp"
#include "nn/model_compiled.hpp"
#include "nn/model_data.hpp"

namespace nabla::nn {

using detail::Batch;
using detail::BatchSource;

void Model::test_step(const Batch& batch) {
  if (runs_graphs()) return graph_test_step(batch);
  NoGradGuard no_grad;
  const std::vector<Tensor> y_pred = forward(batch.x, false);
  Compiled& c = built_compiled("evaluate", y_pred.size());
  detail::check_targets(name(), batch.y.size(), y_pred.size(), "evaluate");
  const Compiled::Losses batch_losses = c.compute_losses(batch.y, y_pred, batch.sample_weight);
  c.record_losses(batch_losses.per_output, batch.size());
  Tensor loss = batch_losses.total;
  for (const Tensor& penalty : losses()) loss = loss + penalty;
  c.loss_mean.add(loss, static_cast<double>(batch.size()));
  c.update_metrics(batch.y, y_pred);
}

std::map<std::string, double> Model::run_evaluate(
    BatchSource& data, int verbose, const std::vector<std::shared_ptr<callbacks::Callback>>& cbs,
    bool in_fit) {
  if (!in_fit) {
    for (const auto& cb : cbs) {
      cb->set_model(this);
      cb->set_params({.epochs = 1, .steps = data.steps(), .verbose = verbose});
    }
  }
  if (compiled_->built()) compiled_->reset_metrics();
  for (const auto& cb : cbs) cb->on_test_begin({});
  detail::DeviceBatches batches(data, device());
  batches.begin_epoch();
  callbacks::Logs logs;
  for (int64_t step = 0;; ++step) {
    std::optional<Batch> batch = batches.next();
    if (!batch) break;
    for (const auto& cb : cbs) cb->on_test_batch_begin(step, {});
    test_step(*batch);
    logs = detail::any_needs_batch_logs(cbs) ? compiled_->results() : callbacks::Logs{};
    for (const auto& cb : cbs) cb->on_test_batch_end(step, logs);
  }
  // No batch (empty data): the loss is NaN, the metrics their initial values.
  logs = compiled_->built() ? compiled_->results() : callbacks::Logs{};
  if (!logs.contains("loss")) logs["loss"] = std::numeric_limits<double>::quiet_NaN();
  for (const auto& cb : cbs) cb->on_test_end(logs);
  return logs;
}

std::map<std::string, double> Model::evaluate(const Tensors& x, const Tensors& y,
                                              EvaluateOptions options) {
  (void)compiled("evaluate");
  detail::check_data(name(), input_count(), x, y, true, "evaluate");
  NABLA_CHECK(options.batch_size > 0, ValueError, name(), ".evaluate: batch_size must be positive");
  auto data = detail::tensor_batches(x.list(), y.list(), options.batch_size, false, options.steps);
  return run_evaluate(*data, options.verbose,
                      detail::callback_list(options.callbacks, options.verbose, nullptr), false);
}

std::map<std::string, double> Model::evaluate(const datasets::Dataset& data,
                                              EvaluateOptions options) {
  (void)compiled("evaluate");
  auto batches = detail::dataset_batches(data, {.inputs = input_count(),
                                                .targets = output_count(),
                                                .max_steps = options.steps,
                                                .continue_across_epochs = false,
                                                .caller = name() + ".evaluate"});
  return run_evaluate(*batches, options.verbose,
                      detail::callback_list(options.callbacks, options.verbose, nullptr), false);
}

std::map<std::string, double> Model::test_on_batch(const Tensors& x, const Tensors& y) {
  (void)compiled("test_on_batch");
  detail::check_data(name(), input_count(), x, y, true, "test_on_batch");
  auto data = detail::tensor_batches(
      x.list(), y.list(), std::max<int64_t>(1, x.list().front().shape()[0]), false, std::nullopt);
  return run_evaluate(*data, 0, {}, false);
}

std::vector<Tensor> Model::run_predict(BatchSource& data, const PredictOptions& options) {
  const auto cbs = detail::callback_list(options.callbacks, options.verbose, nullptr);
  for (const auto& cb : cbs) {
    cb->set_model(this);
    cb->set_params({.epochs = 1, .steps = data.steps(), .verbose = options.verbose});
  }
  NoGradGuard no_grad;
  for (const auto& cb : cbs) cb->on_predict_begin({});
  detail::DeviceBatches batches(data, device());
  batches.begin_epoch();
  std::vector<std::vector<Tensor>> parts;  // [output][batch]
  for (int64_t step = 0;; ++step) {
    std::optional<Batch> batch = batches.next();
    if (!batch) break;
    for (const auto& cb : cbs) cb->on_predict_batch_begin(step, {});
    const std::vector<Tensor> outputs =
        runs_graphs() ? graph_predict_step(*batch) : forward(batch->x, false);
    parts.resize(outputs.size());
    // Keras's predict returns host arrays: the outputs come back to the CPU.
    for (size_t i = 0; i < outputs.size(); ++i) parts[i].push_back(outputs[i].cpu());
    for (const auto& cb : cbs) cb->on_predict_batch_end(step, {});
  }
  for (const auto& cb : cbs) cb->on_predict_end({});
  std::vector<Tensor> result;
  for (const auto& p : parts) result.push_back(p.size() == 1 ? p[0] : concatenate(p, 0));
  return result;
}

std::vector<Tensor> Model::predict_outputs(const Tensors& x, PredictOptions options) {
  detail::check_data(name(), input_count(), x, {}, false, "predict");
  NABLA_CHECK(options.batch_size > 0, ValueError, name(), ".predict: batch_size must be positive");
  if (x.list().front().shape()[0] == 0) {
    // An empty batch still goes through the model once, for the outputs' trailing shapes.
    NoGradGuard no_grad;
    return forward(x.list(), false);
  }
  auto data = detail::tensor_batches(x.list(), {}, options.batch_size, false, options.steps);
  return run_predict(*data, options);
}

std::vector<Tensor> Model::predict_outputs(const datasets::Dataset& data, PredictOptions options) {
  auto batches = detail::dataset_batches(data, {.inputs = input_count(),
                                                .targets = 0,
                                                .max_steps = options.steps,
                                                .continue_across_epochs = false,
                                                .caller = name() + ".predict"});
  std::vector<Tensor> outputs = run_predict(*batches, options);
  NABLA_CHECK(!outputs.empty(), ValueError, name(), ".predict: the dataset yielded no batches");
  return outputs;
}

namespace {
Tensor single_output(const Model& model, std::vector<Tensor> outputs) {
  NABLA_CHECK(outputs.size() == 1, ValueError, model.name(), ".predict: the model has ",
              outputs.size(), " outputs; use predict_outputs()");
  return outputs.front();
}
}  // namespace

Tensor Model::predict(const Tensors& x, PredictOptions options) {
  return single_output(*this, predict_outputs(x, std::move(options)));
}

Tensor Model::predict(const datasets::Dataset& data, PredictOptions options) {
  return single_output(*this, predict_outputs(data, std::move(options)));
}

}  // namespace nabla::nn
