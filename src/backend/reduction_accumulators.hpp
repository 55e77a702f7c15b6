// What sum and prod accumulate in and return, and the NaN test of max and min's rules: the same
// for the CPU and the CUDA reduction kernels (host-device code).
#pragma once

#include <cstdint>
#include <type_traits>

#include "backend/complex_number.hpp"

#ifndef NABLA_HOST_DEVICE
#define NABLA_HOST_DEVICE
#endif

namespace nabla::reduction {

template <class T>
NABLA_HOST_DEVICE constexpr bool is_nan(T x) {
  if constexpr (std::is_floating_point_v<T>) {
    return x != x;
  } else {
    return false;
  }
}

/// sum/prod accumulate floats in double (float32 sums of millions of elements stay exact to
/// float32 precision), complex numbers in Complex<double>, and integers and bool in int64
/// (NumPy's result dtype), wrapping on overflow like NumPy without signed-overflow UB.
template <class T>
using WideAcc =
    std::conditional_t<is_complex_v<T>, scalar::Complex<double>,
                       std::conditional_t<std::is_floating_point_v<T>, double, int64_t>>;
/// The output keeps a float or complex dtype and is int64 otherwise (the ops' infer rule).
template <class T>
using WideOut = std::conditional_t<std::is_floating_point_v<T> || is_complex_v<T>, T, int64_t>;

}  // namespace nabla::reduction
