// The training loop (Keras's fit/evaluate/predict): batching, shuffling, validation split,
// class weights, callbacks and the progress bar; one train step = forward, loss, gradients by
// autograd::grad, optimizer update, metric updates.
#include <algorithm>
#include <cmath>

#include "nabla/autograd/autograd.hpp"
#include "nabla/nn/model.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/ops/random.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/ops/view.hpp"
#include "nabla/train/progress_bar.hpp"
#include "nn/model_compiled.hpp"

namespace nabla::nn {
namespace {

void check_pair(const Model& m, const Tensor& x, const Tensor& y, std::string_view caller) {
  NABLA_CHECK(x.defined() && y.defined(), ValueError, m.name(), ".", caller,
              ": x and y must be defined");
  NABLA_CHECK(x.ndim() >= 1 && y.ndim() >= 1 && x.shape()[0] == y.shape()[0], ShapeError, m.name(),
              ".", caller, ": x ", x.shape(), " and y ", y.shape(),
              " must have the same number of samples (first dimension)");
}

/// Rows [start, stop) of t along axis 0 (a view).
Tensor rows(const Tensor& t, int64_t start, int64_t stop) { return t.slice(0, start, stop); }

/// Per-sample weights from class_weight (Keras: weight of each sample's class, 1 if absent).
Tensor class_weights_for(const Tensor& y, const std::map<int64_t, double>& class_weight) {
  if (class_weight.empty()) return {};
  const Tensor labels = y.ndim() > 1 && y.shape()[-1] > 1 ? argmax(y, -1) : y.reshape({-1});
  int64_t classes = 0;
  for (const auto& [c, w] : class_weight) classes = std::max(classes, c + 1);
  std::vector<double> table(static_cast<size_t>(classes), 1.0);
  for (const auto& [c, w] : class_weight) table[static_cast<size_t>(c)] = w;
  const Tensor ids = clip(labels.astype(int64), 0, classes - 1);
  return take(from_vector(table).astype(float32), ids, 0);
}

}  // namespace

double Model::train_step(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  Compiled& c = compiled("fit");
  EnableGradGuard grad_mode;
  const Tensor y_pred = (*this)(x, true);
  Tensor loss = (*c.loss)(y, y_pred, sample_weight);
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
  const Tensor prediction = y_pred.detach();
  for (const auto& m : c.metrics) m->update_state(y, prediction, sample_weight);
  return loss.item<double>();
}

History Model::fit(const Tensor& x, const Tensor& y, FitOptions options) {
  Compiled& c = compiled("fit");
  check_pair(*this, x, y, "fit");
  NABLA_CHECK(options.batch_size > 0, ValueError, name(), ".fit: batch_size must be positive");
  NABLA_CHECK(options.validation_split >= 0 && options.validation_split < 1, ValueError, name(),
              ".fit: validation_split must be in [0, 1), got ", options.validation_split);
  int64_t n = x.shape()[0];
  Tensor x_train = x, y_train = y, x_val, y_val;
  if (options.validation_data) {
    std::tie(x_val, y_val) = *options.validation_data;
    check_pair(*this, x_val, y_val, "fit (validation_data)");
  } else if (options.validation_split > 0) {
    const auto split_at =
        static_cast<int64_t>(static_cast<double>(n) * (1 - options.validation_split));
    x_val = rows(x, split_at, n);
    y_val = rows(y, split_at, n);
    x_train = rows(x, 0, split_at);
    y_train = rows(y, 0, split_at);
    n = split_at;
  }
  NABLA_CHECK(n > 0, ValueError, name(), ".fit: no training samples");
  const int64_t steps = (n + options.batch_size - 1) / options.batch_size;

  auto history = std::make_shared<History>();
  std::vector<std::shared_ptr<callbacks::Callback>> cbs{history};
  if (options.verbose > 0) cbs.push_back(std::make_shared<callbacks::ProgressBar>());
  for (const auto& cb : options.callbacks) cbs.push_back(cb.get());
  for (const auto& cb : cbs) {
    cb->set_model(this);
    cb->set_params({.epochs = options.epochs, .steps = steps, .verbose = options.verbose});
  }
  stop_training_ = false;
  callbacks::Logs logs;
  for (const auto& cb : cbs) cb->on_train_begin(logs);
  for (int64_t epoch = options.initial_epoch; epoch < options.epochs && !stop_training_; ++epoch) {
    for (const auto& m : c.metrics) m->reset_state();
    for (const auto& cb : cbs) cb->on_epoch_begin(epoch, {});
    const Tensor order = options.shuffle ? random::permutation(n) : Tensor();
    double loss_sum = 0;
    int64_t seen = 0;
    logs.clear();
    for (int64_t step = 0; step < steps && !stop_training_; ++step) {
      const int64_t start = step * options.batch_size;
      const int64_t stop = std::min(n, start + options.batch_size);
      Tensor xb, yb;
      if (options.shuffle) {
        const Tensor idx = rows(order, start, stop);
        xb = take(x_train, idx, 0);
        yb = take(y_train, idx, 0);
      } else {
        xb = rows(x_train, start, stop);
        yb = rows(y_train, start, stop);
      }
      for (const auto& cb : cbs) cb->on_train_batch_begin(step, {});
      const double batch_loss = train_step(xb, yb, class_weights_for(yb, options.class_weight));
      loss_sum += batch_loss * static_cast<double>(stop - start);  // Keras: weighted by size
      seen += stop - start;
      logs["loss"] = loss_sum / static_cast<double>(seen);
      for (const auto& m : c.metrics) logs[m->name()] = m->result();
      for (const auto& cb : cbs) cb->on_train_batch_end(step, logs);
    }
    if (x_val.defined()) {
      for (const auto& [key, value] : evaluate(x_val, y_val, {.batch_size = options.batch_size})) {
        logs["val_" + key] = value;
      }
    }
    for (const auto& cb : cbs) cb->on_epoch_end(epoch, logs);
  }
  for (const auto& cb : cbs) cb->on_train_end(logs);
  return *history;
}

std::map<std::string, double> Model::evaluate(const Tensor& x, const Tensor& y,
                                              EvaluateOptions options) {
  Compiled& c = compiled("evaluate");
  check_pair(*this, x, y, "evaluate");
  NABLA_CHECK(options.batch_size > 0, ValueError, name(), ".evaluate: batch_size must be positive");
  NoGradGuard no_grad;
  for (const auto& m : c.metrics) m->reset_state();
  const int64_t n = x.shape()[0];
  double loss_sum = 0;
  for (int64_t start = 0; start < n; start += options.batch_size) {
    const int64_t stop = std::min(n, start + options.batch_size);
    const Tensor xb = rows(x, start, stop), yb = rows(y, start, stop);
    const Tensor y_pred = (*this)(xb, false);
    Tensor loss = (*c.loss)(yb, y_pred);
    for (const Tensor& penalty : losses()) loss = loss + penalty;
    loss_sum += loss.item<double>() * static_cast<double>(stop - start);
    for (const auto& m : c.metrics) m->update_state(yb, y_pred);
  }
  std::map<std::string, double> result{{"loss", n > 0 ? loss_sum / static_cast<double>(n) : NAN}};
  for (const auto& m : c.metrics) result[m->name()] = m->result();
  return result;
}

Tensor Model::predict(const Tensor& x, PredictOptions options) {
  NABLA_CHECK(x.defined() && x.ndim() >= 1, ValueError, name(),
              ".predict: x must have a batch "
              "dimension");
  NABLA_CHECK(options.batch_size > 0, ValueError, name(), ".predict: batch_size must be positive");
  NoGradGuard no_grad;
  const int64_t n = x.shape()[0];
  std::vector<Tensor> parts;
  for (int64_t start = 0; start < n; start += options.batch_size) {
    parts.push_back((*this)(rows(x, start, std::min(n, start + options.batch_size)), false));
  }
  if (parts.empty()) {
    // An empty batch still goes through the model once, for the output's trailing shape.
    return (*this)(x, false);
  }
  return parts.size() == 1 ? parts[0] : concatenate(parts, 0);
}

std::map<std::string, double> Model::train_on_batch(const Tensor& x, const Tensor& y) {
  Compiled& c = compiled("train_on_batch");
  check_pair(*this, x, y, "train_on_batch");
  for (const auto& m : c.metrics) m->reset_state();
  std::map<std::string, double> logs{{"loss", train_step(x, y, {})}};
  for (const auto& m : c.metrics) logs[m->name()] = m->result();
  return logs;
}

std::map<std::string, double> Model::test_on_batch(const Tensor& x, const Tensor& y) {
  return evaluate(x, y, {.batch_size = std::max<int64_t>(1, x.defined() ? x.shape()[0] : 1)});
}

}  // namespace nabla::nn
