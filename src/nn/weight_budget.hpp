// A bound on the weights a model file may make nn::load_model create. Loading builds the model a
// config describes before reading its weights, and a few bytes of corrupt or malicious config can
// describe weights of any size (a Dense of 2e9 units: a 32 GB allocation). Every weight of a
// model that loads is read from the file, each element from at least one byte, so the file's
// size bounds the number of elements: while a WeightBudget is alive on a thread, Layer::add_weight
// refuses, before allocating, a weight that takes the elements created under it past the limit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "nabla/tensor/shape.hpp"

namespace nabla::nn {

class WeightBudget {
 public:
  /// `elements`: the most weight elements the layers built on this thread may create; `who`
  /// starts the error ("load_model: m.keras"), `source` names what bounds them.
  WeightBudget(uint64_t elements, std::string who, std::string source);
  ~WeightBudget();
  WeightBudget(const WeightBudget&) = delete;
  WeightBudget& operator=(const WeightBudget&) = delete;

  /// Charges a new weight to this thread's budget, if it has one; IOError naming the layer when
  /// the weight does not fit (or its element count overflows).
  static void charge(const Shape& shape, std::string_view layer, std::string_view weight);

 private:
  uint64_t limit_;
  uint64_t used_ = 0;
  std::string who_;
  std::string source_;
  WeightBudget* outer_;
};

}  // namespace nabla::nn
