// A convolution's cuDNN geometry and descriptor parameters (Note [Convolutions on cuDNN] in
// convolution_geometry.hpp).
#ifdef NABLA_HAVE_CUDA
#include "backend/cuda/convolution_geometry.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include "nabla/util/error.hpp"

namespace nabla::cuda {
namespace {

constexpr int64_t kIntMax = std::numeric_limits<int>::max();

int to_int(int64_t v) {
  NABLA_ASSERT(v >= 0 && v <= kIntMax, "cuDNN parameter ", v, " does not fit an int");
  return static_cast<int>(v);
}

int64_t product(const CudnnConvGeometry::Dims& dims, int spatial) {
  int64_t n = 1;
  for (int d = 0; d < spatial; ++d) n *= dims[static_cast<size_t>(d)];
  return n;
}

/// cuDNN's spatial extents for per-dim values `v`: a leading `unit` for 1-d convolutions.
struct CudnnSpatial {
  int count = 0;
  std::array<int64_t, kMaxConvSpatial> v{};
};
CudnnSpatial cudnn_spatial(const CudnnConvGeometry& g, const CudnnConvGeometry::Dims& v,
                           int64_t unit) {
  if (g.spatial == 1) return {2, {unit, v[0], 0}};
  return {g.spatial, v};
}

/// Packed [batch, channels, *extents] in g's layout.
CudnnTensorParams tensor_params(const CudnnConvGeometry& g, int64_t batch, int64_t channels,
                                const CudnnConvGeometry::Dims& extents) {
  const CudnnSpatial s = cudnn_spatial(g, extents, 1);
  CudnnTensorParams p;
  p.nb_dims = s.count + 2;
  p.dims[0] = to_int(batch);
  p.dims[1] = to_int(channels);
  int64_t running = g.layout == CudnnLayout::NHWC ? channels : 1;
  for (int i = s.count - 1; i >= 0; --i) {
    const auto u = static_cast<size_t>(i);
    p.dims[u + 2] = to_int(s.v[u]);
    p.strides[u + 2] = to_int(running);
    running *= s.v[u];
  }
  if (g.layout == CudnnLayout::NHWC) {
    p.strides[1] = 1;
  } else {
    p.strides[1] = to_int(running);
    running *= channels;
  }
  p.strides[0] = to_int(running);
  return p;
}

}  // namespace

bool CudnnConvGeometry::explicit_padding() const {
  for (int d = 0; d < spatial; ++d) {
    const auto u = static_cast<size_t>(d);
    if (extra_before[u] != 0 || extra_after[u] != 0) return true;
  }
  return false;
}

int64_t CudnnConvGeometry::input_per_sample() const { return c_in * product(padded, spatial); }
int64_t CudnnConvGeometry::output_per_sample() const { return c_out * product(out, spatial); }
int64_t CudnnConvGeometry::filter_numel() const {
  return c_out * (c_in / groups) * product(kernel, spatial);
}

CudnnConvGeometry cudnn_geometry(const Shape& x, const Shape& w, const Shape& y, const Attrs& attrs,
                                 CudnnLayout layout) {
  const auto& strides = attrs.get<std::vector<int64_t>>("strides");
  const auto& dilation = attrs.get<std::vector<int64_t>>("dilation");
  const auto& pads = attrs.get<std::vector<int64_t>>("pads");
  CudnnConvGeometry g;
  g.layout = layout;
  g.spatial = static_cast<int>(x.rank() - 2);
  g.batch = x[0];
  g.c_in = x[-1];
  g.c_out = w[-1];
  g.groups = attrs.get<int64_t>("groups");
  for (int d = 0; d < g.spatial; ++d) {
    const auto u = static_cast<size_t>(d);
    const int64_t in = x[d + 1], out = y[d + 1], k = w[d], s = strides[u];
    const int64_t dil = k == 1 ? 1 : dilation[u];  // a single tap: any dilation is the same
    const int64_t before = pads[2 * u], after = pads[2 * u + 1];
    const int64_t window = (k - 1) * dil + 1;
    // After-pads giving the same outputs: the last window still fits, no further one starts.
    const int64_t lowest = std::max<int64_t>(0, (out - 1) * s + window - before - in);
    const int64_t highest = out * s + window - 1 - before - in;
    NABLA_ASSERT(lowest <= after && after <= highest, "conv geometry: inconsistent output length");
    const int64_t used = std::clamp(before, lowest, highest);
    // cuDNN's pad stays below the window: some engines refuse larger ones
    // (CUDNN_STATUS_NOT_SUPPORTED_PADDING), and they are rare enough to pad explicitly.
    const int64_t common = std::min({before, used, window - 1});
    g.in[u] = in;
    g.out[u] = out;
    g.kernel[u] = k;
    g.stride[u] = s;
    g.dilation[u] = dil;
    g.pad[u] = common;
    g.extra_before[u] = before - common;
    g.extra_after[u] = used - common;
    g.padded[u] = in + g.extra_before[u] + g.extra_after[u];
  }
  return g;
}

int64_t cudnn_batch_chunk(std::string_view op, const CudnnConvGeometry& g) {
  const int64_t per_sample = std::max(g.input_per_sample(), g.output_per_sample());
  NABLA_CHECK(per_sample <= kIntMax && g.filter_numel() <= kIntMax, DeviceError, op,
              ": cuDNN takes tensors of at most 2^31 - 1 elements; one sample has ", per_sample,
              " elements and the kernel ", g.filter_numel());
  for (int d = 0; d < g.spatial; ++d) {
    const auto u = static_cast<size_t>(d);
    NABLA_CHECK(g.stride[u] <= kIntMax && g.dilation[u] <= kIntMax && g.pad[u] <= kIntMax,
                DeviceError, op, ": cuDNN takes strides, dilations and pads below 2^31, got ",
                g.stride[u], ", ", g.dilation[u], " and ", g.pad[u]);
  }
  NABLA_CHECK(g.groups <= kIntMax, DeviceError, op, ": cuDNN takes at most 2^31 - 1 groups");
  return std::min(g.batch, kIntMax / std::max<int64_t>(per_sample, 1));
}

CudnnChunkOffsets cudnn_chunk_offsets(ConvPass pass, const CudnnConvGeometry& g, int64_t n0) {
  const int64_t in = n0 * g.input_per_sample(), out = n0 * g.output_per_sample();
  switch (pass) {
    case ConvPass::Forward:
      return {in, 0, out};
    case ConvPass::BackwardData:
      return {out, 0, in};
    case ConvPass::BackwardFilter:
      return {in, out, 0};
  }
  return {};
}

CudnnTensorParams cudnn_input_params(const CudnnConvGeometry& g, int64_t batch) {
  return tensor_params(g, batch, g.c_in, g.padded);
}

CudnnTensorParams cudnn_output_params(const CudnnConvGeometry& g, int64_t batch) {
  return tensor_params(g, batch, g.c_out, g.out);
}

CudnnFilterParams cudnn_filter_params(const CudnnConvGeometry& g) {
  const CudnnSpatial k = cudnn_spatial(g, g.kernel, 1);
  CudnnFilterParams p;
  p.format = g.layout;
  p.nb_dims = k.count + 2;
  p.dims[0] = to_int(g.c_out);
  p.dims[1] = to_int(g.c_in / g.groups);
  for (int i = 0; i < k.count; ++i) {
    p.dims[static_cast<size_t>(i) + 2] = to_int(k.v[static_cast<size_t>(i)]);
  }
  return p;
}

CudnnConvParams cudnn_conv_params(const CudnnConvGeometry& g) {
  const CudnnSpatial pad = cudnn_spatial(g, g.pad, 0), stride = cudnn_spatial(g, g.stride, 1),
                     dilation = cudnn_spatial(g, g.dilation, 1);
  CudnnConvParams p;
  p.spatial = pad.count;
  for (int i = 0; i < p.spatial; ++i) {
    const auto u = static_cast<size_t>(i);
    p.pads[u] = to_int(pad.v[u]);
    p.strides[u] = to_int(stride.v[u]);
    p.dilations[u] = to_int(dilation.v[u]);
  }
  p.groups = to_int(g.groups);
  return p;
}

}  // namespace nabla::cuda
#endif
