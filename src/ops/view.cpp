// View ops: each computes a new Layout over the input's storage (no kernel, no copy). The infer
// rule runs the same layout computation, so symbolic tensors get the same shapes.
#include "nabla/ops/view.hpp"

#include <algorithm>

#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"
#include "ops/vjp_util.hpp"

namespace nabla {
namespace {

template <Layout (*Rule)(const Tensor&, const Attrs&)>
std::vector<TensorSpec> view_infer(const OpDef&, std::span<const Tensor> in, const Attrs& attrs) {
  return single(Rule(in[0], attrs).shape(), in[0].dtype());
}

// A view's VJP needs only the input's shape (Saves::Nothing): it maps the gradient back.
#define NABLA_DEFINE_VIEW_OP(op_name, vjp_rule)                                            \
  NABLA_DEFINE_OP(op_name##_op, .name = #op_name, .infer = &view_infer<&op_name##_layout>, \
                  .view = &op_name##_layout, .vjp = vjp_rule, .saves = Saves::Nothing)

/// Resolves a single -1 and checks the element count.
Shape resolve_shape(const Shape& from, const Shape& requested) {
  std::vector<int64_t> dims = requested.dims();
  int64_t known = 1, unknown_at = -1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1) {
      NABLA_CHECK(unknown_at < 0, ValueError, "reshape: only one dimension can be -1, got ",
                  requested);
      unknown_at = static_cast<int64_t>(i);
    } else {
      NABLA_CHECK(dims[i] >= 0, ValueError, "reshape: negative dimension in ", requested);
      known *= dims[i];
    }
  }
  if (unknown_at >= 0) {
    NABLA_CHECK(known != 0 && from.numel() % known == 0, ShapeError, "reshape: cannot reshape ",
                from, " into ", requested);
    dims[static_cast<size_t>(unknown_at)] = from.numel() / known;
  }
  Shape out(std::move(dims));
  NABLA_CHECK(out.numel() == from.numel(), ShapeError, "reshape: cannot reshape ", from, " (",
              from.numel(), " elements) into ", out, " (", out.numel(), " elements)");
  return out;
}

Layout reshape_layout(const Tensor& x, const Attrs& attrs) {
  NABLA_ASSERT(x.is_contiguous(), "reshape view of a non-contiguous tensor");
  return Layout(resolve_shape(x.shape(), attrs.get<Shape>("shape")), x.offset());
}

Layout permute_layout(const Tensor& x, const Attrs& attrs) {
  const auto& axes = attrs.get<std::vector<int64_t>>("axes");
  NABLA_CHECK(static_cast<int64_t>(axes.size()) == x.ndim(), ValueError, "permute: ", axes.size(),
              " axes given for a tensor of shape ", x.shape());
  const std::vector<int64_t> normalized = normalize_axes(axes, x.ndim(), "permute", false);
  std::vector<int64_t> shape, strides;
  for (int64_t axis : normalized) {
    shape.push_back(x.shape()[axis]);
    strides.push_back(x.strides()[static_cast<size_t>(axis)]);
  }
  return Layout(Shape(std::move(shape)), std::move(strides), x.offset());
}

Layout slice_layout(const Tensor& x, const Attrs& attrs) {
  const int64_t axis = normalize_axis(attrs.get<int64_t>("axis"), x.ndim(), "slice");
  int64_t start = attrs.get<int64_t>("start"), stop = attrs.get<int64_t>("stop");
  const int64_t step = attrs.get<int64_t>("step");
  NABLA_CHECK(step != 0, ValueError, "slice: step cannot be zero");
  const int64_t n = x.shape()[axis];
  // Python's slice.indices(): negative bounds count from the end, then clip.
  auto clamp = [&](int64_t v, int64_t low, int64_t high) {
    if (v < 0) v += n;
    return std::clamp(v, low, high);
  };
  if (step > 0) {
    start = clamp(start, 0, n);
    stop = clamp(stop, 0, n);
  } else {
    start = clamp(start, -1, n - 1);
    stop = clamp(stop, -1, n - 1);
  }
  const int64_t count = step > 0 ? std::max<int64_t>(0, (stop - start + step - 1) / step)
                                 : std::max<int64_t>(0, (start - stop - step - 1) / -step);
  Shape shape = x.shape();
  std::vector<int64_t> strides = x.strides();
  shape[axis] = count;
  const int64_t offset = x.offset() + (count > 0 ? start * strides[static_cast<size_t>(axis)] : 0);
  strides[static_cast<size_t>(axis)] *= step;
  return Layout(std::move(shape), std::move(strides), offset);
}

Layout select_layout(const Tensor& x, const Attrs& attrs) {
  const int64_t axis = normalize_axis(attrs.get<int64_t>("axis"), x.ndim(), "select");
  int64_t index = attrs.get<int64_t>("index");
  const int64_t n = x.shape()[axis];
  NABLA_CHECK(index >= -n && index < n, IndexError, "select: index ", index,
              " is out of bounds for axis ", axis, " with size ", n, " (shape ", x.shape(), ")");
  if (index < 0) index += n;
  Shape shape = x.shape();
  std::vector<int64_t> strides = x.strides();
  const int64_t offset = x.offset() + index * strides[static_cast<size_t>(axis)];
  shape.erase(axis);
  strides.erase(strides.begin() + axis);
  return Layout(std::move(shape), std::move(strides), offset);
}

Layout expand_layout(const Tensor& x, const Attrs& attrs) {
  const Shape& target = attrs.get<Shape>("shape");
  NABLA_CHECK(target.rank() >= x.ndim(), ShapeError, "expand: cannot broadcast ", x.shape(), " to ",
              target);
  const int64_t lead = target.rank() - x.ndim();
  std::vector<int64_t> shape(static_cast<size_t>(target.rank())), strides(shape.size(), 0);
  for (int64_t d = 0; d < target.rank(); ++d) {
    const auto i = static_cast<size_t>(d);
    if (d < lead) {
      NABLA_CHECK(target[d] >= 0, ShapeError, "expand: cannot broadcast ", x.shape(), " to ",
                  target);
      shape[i] = target[d];
      continue;
    }
    const int64_t have = x.shape()[d - lead];
    const int64_t want = target[d] == -1 ? have : target[d];
    NABLA_CHECK(have == want || have == 1, ShapeError, "expand: cannot broadcast ", x.shape(),
                " to ", target);
    shape[i] = want;
    strides[i] = have == want ? x.strides()[static_cast<size_t>(d - lead)] : 0;
  }
  return Layout(Shape(std::move(shape)), std::move(strides), x.offset());
}

Layout squeeze_layout(const Tensor& x, const Attrs& attrs) {
  const auto& axes = attrs.get<std::vector<int64_t>>("axes");
  std::vector<int64_t> drop = normalize_axes(axes, x.ndim(), "squeeze", false);
  if (axes.empty()) {
    for (int64_t d = 0; d < x.ndim(); ++d) {
      if (x.shape()[d] == 1) drop.push_back(d);
    }
  }
  std::vector<int64_t> shape, strides;
  for (int64_t d = 0; d < x.ndim(); ++d) {
    const bool dropped = std::find(drop.begin(), drop.end(), d) != drop.end();
    NABLA_CHECK(!dropped || x.shape()[d] == 1, ValueError, "squeeze: axis ", d, " has size ",
                x.shape()[d], ", not 1 (shape ", x.shape(), ")");
    if (!dropped) {
      shape.push_back(x.shape()[d]);
      strides.push_back(x.strides()[static_cast<size_t>(d)]);
    }
  }
  return Layout(Shape(std::move(shape)), std::move(strides), x.offset());
}

Layout unsqueeze_layout(const Tensor& x, const Attrs& attrs) {
  const int64_t axis = normalize_axis(attrs.get<int64_t>("axis"), x.ndim() + 1, "unsqueeze");
  Shape shape = x.shape();
  std::vector<int64_t> strides = x.strides();
  // any stride works for a size-1 axis; this one keeps contiguous tensors contiguous
  const int64_t stride = axis < x.ndim() ? strides[static_cast<size_t>(axis)] * shape[axis] : 1;
  shape.insert(axis, 1);
  strides.insert(strides.begin() + axis, stride);
  return Layout(std::move(shape), std::move(strides), x.offset());
}

Layout diagonal_layout(const Tensor& x, const Attrs& attrs) {
  NABLA_CHECK(x.ndim() >= 2, ShapeError, "diagonal: needs at least 2 dimensions, got shape ",
              x.shape());
  const int64_t a0 = normalize_axis(attrs.get<int64_t>("axis0"), x.ndim(), "diagonal");
  const int64_t a1 = normalize_axis(attrs.get<int64_t>("axis1"), x.ndim(), "diagonal");
  NABLA_CHECK(a0 != a1, ValueError, "diagonal: axis0 and axis1 must differ, both are ", a0);
  const int64_t offset = attrs.get<int64_t>("offset");
  const int64_t n0 = x.shape()[a0], n1 = x.shape()[a1];
  const int64_t s0 = x.strides()[static_cast<size_t>(a0)],
                s1 = x.strides()[static_cast<size_t>(a1)];
  const int64_t length =
      std::max<int64_t>(0, offset >= 0 ? std::min(n0, n1 - offset) : std::min(n0 + offset, n1));
  std::vector<int64_t> shape, strides;
  for (int64_t d = 0; d < x.ndim(); ++d) {
    if (d == a0 || d == a1) continue;
    shape.push_back(x.shape()[d]);
    strides.push_back(x.strides()[static_cast<size_t>(d)]);
  }
  shape.push_back(length);
  strides.push_back(s0 + s1);
  const int64_t start = length == 0 ? 0 : (offset >= 0 ? offset * s1 : -offset * s0);
  return Layout(Shape(std::move(shape)), std::move(strides), x.offset() + start);
}

/// reshape, squeeze, unsqueeze: the same elements in the input's shape.
std::vector<Tensor> reshape_back_vjp(const VjpContext& ctx) {
  return {reshape(ctx.grad_outputs[0], ctx.input_specs[0].shape)};
}

std::vector<Tensor> permute_vjp(const VjpContext& ctx) {
  const auto axes = normalize_axes(ctx.attrs.get<std::vector<int64_t>>("axes"),
                                   ctx.input_specs[0].shape.rank(), "permute", false);
  std::vector<int64_t> inverse(axes.size());
  for (size_t i = 0; i < axes.size(); ++i) inverse[static_cast<size_t>(axes[i])] = int64_t(i);
  return {permute(ctx.grad_outputs[0], inverse)};
}

/// slice, select, diagonal: the gradient goes back to where the view's elements came from, zero
/// elsewhere. The view rule applied to a contiguous tensor of the input's shape gives the window.
template <Layout (*Rule)(const Tensor&, const Attrs&)>
std::vector<Tensor> scatter_back_vjp(const VjpContext& ctx) {
  const TensorSpec& in = ctx.input_specs[0];
  auto probe = std::make_shared<TensorImpl>();  // shape only: view rules read no data
  probe->layout = Layout(in.shape);
  probe->dtype = in.dtype;
  const Layout window = Rule(Tensor(std::move(probe)), ctx.attrs);
  const Tensor& g = ctx.grad_outputs[0];
  return {as_strided_scatter(zeros(in.shape, in.dtype, g.device()), g, window.shape(),
                             window.strides(), window.offset())};
}

/// Broadcasting's VJP (ops/vjp_util.hpp).
std::vector<Tensor> expand_vjp(const VjpContext& ctx) {
  return {sum_to_shape(ctx.grad_outputs[0], ctx.input_specs[0].shape)};
}

}  // namespace

