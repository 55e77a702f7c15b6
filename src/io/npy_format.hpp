// The .npy format shared by npy.cpp and npz.cpp: header writing and parsing, and reading one
// array from any ByteSource (a file or a zip member).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/file.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla::io {

/// The parsed header dictionary of a .npy file.
struct NpyHeader {
  std::string descr;  // NumPy's dtype string, e.g. "<f4"
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

/// Magic, version, length, the dict and its padding, for a C-order little-endian array.
[[nodiscard]] std::string format_npy_header(const Shape& shape, DType dtype);
/// Reads and validates magic, version and header dict; leaves `source` at the data.
[[nodiscard]] NpyHeader read_npy_header(ByteSource& source);
/// Reads one whole .npy array; the source must end exactly where the data ends.
[[nodiscard]] Tensor read_npy(ByteSource& source);

/// `t` as a contiguous CPU tensor whose bytes can be written as they are; `op` names the caller
/// in errors (an undefined or symbolic tensor has no data).
[[nodiscard]] Tensor contiguous_for_writing(const Tensor& t, std::string_view op);

}  // namespace nabla::io
