// The checks and set-up shared by fit(), evaluate() and predict(): the data's shapes against
// the model, the validation batches, and the callback list with its default progress bar.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nabla/nn/model.hpp"
#include "nn/model_batches.hpp"

namespace nabla::nn::detail {

/// ValueError/ShapeError naming `caller` unless x has one defined tensor per model input, y (when
/// `with_targets`) at least one, and all have the same number of rows (axis 0).
void check_data(const std::string& model, size_t inputs, const Tensors& x, const Tensors& y,
                bool with_targets, std::string_view caller);

/// ValueError unless one target was given per model output.
void check_targets(const std::string& model, size_t targets, size_t outputs,
                   std::string_view caller);

/// fit()'s validation batches: tensors batched by options.batch_size, or the dataset's batches,
/// at most options.validation_steps of them.
[[nodiscard]] std::unique_ptr<BatchSource> validation_batches(const std::string& model,
                                                              size_t inputs, size_t outputs,
                                                              const FitOptions& options);

/// What fit/evaluate/predict call: `history` (if any), a ProgressBar for verbose > 0 unless the
/// user's callbacks hold one (Keras's CallbackList), then the user's callbacks.
[[nodiscard]] std::vector<std::shared_ptr<callbacks::Callback>> callback_list(
    const std::vector<callbacks::CallbackRef>& user, int verbose,
    const std::shared_ptr<callbacks::Callback>& history);

/// Whether some callback reads the next batch's logs. Every callback is asked (a ProgressBar
/// remembers its answer for the update that follows); when none does, the loop skips reading the
/// running results, which on a GPU would wait for the step to finish.
[[nodiscard]] bool any_needs_batch_logs(
    const std::vector<std::shared_ptr<callbacks::Callback>>& cbs);

}  // namespace nabla::nn::detail
