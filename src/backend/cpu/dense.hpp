// dense(t): a floating tensor in row-major order, for kernels that read their operands as flat
// buffers (gemms, oneDNN): t itself when contiguous, else a contiguous copy.
#pragma once

#include "backend/cpu/strided_loop.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla::cpu {

/// t (float32 or float64) itself when contiguous, else a contiguous copy.
inline Tensor dense(const Tensor& t) {
  if (t.is_contiguous()) return t;
  Tensor out = Tensor::empty(t.shape(), t.dtype(), t.device());
  if (t.dtype() == DType::Float32) {
    unary_loop<float, float>(out, t, [](float v) { return v; });
  } else {
    unary_loop<double, double>(out, t, [](double v) { return v; });
  }
  return out;
}

}  // namespace nabla::cpu
