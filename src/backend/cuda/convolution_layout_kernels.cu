// CUDA kernels of relayout and conv_with_layouts (src/ops/convolution_layout.hpp), as the CPU's
// generic path (backend/cpu/convolution_layout_kernels.cpp): relayout is one gather kernel over
// any two BlockedLayouts; conv_with_layouts brings its blocked operands into nabla's layouts,
// runs the core op's CUDA kernel (cuDNN) and lays the output out.
//
// Why not hand blocked operands to cuDNN directly: the layouts the pass chooses are oneDNN's
// (channels in inner blocks of 8 or 16, kernels in two-level blocks such as OIhw16i16o), and
// cuDNN's formats are only NCHW, NHWC and NCHW_VECT_C, the last for 8-bit integers. The plain
// layouts are nabla's own or NCHW, which the core kernels reach through their own copies anyway,
// so a special case would save one copy on a path that only graphs rewritten for the CPU take.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backend/cpu/convolution_layouts.hpp"
#include "backend/cuda/blocked_layout_map.cuh"
#include "backend/cuda/convolution_layout_kernels.hpp"
#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/launch.cuh"

namespace nabla::cuda {
namespace {

/// Moves elements as raw bits of their width: a permutation needs no arithmetic.
template <class Bits>
__global__ void relayout_gather(const RelayoutMap map, const Bits* __restrict__ src,
                                Bits* __restrict__ dst, int64_t n) {
  for (int64_t i = grid_index(); i < n; i += grid_stride()) {
    int64_t from = 0, to = 0;
    map.offsets(i, from, to);
    dst[to] = src[from];
  }
}

/// dst (packed, laid out by `to`) = src (any strides; its elements in row-major order laid out by
/// `from`); the two layouts have the same dims.
void relayout_into(const BlockedLayout& from, const BlockedLayout& to, const Tensor& src,
                   const Tensor& dst) {
  const int64_t n = from.numel();
  if (n == 0) return;
  const RelayoutMap map = relayout_map(from, to, src, "relayout");
  const cudaStream_t s = stream(dst.device());
  if (src.itemsize() == 4) {
    relayout_gather<uint32_t><<<blocks_for(n), kThreads, 0, s>>>(
        map, device_data<const uint32_t>(src), device_data<uint32_t>(dst), n);
  } else {
    relayout_gather<uint64_t><<<blocks_for(n), kThreads, 0, s>>>(
        map, device_data<const uint64_t>(src), device_data<uint64_t>(dst), n);
  }
  check_launch("relayout");
}

BlockedLayout layout_attr(const Attrs& attrs, std::string_view key) {
  return BlockedLayout::decode(attrs.get<std::vector<int64_t>>(key), "relayout");
}

void relayout_kernel_entry(const KernelContext& ctx) {
  relayout_into(layout_attr(ctx.attrs, "from"), layout_attr(ctx.attrs, "to"), ctx.inputs[0],
                ctx.outputs[0]);
}

/// inputs: the operands of the core op `of`, each in nabla's layout or (attr layout<k>) a 1-D
/// tensor in a blocked one; output likewise.
void conv_with_layouts_kernel(const KernelContext& ctx) {
  const cpu::ConvWithLayouts c = cpu::ConvWithLayouts::of_call(ctx);
  cpu::conv_through_plain_layouts(ctx, c, {ctx.inputs.begin(), ctx.inputs.end()}, DeviceKind::CUDA,
                                  &relayout_into);
}

}  // namespace

void register_convolution_layout_kernels(KernelTable& table) {
  table.add("relayout", DeviceKind::CUDA, &relayout_kernel_entry);
  table.add("conv_with_layouts", DeviceKind::CUDA, &conv_with_layouts_kernel);
}

}  // namespace nabla::cuda
