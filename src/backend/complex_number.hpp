// The complex number type the kernels compute with, Complex<R>: std::complex in CPU code and,
// in CUDA translation units, cuda::std::complex (libcu++), whose arithmetic and functions run on
// the device. One set of scalar functors (scalar_functors.hpp) serves both. See Note [Complex
// numbers on the CPU and CUDA].
#pragma once

#include <complex>
#include <type_traits>
#include <utility>

#include "nabla/tensor/dtype.hpp"

#ifdef __CUDACC__
#include <cuda/std/complex>
#endif

// Note [Complex numbers on the CPU and CUDA]
// std::complex cannot run on a GPU (GCC implements its arithmetic with builtins that call
// libgcc's __mulsc3/__divdc3), so CUDA code computes with cuda::std::complex. Both are a real
// then an imaginary part, packed, which is how complex64/complex128 storage holds them, so a
// kernel reads a tensor's memory as either (libcu++'s is aligned to its size, which tensor
// elements are: device blocks are 512-byte aligned and offsets count whole elements). Moving,
// converting, comparing, adding and negating give identical results. Products and quotients follow
// C99 Annex G on both (an infinite operand gives an infinite result, not NaN) with different
// algorithms: libgcc divides complex64 in double, libcu++ scales by powers of two in the operands'
// precision, and either side may fuse multiply-adds. Finite results agree to a few ulps of the
// operands' magnitude, so compare complex results by the modulus of the difference: a part that
// cancels (ac - bd with ac close to bd) carries that error alone. They can differ more where values
// meet the ends of the range: subnormal operands (libcu++ then loses precision in division),
// results at the overflow threshold, and infinities combined with such values.
namespace nabla {

#ifdef __CUDACC__
// dtype_of and convert_element (tensor/dtype.hpp), written for std::complex, take libcu++'s too.
template <class R>
inline constexpr bool is_complex_v<::cuda::std::complex<R>> = true;
template <>
struct DTypeOf<::cuda::std::complex<float>> : std::integral_constant<DType, DType::Complex64> {};
template <>
struct DTypeOf<::cuda::std::complex<double>> : std::integral_constant<DType, DType::Complex128> {};
#endif

namespace scalar {

#ifdef __CUDACC__
namespace complex_math = ::cuda::std;
#else
namespace complex_math = ::std;
#endif

template <class R>
using Complex = complex_math::complex<R>;
static_assert(sizeof(Complex<float>) == dtype_size(DType::Complex64) &&
              sizeof(Complex<double>) == dtype_size(DType::Complex128));

/// visit_dtype_with_complex with the complex dtypes as Complex<float> and Complex<double>: the
/// element types of a kernel that computes with complex numbers.
template <class Fn>
decltype(auto) visit_element(DType t, Fn&& fn) {
  if (t == DType::Complex64) return fn(Complex<float>{});
  if (t == DType::Complex128) return fn(Complex<double>{});
  return visit_dtype(t, std::forward<Fn>(fn));
}

}  // namespace scalar
}  // namespace nabla