NABLA_DEFINE_VIEW_OP(reshape, &reshape_back_vjp);
NABLA_DEFINE_VIEW_OP(permute, &permute_vjp);
NABLA_DEFINE_VIEW_OP(slice, &scatter_back_vjp<&slice_layout>);
NABLA_DEFINE_VIEW_OP(select, &scatter_back_vjp<&select_layout>);
NABLA_DEFINE_VIEW_OP(expand, &expand_vjp);
NABLA_DEFINE_VIEW_OP(squeeze, &reshape_back_vjp);
NABLA_DEFINE_VIEW_OP(unsqueeze, &reshape_back_vjp);
NABLA_DEFINE_VIEW_OP(diagonal, &scatter_back_vjp<&diagonal_layout>);

Tensor contiguous(const Tensor& x) { return x.is_contiguous() ? x : x.clone(); }

Tensor reshape(const Tensor& x, const Shape& shape) {
  return dispatch1(reshape_op, {contiguous(x)}, Attrs{{"shape", shape}});
}
Tensor permute(const Tensor& x, const std::vector<int64_t>& axes) {
  return dispatch1(permute_op, {x}, Attrs{{"axes", axes}});
}
Tensor transpose(const Tensor& x) {
  std::vector<int64_t> axes(static_cast<size_t>(x.ndim()));
  for (int64_t i = 0; i < x.ndim(); ++i) axes[static_cast<size_t>(i)] = x.ndim() - 1 - i;
  return permute(x, axes);
}
Tensor transpose(const Tensor& x, const std::vector<int64_t>& axes) { return permute(x, axes); }
Tensor swapaxes(const Tensor& x, int64_t axis0, int64_t axis1) {
  const int64_t a = normalize_axis(axis0, x.ndim(), "swapaxes");
  const int64_t b = normalize_axis(axis1, x.ndim(), "swapaxes");
  std::vector<int64_t> axes(static_cast<size_t>(x.ndim()));
  for (int64_t i = 0; i < x.ndim(); ++i) axes[static_cast<size_t>(i)] = i;
  std::swap(axes[static_cast<size_t>(a)], axes[static_cast<size_t>(b)]);
  return permute(x, axes);
}
Tensor slice(const Tensor& x, int64_t axis, int64_t start, int64_t stop, int64_t step) {
  return dispatch1(slice_op, {x},
                   Attrs{{"axis", axis}, {"start", start}, {"stop", stop}, {"step", step}});
}
Tensor select(const Tensor& x, int64_t axis, int64_t index) {
  return dispatch1(select_op, {x}, Attrs{{"axis", axis}, {"index", index}});
}
Tensor expand(const Tensor& x, const Shape& shape) {
  return dispatch1(expand_op, {x}, Attrs{{"shape", shape}});
}
Tensor broadcast_to(const Tensor& x, const Shape& shape) { return expand(x, shape); }
Tensor squeeze(const Tensor& x) {
  return dispatch1(squeeze_op, {x}, Attrs{{"axes", std::vector<int64_t>{}}});
}
Tensor squeeze(const Tensor& x, int64_t axis) {
  return dispatch1(squeeze_op, {x}, Attrs{{"axes", std::vector<int64_t>{axis}}});
}
Tensor unsqueeze(const Tensor& x, int64_t axis) {
  return dispatch1(unsqueeze_op, {x}, Attrs{{"axis", axis}});
}
Tensor expand_dims(const Tensor& x, int64_t axis) { return unsqueeze(x, axis); }
Tensor diagonal(const Tensor& x, int64_t offset, int64_t axis0, int64_t axis1) {
  return dispatch1(diagonal_op, {x}, Attrs{{"offset", offset}, {"axis0", axis0}, {"axis1", axis1}});
}

}  // namespace nabla
