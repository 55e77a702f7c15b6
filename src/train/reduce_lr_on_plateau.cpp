// ReduceLROnPlateau with Keras's rules: during cooldown no wait accumulates; a reduction needs
// `patience` epochs without an improvement larger than min_delta and a rate above min_lr.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>

#include "nabla/train/callbacks.hpp"
#include "nabla/util/error.hpp"
#include "train/format.hpp"
#include "train/support.hpp"

namespace nabla::callbacks {

ReduceLROnPlateau::ReduceLROnPlateau(ReduceLROnPlateauOptions options)
    : options_(std::move(options)) {
  NABLA_CHECK(options_.factor >= 0.0 && options_.factor < 1.0, ValueError,
              "ReduceLROnPlateau: factor must be in [0, 1), got ", options_.factor);
  NABLA_CHECK(options_.patience >= 0, ValueError, "ReduceLROnPlateau: patience must be >= 0, got ",
              options_.patience);
  NABLA_CHECK(options_.cooldown >= 0, ValueError, "ReduceLROnPlateau: cooldown must be >= 0, got ",
              options_.cooldown);
  NABLA_CHECK(options_.min_lr >= 0.0, ValueError, "ReduceLROnPlateau: min_lr must be >= 0, got ",
              options_.min_lr);
  NABLA_CHECK(std::isfinite(options_.min_delta), ValueError,
              "ReduceLROnPlateau: min_delta must be finite, got ", options_.min_delta);
  maximize_ = detail::monitor_maximizes("ReduceLROnPlateau", options_.monitor, options_.mode);
  on_train_begin({});
}

void ReduceLROnPlateau::on_train_begin(const Logs&) {
  best_ = maximize_ ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  wait_ = 0;
  cooldown_counter_ = 0;
  warned_ = false;
}

void ReduceLROnPlateau::on_epoch_end(int64_t epoch, const Logs& logs) {
  TrainingTarget& model = detail::require_model(model_, "ReduceLROnPlateau");
  const auto found = logs.find(options_.monitor);
  if (found == logs.end()) {
    if (!warned_) {
      // Keras lists the logs with the learning rate it has just added to them.
      Logs available = logs;
      available["learning_rate"] = model.learning_rate();
      std::cerr << "Warning: Learning rate reduction is conditioned on metric `" << options_.monitor
                << "` which is not available. Available metrics are: "
                << detail::join_keys(available, ",") << ".\n";
      warned_ = true;
    }
    return;
  }
  const double current = found->second;
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    wait_ = 0;
  }
  const bool improved =
      maximize_ ? current > best_ + options_.min_delta : current < best_ - options_.min_delta;
  if (improved) {
    best_ = current;
    wait_ = 0;
    return;
  }
  if (cooldown_counter_ > 0) return;
  ++wait_;
  if (wait_ < options_.patience) return;
  const double old_lr = model.learning_rate();
  // Keras compares with min_lr rounded to float32 (its variables' precision), so a rate that
  // already sits at min_lr after rounding is not "reduced" again.
  if (old_lr > static_cast<double>(static_cast<float>(options_.min_lr))) {
    const double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
    model.set_learning_rate(new_lr);
    if (options_.verbose > 0) {
      std::cout << "\nEpoch " << epoch + 1 << ": ReduceLROnPlateau reducing learning rate to "
                << detail::float_repr(new_lr) << "." << std::endl;
    }
    cooldown_counter_ = options_.cooldown;
    wait_ = 0;
  }
}

}  // namespace nabla::callbacks
