// Model (keras.Model): a Layer that trains. Three ways to define one, as in Keras:
//   Functional:  Tensor in = nn::Input({784}); Tensor out = nn::Dense(10)(in); nn::Model m(in,
//   out); Sequential:  nn::Sequential({nn::Input({784}), nn::Dense(10)}) (sequential.hpp)
//   Subclassing: struct Mlp : nn::Model { nn::Dense d = track(nn::Dense(10));
//                                         Tensor call(const Tensor& x, bool) override { ... } };
// then compile(), fit(), evaluate(), predict(), summary().
#pragma once

#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nabla/graph/symbolic.hpp"
#include "nabla/nn/layer.hpp"
#include "nabla/nn/losses.hpp"
#include "nabla/nn/metrics.hpp"
#include "nabla/optim/optimizer.hpp"
#include "nabla/train/callback.hpp"
#include "nabla/train/history.hpp"

namespace nabla::nn {

struct CompileOptions {
  optim::OptimizerRef optimizer = "rmsprop";
  losses::LossRef loss = {};
  std::vector<metrics::MetricRef> metrics = {};
  std::vector<double> loss_weights = {};  // one per output (multi-output models)
};

struct FitOptions {
  int64_t batch_size = 32;
  int64_t epochs = 1;
  int verbose = 1;                // 0 silent, 1 progress bar, 2 one line per epoch
  double validation_split = 0.0;  // the last fraction of x/y (before shuffling), as Keras
  std::optional<std::pair<Tensor, Tensor>> validation_data = std::nullopt;
  std::vector<callbacks::CallbackRef> callbacks = {};
  bool shuffle = true;
  std::map<int64_t, double> class_weight = {};  // class id -> weight of its samples' loss
  int64_t initial_epoch = 0;
};

struct EvaluateOptions {
  int64_t batch_size = 32;
  int verbose = 0;
};

struct PredictOptions {
  int64_t batch_size = 32;
};

class Model : public Layer, public callbacks::TrainingTarget {
 public:
  /// For subclasses (override call()).
  Model();
  /// A functional model from symbolic inputs to symbolic outputs.
  Model(const Tensor& inputs, const Tensor& outputs, std::string name = "");
  Model(std::vector<Tensor> inputs, std::vector<Tensor> outputs, std::string name = "");

  void compile(CompileOptions options);
  History fit(const Tensor& x, const Tensor& y, FitOptions options = {});
  /// {"loss": ..., <metric>: ...} over x/y, batched, in inference mode.
  std::map<std::string, double> evaluate(const Tensor& x, const Tensor& y,
                                         EvaluateOptions options = {});
  /// The outputs for x, computed in batches in inference mode.
  [[nodiscard]] Tensor predict(const Tensor& x, PredictOptions options = {});
  /// One optimisation step on one batch; returns that batch's loss and metrics.
  std::map<std::string, double> train_on_batch(const Tensor& x, const Tensor& y);
  std::map<std::string, double> test_on_batch(const Tensor& x, const Tensor& y);
  /// Keras's table: Layer (type) / Output Shape / Param # (and Connected to for functional
  /// models), then total, trainable and non-trainable parameter counts.
  void summary(std::ostream& out = std::cout) const;

  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::vector<Tensor> call_multiple(const std::vector<Tensor>& xs,
                                                  bool training) override;
  [[nodiscard]] bool multiple_inputs() const override;
  [[nodiscard]] std::shared_ptr<Layer> clone() const override;
  [[nodiscard]] std::string class_name() const override;
  [[nodiscard]] bool is_functional() const { return graph_ != nullptr; }
  [[nodiscard]] const std::shared_ptr<graph::Executor>& graph() const { return graph_; }

  // callbacks::TrainingTarget
  void set_stop_training(bool stop) override { stop_training_ = stop; }
  [[nodiscard]] bool stop_training() const override { return stop_training_; }
  [[nodiscard]] std::vector<Tensor> get_weights() const override { return Layer::get_weights(); }
  void set_weights(const std::vector<Tensor>& weights) override { Layer::set_weights(weights); }
  [[nodiscard]] double learning_rate() const override;
  void set_learning_rate(double learning_rate) override;

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

  struct Compiled;
  /// The compiled state; ValueError naming `caller` when compile() was not called.
  [[nodiscard]] Compiled& compiled(std::string_view caller) const;

 private:
  /// One optimisation step (forward, loss, gradients, update, metrics); the batch's loss.
  double train_step(const Tensor& x, const Tensor& y, const Tensor& sample_weight);
  std::shared_ptr<Compiled> compiled_;
  std::shared_ptr<graph::Executor> graph_;
  bool stop_training_ = false;
};

}  // namespace nabla::nn
