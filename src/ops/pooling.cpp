// Pooling ops. The core ops work on channels-last inputs [N, *spatial, C]; the public functions
// normalise the options (Keras's shorthands) and move channels-first data in and out with views.
// Every VJP is another op of this family, so derivatives of any order stay in it:
//   max_pool -> max_pool_backward <-> max_pool_gather (adjoint pair, both linear in their data),
//   avg_pool <-> avg_pool_backward (adjoint pair).
#include "nabla/ops/pooling.hpp"

#include <algorithm>
#include <cctype>

#include "nabla/ops/view.hpp"
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"

namespace nabla {
namespace {

using Dims = std::vector<int64_t>;

// Note [Max pooling indices]
// max_pool's second output holds, per output element, the offset of its maximum inside the
// (padded) window: one byte for windows of up to 256 cells. Backward reads that byte instead of
// re-reading the window from the input to find the maximum again: for 2x2 float32 pooling a
// backward pass moves 4 (dy) + 1 (index) + 16 (dx) = 21 bytes per output instead of
// 4 + 16 (x) + 16 = 36, and the input need not stay alive until backward. The forward pass pays
// one byte per output (21 bytes instead of 20). Offsets inside the window (not flat input
// positions) keep the index small and make the gradient ops race-free gathers: an input cell
// only compares the offsets of the few windows that cover it.

/// A window of at most 256 cells indexes its cells with one byte.
DType index_dtype(const Dims& pool_size) {
  int64_t cells = 1;
  for (int64_t k : pool_size) cells *= k;
  return cells <= 256 ? uint8 : int32;
}

/// The shape of `x` (channels-last, [N, *spatial, C]) after pooling with the window in `attrs`;
/// every check of the geometry. `shown` is the input's shape as the caller spelt it.
Shape pooled_shape(std::string_view op, const Shape& x, const Attrs& attrs, const Shape& shown) {
  NABLA_CHECK(x.rank() >= 3 && x.rank() <= 5, ShapeError, op,
              ": expected an input [batch, *spatial, channels] with 1 to 3 spatial dims, got ",
              shown);
  const auto& pool = attrs.get<Dims>("pool_size");
  const auto& strides = attrs.get<Dims>("strides");
  const auto& padding = attrs.get<std::string>("padding");
  const int64_t spatial = x.rank() - 2;
  NABLA_CHECK(static_cast<int64_t>(pool.size()) == spatial &&
                  static_cast<int64_t>(strides.size()) == spatial,
              ValueError, op, ": pool_size ", Shape(pool), " and strides ", Shape(strides),
              " need one entry per spatial dim of the input ", shown);
  for (int64_t i = 0; i < spatial; ++i) {
    NABLA_CHECK(pool[static_cast<size_t>(i)] >= 1 && strides[static_cast<size_t>(i)] >= 1,
                ValueError, op, ": pool_size and strides must be positive, got pool_size ",
                Shape(pool), ", strides ", Shape(strides));
  }
  NABLA_CHECK(padding == "valid" || padding == "same", ValueError, op,
              ": padding must be \"valid\" or \"same\", got \"", padding, "\"");
  Shape out = x;
  for (int64_t i = 0; i < spatial; ++i) {
    const int64_t in = x[i + 1], k = pool[static_cast<size_t>(i)],
                  s = strides[static_cast<size_t>(i)];
    if (padding == "same") {
      out[i + 1] = (in + s - 1) / s;
    } else {
      NABLA_CHECK(in >= k, ShapeError, op, ": pool_size ", Shape(pool),
                  " is larger than the input's spatial dims with padding \"valid\" (input ", shown,
                  ")");
      out[i + 1] = (in - k) / s + 1;
    }
  }
  return out;
}

void check_floating(std::string_view op, const char* what, const Tensor& t) {
  NABLA_CHECK(is_floating(t.dtype()), DTypeError, op, ": expected a floating ", what, ", got ",
              t.dtype());
}

void check_indices(std::string_view op, const Tensor& indices, const Shape& pooled) {
  NABLA_CHECK(indices.dtype() == uint8 || indices.dtype() == int32, DTypeError, op,
              ": indices must be uint8 or int32 (max_pool_with_indices), got ", indices.dtype());
  NABLA_CHECK(indices.shape() == pooled, ShapeError, op, ": indices ", indices.shape(),
              " do not match the pooled shape ", pooled);
}

std::vector<TensorSpec> max_pool_infer(const OpDef& op, std::span<const Tensor> in,
                                       const Attrs& attrs) {
  const Tensor& x = in[0];
  NABLA_CHECK(x.dtype() != bool_, DTypeError, op.name, ": expected a numeric dtype, got bool");
  const Shape out = pooled_shape(op.name, x.shape(), attrs, x.shape());
  return {TensorSpec{out, x.dtype()}, TensorSpec{out, index_dtype(attrs.get<Dims>("pool_size"))}};
}

std::vector<TensorSpec> avg_pool_infer(const OpDef& op, std::span<const Tensor> in,
                                       const Attrs& attrs) {
  check_floating(op.name, "input", in[0]);
  return single(pooled_shape(op.name, in[0].shape(), attrs, in[0].shape()), in[0].dtype());
}

/// (grad) -> [input_shape]: grad must have the pooled shape of the attribute input_shape.
Shape check_backward(const OpDef& op, const Tensor& grad, const Attrs& attrs) {
  const Shape& input_shape = attrs.get<Shape>("input_shape");
  check_floating(op.name, "gradient", grad);
  const Shape pooled = pooled_shape(op.name, input_shape, attrs, input_shape);
  NABLA_CHECK(grad.shape() == pooled, ShapeError, op.name, ": gradient ", grad.shape(),
              " does not match the pooled shape ", pooled, " of the input ", input_shape);
  return pooled;
}

std::vector<TensorSpec> max_pool_backward_infer(const OpDef& op, std::span<const Tensor> in,
                                                const Attrs& attrs) {
  check_indices(op.name, in[0], check_backward(op, in[1], attrs));
  return single(attrs.get<Shape>("input_shape"), in[1].dtype());
}

std::vector<TensorSpec> avg_pool_backward_infer(const OpDef& op, std::span<const Tensor> in,
                                                const Attrs& attrs) {
  (void)check_backward(op, in[0], attrs);
  return single(attrs.get<Shape>("input_shape"), in[0].dtype());
}

/// (indices, values) -> values at the indexed window cells, shaped like indices.
std::vector<TensorSpec> max_pool_gather_infer(const OpDef& op, std::span<const Tensor> in,
                                              const Attrs& attrs) {
  const Tensor& values = in[1];
  check_floating(op.name, "input", values);
  const Shape pooled = pooled_shape(op.name, values.shape(), attrs, values.shape());
  check_indices(op.name, in[0], pooled);
  return single(pooled, values.dtype());
}

/// The window attributes alone (pool_size, strides, padding).
Attrs window_attrs(const Attrs& attrs) {
  return Attrs{{"pool_size", attrs.get<Dims>("pool_size")},
               {"strides", attrs.get<Dims>("strides")},
               {"padding", attrs.get<std::string>("padding")}};
}

Attrs with_input_shape(const Attrs& attrs, const Shape& input_shape) {
  Attrs out = window_attrs(attrs);
  out.set("input_shape", input_shape);
  return out;
}

}  // namespace

extern const OpDef max_pool_op, max_pool_backward_op, max_pool_gather_op, avg_pool_op,
    avg_pool_backward_op;

namespace {

std::vector<Tensor> max_pool_vjp(const VjpContext& ctx) {
  const Tensor inputs[] = {ctx.outputs[1], ctx.grad_outputs[0]};
  return {dispatch1(max_pool_backward_op, inputs,
                    with_input_shape(ctx.attrs, ctx.input_specs[0].shape))};
}

/// Linear in grad: its VJP is the adjoint, reading dy at the indexed cells. No gradient flows
/// to the integer indices.
std::vector<Tensor> max_pool_backward_vjp(const VjpContext& ctx) {
  const Tensor inputs[] = {ctx.inputs[0], ctx.grad_outputs[0]};
  return {Tensor(), dispatch1(max_pool_gather_op, inputs, window_attrs(ctx.attrs))};
}

std::vector<Tensor> max_pool_gather_vjp(const VjpContext& ctx) {
  const Tensor inputs[] = {ctx.inputs[0], ctx.grad_outputs[0]};
  return {Tensor(), dispatch1(max_pool_backward_op, inputs,
                              with_input_shape(ctx.attrs, ctx.input_specs[1].shape))};
}

std::vector<Tensor> avg_pool_vjp(const VjpContext& ctx) {
  return {dispatch1(avg_pool_backward_op, {ctx.grad_outputs[0]},
                    with_input_shape(ctx.attrs, ctx.input_specs[0].shape))};
}

std::vector<Tensor> avg_pool_backward_vjp(const VjpContext& ctx) {
  return {dispatch1(avg_pool_op, {ctx.grad_outputs[0]}, window_attrs(ctx.attrs))};
}

}  // namespace

NABLA_DEFINE_OP(max_pool_op, .name = "max_pool", .infer = &max_pool_infer, .vjp = &max_pool_vjp,
                .saves = Saves::Outputs);
NABLA_DEFINE_OP(max_pool_backward_op, .name = "max_pool_backward",
                .infer = &max_pool_backward_infer, .vjp = &max_pool_backward_vjp,
                .saves = Saves::Inputs);
NABLA_DEFINE_OP(max_pool_gather_op, .name = "max_pool_gather", .infer = &max_pool_gather_infer,
                .vjp = &max_pool_gather_vjp, .saves = Saves::Inputs);
NABLA_DEFINE_OP(avg_pool_op, .name = "avg_pool", .infer = &avg_pool_infer, .vjp = &avg_pool_vjp,
                .saves = Saves::Nothing);
NABLA_DEFINE_OP(avg_pool_backward_op, .name = "avg_pool_backward",
                .infer = &avg_pool_backward_infer, .vjp = &avg_pool_backward_vjp,
                .saves = Saves::Nothing);

namespace {

/// One public call's options, checked and in the core ops' form.
struct Prepared {
  Attrs attrs;
  bool channels_first = false;
};

/// A per-dimension option: one value for every dim, or one per dim; all positive.
Dims per_dim(std::string_view op, const char* what, const Dims& values, int64_t spatial) {
  NABLA_CHECK(values.size() == 1 || static_cast<int64_t>(values.size()) == spatial, ValueError, op,
              ": ", what, " ", Shape(values), " needs 1 or ", spatial,
              " entries (one per spatial dim)");
  for (int64_t v : values) {
    NABLA_CHECK(v >= 1, ValueError, op, ": ", what, " must be positive, got ", Shape(values));
  }
  return values.size() == 1 ? Dims(static_cast<size_t>(spatial), values[0]) : values;
}

Prepared prepare(std::string_view op, const Tensor& x, const PoolOptions& options) {
  NABLA_CHECK(x.defined(), ValueError, op, ": undefined input");
  NABLA_CHECK(options.data_format == "channels_last" || options.data_format == "channels_first",
              ValueError, op,
              ": data_format must be \"channels_last\" or \"channels_first\", got \"",
              options.data_format, "\"");
  NABLA_CHECK(x.ndim() >= 3 && x.ndim() <= 5, ShapeError, op, ": expected an input [batch, ",
              options.data_format == "channels_first" ? "channels, *spatial" : "*spatial, channels",
              "] with 1 to 3 spatial dims, got ", x.shape());
  const int64_t spatial = x.ndim() - 2;
  NABLA_CHECK(!options.pool_size.empty(), ValueError, op, ": pool_size is empty");
  Dims pool = per_dim(op, "pool_size", options.pool_size, spatial);
  Dims strides = options.strides.empty() ? pool : per_dim(op, "strides", options.strides, spatial);
  std::string padding = options.padding;
  std::transform(padding.begin(), padding.end(), padding.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  Prepared p{Attrs{{"pool_size", std::move(pool)},
                   {"strides", std::move(strides)},
                   {"padding", std::move(padding)}},
             options.data_format == "channels_first"};
  return p;
}

std::vector<int64_t> first_to_last_axes(int64_t rank) {
  std::vector<int64_t> axes{0};
  for (int64_t d = 2; d < rank; ++d) axes.push_back(d);
  axes.push_back(1);
  return axes;
}

std::vector<int64_t> last_to_first_axes(int64_t rank) {
  std::vector<int64_t> axes{0, rank - 1};
  for (int64_t d = 1; d < rank - 1; ++d) axes.push_back(d);
  return axes;
}

/// The channels-last view of a tensor in the call's data_format (a view, no copy).
Tensor to_last(const Tensor& t, const Prepared& p) {
  return p.channels_first ? permute(t, first_to_last_axes(t.ndim())) : t;
}
Tensor from_last(const Tensor& t, const Prepared& p) {
  return p.channels_first ? permute(t, last_to_first_axes(t.ndim())) : t;
}
Shape shape_to_last(const Shape& s, const Prepared& p) {
  if (!p.channels_first || s.rank() < 3) return s;
  Shape out;
  for (int64_t axis : first_to_last_axes(s.rank())) out.push_back(s[axis]);
  return out;
}

/// Validates the geometry against the input as the caller spelt it (so messages show the
/// caller's shape, not the channels-last view).
void check_geometry(std::string_view op, const Tensor& x_last, const Tensor& x, const Prepared& p) {
  (void)pooled_shape(op, x_last.shape(), p.attrs, x.shape());
}

}  // namespace

std::pair<Tensor, Tensor> max_pool_with_indices(const Tensor& x, const PoolOptions& options) {
  const Prepared p = prepare("max_pool", x, options);
  const Tensor x_last = to_last(x, p);
  check_geometry("max_pool", x_last, x, p);
  const Tensor inputs[] = {x_last};
  std::vector<Tensor> out = dispatch(max_pool_op, inputs, p.attrs);
  return {from_last(out[0], p), from_last(out[1], p)};
}

Tensor max_pool(const Tensor& x, const PoolOptions& options) {
  return max_pool_with_indices(x, options).first;
}

Tensor avg_pool(const Tensor& x, const PoolOptions& options) {
  const Prepared p = prepare("avg_pool", x, options);
  const Tensor x_last = to_last(x, p);
  check_geometry("avg_pool", x_last, x, p);
  return from_last(dispatch1(avg_pool_op, {x_last}, p.attrs), p);
}

Tensor max_pool_backward(const Tensor& indices, const Tensor& grad, const Shape& input_shape,
                         const PoolOptions& options) {
  const Prepared p = prepare("max_pool_backward", grad, options);
  const Tensor inputs[] = {to_last(indices, p), to_last(grad, p)};
  return from_last(dispatch1(max_pool_backward_op, inputs,
                             with_input_shape(p.attrs, shape_to_last(input_shape, p))),
                   p);
}

Tensor max_pool_gather(const Tensor& indices, const Tensor& values, const PoolOptions& options) {
  const Prepared p = prepare("max_pool_gather", values, options);
  const Tensor inputs[] = {to_last(indices, p), to_last(values, p)};
  return from_last(dispatch1(max_pool_gather_op, inputs, p.attrs), p);
}

Tensor avg_pool_backward(const Tensor& grad, const Shape& input_shape, const PoolOptions& options) {
  const Prepared p = prepare("avg_pool_backward", grad, options);
  return from_last(dispatch1(avg_pool_backward_op, {to_last(grad, p)},
                             with_input_shape(p.attrs, shape_to_last(input_shape, p))),
                   p);
}

}  // namespace nabla
