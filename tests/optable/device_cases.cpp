// Op-table row for to_device, the copy between devices behind Tensor::to. Tensor::to returns a
// tensor already on the device unchanged, so the row dispatches the op itself, CPU to CPU (the
// CPU backend's copy kernel): an exact copy into new memory, whose gradient is the gradient
// copied back. The copies that involve a GPU run in test_cuda_tensor.cpp where one is visible.
#include "ops/dispatch.hpp"
#include "optable/op_table.hpp"

namespace optable {
namespace {

using namespace nabla;

Tensor to_device_op(const Tensor& x, Device device) {
  const OpDef* op = OpRegistry::find("to_device");
  return dispatch1(*op, {x.contiguous()}, Attrs{{"device", device}, {"from", x.device()}});
}

OpCase to_device_case(std::string name, DType dtype) {
  return OpCase{
      .name = std::move(name),
      .inputs = {{Shape{3, 4}, dtype}},
      .run = [](const std::vector<Tensor>& t) { return to_device_op(t[0], Device::cpu()); },
      .reference = [](const std::vector<Ref>& r) { return r[0]; },
      .expected_dtype = dtype,
      .tolerance = 0.0,
      .grad_order = is_floating(dtype) ? 2 : 0};
}

NABLA_OP_CASES({to_device_case("to_device_float32", float32),
                to_device_case("to_device_int64", int64)});

}  // namespace
}  // namespace optable
