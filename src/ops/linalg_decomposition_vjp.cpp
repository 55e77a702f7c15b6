// Gradient rules of the factorizations (linalg_decompositions.cpp), written with public ops
// (matmul, triangular solves, triu/tril) so that they run on every backend and can be
// differentiated again. Notation: X^T swaps the last two axes, g<Y> is d loss / d Y, I the
// identity, o the elementwise product. Formulas as in PyTorch and JAX; each states where it is
// undefined (there the result is inf/NaN, never an error, as in PyTorch).
//
// Symmetric inputs (cholesky, eigh) read one triangle only, yet their gradient is the symmetric
// (gA + gA^T) / 2, as PyTorch and JAX return: it is exact for every symmetric perturbation of A,
// which is what these functions are meant for (JAX symmetrizes A before factoring it).
#include <algorithm>
#include <string>

#include "nabla/ops/contraction.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/linalg.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/ops/view.hpp"
#include "ops/linalg_decompositions.hpp"
#include "ops/linalg_solve.hpp"

namespace nabla::linalg_detail {
namespace {

/// A^{-1} B for triangular A (the `upper` or lower triangle read); NaN where A is singular.
Tensor left_solve(const Tensor& A, const Tensor& B, bool upper, bool unit = false) {
  return solve_triangular_unchecked(A, B, upper, unit);
}
/// B A^{-1} for triangular A: (A^T)^{-1} B^T, transposed.
Tensor right_solve(const Tensor& A, const Tensor& B, bool upper, bool unit = false) {
  return mT(solve_triangular_unchecked(mT(A), mT(B), !upper, unit));
}

Tensor identity(int64_t n, DType dtype) { return eye(n, n, 0, dtype); }
/// [..., n] -> the diagonal matrices [..., n, n].
Tensor diag_embed(const Tensor& v) { return unsqueeze(v, -1) * identity(v.size(-1), v.dtype()); }
Tensor symmetric_part(const Tensor& x) { return 0.5 * (x + mT(x)); }

/// F o X with F[i, j] = 1 / (d[j] - d[i]) off the diagonal and 0 on it: the factor by which
/// spectral decompositions turn a perturbation into an eigenvector rotation. Infinite where two
/// values of d coincide: those gradients are undefined (the vectors of a repeated eigenvalue or
/// singular value are any basis of their space).
Tensor divide_by_gaps(const Tensor& X, const Tensor& d) {
  const Tensor I = identity(d.size(-1), d.dtype());
  const Tensor gaps = unsqueeze(d, -2) - unsqueeze(d, -1) + I;  // 1 on the diagonal: no 0 / 0
  return X / gaps * (1.0 - I);
}

/// The gradient of a no-pivoting square LU A = L U (L unit lower, U upper, both n x n), given
/// the precomputed M = L^T gL and N = gU U^T:
///   gA = L^{-T} (tril(M, -1) + triu(N)) U^{-T}.
/// From L^{-1} dA U^{-1} = L^{-1} dL + dU U^{-1}, a strictly lower plus an upper part. Undefined
/// (NaN) when U is singular.
Tensor lu_square_grad(const Tensor& L, const Tensor& U, const Tensor& M, const Tensor& N) {
  const Tensor Y = tril(M, -1) + triu(N);
  return right_solve(mT(U), left_solve(mT(L), Y, /*upper=*/true, /*unit=*/true),
                     /*upper=*/false);
}

/// The gradient of a QR with square upper R (A = Q R, Q [m, n] with orthonormal columns, m >= n):
///   M = R gR^T - gQ^T Q,  gA = (gQ + Q copyltu(M)) R^{-T},
/// copyltu(M) being the symmetric matrix with M's lower triangle. From Q^T dQ antisymmetric and
/// dR R^{-1} upper triangular. Undefined (NaN) when R is singular (A has dependent columns).
Tensor qr_tall_grad(const Tensor& Q, const Tensor& R, const Tensor& gQ, const Tensor& gR) {
  const Tensor M = matmul(R, mT(gR)) - matmul(mT(gQ), Q);
  const Tensor copyltu = tril(M, -1) + mT(tril(M));
  return right_solve(mT(R), gQ + matmul(Q, copyltu), /*upper=*/false);
}

/// U[..., :k] and gU[..., :k] (columns) or Vh[..., :k, :] (rows), checking that the gradient of
/// the rest is zero: the trailing vectors of full_matrices are an arbitrary orthonormal
/// completion, so a loss that depends on them has no gradient.
Tensor leading_vectors(const Tensor& x, int64_t axis, int64_t k, bool is_gradient) {
  if (x.size(axis) == k) return x;
  if (is_gradient && !x.is_symbolic()) {
    const Tensor rest = x.slice(axis, k, x.size(axis));
    NABLA_CHECK(!any(rest != 0.0).item<bool>(), ValueError,
                "linalg_svd: the gradient is not defined for the trailing ", rest.size(axis),
                axis == -1 ? " columns of U" : " rows of Vh",
                " of full_matrices=true (they complete an orthonormal basis arbitrarily); use "
                "full_matrices=false");
  }
  return x.slice(axis, 0, k);
}

}  // namespace

// lu_factor: A = P L U with L [m, k] unit lower, U [k, n] upper, k = min(m, n); LU holds both,
// so gL = tril(gLU, -1), gU = triu(gLU). With A' = P^T A (the pivots are locally constant):
//   square: gA' = L^{-T} (tril(L^T gL, -1) + triu(gU U^T)) U^{-T}
//   wide (m < n, U = [U1 U2]): A'2 = L U2, so gA'2 = L^{-T} gU2 and L^T gL gains -gU2 U2^T;
//     gA'1 is the square formula with U1.
//   tall (m > n, L = [L1; L2]): A'2 = L2 U, so gA'2 = gL2 U^{-T} and gU U^T gains -L2^T gL2;
//     gA'1 is the square formula with L1.
// Undefined (NaN) when the leading k x k block of U is singular.
std::vector<Tensor> lu_factor_vjp(const VjpContext& ctx) {
  const Tensor &LU = ctx.outputs[0], &pivots = ctx.outputs[1], &g = ctx.grad_outputs[0];
  const int64_t m = LU.size(-2), n = LU.size(-1), k = std::min(m, n);
  const DType t = LU.dtype();
  const Tensor L = tril(LU.slice(-1, 0, k), -1) + eye(m, k, 0, t), U = triu(LU.slice(-2, 0, k));
  const Tensor gL = tril(g.slice(-1, 0, k), -1), gU = triu(g.slice(-2, 0, k));
  Tensor grad;
  if (m == n) {
    grad = lu_square_grad(L, U, matmul(mT(L), gL), matmul(gU, mT(U)));
  } else if (m < n) {
    const Tensor U1 = U.slice(-1, 0, m), U2 = U.slice(-1, m, n);
    const Tensor gU1 = gU.slice(-1, 0, m), gU2 = gU.slice(-1, m, n);
    const Tensor M = matmul(mT(L), gL) - matmul(gU2, mT(U2));
    grad = concatenate({lu_square_grad(L, U1, M, matmul(gU1, mT(U1))),
                        left_solve(mT(L), gU2, /*upper=*/true, /*unit=*/true)},
                       -1);
  } else {
    const Tensor L1 = L.slice(-2, 0, n), L2 = L.slice(-2, n, m);
    const Tensor gL1 = gL.slice(-2, 0, n), gL2 = gL.slice(-2, n, m);
    const Tensor N = matmul(gU, mT(U)) - matmul(mT(L2), gL2);
    grad = concatenate(
        {lu_square_grad(L1, U, matmul(mT(L1), gL1), N), right_solve(mT(U), gL2, /*upper=*/false)},
        -2);
  }
  return {matmul(lu_permutation(pivots, m, t), grad)};
}

// lu_solve: X = A^{-1} B (or A^{-T} B with adjoint) for A = P L U given by (LU, pivots).
//   gB = A^{-T} gX (A^{-1} gX with adjoint); gA = -gB X^T (-X gB^T with adjoint);
//   and through A = P L U with fixed pivots: gL = tril(P^T gA U^T, -1), gU = triu(L^T P^T gA),
//   gLU = gL + gU. Undefined (NaN) when U is singular.
std::vector<Tensor> lu_solve_vjp(const VjpContext& ctx) {
  const Tensor &LU = ctx.inputs[0], &pivots = ctx.inputs[1], &X = ctx.outputs[0];
  const bool adjoint = ctx.attrs.get<bool>("adjoint");
  const Tensor gB = lu_solve_unchecked(LU, pivots, ctx.grad_outputs[0], !adjoint);
  std::vector<Tensor> grads(3);
  if (ctx.needs(2)) grads[2] = gB;
  if (ctx.needs(0)) {
    const int64_t n = LU.size(-1);
    const Tensor gA = adjoint ? -matmul(X, mT(gB)) : -matmul(gB, mT(X));
    const Tensor L = tril(LU, -1) + identity(n, LU.dtype()), U = triu(LU);
    const Tensor PtgA = matmul(mT(lu_permutation(pivots, n, LU.dtype())), gA);
    grads[0] = tril(matmul(PtgA, mT(U)), -1) + triu(matmul(mT(L), PtgA));
  }
  return grads;
}

// qr (modes reduced, and complete when m <= n, where it is the same factorization):
//   m >= n: qr_tall_grad above.
//   m < n (R = [R1 R2], Q square): A2 = Q R2, so gA2 = Q gR2 and gQ gains A2 gR2^T = Q R2 gR2^T;
//     gA1 = qr_tall_grad(Q, R1, ...).
// Not defined for mode complete with m > n (Q's last m - n columns are any orthonormal
// completion) nor for mode r (Q, which the formula needs, was not computed): those raise.
std::vector<Tensor> qr_vjp(const VjpContext& ctx) {
  const std::string& mode = ctx.attrs.get<std::string>("mode");
  NABLA_CHECK(mode != "r", ValueError,
              "linalg_qr: no gradient with mode 'r' (it needs Q); use mode 'reduced'");
  const Tensor &Q = ctx.outputs[0], &R = ctx.outputs[1];
  const Tensor &gQ = ctx.grad_outputs[0], &gR = ctx.grad_outputs[1];
  const int64_t m = Q.size(-2), n = R.size(-1);
  NABLA_CHECK(mode != "complete" || m <= n, ValueError,
              "linalg_qr: no gradient with mode 'complete' for tall matrices [", m, ", ", n,
              "] (the last ", m - n, " columns of Q are arbitrary); use mode 'reduced'");
  if (m >= n) return {qr_tall_grad(Q, R, gQ, gR)};
  const Tensor R1 = R.slice(-1, 0, m), R2 = R.slice(-1, m, n);
  const Tensor gR1 = gR.slice(-1, 0, m), gR2 = gR.slice(-1, m, n);
  const Tensor gQ_total = gQ + matmul(Q, matmul(R2, mT(gR2)));
  return {concatenate({qr_tall_grad(Q, R1, gQ_total, gR1), matmul(Q, gR2)}, -1)};
}

// cholesky: A = L L^T (upper: A = U^T U, L = U^T). With Phi(X) = tril(X) with its diagonal
// halved, dL = L Phi(L^{-1} dA L^{-T}), so
//   gA = sym(L^{-T} Phi(L^T gL) L^{-1}).
// Defined wherever the factorization is (A positive definite).
std::vector<Tensor> cholesky_vjp(const VjpContext& ctx) {
  const bool upper = ctx.attrs.get<bool>("upper");
  const Tensor L = upper ? mT(ctx.outputs[0]) : ctx.outputs[0];
  const Tensor gL = upper ? mT(ctx.grad_outputs[0]) : ctx.grad_outputs[0];
  const Tensor M = matmul(mT(L), gL);
  const Tensor phi = tril(M, -1) + 0.5 * (M * identity(M.size(-1), M.dtype()));
  const Tensor grad = right_solve(L, left_solve(mT(L), phi, /*upper=*/true), /*upper=*/false);
  return {symmetric_part(grad)};
}

// eigh: A = V diag(w) V^T. dw = diag(V^T dA V), dV = V (F o (V^T dA V)) with
// F[i, j] = 1 / (w[j] - w[i]) (i != j), so
//   gA = sym(V (diag(gw) + F o (V^T gV)) V^T).
// The eigenvectors' part is undefined (inf/NaN) for repeated eigenvalues; the eigenvalues' part
// is always defined. A loss of the eigenvectors should not depend on their signs (the gauge
// LAPACK fixes arbitrarily): the formula is the derivative of the vectors LAPACK returns.
std::vector<Tensor> eigh_vjp(const VjpContext& ctx) {
  const Tensor &w = ctx.outputs[0], &V = ctx.outputs[1];
  NABLA_CHECK(V.ndim() >= 2, ValueError,
              "linalg_eigh: the gradient needs the eigenvectors, which this call did not compute");
  Tensor inner = diag_embed(ctx.grad_outputs[0]);
  inner = inner + divide_by_gaps(matmul(mT(V), ctx.grad_outputs[1]), w);
  return {symmetric_part(matmul(matmul(V, inner), mT(V)))};
}

// svd (reduced; full_matrices when the gradient of the trailing vectors is zero): A = U S V^T
// with k = min(m, n) singular values. With F[i, j] = 1 / (s[j]^2 - s[i]^2) (i != j):
//   gA = U (diag(gS) + (F o (U^T gU - gU^T U)) S + S (F o (V^T gV - gV^T V))) V^T
//        + (I - U U^T) gU S^{-1} V^T      (m > k)
//        + U S^{-1} gV^T (I - V V^T)      (n > k)
// (Townsend, "Differentiating the singular value decomposition", 2016). The vectors' part is
// undefined for repeated singular values, and the projections for a zero one when m != n; the
// singular values' part U diag(gS) V^T is always defined. Each pair (u_i, v_i) is fixed only up
// to a common sign: losses of the vectors should not depend on it.
std::vector<Tensor> svd_vjp(const VjpContext& ctx) {
  const Tensor& S = ctx.outputs[1];
  NABLA_CHECK(ctx.outputs[0].ndim() >= 2, ValueError,
              "linalg_svd: the gradient needs the singular vectors, which this call did not "
              "compute");
  const int64_t k = S.size(-1);
  const Tensor U = leading_vectors(ctx.outputs[0], -1, k, false);
  const Tensor Vh = leading_vectors(ctx.outputs[2], -2, k, false);
  const Tensor gU = leading_vectors(ctx.grad_outputs[0], -1, k, true);
  const Tensor gVh = leading_vectors(ctx.grad_outputs[2], -2, k, true);
  const int64_t m = U.size(-2), n = Vh.size(-1);
  const Tensor V = mT(Vh), gV = mT(gVh);
  const Tensor rows_s = unsqueeze(S, -1), cols_s = unsqueeze(S, -2);  // S X and X S by broadcast
  const Tensor UtgU = matmul(mT(U), gU), VtgV = matmul(mT(V), gV);
  const Tensor squares = S * S;
  Tensor inner = diag_embed(ctx.grad_outputs[1]);
  inner = inner + divide_by_gaps(UtgU - mT(UtgU), squares) * cols_s;
  inner = inner + rows_s * divide_by_gaps(VtgV - mT(VtgV), squares);
  Tensor grad = matmul(matmul(U, inner), Vh);
  if (m > k) grad = grad + matmul((gU - matmul(U, UtgU)) / cols_s, Vh);
  if (n > k) grad = grad + matmul(U, (gVh - matmul(mT(VtgV), Vh)) / rows_s);
  return {grad};
}

}  // namespace nabla::linalg_detail
