// The one-method callbacks: LearningRateScheduler, TerminateOnNaN and LambdaCallback.
#include <cmath>
#include <iostream>

#include "nabla/train/callbacks.hpp"
#include "nabla/util/error.hpp"
#include "train/format.hpp"
#include "train/support.hpp"

namespace nabla::callbacks {

LearningRateScheduler::LearningRateScheduler(std::function<double(int64_t, double)> schedule,
                                             int verbose)
    : schedule_(std::move(schedule)), verbose_(verbose) {
  NABLA_CHECK(static_cast<bool>(schedule_), ValueError,
              "LearningRateScheduler: the schedule function is empty");
}

void LearningRateScheduler::on_epoch_begin(int64_t epoch, const Logs&) {
  TrainingTarget& model = detail::require_model(model_, "LearningRateScheduler");
  const double learning_rate = schedule_(epoch, model.learning_rate());
  NABLA_CHECK(std::isfinite(learning_rate), ValueError,
              "LearningRateScheduler: the schedule returned ", learning_rate, " for epoch ", epoch,
              "; expected a finite learning rate");
  model.set_learning_rate(learning_rate);
  if (verbose_ > 0) {
    std::cout << "\nEpoch " << epoch + 1 << ": LearningRateScheduler setting learning rate to "
              << detail::float_repr(learning_rate) << "." << std::endl;
  }
}

void TerminateOnNaN::on_train_batch_end(int64_t batch, const Logs& logs) {
  const auto found = logs.find("loss");
  if (found == logs.end() || std::isfinite(found->second)) return;
  std::cout << "Batch " << batch << ": Invalid loss, terminating training" << std::endl;
  detail::require_model(model_, "TerminateOnNaN").set_stop_training(true);
}

void LambdaCallback::on_epoch_begin(int64_t epoch, const Logs& logs) {
  if (options_.on_epoch_begin) options_.on_epoch_begin(epoch, logs);
}
void LambdaCallback::on_epoch_end(int64_t epoch, const Logs& logs) {
  if (options_.on_epoch_end) options_.on_epoch_end(epoch, logs);
}
void LambdaCallback::on_train_batch_begin(int64_t batch, const Logs& logs) {
  if (options_.on_train_batch_begin) options_.on_train_batch_begin(batch, logs);
}
void LambdaCallback::on_train_batch_end(int64_t batch, const Logs& logs) {
  if (options_.on_train_batch_end) options_.on_train_batch_end(batch, logs);
}
void LambdaCallback::on_train_begin(const Logs& logs) {
  if (options_.on_train_begin) options_.on_train_begin(logs);
}
void LambdaCallback::on_train_end(const Logs& logs) {
  if (options_.on_train_end) options_.on_train_end(logs);
}

}  // namespace nabla::callbacks
