// WeightBudget: a thread's innermost budget, charged by Layer::add_weight.
#include "nn/weight_budget.hpp"

#include "nabla/util/error.hpp"

namespace nabla::nn {
namespace {
thread_local WeightBudget* current = nullptr;
}  // namespace

WeightBudget::WeightBudget(uint64_t elements, std::string who, std::string source)
    : limit_(elements), who_(std::move(who)), source_(std::move(source)), outer_(current) {
  current = this;
}

WeightBudget::~WeightBudget() { current = outer_; }

void WeightBudget::charge(const Shape& shape, std::string_view layer, std::string_view weight) {
  WeightBudget* budget = current;
  if (budget == nullptr) return;
  uint64_t elements = 1;
  bool fits = true;
  for (const int64_t d : shape) {
    fits = fits && d >= 0 && !__builtin_mul_overflow(elements, static_cast<uint64_t>(d), &elements);
  }
  fits = fits && elements <= budget->limit_ - budget->used_;
  NABLA_CHECK(fits, IOError, budget->who_, ": the model config asks for weight '", weight,
              "' of shape ", shape, " in layer '", layer, "', more weights than the ",
              budget->limit_, " bytes of ", budget->source_,
              " can hold (a corrupt config, or weights missing from the file)");
  budget->used_ += elements;
}

}  // namespace nabla::nn
