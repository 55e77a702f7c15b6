// Shared checks of the linalg ops; see linalg_util.hpp.
#include "ops/linalg_util.hpp"

#include <climits>
#include <vector>

#include "nabla/util/error.hpp"

namespace nabla::linalg_detail {

Tensor to_lapack_dtype(std::string_view op, const Tensor& A) {
  NABLA_CHECK(A.defined(), ValueError, op, ": the input tensor is undefined");
  if (is_floating(A.dtype())) return A;
  NABLA_CHECK(is_integral(A.dtype()) || A.dtype() == DType::Bool, DTypeError, op,
              ": expected a real (float32/float64, or integer) matrix, got ", A.dtype());
  return A.astype(DType::Float64);
}

void check_matrix(std::string_view op, const Tensor& A, bool square) {
  NABLA_CHECK(A.ndim() >= 2, ShapeError, op,
              ": expected a matrix or a batch of matrices [..., m, n], got ", A.shape());
  NABLA_CHECK(is_floating(A.dtype()), DTypeError, op, ": expected float32 or float64, got ",
              A.dtype());
  const int64_t rows = A.shape().at(-2), cols = A.shape().at(-1);
  NABLA_CHECK(!square || rows == cols, ShapeError, op,
              ": expected square matrices [..., n, n], got ", A.shape());
  NABLA_CHECK(rows <= INT_MAX && cols <= INT_MAX && rows * cols <= INT_MAX, ValueError, op,
              ": matrices of ", A.shape(), " exceed LAPACK's 32-bit sizes");
}

Shape batch_shape(const Tensor& A) {
  const auto& dims = A.shape().dims();
  return Shape(std::vector<int64_t>(dims.begin(), dims.end() - 2));
}

void check_lapack_info(std::string_view op, const Tensor& info,
                       const std::function<std::string(int32_t)>& describe) {
  if (info.is_symbolic() || info.numel() == 0) return;
  const std::vector<int32_t> codes = info.to_vector<int32_t>();
  for (size_t b = 0; b < codes.size(); ++b) {
    if (codes[b] == 0) continue;
    // A negative code is an argument nabla passed wrongly: a nabla bug, not the user's input.
    NABLA_ASSERT(codes[b] > 0, op, ": LAPACK rejected argument ", -codes[b]);
    std::vector<int64_t> index(static_cast<size_t>(info.ndim()));
    auto flat = static_cast<int64_t>(b);
    for (size_t axis = index.size(); axis-- > 0;) {
      index[axis] = flat % info.shape().at(static_cast<int64_t>(axis));
      flat /= info.shape().at(static_cast<int64_t>(axis));
    }
    std::string where;
    if (!index.empty()) where = detail::str_cat(" (batch index ", Shape(index), ")");
    throw LinAlgError(detail::str_cat(op, ": ", describe(codes[b]), where));
  }
}

}  // namespace nabla::linalg_detail
