// LayerOutputs: what calling a layer that may return several tensors gives back (recurrent
// layers with return_state, Bidirectional with merge_mode none). It is the list of outputs and
// converts to a Tensor when there is exactly one, so both spellings work:
//   Tensor h = nn::LSTM(64)(x);                                   // the one output
//   auto outs = nn::LSTM(64, {.return_state = true})(x);          // {output, h, c}
#pragma once

#include <utility>
#include <vector>

#include "nabla/tensor/tensor.hpp"
#include "nabla/util/error.hpp"

namespace nabla::nn {

class LayerOutputs : public std::vector<Tensor> {
 public:
  LayerOutputs() = default;
  explicit LayerOutputs(std::vector<Tensor> outputs) : std::vector<Tensor>(std::move(outputs)) {}
  /// The single output; a ValueError when the call returned several (index them instead).
  operator Tensor() const {  // NOLINT: implicit by design
    NABLA_CHECK(size() == 1, ValueError, "the layer returned ", size(),
                " outputs (return_state or merge_mode none): index them, e.g. outs[0]");
    return front();
  }
};

}  // namespace nabla::nn
