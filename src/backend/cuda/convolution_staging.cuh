// The copies that bring a convolution's operands into the packed memory cuDNN reads, and its
// result back into nabla's layout (Note [Convolutions on cuDNN] in convolution_geometry.hpp):
// each is one PadPermuteCopy, a gather over the destination that can permute dims, read any
// strides, pad with zeros and crop. A copy that would only reproduce its source is skipped: the
// source is handed to cuDNN in place (or cuDNN writes the output directly).
#pragma once

#include <cstdint>
#include <span>

#include "backend/cuda/convolution_geometry.hpp"

namespace nabla::cuda {

/// dst, packed row-major over `size`, from src: dst coordinate i of dim d reads src coordinate
/// i + start[d] along src_stride[d], or zero when that lies outside [0, extent[d]).
struct PadPermuteCopy {
  int rank = 0;
  int64_t size[kMaxCudnnDims] = {};
  int64_t src_stride[kMaxCudnnDims] = {};
  int64_t start[kMaxCudnnDims] = {};
  int64_t extent[kMaxCudnnDims] = {};

  /// The source offset of dst element `linear` (row-major), or -1 in the padding. `Index` is the
  /// type the coordinates are split in (32 bits when numel() fits: several times faster on GPUs).
  template <class Index>
  __host__ __device__ int64_t source(Index linear) const {
    int64_t offset = 0;
    for (int d = rank - 1; d >= 0; --d) {
      const auto extent_d = static_cast<Index>(size[d]);
      const Index next = linear / extent_d;
      const int64_t i = static_cast<int64_t>(linear - next * extent_d) + start[d];
      if (i < 0 || i >= extent[d]) return -1;
      offset += i * src_stride[d];
      linear = next;
    }
    return offset;
  }

  [[nodiscard]] int64_t numel() const {
    int64_t n = 1;
    for (int d = 0; d < rank; ++d) n *= size[d];
    return n;
  }

  /// Whether dst would be exactly src's memory: no padding or cropping, packed strides.
  [[nodiscard]] bool is_view() const {
    int64_t packed = 1;
    for (int d = rank - 1; d >= 0; --d) {
      if (start[d] != 0 || extent[d] != size[d]) return false;
      if (size[d] != 1 && src_stride[d] != packed) return false;
      packed *= size[d];
    }
    return true;
  }

