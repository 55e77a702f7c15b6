// One convolution pass through cuDNN's legacy API (Note [Convolutions on cuDNN] in
// convolution_geometry.hpp): descriptors from the geometry, an algorithm chosen once per
// geometry, device and math mode (convolution_algorithm.hpp), a workspace from the caching
// allocator, and the batch split into calls cuDNN can index.
#pragma once

#include "backend/cuda/convolution_geometry.hpp"
#include "nabla/tensor/device.hpp"
#include "nabla/tensor/dtype.hpp"

namespace nabla::cuda {

/// Whether cuDNN has an algorithm nabla accepts for `pass` over g in `dtype` (float32 or
/// float64). Asks cuDNN's heuristics once per geometry; a DeviceError naming `op` when a cuDNN
/// call fails or g does not fit cuDNN's ints.
[[nodiscard]] bool cudnn_supports(const char* op, ConvPass pass, const CudnnConvGeometry& g,
                                  DType dtype, Device device);

/// Queues `pass` over g on the device's stream. The operands are cuDNN's packed buffers
/// (convolution_staging.cuh):
///   Forward:        first x', second w,  result y   = conv(x', w)
///   BackwardData:   first dy, second w,  result dx' = the input-gradient
///   BackwardFilter: first x', second dy, result dw  = the weight-gradient
void cudnn_convolution(const char* op, ConvPass pass, const CudnnConvGeometry& g, DType dtype,
                       Device device, const void* first, const void* second, void* result);

}  // namespace nabla::cuda
