// Gradient rules of the solver ops (linalg_solve.cpp), written with public ops (matmul, the
// solvers themselves, triu/tril, pinv), so that they run on every backend and are themselves
// differentiable. Batched throughout: mT transposes the last two axes. The solves inside a backward
// pass use the unchecked ops: a matrix the forward pass accepted is not singular, and one that is
// (det's gradient at a singular A) gives NaN rather than an exception in the middle of backward.
#include "nabla/ops/contraction.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/linalg.hpp"
#include "nabla/ops/view.hpp"
#include "ops/linalg_solve.hpp"

namespace nabla::linalg_detail {
namespace {

/// x [...] as [..., 1, 1], to scale each matrix of a batch.
Tensor per_matrix(const Tensor& x) { return unsqueeze(unsqueeze(x, -1), -1); }

}  // namespace

// det and log|det|: d det = det tr(A^{-1} dA) and d log|det| = tr(A^{-1} dA) (Jacobi's formula),
// so grad_A = (g_det det + g_logabsdet) A^{-T}; the sign is locally constant. At a singular A the
// true gradient of det is the transposed adjugate (finite), but A^{-1} does not exist: nabla's
// gradient is then NaN (PyTorch and JAX go through an SVD or a cofactor solve instead). log|det|
// has no gradient there at all. Near-singular A loses accuracy as cond(A) grows.
std::vector<Tensor> det_lu_vjp(const VjpContext& ctx) {
  const Tensor& A = ctx.inputs[0];
  const Tensor& det = ctx.outputs[0];
  const Tensor scale = ctx.grad_outputs[0] * det + ctx.grad_outputs[1];
  return {per_matrix(scale) * mT(inv_unchecked(A))};
}

// X = A^{-1}: dX = -X dA X, so grad_A = -X^T g X^T.
std::vector<Tensor> inv_vjp(const VjpContext& ctx) {
  const Tensor Xt = mT(ctx.outputs[0]);
  return {-matmul(matmul(Xt, ctx.grad_outputs[0]), Xt)};
}

// X = A^{-1} B: grad_B = A^{-T} g (one more solve, with A^T), grad_A = -grad_B X^T.
std::vector<Tensor> solve_vjp(const VjpContext& ctx) {
  const Tensor& A = ctx.inputs[0];
  const Tensor& X = ctx.outputs[0];
  const Tensor grad_b = solve_unchecked(mT(A), ctx.grad_outputs[0]);
  Tensor grad_a;
  if (ctx.needs(0)) grad_a = -matmul(grad_b, mT(X));
  return {grad_a, grad_b};
}

// Triangular X = A^{-1} B: as solve, with A^T (the other triangle) for grad_B, and grad_A kept to
// the triangle that was read (its other elements do not affect X): triu/tril of -grad_B X^T,
// without the diagonal when A is unit triangular.
std::vector<Tensor> solve_triangular_vjp(const VjpContext& ctx) {
  const bool upper = ctx.attrs.get<bool>("upper");
  const bool unit = ctx.attrs.get<bool>("unitriangular");
  const Tensor& A = ctx.inputs[0];
  const Tensor& X = ctx.outputs[0];
  const Tensor grad_b = solve_triangular_unchecked(mT(A), ctx.grad_outputs[0], !upper, unit);
  Tensor grad_a;
  if (ctx.needs(0)) {
    const Tensor full = -matmul(grad_b, mT(X));
    grad_a = upper ? triu(full, unit ? 1 : 0) : tril(full, unit ? -1 : 0);
  }
  return {grad_a, grad_b};
}

// Least squares X = A^+ B with P = A^+ (the pseudo-inverse at lstsq's cutoff). The derivative of
// the pseudo-inverse at constant rank (Golub & Pereyra 1973),
//   dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P,
// gives, with r = B - A X,
//   grad_B = P^T g,
//   grad_A = -P^T g X^T + r g^T P P^T + P^T X g^T (I - P A).
// For a full column rank A the last term vanishes and this is the normal equations' gradient.
// Where the rank changes (a singular value crosses the cutoff) X is not differentiable; the rule
// then differentiates the truncated solution, as PyTorch does.
std::vector<Tensor> lstsq_vjp(const VjpContext& ctx) {
  const Tensor &A = ctx.inputs[0], &B = ctx.inputs[1];
  const Tensor& X = ctx.outputs[0];
  const Tensor& g = ctx.grad_outputs[0];
  const Tensor P = linalg::pinv(A, ctx.attrs.get<double>("rcond"));
  const Tensor Pt = mT(P);
  Tensor grad_a, grad_b;
  if (ctx.needs(1)) grad_b = matmul(Pt, g);
  if (ctx.needs(0)) {
    const Tensor r = B - matmul(A, X);
    const Tensor gt = mT(g);
    const Tensor gt_r = gt - matmul(matmul(gt, P), A);  // g^T (I - P A)
    grad_a = -matmul(matmul(Pt, g), mT(X)) + matmul(r, mT(matmul(P, matmul(Pt, g)))) +
             matmul(Pt, matmul(X, gt_r));
  }
  return {grad_a, grad_b};
}

}  // namespace nabla::linalg_detail
