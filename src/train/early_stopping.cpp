// EarlyStopping with Keras 3's rules: `wait` counts every monitored epoch and restarts only on
// an improvement that also beats the baseline; stopping needs wait >= patience past epoch 0.
#include <cmath>
#include <iostream>
#include <limits>

#include "nabla/train/callbacks.hpp"
#include "nabla/util/error.hpp"
#include "train/support.hpp"

namespace nabla::callbacks {

EarlyStopping::EarlyStopping(EarlyStoppingOptions options) : options_(std::move(options)) {
  NABLA_CHECK(options_.patience >= 0, ValueError, "EarlyStopping: patience must be >= 0, got ",
              options_.patience);
  NABLA_CHECK(options_.start_from_epoch >= 0, ValueError,
              "EarlyStopping: start_from_epoch must be >= 0, got ", options_.start_from_epoch);
  NABLA_CHECK(std::isfinite(options_.min_delta), ValueError,
              "EarlyStopping: min_delta must be finite, got ", options_.min_delta);
  maximize_ = detail::monitor_maximizes("EarlyStopping", options_.monitor, options_.mode);
  // Keras takes |min_delta| and applies it in the direction of improvement.
  options_.min_delta = std::abs(options_.min_delta);
  best_ = maximize_ ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
}

bool EarlyStopping::improves(double value, double reference) const {
  return maximize_ ? value - options_.min_delta > reference
                   : value + options_.min_delta < reference;
}

void EarlyStopping::on_train_begin(const Logs&) {
  // The same instance may drive several fit() calls.
  wait_ = 0;
  stopped_epoch_ = -1;
  best_epoch_ = -1;
  best_weights_.clear();
  have_best_weights_ = false;
  warned_ = false;
  best_ = maximize_ ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
}

void EarlyStopping::on_epoch_end(int64_t epoch, const Logs& logs) {
  const auto found = logs.find(options_.monitor);
  if (found == logs.end()) {
    if (!warned_) {
      std::cerr << "Warning: Early stopping conditioned on metric `" << options_.monitor
                << "` which is not available. Available metrics are: "
                << detail::join_keys(logs, ",") << "\n";
      warned_ = true;
    }
    return;
  }
  if (epoch < options_.start_from_epoch) return;  // warm-up: not monitored
  TrainingTarget& model = detail::require_model(model_, "EarlyStopping");
  const double current = found->second;
  if (options_.restore_best_weights && !have_best_weights_) {
    // Until something better shows up, the first monitored epoch is the best one.
    best_weights_ = model.get_weights();
    have_best_weights_ = true;
    best_epoch_ = epoch;
  }
  ++wait_;
  if (improves(current, best_)) {
    best_ = current;
    best_epoch_ = epoch;
    if (options_.restore_best_weights) best_weights_ = model.get_weights();
    if (!options_.baseline || improves(current, *options_.baseline)) wait_ = 0;
    return;
  }
  if (wait_ >= options_.patience && epoch > 0) {
    stopped_epoch_ = epoch;
    model.set_stop_training(true);
  }
}

void EarlyStopping::on_train_end(const Logs&) {
  if (stopped_epoch_ > 0 && options_.verbose > 0) {
    std::cout << "Epoch " << stopped_epoch_ + 1 << ": early stopping" << std::endl;
  }
  if (options_.restore_best_weights && have_best_weights_) {
    if (options_.verbose > 0) {
      std::cout << "Restoring model weights from the end of the best epoch: " << best_epoch_ + 1
                << "." << std::endl;
    }
    detail::require_model(model_, "EarlyStopping").set_weights(best_weights_);
    best_weights_.clear();  // a model-sized copy: not kept once restored
    have_best_weights_ = false;
  }
}

}  // namespace nabla::callbacks
