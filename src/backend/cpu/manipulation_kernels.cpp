// CPU kernels of the manipulation family: concatenate (strided slab copies), take and gather
// (lookups along an axis), sort (stable, values and indices) and cumsum. Each accepts any input
// layout: it builds views over the output's index space and walks them with the shared strided
// loop, which also splits the work across threads.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>

#include "backend/concatenate_slabs.hpp"
#include "backend/cpu/kernels.hpp"
#include "backend/cpu/strided_loop.hpp"
#include "backend/take_strides.hpp"

namespace nabla::cpu {
namespace {

int64_t axis_attr(const KernelContext& ctx, int64_t rank) {
  const int64_t axis = ctx.attrs.get<int64_t>("axis");
  return axis < 0 ? axis + rank : axis;
}

/// Lanes per parallel chunk when each lane has `length` elements.
int64_t lane_grain(int64_t length) {
  return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(length, 1));
}

// ---- concatenate: inputs share the output's dtype (the op promotes first) ----

void concatenate_kernel(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  for_each_concatenate_slab(
      out, ctx.inputs, axis_attr(ctx, out.ndim()), [&](const Tensor& slab, const Tensor& in) {
        visit_dtype(out.dtype(),
                    [&]<class T>(T) { unary_loop<T, T>(slab, in, [](T v) { return v; }); });
      });
}

// ---- take / gather: out = source[..., wrap(index), ...] ----

/// Walks three operands over the output's shape: the output, an int64 index view and a source
/// view whose gathered axis has stride 0; adds wrap(index) * axis_stride to the source address.
/// Indices were range-checked by the op's infer rule, so wrapping negatives is all that is left.
template <class T>
void gather_along(const Tensor& out, const Tensor& index, const Tensor& source, int64_t size,
                  int64_t axis_stride) {
  auto wrap = [size](int64_t i) { return i < 0 ? i + size : i; };
  auto plan = make_plan<3>(out.shape(), {&out, &index, &source});
  for_each_row(plan, kElementwiseGrain,
               [&](int64_t n, const std::array<char*, 3>& p, const std::array<int64_t, 3>& s) {
                 T* o = reinterpret_cast<T*>(p[0]);
                 const auto* idx = reinterpret_cast<const int64_t*>(p[1]);
                 const T* src = reinterpret_cast<const T*>(p[2]);
                 if (s[1] == 0) {  // one index for the whole row: a strided copy
                   const T* row = src + wrap(*idx) * axis_stride;
                   for (int64_t i = 0; i < n; ++i) o[i * s[0]] = row[i * s[2]];
                 } else {
                   for (int64_t i = 0; i < n; ++i) {
                     o[i * s[0]] = src[i * s[2] + wrap(idx[i * s[1]]) * axis_stride];
                   }
                 }
               });
}

// out: x.shape[:axis] + index.shape + x.shape[axis+1:]
void take_kernel(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &index = ctx.inputs[1], &out = ctx.outputs[0];
  const int64_t axis = axis_attr(ctx, x.ndim());
  TakeStrides s = take_strides(x, index, axis, out.ndim());
  const Tensor x_view = Tensor::view_of(x, Layout(out.shape(), std::move(s.x), x.offset()));
  const Tensor index_view =
      Tensor::view_of(index, Layout(out.shape(), std::move(s.index), index.offset()));
  visit_dtype(x.dtype(), [&]<class T>(T) {
    gather_along<T>(out, index_view, x_view, x.shape()[axis],
                    x.strides()[static_cast<size_t>(axis)]);
  });
}

// out: index.shape; out[..., j, ...] = x[..., index[..., j, ...], ...] along axis
void gather_kernel(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &index = ctx.inputs[1], &out = ctx.outputs[0];
  const int64_t axis = axis_attr(ctx, x.ndim());
  std::vector<int64_t> x_strides = x.strides();
  x_strides[static_cast<size_t>(axis)] = 0;
  const Tensor x_view = Tensor::view_of(x, Layout(index.shape(), std::move(x_strides), x.offset()));
  visit_dtype(x.dtype(), [&]<class T>(T) {
    gather_along<T>(out, index, x_view, x.shape()[axis], x.strides()[static_cast<size_t>(axis)]);
  });
}

// ---- sort: stable, NaN ordered as the largest value (last ascending, first descending) ----

template <class T>
bool sorts_before(T a, T b, bool descending) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a) || std::isnan(b)) return descending ? !std::isnan(b) : !std::isnan(a);
  }
  return descending ? b < a : a < b;
}

