// The training loop (Keras's fit): batches from tensors (validation split, shuffling) or from a
// Dataset, class weights, callbacks and the progress bar; one train step = forward, weighted
// loss, gradients by autograd::grad, optimizer update, loss trackers and metrics.
#include "nabla/autograd/autograd.hpp"
#include "nabla/nn/model.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/train/progress_bar.hpp"
#include "nn/model_batches.hpp"
#include "nn/model_compiled.hpp"
#include "nn/model_data.hpp"

namespace nabla::nn {

using detail::Batch;
using detail::BatchSource;

void Model::train_step(const Batch& batch) {
  if (runs_graphs()) return graph_train_step(batch);
  EnableGradGuard grad_mode;
  const std::vector<Tensor> y_pred = forward(batch.x, true);
  Compiled& c = built_compiled("fit", y_pred.size());
  detail::check_targets(name(), batch.y.size(), y_pred.size(), "fit");
  const Compiled::Losses batch_losses = c.compute_losses(batch.y, y_pred, batch.sample_weight);
  c.record_losses(batch_losses.per_output, batch.size());
  Tensor loss = batch_losses.total;
  for (const Tensor& penalty : losses()) loss = loss + penalty;
  const std::vector<Tensor> weights = trainable_weights();
  std::vector<Tensor> grads;
  if (loss.requires_grad() && !weights.empty()) {
    grads = autograd::grad({loss}, weights);
  } else {
    grads.resize(weights.size());
  }
  c.optimizer->apply_gradients(grads, weights);
  NoGradGuard no_grad;
  c.loss_mean.add(loss, static_cast<double>(batch.size()));
  std::vector<Tensor> predictions;
  for (const Tensor& p : y_pred) {
    predictions.push_back(p.detach());
    predictions.back().set_keras_mask(p.keras_mask());  // detach() drops it; metrics use it
  }
  c.update_metrics(batch.y, predictions);
}

History Model::fit(const Tensors& x, const Tensors& y, FitOptions options) {
  (void)compiled("fit");
  detail::check_data(name(), input_count(), x, y, true, "fit");
  NABLA_CHECK(options.batch_size > 0, ValueError, name(), ".fit: batch_size must be positive");
  NABLA_CHECK(options.validation_split >= 0 && options.validation_split < 1, ValueError, name(),
              ".fit: validation_split must be in [0, 1), got ", options.validation_split);
  NABLA_CHECK(!options.steps_per_epoch, ValueError, name(),
              ".fit: steps_per_epoch applies to a Dataset; with tensors an epoch is one pass");
  std::vector<Tensor> x_train = x.list(), y_train = y.list();
  std::unique_ptr<BatchSource> validation;
  const int64_t n = x_train.front().shape()[0];
  int64_t n_train = n;
  if (options.validation_data.defined()) {
    validation = detail::validation_batches(name(), input_count(), output_count(), options);
  } else if (options.validation_split > 0) {
    // The last fraction, before shuffling, as Keras.
    n_train = static_cast<int64_t>(static_cast<double>(n) * (1 - options.validation_split));
    std::vector<Tensor> x_val, y_val;
    for (Tensor& t : x_train) {
      x_val.push_back(t.slice(0, n_train, n));
      t = t.slice(0, 0, n_train);
    }
    for (Tensor& t : y_train) {
      y_val.push_back(t.slice(0, n_train, n));
      t = t.slice(0, 0, n_train);
    }
    validation = detail::tensor_batches(std::move(x_val), std::move(y_val), options.batch_size,
                                        false, std::nullopt);
  }
  NABLA_CHECK(n_train > 0, ValueError, name(), ".fit: no training samples");
  auto train = detail::tensor_batches(std::move(x_train), std::move(y_train), options.batch_size,
                                      options.shuffle, std::nullopt);
  return run_fit(*train, validation.get(), options);
}

History Model::fit(const datasets::Dataset& data, FitOptions options) {
  (void)compiled("fit");
  NABLA_CHECK(options.validation_split == 0, ValueError, name(),
              ".fit: validation_split needs tensors; pass validation_data for a Dataset");
  NABLA_CHECK(!options.steps_per_epoch || *options.steps_per_epoch > 0, ValueError, name(),
              ".fit: steps_per_epoch must be positive, got ", options.steps_per_epoch.value_or(0));
  auto train =
      detail::dataset_batches(data, {.inputs = input_count(),
                                     .targets = output_count(),
                                     .max_steps = options.steps_per_epoch,
                                     .continue_across_epochs = options.steps_per_epoch.has_value(),
                                     .caller = name() + ".fit"});
  std::unique_ptr<BatchSource> validation;
  if (options.validation_data.defined()) {
    validation = detail::validation_batches(name(), input_count(), output_count(), options);
  }
  return run_fit(*train, validation.get(), options);
}

History Model::run_fit(BatchSource& train, BatchSource* validation, const FitOptions& options) {
  NABLA_CHECK(options.class_weight.empty() || output_count() == 1, ValueError, name(),
              ".fit: class_weight is only supported for models with a single output");
  auto history = std::make_shared<History>();
  const std::vector<std::shared_ptr<callbacks::Callback>> cbs =
      detail::callback_list(options.callbacks, options.verbose, history);
  for (const auto& cb : cbs) {
    cb->set_model(this);
    cb->set_params({.epochs = options.epochs, .steps = train.steps(), .verbose = options.verbose});
  }
  detail::DeviceBatches batches(train, device());
  stop_training_ = false;
  resume_epoch_.reset();
  callbacks::Logs logs;
  for (const auto& cb : cbs) cb->on_train_begin(logs);
  const int64_t first_epoch = resume_epoch_.value_or(options.initial_epoch);
  for (int64_t epoch = first_epoch; epoch < options.epochs && !stop_training_; ++epoch) {
    if (compiled_->built()) compiled_->reset_metrics();
    for (const auto& cb : cbs) cb->on_epoch_begin(epoch, {});
    batches.begin_epoch();
    int64_t step = 0;
    for (; !stop_training_; ++step) {
      std::optional<Batch> batch = batches.next();
      if (!batch) break;
      if (!options.class_weight.empty()) {
        NABLA_CHECK(!batch->sample_weight.defined(), ValueError, name(),
                    ".fit: class_weight and sample weights cannot be used together");
        batch->sample_weight = detail::class_weights_for(batch->y.front(), options.class_weight);
      }
      for (const auto& cb : cbs) cb->on_train_batch_begin(step, {});
      train_step(*batch);
      logs = detail::any_needs_batch_logs(cbs) ? compiled_->results() : callbacks::Logs{};
      for (const auto& cb : cbs) cb->on_train_batch_end(step, logs);
    }
    logs = compiled_->results();
    NABLA_CHECK(step > 0 || stop_training_, ValueError, name(), ".fit: epoch ", epoch + 1,
                " got no batches (empty data)");
    if (validation != nullptr) {
      for (const auto& [key, value] : run_evaluate(*validation, 0, cbs, true)) {
        logs["val_" + key] = value;
      }
    }
    for (const auto& cb : cbs) cb->on_epoch_end(epoch, logs);
  }
  for (const auto& cb : cbs) cb->on_train_end(logs);
  return *history;
}

std::map<std::string, double> Model::train_on_batch(const Tensors& x, const Tensors& y) {
  Compiled& c = compiled("train_on_batch");
  detail::check_data(name(), input_count(), x, y, true, "train_on_batch");
  if (c.built()) c.reset_metrics();
  train_step(detail::on_device({.x = x.list(), .y = y.list(), .sample_weight = {}}, device()));
  return c.results();
}

}  // namespace nabla::nn
