// The complex-number ops (nabla/ops/complex.hpp): real, imag, conj and angle of complex tensors,
// and complex(re, im). None is differentiable: nabla has no complex autograd (the recording hook
// refuses complex outputs of inputs that require grad), so they have no VJP. Kernels:
// backend/cpu/complex_kernels.cpp.
#include "nabla/ops/complex.hpp"

#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"

namespace nabla {
namespace {

/// real, imag, angle: complex [...] -> its real dtype [...].
std::vector<TensorSpec> part_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  NABLA_CHECK(is_complex(in[0].dtype()), DTypeError, op.name,
              ": expected complex64 or complex128, got ", in[0].dtype());
  return single(in[0].shape(), real_of(in[0].dtype()));
}

/// conj: complex [...] -> the same dtype [...].
std::vector<TensorSpec> conj_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  NABLA_CHECK(is_complex(in[0].dtype()), DTypeError, op.name,
              ": expected complex64 or complex128, got ", in[0].dtype());
  return single(in[0].shape(), in[0].dtype());
}

/// complex: re, im of one float dtype (broadcast) -> the complex dtype of that float.
std::vector<TensorSpec> complex_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  NABLA_CHECK(in[0].dtype() == in[1].dtype() && is_floating(in[0].dtype()), DTypeError, op.name,
              ": re and im must share a float dtype, got ", in[0].dtype(), " and ", in[1].dtype());
  return single(broadcast_shapes(in[0].shape(), in[1].shape(), op.name), complex_of(in[0].dtype()));
}

}  // namespace

NABLA_DEFINE_OP(real_op, .name = "real", .infer = &part_infer, .complex = true);
NABLA_DEFINE_OP(imag_op, .name = "imag", .infer = &part_infer, .complex = true);
NABLA_DEFINE_OP(angle_op, .name = "angle", .infer = &part_infer, .complex = true);
NABLA_DEFINE_OP(conj_op, .name = "conj", .infer = &conj_infer, .complex = true);
NABLA_DEFINE_OP(complex_op, .name = "complex", .infer = &complex_infer, .complex = true);

Tensor real(const Tensor& x) {
  NABLA_CHECK(x.defined(), ValueError, "real: undefined tensor");
  return is_complex(x.dtype()) ? dispatch1(real_op, {x}) : x;
}

Tensor imag(const Tensor& x) {
  NABLA_CHECK(x.defined(), ValueError, "imag: undefined tensor");
  return is_complex(x.dtype()) ? dispatch1(imag_op, {x}) : zeros_like(x);
}

Tensor conj(const Tensor& x) {
  NABLA_CHECK(x.defined(), ValueError, "conj: undefined tensor");
  return is_complex(x.dtype()) ? dispatch1(conj_op, {x}) : x;
}

Tensor angle(const Tensor& x) {
  NABLA_CHECK(x.defined(), ValueError, "angle: undefined tensor");
  if (is_complex(x.dtype())) return dispatch1(angle_op, {x});
  // atan2(0, x): the complex path with x as real part, in the float dtype math gives x.
  return dispatch1(angle_op, {astype(x, complex_of(float_type_for(x.dtype())))});
}

Tensor complex(const Tensor& re, const Tensor& im) {
  NABLA_CHECK(re.defined() && im.defined(), ValueError, "complex: undefined operand");
  NABLA_CHECK(!is_complex(re.dtype()) && !is_complex(im.dtype()), DTypeError,
              "complex: re and im must be real, got ", re.dtype(), " and ", im.dtype());
  const DType part = real_of(complex_of(promote_types(re.dtype(), im.dtype())));
  return dispatch1(complex_op, {astype(re, part), astype(im, part)});
}

}  // namespace nabla
