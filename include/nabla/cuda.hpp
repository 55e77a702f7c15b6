// CUDA devices: what the CUDA backend (src/backend/cuda) sees. Built when CMake finds the CUDA
// toolkit (NABLA_CUDA=AUTO|ON|OFF); without it, or without a visible GPU, there are no devices and
// allocating on Device::cuda(i) is a DeviceError that says why.
#pragma once

#include <string>

#include "nabla/tensor/memory.hpp"

namespace nabla::cuda {

/// Whether nabla was built with its CUDA backend.
[[nodiscard]] bool is_built();
/// The number of CUDA devices visible to this process (0 without the backend, a driver or a GPU).
[[nodiscard]] int device_count();
/// device_count() > 0.
[[nodiscard]] bool is_available();
/// Why there is no device: the CUDA runtime's answer (for instance "no CUDA-capable device is
/// detected"), or that nabla was built without CUDA; empty when a device is visible.
[[nodiscard]] std::string unavailable_reason();

/// The cache of freed blocks of CUDA device `device` (src/backend/cuda/cuda_device.cpp): blocks
/// held for reuse, hits and misses. Empty stats for a device that is not visible.
[[nodiscard]] memory::CacheStats cache_stats(int device = 0);
/// Gives every cached block of every CUDA device back to the driver (memory in use is untouched).
void empty_cache();

}  // namespace nabla::cuda