  void push(int64_t size_d, int64_t stride_d, int64_t start_d, int64_t extent_d) {
    size[rank] = size_d;
    src_stride[rank] = stride_d;
    start[rank] = start_d;
    extent[rank] = extent_d;
    ++rank;
  }
};

/// The copies of one convolution pass: its two inputs into cuDNN's memory and cuDNN's result
/// (result_numel elements, packed) into the op's output.
///   Forward:        x, w -> y        (cuDNN: x', w -> y)
///   BackwardData:   g, w -> dx       (cuDNN: dy, w -> dx', then the explicit padding dropped)
///   BackwardFilter: x, g -> dw       (cuDNN: x', dy -> dw in its filter layout)
struct ConvStaging {
  PadPermuteCopy first, second, result;
  int64_t result_numel = 0;
};

namespace staging_detail {

/// Packed strides of [N, C, *extents] in `layout` (as cudnn_input_params / _output_params).
struct DataStrides {
  int64_t batch = 0, channel = 0;
  CudnnConvGeometry::Dims spatial{};
};
inline DataStrides packed_data(const CudnnConvGeometry& g, int64_t channels,
                               const CudnnConvGeometry::Dims& extents) {
  DataStrides s;
  int64_t running = g.layout == CudnnLayout::NHWC ? channels : 1;
  for (int d = g.spatial - 1; d >= 0; --d) {
    s.spatial[static_cast<size_t>(d)] = running;
    running *= extents[static_cast<size_t>(d)];
  }
  if (g.layout == CudnnLayout::NHWC) {
    s.channel = 1;
  } else {
    s.channel = running;
    running *= channels;
  }
  s.batch = running;
  return s;
}

/// nabla data [N, *spatial, C] of `strides` -> cuDNN's packed data. `input`: the input side, with
/// g's explicit padding; otherwise the output side [N, *out, C_out].
inline PadPermuteCopy data_to_cudnn(const CudnnConvGeometry& g, std::span<const int64_t> strides,
                                    bool input) {
  const int64_t channels = input ? g.c_in : g.c_out;
  const auto c_stride = strides[static_cast<size_t>(g.spatial) + 1];
  PadPermuteCopy c;
  c.push(g.batch, strides[0], 0, g.batch);
  if (g.layout == CudnnLayout::NCHW) c.push(channels, c_stride, 0, channels);
  for (int d = 0; d < g.spatial; ++d) {
    const auto u = static_cast<size_t>(d);
    if (input) {
      c.push(g.padded[u], strides[u + 1], -g.extra_before[u], g.in[u]);
    } else {
      c.push(g.out[u], strides[u + 1], 0, g.out[u]);
    }
  }
  if (g.layout == CudnnLayout::NHWC) c.push(channels, c_stride, 0, channels);
  return c;
}

/// cuDNN's packed data -> nabla's packed [N, *spatial, C]; `input`: drops the explicit padding.
inline PadPermuteCopy data_from_cudnn(const CudnnConvGeometry& g, bool input) {
  const int64_t channels = input ? g.c_in : g.c_out;
  const DataStrides s = packed_data(g, channels, input ? g.padded : g.out);
  PadPermuteCopy c;
  c.push(g.batch, s.batch, 0, g.batch);
  for (int d = 0; d < g.spatial; ++d) {
    const auto u = static_cast<size_t>(d);
    if (input) {
      c.push(g.in[u], s.spatial[u], g.extra_before[u], g.padded[u]);
    } else {
      c.push(g.out[u], s.spatial[u], 0, g.out[u]);
    }
  }
  c.push(channels, s.channel, 0, channels);
  return c;
}

/// A Keras kernel [*k, C_in / G, C_out] of `strides` -> cuDNN's packed filter: KRSC for NHWC
/// ([C_out, *k, C_in / G]), KCRS for NCHW.
inline PadPermuteCopy filter_to_cudnn(const CudnnConvGeometry& g,
                                      std::span<const int64_t> strides) {
  const int64_t group_in = g.c_in / g.groups;
  const auto spatial = static_cast<size_t>(g.spatial);
  PadPermuteCopy c;
  c.push(g.c_out, strides[spatial + 1], 0, g.c_out);
  if (g.layout == CudnnLayout::NCHW) c.push(group_in, strides[spatial], 0, group_in);
  for (size_t d = 0; d < spatial; ++d) c.push(g.kernel[d], strides[d], 0, g.kernel[d]);
  if (g.layout == CudnnLayout::NHWC) c.push(group_in, strides[spatial], 0, group_in);
  return c;
}

/// cuDNN's packed filter -> a packed Keras kernel [*k, C_in / G, C_out].
inline PadPermuteCopy filter_from_cudnn(const CudnnConvGeometry& g) {
  const int64_t group_in = g.c_in / g.groups;
  const DataStrides s = packed_data(g, group_in, g.kernel);  // [C_out, C_in / G, *k] as data
  PadPermuteCopy c;
  for (int d = 0; d < g.spatial; ++d) {
    const auto u = static_cast<size_t>(d);
    c.push(g.kernel[u], s.spatial[u], 0, g.kernel[u]);
  }
  c.push(group_in, s.channel, 0, group_in);
  c.push(g.c_out, s.batch, 0, g.c_out);
  return c;
}

}  // namespace staging_detail

/// The copies of `pass` over g, for inputs of strides `first` and `second` (nabla's layouts:
/// data [N, *spatial, C], kernels [*k, C_in / G, C_out]).
inline ConvStaging conv_staging(ConvPass pass, const CudnnConvGeometry& g,
                                std::span<const int64_t> first, std::span<const int64_t> second) {
  using namespace staging_detail;
  ConvStaging s;
  switch (pass) {
    case ConvPass::Forward:
      s.first = data_to_cudnn(g, first, true);
      s.second = filter_to_cudnn(g, second);
      s.result = data_from_cudnn(g, false);
      s.result_numel = g.batch * g.output_per_sample();
      break;
    case ConvPass::BackwardData:
      s.first = data_to_cudnn(g, first, false);
      s.second = filter_to_cudnn(g, second);
      s.result = data_from_cudnn(g, true);
      s.result_numel = g.batch * g.input_per_sample();
      break;
    case ConvPass::BackwardFilter:
      s.first = data_to_cudnn(g, first, true);
      s.second = data_to_cudnn(g, second, false);
      s.result = filter_from_cudnn(g);
      s.result_numel = g.filter_numel();
      break;
  }
  return s;
}

}  // namespace nabla::cuda
