// NumPy's .npy and .npz formats: every nabla dtype, C and Fortran order and either byte order on
// read. Corrupt or truncated files raise IOError naming the file and what is wrong.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

/// Writes `t` (C order, little-endian). Writes to a temporary file and renames, so a failed save
/// leaves any previous file intact.
void save_npy(const std::filesystem::path& path, const Tensor& t);
[[nodiscard]] Tensor load_npy(const std::filesystem::path& path);

/// An uncompressed .npz archive (np.savez) with one NAME.npy member per entry.
void save_npz(const std::filesystem::path& path, const std::map<std::string, Tensor>& tensors);
/// Reads np.savez and np.savez_compressed archives (stored or deflated members).
[[nodiscard]] std::map<std::string, Tensor> load_npz(const std::filesystem::path& path);

}  // namespace nabla
