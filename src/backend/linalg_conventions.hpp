// What the LAPACK-backed CPU kernels and the cuSOLVER-backed CUDA kernels of the linalg ops must
// compute identically, written once for both (design.md §2): the sign of eigenvectors and singular
// vectors, the status of a matrix with NaN or infinity, the determinant from an LU factorization,
// and the rank cutoff of least squares. Host and device code (NABLA_HOST_DEVICE).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#ifndef NABLA_HOST_DEVICE
#define NABLA_HOST_DEVICE
#endif

namespace nabla::linalg_conventions {

/// The info of a matrix with NaN or infinite elements, which eigh and svd refuse (newer LAPACKs
/// reject it as an illegal argument); src/ops/linalg_decompositions.cpp reports it by this value.
inline constexpr int32_t kNonFiniteInput = std::numeric_limits<int32_t>::max();

// Note [Singular vector signs]
// An eigenvector of eigh, or a pair (u_j, v_j) of svd, is unique only up to its sign (for simple
// eigen/singular values). LAPACK's syevd/gesdd and cuSOLVER's syevd/gesvd pick signs as an
// artefact of their algorithms, so the two backends would disagree. Both fix them instead: each
// vector is flipped so that its component of largest magnitude (the first of equal ones) is
// positive; for the SVD, u_j decides and v_j follows. Ties within rounding between components of
// opposite sign can still flip a vector between backends; random data essentially never has them.

/// +1 or -1: the sign that makes vector component `get(argmax |get(i)|)` positive; +1 for an
/// empty or all-NaN vector. `get(i)` returns component i (0 <= i < n) as a real number.
template <class Get>
NABLA_HOST_DEVICE int vector_sign(int64_t n, Get get) {
  if (n <= 0) return 1;
  auto best = get(0);
  auto best_magnitude = best < 0 ? -best : best;
  for (int64_t i = 1; i < n; ++i) {
    const auto v = get(i);
    const auto magnitude = v < 0 ? -v : v;
    if (magnitude > best_magnitude) {
      best = v;
      best_magnitude = magnitude;
    }
  }
  return best < 0 ? -1 : 1;
}

template <class T>
struct Determinant {
  T det, logabsdet, sign;
};

/// det, log|det| and sign of A from its LU factorization (getrf): `diagonal(i)` = U[i, i],
/// `pivot(i)` = getrf's 1-based ipiv[i], `info` = getrf's status (> 0: an exact zero pivot, so A
/// is singular). As NumPy: det = sign * exp(log|det|), summed in double so that the running
/// product cannot overflow where the determinant does not.
template <class T, class Diagonal, class Pivot>
NABLA_HOST_DEVICE Determinant<T> determinant_from_lu(int64_t n, Diagonal diagonal, Pivot pivot,
                                                     int32_t info) {
  T sign = 1;
  double log_sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    const T u = diagonal(i);
    if (pivot(i) != i + 1) sign = -sign;
    if (u < 0) sign = -sign;
    log_sum += ::log(::fabs(static_cast<double>(u)));
  }
  if (info > 0) {
    sign = 0;
    log_sum = -std::numeric_limits<double>::infinity();
  }
  return {sign * static_cast<T>(::exp(log_sum)), static_cast<T>(log_sum), sign};
}

/// LAPACK's gelsd (dlalsd) treats singular values s_i <= rcnd * max(s) as zero, where rcnd is
/// rcond unless rcond <= 0 or rcond >= 1, which both mean LAPACK's machine epsilon (dlamch('E'),
/// half of C++'s epsilon). The rank is the count of the others.
template <class T>
NABLA_HOST_DEVICE T lstsq_relative_cutoff(double rcond) {
  return rcond <= 0 || rcond >= 1 ? std::numeric_limits<T>::epsilon() / 2 : static_cast<T>(rcond);
}

}  // namespace nabla::linalg_conventions
