// Validation of optimizer options, shared by the optimizer constructors so that every bad option
// fails at construction with the optimizer's name, not later inside a training step.
#pragma once

#include <string_view>

#include "nabla/optim/optimizer.hpp"

namespace nabla::optim::detail {

/// At most one of clipnorm / clipvalue / global_clipnorm (Keras refuses combinations), each > 0.
void check_clip(std::string_view optimizer, const ClipOptions& clip);
/// low <= value <= high (or < high when !high_inclusive), else ValueError naming the option.
void check_range(std::string_view optimizer, std::string_view option, double value, double low,
                 double high, bool high_inclusive = true);
/// value >= 0, else ValueError naming the option.
void check_non_negative(std::string_view optimizer, std::string_view option, double value);

}  // namespace nabla::optim::detail
