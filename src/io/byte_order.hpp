// Byte-order helpers for the readers: the files are little-endian (.npy, usually) or big-endian
// (IDX, '>' .npy); the host is little-endian (checked at compile time).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace nabla::io {

static_assert(std::endian::native == std::endian::little,
              "nabla's readers and writers assume a little-endian host");

/// The unsigned integer U stored at `p`, byte-swapped when `swap`.
template <class U>
[[nodiscard]] U load_bytes(const unsigned char* p, bool swap) {
  U value;
  std::memcpy(&value, p, sizeof(U));
  if (swap) {
    if constexpr (sizeof(U) == 2) value = static_cast<U>(__builtin_bswap16(value));
    if constexpr (sizeof(U) == 4) value = static_cast<U>(__builtin_bswap32(value));
    if constexpr (sizeof(U) == 8) value = static_cast<U>(__builtin_bswap64(value));
  }
  return value;
}

/// Reverses the bytes of each of `n` elements of `element_size` (1, 2, 4 or 8) bytes.
inline void swap_in_place(void* data, size_t element_size, int64_t n) {
  auto* bytes = static_cast<unsigned char*>(data);
  for (int64_t i = 0; i < n; ++i, bytes += element_size) {
    if (element_size == 2) {
      const auto v = load_bytes<uint16_t>(bytes, true);
      std::memcpy(bytes, &v, 2);
    } else if (element_size == 4) {
      const auto v = load_bytes<uint32_t>(bytes, true);
      std::memcpy(bytes, &v, 4);
    } else if (element_size == 8) {
      const auto v = load_bytes<uint64_t>(bytes, true);
      std::memcpy(bytes, &v, 8);
    }
  }
}

}  // namespace nabla::io
