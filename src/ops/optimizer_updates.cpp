// The fused optimizer update ops. Note [Fused optimizer updates]: a composite Adam step on a
// weight makes about a dozen elementwise passes, each allocating its result, and in-place ops
// add a copy; the fused kernel reads weight, gradient and state once and writes them back in
// place. These ops mutate their inputs and have no outputs (OpDef::written_inputs): dispatch()
// runs the kernel and bumps the storages' versions like every in-place write, or, inside a
// trace, records the update as an effect of the graph. An optimizer update is never
// differentiated.
#include "ops/optimizer_updates.hpp"

#include <vector>

#include "ops/dispatch.hpp"

namespace nabla {
namespace {

/// Input 2 of the update ops: the per-step values, float64 [2].
constexpr size_t kScalarsInput = 2;

/// Inputs: weight, grad, the per-step scalars (float64 [2]), then state tensors; the weight, the
/// gradient and the states have one shape and one float dtype; all contiguous, on one device.
std::vector<TensorSpec> update_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  NABLA_CHECK(in.size() > kScalarsInput, ValueError, op.name, ": expected at least 3 inputs, got ",
              in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    NABLA_CHECK(in[i].defined(), ValueError, op.name, ": input ", i, " is undefined");
  }
  const Tensor& w = in[0];
  NABLA_CHECK(w.dtype() == DType::Float32 || w.dtype() == DType::Float64, DTypeError, op.name,
              ": weight must be float32 or float64, got ", w.dtype());
  const Tensor& scalars = in[kScalarsInput];
  NABLA_CHECK(scalars.shape() == Shape{2} && scalars.dtype() == DType::Float64, ValueError, op.name,
              ": the step scalars must be a float64 [2] tensor, got ", scalars.shape(), " ",
              scalars.dtype());
  for (size_t i = 0; i < in.size(); ++i) {
    const bool state = i != kScalarsInput;
    NABLA_CHECK(!state || in[i].shape() == w.shape(), ShapeError, op.name, ": input ", i,
                " has shape ", in[i].shape(), ", the weight ", w.shape());
    NABLA_CHECK(!state || in[i].dtype() == w.dtype(), DTypeError, op.name, ": input ", i, " is ",
                in[i].dtype(), ", the weight ", w.dtype());
    NABLA_CHECK(in[i].device() == w.device(), DeviceError, op.name, ": input ", i, " is on ",
                in[i].device(), ", the weight on ", w.device());
    NABLA_CHECK(in[i].is_contiguous(), ValueError, op.name, ": input ", i, " must be contiguous");
    for (size_t j = 0; j < i; ++j) {  // the kernels read and write through unaliased pointers
      NABLA_CHECK(!in[i].shares_storage(in[j]), ValueError, op.name, ": inputs ", j, " and ", i,
                  " share memory");  // (symbolic tensors have no storage: checked when run)
    }
  }
  return {};
}

/// Every input but the gradient (1) and the scalars (2) is written.
constexpr uint32_t kWrittenInputs = ~0u & ~(1u << 1) & ~(1u << kScalarsInput);

// inputs: weight, grad, scalars (learning rate, decay)[, velocity]; attrs: momentum, nesterov.
NABLA_DEFINE_OP(sgd_update_op, .name = "sgd_update", .infer = &update_infer,
                .written_inputs = kWrittenInputs);
// inputs: weight, grad, scalars (alpha, decay), m, v[, v_max]; attrs: beta_1, beta_2, epsilon.
NABLA_DEFINE_OP(adam_update_op, .name = "adam_update", .infer = &update_infer,
                .written_inputs = kWrittenInputs);

void run_in_place(const OpDef& op, std::span<const Tensor> inputs, const Attrs& attrs) {
  (void)dispatch(op, inputs, attrs);
}

}  // namespace

namespace detail {

bool fused_update_supported(std::span<const Tensor> tensors) {
  if (tensors.empty()) return false;
  const Tensor& w = tensors[0];
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (!t.defined() || t.shape() != w.shape() || t.dtype() != w.dtype() ||
        t.device() != w.device() || !t.is_contiguous()) {
      return false;
    }
    for (size_t j = 0; j < i; ++j) {
      if (t.shares_storage(tensors[j])) return false;
    }
  }
  if (w.dtype() != DType::Float32 && w.dtype() != DType::Float64) return false;
  const KernelTable& kernels = KernelTable::global();
  return kernels.find("sgd_update", w.device().kind) != nullptr &&
         kernels.find("adam_update", w.device().kind) != nullptr;
}

void sgd_update_(const Tensor& weight, const Tensor& grad, const Tensor& scalars,
                 const Tensor& velocity, const SgdUpdate& update) {
  const Attrs attrs{{"momentum", update.momentum}, {"nesterov", update.nesterov}};
  if (update.momentum == 0.0) {
    run_in_place(sgd_update_op, std::vector<Tensor>{weight, grad, scalars}, attrs);
  } else {
    run_in_place(sgd_update_op, std::vector<Tensor>{weight, grad, scalars, velocity}, attrs);
  }
}

void adam_update_(const Tensor& weight, const Tensor& grad, const Tensor& scalars, const Tensor& m,
                  const Tensor& v, const Tensor& v_max, const AdamUpdate& update) {
  const Attrs attrs{
      {"beta_1", update.beta_1}, {"beta_2", update.beta_2}, {"epsilon", update.epsilon}};
  if (v_max.defined()) {
    run_in_place(adam_update_op, std::vector<Tensor>{weight, grad, scalars, m, v, v_max}, attrs);
  } else {
    run_in_place(adam_update_op, std::vector<Tensor>{weight, grad, scalars, m, v}, attrs);
  }
}

}  // namespace detail
}  // namespace nabla
