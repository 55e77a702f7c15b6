// The IDX format of MNIST and Fashion-MNIST (big-endian header, then the data), read directly or
// through gzip (.gz, detected by its magic bytes).
#pragma once

#include <filesystem>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

/// Reads an IDX file. Unsigned bytes (MNIST's pixels and labels) become uint8; signed byte, short
/// and int data become int32; float -> float32, double -> float64. The shape is the file's
/// dimensions.
[[nodiscard]] Tensor load_idx(const std::filesystem::path& path);

}  // namespace nabla
