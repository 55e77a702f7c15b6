// DeviceBatches (model_batches.hpp): fit/evaluate/predict's batches on the model's device,
// copied one batch ahead.
#include "nn/model_batches.hpp"

namespace nabla::nn::detail {

void DeviceBatches::begin_epoch() {
  source_.begin_epoch();
  ahead_.reset();
  primed_ = false;
}

Batch on_device(Batch batch, Device device) {
  for (Tensor& t : batch.x) t = t.to(device);
  for (Tensor& t : batch.y) t = t.to(device);
  if (batch.sample_weight.defined()) batch.sample_weight = batch.sample_weight.to(device);
  return batch;
}

std::optional<Batch> DeviceBatches::fetch() {
  std::optional<Batch> batch = source_.next();
  if (!batch) return batch;
  return on_device(std::move(*batch), device_);
}

std::optional<Batch> DeviceBatches::next() {
  if (device_.is_cpu()) return source_.next();  // nothing to overlap
  if (!primed_) {
    ahead_ = fetch();
    primed_ = true;
  }
  std::optional<Batch> current = std::move(ahead_);
  ahead_ = current ? fetch() : std::nullopt;
  return current;
}

}  // namespace nabla::nn::detail
