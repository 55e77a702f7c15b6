// Complex numbers (complex64 = two float32, complex128 = two float64): their parts, and building
// them from real tensors. abs(x) (elementwise.hpp) gives a complex tensor's magnitude as a real
// tensor; + - * /, == and !=, matmul, sum, mean, where, astype, printing and .npy files take
// complex tensors as they are; other ops raise DTypeError naming themselves. Complex tensors carry
// no gradients: requires_grad_() refuses them, and an op that would make a complex tensor from one
// that requires grad raises (use detach() or NoGradGuard).
#pragma once

#include "nabla/tensor/tensor.hpp"

namespace nabla {

/// Real part: complex64 [...] -> float32 [...], complex128 -> float64. A real x is returned as
/// it is (NumPy's real).
[[nodiscard]] Tensor real(const Tensor& x);
/// Imaginary part: complex64 [...] -> float32 [...], complex128 -> float64. For a real x, zeros
/// of its shape and dtype (NumPy's imag).
[[nodiscard]] Tensor imag(const Tensor& x);
/// Complex conjugate (a copy). A real x is returned as it is.
[[nodiscard]] Tensor conj(const Tensor& x);
/// Argument (phase) in radians, in [-pi, pi]: atan2(imag, real), as a real tensor. A real x
/// gives 0 for non-negative values and pi for negative ones (computed in float_type_for(x)).
[[nodiscard]] Tensor angle(const Tensor& x);
/// re + i * im, broadcasting re and im (both real): complex64 when their promoted dtype fits in
/// float32 (float32, uint8, bool), else complex128.
[[nodiscard]] Tensor complex(const Tensor& re, const Tensor& im);

}  // namespace nabla
