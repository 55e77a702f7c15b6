// CPU kernels of relayout and conv_with_layouts (src/ops/convolution_layout.hpp). float32 runs
// through oneDNN: relayout is its reorder, and conv_with_layouts hands the operands that come in
// the primitive's own layouts straight to it. Everything else (float64, oneDNN off or not built
// in, a layout that is not the primitive's) takes the generic path: the operands brought into
// nabla's layouts, the core op's own kernel, the output laid out. Both paths compute the same
// convolution; only the fast one skips the copies.
#include <optional>
#include <string>

#include "backend/cpu/convolution_layouts.hpp"
#include "backend/cpu/convolution_onednn.hpp"
#include "backend/cpu/dense.hpp"
#include "backend/cpu/kernels.hpp"

namespace nabla::cpu {
namespace {

/// dst (dense, laid out by `to`) = src (dense, laid out by `from`).
void relayout_into(const BlockedLayout& from, const BlockedLayout& to, const Tensor& src,
                   const Tensor& dst) {
  if (src.dtype() == DType::Float32) {
    if (onednn::relayout(from, to, src.data<float>(), dst.data<float>())) return;
    relayout_generic(from, to, src.data<float>(), dst.data<float>());
  } else {
    relayout_generic(from, to, src.data<double>(), dst.data<double>());
  }
}

BlockedLayout layout_attr(const Attrs& attrs, std::string_view key) {
  return BlockedLayout::decode(attrs.get<std::vector<int64_t>>(key), "relayout");
}

void relayout_kernel(const KernelContext& ctx) {
  relayout_into(layout_attr(ctx.attrs, "from"), layout_attr(ctx.attrs, "to"), dense(ctx.inputs[0]),
                ctx.outputs[0]);
}

/// inputs: the operands of the core op `of`, each in nabla's layout or (attr layout<k>) a 1-D
/// tensor in a blocked one; output likewise.
void conv_with_layouts_kernel(const KernelContext& ctx) {
  const ConvWithLayouts c = ConvWithLayouts::of_call(ctx);
  std::vector<const BlockedLayout*> given;
  for (const auto& l : c.given) given.push_back(l.has_value() ? &*l : nullptr);
  std::vector<Tensor> operands;
  for (const Tensor& t : ctx.inputs) operands.push_back(dense(t));
  const Tensor& out = ctx.outputs[0];
  if (out.dtype() == DType::Float32) {
    std::vector<const float*> data;
    for (const Tensor& t : operands) data.push_back(t.data<float>());
    data.push_back(out.data<float>());
    if (onednn::conv_run(c.kind, c.plan, data, given)) return;
  }
  conv_through_plain_layouts(ctx, c, std::move(operands), DeviceKind::CPU, &relayout_into);
}

}  // namespace

void register_convolution_layout_kernels(KernelTable& table) {
  table.add("relayout", DeviceKind::CPU, &relayout_kernel);
  table.add("conv_with_layouts", DeviceKind::CPU, &conv_with_layouts_kernel);
}

}  // namespace nabla::cpu
