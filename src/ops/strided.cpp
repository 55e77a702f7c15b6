// Explicit-stride windows: as_strided (a view with any shape, strides and offset over a
// contiguous tensor's elements) and as_strided_scatter (a copy with such a window overwritten,
// as_strided's adjoint). Both check that the window stays inside the tensor; the scatter also
// checks that the window never addresses one element twice, so its writes are well defined.
#include <algorithm>
#include <cstdlib>

#include "nabla/ops/creation.hpp"
#include "nabla/ops/manipulation.hpp"
#include "nabla/ops/view.hpp"
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"

namespace nabla {
namespace {

struct Window {
  const Shape& shape;
  const std::vector<int64_t>& strides;
  int64_t offset;
};

Attrs window_attrs(const Shape& shape, const std::vector<int64_t>& strides, int64_t offset) {
  return Attrs{{"shape", shape}, {"strides", strides}, {"offset", offset}};
}
Window window_of(const Attrs& attrs) {
  return {attrs.get<Shape>("shape"), attrs.get<std::vector<int64_t>>("strides"),
          attrs.get<int64_t>("offset")};
}
/// True when the window has no positions (tested per extent: numel() of a huge shape overflows).
bool is_empty(const Window& w) {
  return std::find(w.shape.begin(), w.shape.end(), 0) != w.shape.end();
}

/// Checks the window against a row-major tensor of `numel` elements: one stride per dimension,
/// no negative extents, and every addressed element (offset + sum index[d] * strides[d]) in
/// [0, numel). An empty window addresses nothing; its offset must still lie in [0, numel].
void check_window(std::string_view op, const Window& w, const Shape& x_shape) {
  const int64_t numel = x_shape.numel();
  NABLA_CHECK(static_cast<int64_t>(w.strides.size()) == w.shape.rank(), ShapeError, op, ": ",
              w.strides.size(), " strides ", Shape(w.strides), " for shape ", w.shape);
  for (int64_t extent : w.shape) {
    NABLA_CHECK(extent >= 0, ValueError, op, ": negative extent in shape ", w.shape);
  }
  bool inside = w.offset >= 0 && w.offset <= numel;
  int64_t low = w.offset, high = w.offset;
  if (!is_empty(w)) {
    for (size_t d = 0; d < w.strides.size() && inside; ++d) {
      int64_t span = 0;  // overflow means far outside any tensor
      inside = !__builtin_mul_overflow(w.shape[static_cast<int64_t>(d)] - 1, w.strides[d], &span) &&
               !__builtin_add_overflow(span < 0 ? low : high, span, span < 0 ? &low : &high);
    }
    inside = inside && low >= 0 && high < numel;
  }
  NABLA_CHECK(inside, ShapeError, op, ": window shape ", w.shape, ", strides ", Shape(w.strides),
              ", offset ", w.offset, " addresses elements outside [0, ", numel, ") of x ", x_shape);
}

/// ValueError when two positions of the window address one element. Sufficient test: with the
/// dimensions sorted by |stride|, each stride exceeds the span its smaller dimensions cover
/// (size-1 dimensions never step; an empty window addresses nothing).
void check_no_overlap(std::string_view op, const Window& w) {
  if (is_empty(w)) return;
  std::vector<size_t> dims;
  for (size_t d = 0; d < w.strides.size(); ++d) {
    if (w.shape[static_cast<int64_t>(d)] > 1) dims.push_back(d);
  }
  std::sort(dims.begin(), dims.end(),
            [&](size_t a, size_t b) { return std::abs(w.strides[a]) < std::abs(w.strides[b]); });
  int64_t span = 0;  // max - min element addressed by the dimensions seen so far
  for (size_t d : dims) {
    const int64_t stride = std::abs(w.strides[d]);
    NABLA_CHECK(stride > span, ValueError, op, ": window shape ", w.shape, ", strides ",
                Shape(w.strides),
                " addresses some elements more than once; the window must not overlap itself");
    span += (w.shape[static_cast<int64_t>(d)] - 1) * stride;  // bounded: check_window ran first
  }
}

// input: x (contiguous) -> view of shape attrs.shape
std::vector<TensorSpec> as_strided_infer(const OpDef& op, std::span<const Tensor> in,
                                         const Attrs& attrs) {
  const Tensor& x = in[0];
  NABLA_CHECK(x.is_contiguous(), ValueError, op.name,
              ": the core op needs a contiguous input, got strides ", Shape(x.strides()),
              " for shape ", x.shape(), " (the public function makes one)");
  const Window w = window_of(attrs);
  check_window(op.name, w, x.shape());
  return single(w.shape, x.dtype());
}

Layout as_strided_layout(const Tensor& x, const Attrs& attrs) {
  // Row-major element k of a contiguous tensor sits at x.offset() + k, whatever the strides of
  // its size-1 dimensions; infer has checked the window.
  NABLA_ASSERT(x.is_contiguous(), "as_strided view of a non-contiguous tensor");
  const Window w = window_of(attrs);
  return Layout(w.shape, w.strides, x.offset() + w.offset);
}

// inputs: x, src (the window's shape, x's dtype) -> x's shape, contiguous
std::vector<TensorSpec> as_strided_scatter_infer(const OpDef& op, std::span<const Tensor> in,
                                                 const Attrs& attrs) {
  const Tensor &x = in[0], &src = in[1];
  NABLA_CHECK(x.dtype() == src.dtype(), DTypeError, op.name,
              ": x and src must have one dtype, got ", x.dtype(), " and ", src.dtype());
  const Window w = window_of(attrs);
  check_window(op.name, w, x.shape());
  NABLA_CHECK(src.shape() == w.shape, ShapeError, op.name, ": src must have the window's shape ",
              w.shape, ", got ", src.shape());
  check_no_overlap(op.name, w);
  return single(x.shape(), x.dtype());
}

// A window's gradient adds back into the elements it reads. The window may overlap itself (a
// sliding window reads elements several times), so the gradient is added by element number: the
// same window over 0, 1, ..., n-1 says which element each position read.
std::vector<Tensor> as_strided_vjp(const VjpContext& ctx) {
  const Window w = window_of(ctx.attrs);
  const Tensor& g = ctx.grad_outputs[0];
  const TensorSpec& x = ctx.input_specs[0];
  const int64_t n = x.shape.numel();
  const Tensor element =
      as_strided(arange(int64_t{0}, n, int64_t{1}, int64), w.shape, w.strides, w.offset);
  const Tensor flat = index_add(zeros(Shape{n}, x.dtype, g.device()), 0,
                                reshape(element, Shape{-1}), reshape(g, Shape{-1}));
  return {reshape(flat, x.shape)};
}

// A scatter's gradient splits into the window (for src) and everything else (for x).
std::vector<Tensor> as_strided_scatter_vjp(const VjpContext& ctx) {
  const Window w = window_of(ctx.attrs);
  const Tensor& g = ctx.grad_outputs[0];
  std::vector<Tensor> out(2);
  if (ctx.needs(0)) {
    out[0] =
        as_strided_scatter(g, zeros(w.shape, g.dtype(), g.device()), w.shape, w.strides, w.offset);
  }
  if (ctx.needs(1)) out[1] = as_strided(g, w.shape, w.strides, w.offset);
  return out;
}

}  // namespace

NABLA_DEFINE_OP(as_strided_op, .name = "as_strided", .infer = &as_strided_infer,
                .view = &as_strided_layout, .vjp = &as_strided_vjp, .saves = Saves::Nothing);
NABLA_DEFINE_OP(as_strided_scatter_op, .name = "as_strided_scatter",
                .infer = &as_strided_scatter_infer, .vjp = &as_strided_scatter_vjp,
                .saves = Saves::Nothing);

Tensor as_strided(const Tensor& x, const Shape& shape, const std::vector<int64_t>& strides,
                  int64_t offset) {
  return dispatch1(as_strided_op, {contiguous(x)}, window_attrs(shape, strides, offset));
}

Tensor as_strided_scatter(const Tensor& x, const Tensor& src, const Shape& shape,
                          const std::vector<int64_t>& strides, int64_t offset) {
  NABLA_CHECK(x.defined() && src.defined(), ValueError, "as_strided_scatter: undefined operand");
  const DType dtype = promote_types(x.dtype(), src.dtype());
  return dispatch1(as_strided_scatter_op, {x.astype(dtype), src.astype(dtype)},
                   window_attrs(shape, strides, offset));
}

}  // namespace nabla
