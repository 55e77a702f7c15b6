// linalg::eig and linalg::eigvals (nabla/ops/linalg.hpp): eigenvalues and right eigenvectors of
// general square matrices, always complex (as PyTorch; NumPy returns real arrays when every
// eigenvalue happens to be real, a dtype that depends on the data). Real float32 input gives
// complex64, float64 and integers complex128, complex input its own dtype. Eigenvectors have unit
// 2-norm (LAPACK's geev normalises them; each is defined only up to a unit complex factor).
// Not differentiable: nabla has no complex autograd, so the ops have no VJP, and the recording
// hook refuses them an input that requires grad (detach() it or use NoGradGuard).
// Kernels: backend/cpu/linalg_eig_kernels.cpp; status outputs: Note [LAPACK status].
#include <climits>
#include <string>

#include "nabla/ops/linalg.hpp"
#include "ops/dispatch.hpp"
#include "ops/linalg_util.hpp"

namespace nabla {
namespace {

/// A [..., n, n] of float32/float64/complex64/complex128 -> w [..., n] complex, then (linalg_eig
/// only) V [..., n, n] complex, and info int32 [...].
template <bool kVectors>
std::vector<TensorSpec> eig_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  const Tensor& A = in[0];
  NABLA_CHECK(A.ndim() >= 2, ShapeError, op.name,
              ": expected a square matrix or a batch of them [..., n, n], got ", A.shape());
  NABLA_CHECK(is_floating(A.dtype()) || is_complex(A.dtype()), DTypeError, op.name,
              ": expected float32, float64, complex64 or complex128, got ", A.dtype());
  const int64_t n = A.size(-1);
  NABLA_CHECK(A.size(-2) == n, ShapeError, op.name, ": expected square matrices [..., n, n], got ",
              A.shape());
  NABLA_CHECK(n < INT_MAX && n * n <= INT_MAX, ValueError, op.name, ": matrices of ", A.shape(),
              " exceed LAPACK's 32-bit sizes");
  const Shape batch = linalg_detail::batch_shape(A);
  const DType complex_dtype = complex_of(A.dtype());
  Shape values = batch;
  values.push_back(n);
  std::vector<TensorSpec> specs{{values, complex_dtype}};
  if constexpr (kVectors) specs.push_back({A.shape(), complex_dtype});
  specs.push_back({batch, DType::Int32});
  return specs;
}

}  // namespace

NABLA_DEFINE_OP(linalg_eig_op, .name = "linalg_eig", .infer = &eig_infer<true>, .complex = true);
NABLA_DEFINE_OP(linalg_eigvals_op, .name = "linalg_eigvals", .infer = &eig_infer<false>,
                .complex = true);

namespace {

/// Runs `op` on A (integers and bool computed in float64, as NumPy) and raises LinAlgError for
/// a matrix that failed.
std::vector<Tensor> run_eig(const OpDef& op, const Tensor& A) {
  NABLA_CHECK(A.defined(), ValueError, op.name, ": the input tensor is undefined");
  const Tensor input = is_complex(A.dtype()) ? A : linalg_detail::to_lapack_dtype(op.name, A);
  std::vector<Tensor> out = dispatch(op, std::span<const Tensor>(&input, 1));
  const int64_t n = out[0].size(-1);
  linalg_detail::check_lapack_info(op.name, out.back(), [n](int32_t code) -> std::string {
    if (code > n) return "the matrix contains infs or NaNs";
    return detail::str_cat("the QR algorithm did not converge (only eigenvalues ", code + 1, " to ",
                           n, " were computed)");
  });
  out.pop_back();
  return out;
}

}  // namespace

namespace linalg {

EigResult eig(const Tensor& A) {
  std::vector<Tensor> out = run_eig(linalg_eig_op, A);
  return {out[0], out[1]};
}

Tensor eigvals(const Tensor& A) { return run_eig(linalg_eigvals_op, A)[0]; }

}  // namespace linalg
}  // namespace nabla
