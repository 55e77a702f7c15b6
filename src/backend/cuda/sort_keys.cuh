// Radix keys for the CUDA sort kernels: each real element maps to an unsigned integer whose
// ascending order is the CPU sort's order (sorts_before in backend/cpu/manipulation_kernels.cpp),
// so a stable radix sort of (key, position) pairs reproduces the CPU's std::stable_sort exactly.
// Host-device, so that the ordering can be checked on a machine without a GPU.
#pragma once

#include <cstdint>
#include <cuda/std/bit>
#include <cuda/std/limits>
#include <type_traits>

namespace nabla::cuda {

/// The key type of element type T: an unsigned integer as wide as T.
template <class T>
using RadixKey = std::conditional_t<sizeof(T) == 1, uint8_t,
                                    std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>;

/// Sorts after (or ties with) every real key: the key of positions past the end of a row in a
/// fixed-size tile. Padding follows the real elements, so a stable sort keeps it last even on a
/// tie.
template <class K>
inline constexpr K kPaddingKey = static_cast<K>(~K{0});

/// key(a) < key(b) exactly when the CPU sort puts a strictly before b, and key(a) == key(b) when
/// it keeps them in input order: equal values, -0.0 and 0.0 (they compare equal), any two NaNs
/// (whatever their sign and payload). Ascending: signed integers flip the sign bit; floats fold
/// -0.0 onto 0.0 and every NaN onto the all-ones key (above +inf), then flip the sign bit of
/// positives and every bit of negatives. Descending: the complement, which reverses the strict
/// order and keeps ties tied (NaN first, then ties in input order, as sorts_before does).
/// Floats are handled as bits, so no floating-point mode (flush-to-zero, fast math) can change it.
template <class T>
__host__ __device__ inline RadixKey<T> radix_key(T v, bool descending) {
  using K = RadixKey<T>;
  constexpr K kSign = static_cast<K>(K{1} << (8 * sizeof(K) - 1));
  K key;
  if constexpr (std::is_same_v<T, bool>) {
    key = v ? 1 : 0;
  } else if constexpr (std::is_unsigned_v<T>) {
    key = v;
  } else if constexpr (std::is_integral_v<T>) {
    key = static_cast<K>(static_cast<K>(v) ^ kSign);
  } else {
    static_assert(std::is_floating_point_v<T> && sizeof(T) == sizeof(K));
    constexpr K kInfinity = ::cuda::std::bit_cast<K>(::cuda::std::numeric_limits<T>::infinity());
    const K bits = ::cuda::std::bit_cast<K>(v);
    const K magnitude = bits & static_cast<K>(~kSign);
    if (magnitude > kInfinity) {
      key = kPaddingKey<K>;  // NaN
    } else if (magnitude == 0) {
      key = kSign;  // the key of +0.0
    } else {
      key = (bits & kSign) != 0 ? static_cast<K>(~bits) : static_cast<K>(bits | kSign);
    }
  }
  return descending ? static_cast<K>(~key) : key;
}

/// Where keys[i] lands in the stable ascending order of keys: the keys below it plus the equal
/// ones before it. Padding keys never count for a real element (they are the largest and come
/// after it), so a row shorter than kCount ranks correctly.
template <class K, int kCount>
__host__ __device__ inline int stable_rank(const K (&keys)[kCount], int i) {
  int rank = 0;
  for (int j = 0; j < kCount; ++j) {
    rank += keys[j] < keys[i] || (keys[j] == keys[i] && j < i) ? 1 : 0;
  }
  return rank;
}

}  // namespace nabla::cuda
