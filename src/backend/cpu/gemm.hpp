// The row-major gemm every CPU kernel calls: float32 goes to oneDNN's sgemm for the products
// where that measured faster (onednn.hpp), everything else to OpenBLAS.
#pragma once

#include <cblas.h>

#include <cstdint>
#include <type_traits>

#include "backend/cpu/onednn.hpp"

namespace nabla::cpu {

/// c = op(a) @ op(b) + beta * c, row-major; m x n result, inner dimension k.
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  const auto ta = trans_a ? CblasTrans : CblasNoTrans, tb = trans_b ? CblasTrans : CblasNoTrans;
  const auto i = [](int64_t v) { return static_cast<blasint>(v); };
  if constexpr (std::is_same_v<T, float>) {
    if (onednn::sgemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc)) return;
    cblas_sgemm(CblasRowMajor, ta, tb, i(m), i(n), i(k), 1.0f, a, i(lda), b, i(ldb), beta, c,
                i(ldc));
  } else {
    cblas_dgemm(CblasRowMajor, ta, tb, i(m), i(n), i(k), 1.0, a, i(lda), b, i(ldb), beta, c,
                i(ldc));
  }
}

}  // namespace nabla::cpu
