// A nabla convolution as cuDNN's legacy convolution API sees it: the layout, the symmetric pads
// cuDNN gets and the explicit padding that makes up the rest, and every parameter of the tensor,
// filter and convolution descriptors. Host code without cuDNN types, so that it can be checked
// without a GPU.
//
// Note [Convolutions on cuDNN]
// nabla's convolution ops take channels-last data [N, *spatial, C] and Keras kernels
// [*k, C_in / G, C_out] with pads per side (convolution_internal.hpp). cuDNN's legacy API
// (cudnnConvolutionForward / BackwardData / BackwardFilter) is handed:
//  - layout: float32 runs NHWC (NDHWC), nabla's own data layout, so packed data is read and
//    written in place. float64 runs NCHW (NCDHW), the layout PyTorch also keeps float64 in
//    (it never sends float64 down cuDNN's NHWC path), so the best-trodden float64 support. A
//    float32 geometry cuDNN has no NHWC algorithm for falls back to NCHW.
//  - the filter: a packed copy in KRSC ([C_out, *k, C_in / G], cuDNN's NHWC filter) or KCRS;
//    the weight-gradient is produced in that layout and copied back to Keras's.
//  - 1-d: 2-d with a leading unit dim (cuDNN's descriptors start at 4 dims).
//  - pads: cuDNN takes one pad per dim for both sides. Trailing padding that no window reaches
//    can be dropped and trailing padding up to the next window start added without changing the
//    output, so the after-pad is chosen within that range as close to the before-pad as
//    possible; cuDNN gets the smaller of the two (kept below the window: some engines refuse
//    larger pads), and the rest is padded explicitly into a copy of the input (forward,
//    weight-gradient) or, for the input-gradient, cuDNN computes the gradient of that padded
//    input and the copy back drops the border. 'valid' and odd 'same' convolutions need no copy.
//  - 32-bit: descriptors take int dims and strides, and cuDNN indexes in 32 bits, so the batch
//    is split into calls whose tensors hold at most 2^31 - 1 elements.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "backend/attrs.hpp"
#include "nabla/tensor/shape.hpp"

namespace nabla::cuda {

enum class CudnnLayout { NHWC, NCHW };
enum class ConvPass { Forward, BackwardData, BackwardFilter };

inline constexpr int kMaxConvSpatial = 3;
inline constexpr int kMaxCudnnDims = kMaxConvSpatial + 2;

/// A packed data tensor as cudnnSetTensorNdDescriptor takes it: dims [N, C, *spatial] and their
/// strides in elements (the layout is in the strides).
struct CudnnTensorParams {
  int nb_dims = 0;
  std::array<int, kMaxCudnnDims> dims{}, strides{};
};

/// cudnnSetFilterNdDescriptor's arguments: dims [C_out, C_in / G, *k] in that order whatever the
/// format (NHWC: memory [C_out, *k, C_in / G]).
struct CudnnFilterParams {
  CudnnLayout format = CudnnLayout::NHWC;
  int nb_dims = 0;
  std::array<int, kMaxCudnnDims> dims{};
};

/// cudnnSetConvolutionNdDescriptor's and cudnnSetConvolutionGroupCount's arguments
/// (cross-correlation).
struct CudnnConvParams {
  int spatial = 0;
  std::array<int, kMaxConvSpatial> pads{}, strides{}, dilations{};
  int groups = 1;
};

/// One convolution: x [N, *in, C_in], w [*k, C_in / G, C_out], y [N, *out, C_out]. Per-dim
/// arrays are over nabla's spatial dims; cuDNN's have a unit dim in front when spatial == 1.
struct CudnnConvGeometry {
  CudnnLayout layout = CudnnLayout::NHWC;
  int spatial = 0;
  int64_t batch = 0, c_in = 0, c_out = 0, groups = 1;
  using Dims = std::array<int64_t, kMaxConvSpatial>;
  Dims in{}, out{}, kernel{}, stride{}, dilation{};
  Dims pad{};                          // cuDNN's symmetric pad
  Dims extra_before{}, extra_after{};  // padded explicitly around the input
  Dims padded{};                       // in + extra_before + extra_after: the input cuDNN sees

  [[nodiscard]] bool explicit_padding() const;
  /// Elements per sample of the (padded) input and of the output.
  [[nodiscard]] int64_t input_per_sample() const;
  [[nodiscard]] int64_t output_per_sample() const;
  [[nodiscard]] int64_t filter_numel() const;
  [[nodiscard]] int cudnn_dims() const { return spatial == 1 ? 4 : spatial + 2; }
};

/// The geometry of x, w, y under the ops' attrs ("strides", "dilation", "pads", "groups") in
/// `layout`. The shapes are valid (the op's infer rule checked them) and x, y non-empty.
[[nodiscard]] CudnnConvGeometry cudnn_geometry(const Shape& x, const Shape& w, const Shape& y,
                                               const Attrs& attrs, CudnnLayout layout);

/// Samples per cuDNN call: every tensor of a call below 2^31 elements. DeviceError naming `op`
/// when a single sample, the filter or a parameter does not fit cuDNN's ints.
[[nodiscard]] int64_t cudnn_batch_chunk(std::string_view op, const CudnnConvGeometry& g);

/// Element offsets into a call's operands (convolution_cudnn.hpp: first, second, result) for the
/// call starting at sample n0: data advances by its per-sample size, a filter not at all.
struct CudnnChunkOffsets {
  int64_t first = 0, second = 0, result = 0;
};
[[nodiscard]] CudnnChunkOffsets cudnn_chunk_offsets(ConvPass pass, const CudnnConvGeometry& g,
                                                    int64_t n0);

/// The descriptors of a call on `batch` samples (at most cudnn_batch_chunk's).
[[nodiscard]] CudnnTensorParams cudnn_input_params(const CudnnConvGeometry& g, int64_t batch);
[[nodiscard]] CudnnTensorParams cudnn_output_params(const CudnnConvGeometry& g, int64_t batch);
[[nodiscard]] CudnnFilterParams cudnn_filter_params(const CudnnConvGeometry& g);
[[nodiscard]] CudnnConvParams cudnn_conv_params(const CudnnConvGeometry& g);

}  // namespace nabla::cuda
