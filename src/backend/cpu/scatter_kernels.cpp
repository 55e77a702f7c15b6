// CPU kernels of the scatter family: scatter_add and index_add (accumulate src into a copy of x
// at indices along an axis) and as_strided_scatter (overwrite a window of a copy of x).
//
// Determinism: output elements that differ outside the axis come from disjoint "lanes" (one
// per position outside the axis), so lanes run in parallel, while each lane adds its values in
// index order on one thread. The result is therefore the same on every run and thread count.
#include <algorithm>
#include <cstdlib>
#include <type_traits>

#include "backend/cpu/kernels.hpp"
#include "backend/cpu/strided_loop.hpp"

namespace nabla::cpu {
namespace {

/// `t`'s layout over `shape` with `axis` removed, keeping t's strides on the other dimensions.
Tensor lanes_of(const Tensor& t, const Shape& shape, int64_t axis) {
  Shape lane_shape = shape;
  std::vector<int64_t> strides = t.strides();
  lane_shape.erase(axis);
  strides.erase(strides.begin() + axis);
  return Tensor::view_of(t, Layout(std::move(lane_shape), std::move(strides), t.offset()));
}

void copy_into(const Tensor& out, const Tensor& x) {
  visit_dtype(x.dtype(), [&]<class T>(T) { unary_loop<T, T>(out, x, [](T v) { return v; }); });
}

/// out[.., wrap(index[p, j]), ..] += src[p, j] for every position p outside `axis` and j along
/// it. `index` and `src` share a shape (index may have stride 0 anywhere, as index_add's
/// broadcast index does); `out` is x's contiguous copy. Indices were range-checked by the infer
/// rule, so only negatives need wrapping.
template <class T>
void scatter_add_along(const Tensor& out, const Tensor& index, const Tensor& src, int64_t axis) {
  const Shape& shape = src.shape();
  const auto a = static_cast<size_t>(axis);
  const int64_t n = shape[axis], size = out.shape()[axis];
  const int64_t out_step = out.strides()[a], index_step = index.strides()[a],
                src_step = src.strides()[a];
  const Tensor out_lanes = lanes_of(out, shape, axis), index_lanes = lanes_of(index, shape, axis),
               src_lanes = lanes_of(src, shape, axis);
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(n, 1));
  auto plan = make_plan<3>(out_lanes.shape(), {&out_lanes, &index_lanes, &src_lanes});
  for_each_row(plan, grain,
               [&](int64_t count, const std::array<char*, 3>& p, const std::array<int64_t, 3>& s) {
                 T* o = reinterpret_cast<T*>(p[0]);
                 const auto* idx = reinterpret_cast<const int64_t*>(p[1]);
                 const T* values = reinterpret_cast<const T*>(p[2]);
                 auto add = [&](int64_t lane, int64_t j) {
                   int64_t i = idx[lane * s[1] + j * index_step];
                   if (i < 0) i += size;
                   T& target = o[lane * s[0] + i * out_step];
                   target = static_cast<T>(target + values[lane * s[2] + j * src_step]);
                 };
                 if (count == 1 || std::abs(src_step) <= std::abs(s[2])) {
                   // the axis is the denser direction: finish one lane at a time
                   for (int64_t lane = 0; lane < count; ++lane) {
                     for (int64_t j = 0; j < n; ++j) add(lane, j);
                   }
                 } else {
                   // lanes are adjacent in memory: advance all of them one step at a time (each
                   // output element still receives its values in index order)
                   for (int64_t j = 0; j < n; ++j) {
                     for (int64_t lane = 0; lane < count; ++lane) add(lane, j);
                   }
                 }
               });
}

int64_t axis_attr(const KernelContext& ctx) { return ctx.attrs.get<int64_t>("axis"); }

// inputs: x, index (int64, src's shape), src -> out: x's shape
void scatter_add_kernel(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &index = ctx.inputs[1], &src = ctx.inputs[2],
               &out = ctx.outputs[0];
  copy_into(out, x);
  if (src.numel() == 0) return;
  visit_dtype(out.dtype(), [&]<class T>(T) {
    if constexpr (!std::is_same_v<T, bool>) scatter_add_along<T>(out, index, src, axis_attr(ctx));
  });
}

// inputs: x, index (int64, [k]), src (x's shape with k along axis) -> out: x's shape
void index_add_kernel(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &index = ctx.inputs[1], &src = ctx.inputs[2],
               &out = ctx.outputs[0];
  copy_into(out, x);
  if (src.numel() == 0) return;
  const int64_t axis = axis_attr(ctx);
  // index_add is scatter_add with the 1-D index broadcast over src's shape (stride 0 elsewhere)
  std::vector<int64_t> strides(static_cast<size_t>(src.ndim()), 0);
  strides[static_cast<size_t>(axis)] = index.strides()[0];
  const Tensor broadcast_index =
      Tensor::view_of(index, Layout(src.shape(), std::move(strides), index.offset()));
  visit_dtype(out.dtype(), [&]<class T>(T) {
    if constexpr (!std::is_same_v<T, bool>) {
      scatter_add_along<T>(out, broadcast_index, src, axis);
    }
  });
}

// inputs: x, src (the window's shape) -> out: x's shape, with the window replaced by src. The
// infer rule checked the window lies inside out and never overlaps itself, so the parallel
// copy writes each element at most once.
void as_strided_scatter_kernel(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &src = ctx.inputs[1], &out = ctx.outputs[0];
  copy_into(out, x);
  if (src.numel() == 0) return;
  const Layout window(ctx.attrs.get<Shape>("shape"), ctx.attrs.get<std::vector<int64_t>>("strides"),
                      out.offset() + ctx.attrs.get<int64_t>("offset"));
  copy_into(Tensor::view_of(out, window), src);
}

}  // namespace

void register_scatter_kernels(KernelTable& table) {
  table.add("scatter_add", DeviceKind::CPU, &scatter_add_kernel);
  table.add("index_add", DeviceKind::CPU, &index_add_kernel);
  table.add("as_strided_scatter", DeviceKind::CPU, &as_strided_scatter_kernel);
}

}  // namespace nabla::cpu
