// The reverse-mode engine's entry points beyond Tensor::backward (docs/autodiff.md):
// torch.autograd.backward and torch.autograd.grad for several tensors at once.
#pragma once

#include <vector>

#include "nabla/autograd/grad_mode.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla::autograd {

struct BackwardOptions {
  bool retain_graph = false;  // keep the saved tensors for another backward through this graph
  bool create_graph = false;  // record the backward pass (implies retain_graph)
};

/// Accumulates d(sum_k <outputs[k], grad_outputs[k]>)/d(leaf) into every leaf's grad().
/// grad_outputs may be empty when every output has one element (gradient 1).
void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs = {},
              BackwardOptions options = {});

/// Returns d(sum_k <outputs[k], grad_outputs[k]>)/d(inputs[i]) without touching grad(). An input
/// the outputs do not depend on gets an undefined Tensor. inputs may be any tensors of the
/// graph (leaves or intermediate results).
[[nodiscard]] std::vector<Tensor> grad(const std::vector<Tensor>& outputs,
                                       const std::vector<Tensor>& inputs,
                                       const std::vector<Tensor>& grad_outputs = {},
                                       BackwardOptions options = {});

}  // namespace nabla::autograd
