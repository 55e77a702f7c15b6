// Layer::to: moving a layer's weights between devices in place (layer.hpp says why in place).
#include "autograd/node.hpp"
#include "nabla/autograd/grad_mode.hpp"
#include "nabla/nn/layer.hpp"
#include "nn/layer_state.hpp"

namespace nabla::nn {
namespace {

/// Points `t`'s TensorImpl at a copy of its data on `device`: every handle of `t` (a layer's
/// member, an optimizer's slot key) sees the move.
void move_in_place(const Tensor& t, Device device) {
  if (!t.defined() || t.device() == device) return;
  const Tensor moved = t.to(device);
  TensorImpl& impl = t.impl();
  impl.storage = moved.storage();
  impl.layout = moved.layout();
  impl.device = device;
}

}  // namespace

void Layer::to(Device device) {
  NoGradGuard no_grad;  // a copy of a weight, not an op of the model
  LayerState& s = state();
  s.device = device;
  for (const LayerState::Weight& w : s.weights) {
    move_in_place(w.value, device);
    if (const auto& meta = w.value.impl().autograd; meta != nullptr) {
      move_in_place(meta->grad, device);
    }
  }
  for (const auto& layer : s.sublayers) layer->to(device);
}

Device Layer::device() const { return state().device; }

}  // namespace nabla::nn