// outputs: values (x's dtype), indices (int64), both x's shape
void sort_kernel(const KernelContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  const Tensor &values = ctx.outputs[0], &indices = ctx.outputs[1];
  const int64_t axis = axis_attr(ctx, x.ndim());
  const bool descending = ctx.attrs.get<bool>("descending");
  const int64_t n = x.shape()[axis];
  const auto a = static_cast<size_t>(axis);
  const int64_t x_step = x.strides()[a], value_step = values.strides()[a],
                index_step = indices.strides()[a];
  const Tensor x_lanes = lanes_of(x, axis), value_lanes = lanes_of(values, axis),
               index_lanes = lanes_of(indices, axis);
  visit_dtype(x.dtype(), [&]<class T>(T) {
    auto plan = make_plan<3>(x_lanes.shape(), {&value_lanes, &index_lanes, &x_lanes});
    for_each_row(
        plan, lane_grain(n),
        [&](int64_t count, const std::array<char*, 3>& p, const std::array<int64_t, 3>& s) {
          std::vector<std::pair<T, int64_t>> row(static_cast<size_t>(n));
          for (int64_t lane = 0; lane < count; ++lane) {
            const T* src = reinterpret_cast<const T*>(p[2]) + lane * s[2];
            for (int64_t i = 0; i < n; ++i) row[static_cast<size_t>(i)] = {src[i * x_step], i};
            std::stable_sort(row.begin(), row.end(), [descending](const auto& l, const auto& r) {
              return sorts_before(l.first, r.first, descending);
            });
            T* value_out = reinterpret_cast<T*>(p[0]) + lane * s[0];
            int64_t* index_out = reinterpret_cast<int64_t*>(p[1]) + lane * s[1];
            for (int64_t i = 0; i < n; ++i) {
              value_out[i * value_step] = row[static_cast<size_t>(i)].first;
              index_out[i * index_step] = row[static_cast<size_t>(i)].second;
            }
          }
        });
  });
}

// ---- cumsum: x and out share a dtype (int64 or floating; the op converts bool/int32) ----

void cumsum_kernel(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &out = ctx.outputs[0];
  const int64_t axis = axis_attr(ctx, x.ndim());
  const int64_t n = x.shape()[axis];
  const int64_t x_step = x.strides()[static_cast<size_t>(axis)];
  const int64_t out_step = out.strides()[static_cast<size_t>(axis)];
  const Tensor x_lanes = lanes_of(x, axis), out_lanes = lanes_of(out, axis);
  visit_dtype(out.dtype(), [&]<class T>(T) {
    if constexpr (!std::is_same_v<T, bool>) {
      // Floats accumulate in double (as PyTorch's CPU scan) so long float32 sums stay accurate.
      using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;
      auto plan = make_plan<2>(x_lanes.shape(), {&out_lanes, &x_lanes});
      for_each_row(
          plan, lane_grain(n),
          [&](int64_t count, const std::array<char*, 2>& p, const std::array<int64_t, 2>& s) {
            T* o = reinterpret_cast<T*>(p[0]);
            const T* src = reinterpret_cast<const T*>(p[1]);
            if (count == 1 || std::abs(x_step) <= std::abs(s[1])) {
              // the axis is the denser direction: finish one lane at a time
              for (int64_t lane = 0; lane < count; ++lane) {
                Acc acc{};
                for (int64_t i = 0; i < n; ++i) {
                  acc += static_cast<Acc>(src[lane * s[1] + i * x_step]);
                  o[lane * s[0] + i * out_step] = static_cast<T>(acc);
                }
              }
            } else {
              // lanes are adjacent in memory: advance all of them one step at a time
              std::vector<Acc> acc(static_cast<size_t>(count), Acc{});
              for (int64_t i = 0; i < n; ++i) {
                for (int64_t lane = 0; lane < count; ++lane) {
                  acc[static_cast<size_t>(lane)] += static_cast<Acc>(src[lane * s[1] + i * x_step]);
                  o[lane * s[0] + i * out_step] = static_cast<T>(acc[static_cast<size_t>(lane)]);
                }
              }
            }
          });
    }
  });
}

}  // namespace

void register_manipulation_kernels(KernelTable& table) {
  table.add("concatenate", DeviceKind::CPU, &concatenate_kernel);
  table.add("take", DeviceKind::CPU, &take_kernel);
  table.add("gather", DeviceKind::CPU, &gather_kernel);
  table.add("sort", DeviceKind::CPU, &sort_kernel);
  table.add("cumsum", DeviceKind::CPU, &cumsum_kernel);
}

}  // namespace nabla::cpu
