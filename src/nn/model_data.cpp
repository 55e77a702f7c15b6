// Checks of fit/evaluate/predict's data and the callback list they drive.
#include "nn/model_data.hpp"

#include <algorithm>

#include "nabla/train/progress_bar.hpp"

namespace nabla::nn::detail {

void check_data(const std::string& model, size_t inputs, const Tensors& x, const Tensors& y,
                bool with_targets, std::string_view caller) {
  NABLA_CHECK(x.size() == inputs, ValueError, model, ".", caller, ": the model takes ", inputs,
              " input(s), got ", x.size(), " x tensor(s)");
  NABLA_CHECK(!with_targets || y.size() > 0, ValueError, model, ".", caller, ": no y given");
  const Tensor* first = nullptr;
  for (const auto* part : {&x, &y}) {
    for (const Tensor& t : part->list()) {
      NABLA_CHECK(t.defined(), ValueError, model, ".", caller, ": x and y must be defined");
      NABLA_CHECK(t.ndim() >= 1, ShapeError, model, ".", caller,
                  ": x and y need a batch dimension, got a scalar");
      if (first == nullptr) first = &t;
      NABLA_CHECK(t.shape()[0] == first->shape()[0], ShapeError, model, ".", caller, ": x ",
                  first->shape(), " and y ", t.shape(),
                  " must have the same number of samples (first dimension)");
    }
  }
}

void check_targets(const std::string& model, size_t targets, size_t outputs,
                   std::string_view caller) {
  NABLA_CHECK(targets == outputs, ValueError, model, ".", caller, ": the model has ", outputs,
              " output(s) but ", targets, " target(s) were given (y: one tensor per output)");
}

std::unique_ptr<BatchSource> validation_batches(const std::string& model, size_t inputs,
                                                size_t outputs, const FitOptions& options) {
  const ValidationData& data = options.validation_data;
  NABLA_CHECK(!options.validation_steps || *options.validation_steps > 0, ValueError, model,
              ".fit: validation_steps must be positive, got ", *options.validation_steps);
  if (data.dataset()) {
    return dataset_batches(*data.dataset(), {.inputs = inputs,
                                             .targets = outputs,
                                             .max_steps = options.validation_steps,
                                             .continue_across_epochs = false,
                                             .caller = model + ".fit (validation_data)"});
  }
  check_data(model, inputs, data.x(), data.y(), true, "fit (validation_data)");
  return tensor_batches(data.x().list(), data.y().list(), options.batch_size, false,
                        options.validation_steps);
}

std::vector<std::shared_ptr<callbacks::Callback>> callback_list(
    const std::vector<callbacks::CallbackRef>& user, int verbose,
    const std::shared_ptr<callbacks::Callback>& history) {
  std::vector<std::shared_ptr<callbacks::Callback>> list;
  if (history != nullptr) list.push_back(history);
  const bool has_bar = std::any_of(user.begin(), user.end(), [](const auto& cb) {
    return std::dynamic_pointer_cast<callbacks::ProgressBar>(cb.get()) != nullptr;
  });
  if (verbose > 0 && !has_bar) list.push_back(std::make_shared<callbacks::ProgressBar>());
  for (const auto& cb : user) list.push_back(cb.get());
  return list;
}

bool any_needs_batch_logs(const std::vector<std::shared_ptr<callbacks::Callback>>& cbs) {
  bool any = false;
  for (const auto& cb : cbs) any = cb->needs_batch_logs() || any;
  return any;
}

}  // namespace nabla::nn::detail
