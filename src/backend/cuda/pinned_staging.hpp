// Copies from ordinary (pageable) host memory to a GPU through page-locked staging buffers, so
// that the copy is asynchronous: the host copies into a pinned buffer at memcpy speed, queues the
// DMA transfer on the device's stream and returns, while the GPU pulls the data in the
// background. cudaMemcpyAsync from pageable memory would instead hold the host until the driver
// has staged every byte itself. This is what lets fit() prepare batch k+1 while step k runs.
#pragma once

#include <cstddef>

#include "nabla/tensor/device.hpp"

namespace nabla::cuda {

/// Queues a copy of `bytes` from host memory `src` to `dst` on `device`'s stream. `src` may be
/// reused as soon as this returns; the copy is ordered before later work on that stream.
void copy_to_device_staged(void* dst, const void* src, size_t bytes, Device device);

}  // namespace nabla::cuda
