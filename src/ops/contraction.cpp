// The matmul core op (same-dtype operands of at least 2 dimensions, broadcast batch dims) and the
// public contractions: matmul with NumPy's promotions (dtype, 1-D operands), and dot, outer and
// tensordot as composites (tensordot and dot go through the einsum engine, one matmul each).
#include "nabla/ops/contraction.hpp"

#include <algorithm>

#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/view.hpp"
#include "ops/dispatch.hpp"
#include "ops/einsum.hpp"
#include "ops/infer_util.hpp"
#include "ops/vjp_util.hpp"

namespace nabla {
namespace {

Shape batch_of(const Shape& s) { return Shape(std::vector<int64_t>(s.begin(), s.end() - 2)); }

/// a: [..., n, k], b: [..., k, m] (same dtype) -> [broadcast(...), n, m].
std::vector<TensorSpec> matmul_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  const Tensor& a = in[0];
  const Tensor& b = in[1];
  NABLA_CHECK(a.dtype() == b.dtype(), DTypeError, op.name, ": operands must share a dtype, got ",
              a.dtype(), " and ", b.dtype());
  NABLA_CHECK(a.ndim() >= 2 && b.ndim() >= 2, ShapeError, op.name,
              ": the core op needs operands of at least 2 dimensions, got ", a.shape(), " and ",
              b.shape());
  NABLA_CHECK(a.size(-1) == b.size(-2), ShapeError, op.name,
              ": inner dimensions differ: ", a.shape(), " vs ", b.shape());
  const Shape batch_a = batch_of(a.shape()), batch_b = batch_of(b.shape());
  const int64_t rank = std::max(batch_a.rank(), batch_b.rank());
  std::vector<int64_t> batch(static_cast<size_t>(rank));
  for (int64_t d = 0; d < rank; ++d) {  // right-aligned NumPy broadcasting
    const int64_t da = batch_a.rank() - rank + d, db = batch_b.rank() - rank + d;
    const int64_t ea = da >= 0 ? batch_a[da] : 1, eb = db >= 0 ? batch_b[db] : 1;
    NABLA_CHECK(ea == eb || ea == 1 || eb == 1, ShapeError, op.name,
                ": batch dimensions do not broadcast: ", a.shape(), " vs ", b.shape());
    batch[static_cast<size_t>(d)] = ea == 1 ? eb : ea;
  }
  batch.push_back(a.size(-2));
  batch.push_back(b.size(-1));
  return single(Shape(std::move(batch)), a.dtype());
}

/// dA = dC B^T and dB = A^T dC, summed over the batch dimensions an operand was broadcast along.
std::vector<Tensor> matmul_vjp(const VjpContext& ctx) {
  const Tensor &a = ctx.inputs[0], &b = ctx.inputs[1], &g = ctx.grad_outputs[0];
  std::vector<Tensor> out(2);
  if (ctx.needs(0)) out[0] = sum_to_shape(matmul(g, swapaxes(b, -1, -2)), a.shape());
  if (ctx.needs(1)) out[1] = sum_to_shape(matmul(swapaxes(a, -1, -2), g), b.shape());
  return out;
}

}  // namespace

NABLA_DEFINE_OP(matmul_op, .name = "matmul", .infer = &matmul_infer, .vjp = &matmul_vjp,
                .saves = Saves::Inputs, .complex = true);

namespace {
/// cuBLAS reads a matrix whose rows or columns are unit-stride (any transposed view); others
/// (expanded, or step-sliced along both dims) are copied first, as the CPU kernel packs them.
Tensor blas_readable(const Tensor& x) {
  // Integers and bool take nabla's strided kernel, not cuBLAS.
  if (!x.device().is_cuda() || !(is_floating(x.dtype()) || is_complex(x.dtype()))) return x;
  const int64_t s1 = x.strides()[x.ndim() - 1], s2 = x.strides()[x.ndim() - 2];
  const int64_t n1 = x.size(-1), n2 = x.size(-2);
  const bool rows = s1 == 1 && s2 >= std::max<int64_t>(n1, 1);
  const bool columns = s2 == 1 && s1 >= std::max<int64_t>(n2, 1);
  return rows || columns ? x : x.contiguous();
}
}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  NABLA_CHECK(a.defined() && b.defined(), ValueError, "matmul: undefined operand");
  NABLA_CHECK(a.ndim() >= 1 && b.ndim() >= 1, ShapeError,
              "matmul: operands must have at least 1 dimension, got ", a.shape(), " and ",
              b.shape());
  // Checked here too so that the message shows the caller's shapes, not the promoted ones.
  NABLA_CHECK(a.size(-1) == b.size(b.ndim() == 1 ? 0 : -2), ShapeError,
              "matmul: inner dimensions differ: ", a.shape(), " vs ", b.shape());
  const DType dtype = promote_types(a.dtype(), b.dtype());
  // NumPy: a 1-D a is a row [1, k], a 1-D b a column [k, 1]; the added axis is removed after.
  const Tensor a2 = a.ndim() == 1 ? unsqueeze(a, 0) : a;
  const Tensor b2 = b.ndim() == 1 ? unsqueeze(b, 1) : b;
  Tensor out =
      dispatch1(matmul_op, {blas_readable(astype(a2, dtype)), blas_readable(astype(b2, dtype))});
  if (b.ndim() == 1) out = squeeze(out, -1);
  if (a.ndim() == 1) out = squeeze(out, b.ndim() == 1 ? -1 : -2);
  return out;
}

Tensor tensordot(const Tensor& a, const Tensor& b, const std::vector<std::vector<int64_t>>& axes) {
  NABLA_CHECK(a.defined() && b.defined(), ValueError, "tensordot: undefined operand");
  NABLA_CHECK(axes.size() == 2, ValueError,
              "tensordot: axes must be two lists (a's axes, b's axes), got ", axes.size());
  NABLA_CHECK(axes[0].size() == axes[1].size(), ValueError,
              "tensordot: axes lists differ in length: ", Shape(axes[0]), " vs ", Shape(axes[1]));
  const std::vector<int64_t> a_axes = normalize_axes(axes[0], a.ndim(), "tensordot", false);
  const std::vector<int64_t> b_axes = normalize_axes(axes[1], b.ndim(), "tensordot", false);
  // Labels: a's axis i is i; b's summed axes take their partner's label, its others ndim(a) + j.
  std::vector<int64_t> a_labels(static_cast<size_t>(a.ndim())), output;
  std::vector<int64_t> b_labels(static_cast<size_t>(b.ndim()));
  for (int64_t i = 0; i < a.ndim(); ++i) a_labels[static_cast<size_t>(i)] = i;
  for (int64_t j = 0; j < b.ndim(); ++j) b_labels[static_cast<size_t>(j)] = a.ndim() + j;
  for (size_t t = 0; t < a_axes.size(); ++t) {
    NABLA_CHECK(a.shape()[a_axes[t]] == b.shape()[b_axes[t]], ShapeError,
                "tensordot: shape mismatch for sum: axis ", a_axes[t], " of ", a.shape(),
                " has size ", a.shape()[a_axes[t]], ", axis ", b_axes[t], " of ", b.shape(),
                " has size ", b.shape()[b_axes[t]]);
    b_labels[static_cast<size_t>(b_axes[t])] = a_axes[t];
  }
  for (int64_t label : a_labels) {
    if (std::find(a_axes.begin(), a_axes.end(), label) == a_axes.end()) output.push_back(label);
  }
  for (int64_t label : b_labels) {
    if (label >= a.ndim()) output.push_back(label);
  }
  return detail::contract_labels({a, b}, {a_labels, b_labels}, output);
}

Tensor tensordot(const Tensor& a, const Tensor& b, int64_t axes) {
  NABLA_CHECK(a.defined() && b.defined(), ValueError, "tensordot: undefined operand");
  NABLA_CHECK(axes >= 0 && axes <= std::min(a.ndim(), b.ndim()), ValueError,
              "tensordot: axes must be in [0, ", std::min(a.ndim(), b.ndim()), "] for shapes ",
              a.shape(), " and ", b.shape(), ", got ", axes);
  std::vector<int64_t> a_axes, b_axes;
  for (int64_t t = 0; t < axes; ++t) {
    a_axes.push_back(a.ndim() - axes + t);
    b_axes.push_back(t);
  }
  return tensordot(a, b, {a_axes, b_axes});
}

Tensor dot(const Tensor& a, const Tensor& b) {
  NABLA_CHECK(a.defined() && b.defined(), ValueError, "dot: undefined operand");
  if (a.ndim() == 0 || b.ndim() == 0) return mul(a, b);  // NumPy: a scalar operand multiplies
  // Sum over a's last axis and b's second-to-last (its only one when 1-D).
  const int64_t b_axis = b.ndim() == 1 ? 0 : b.ndim() - 2;
  NABLA_CHECK(a.size(-1) == b.shape()[b_axis], ShapeError, "dot: shapes ", a.shape(), " and ",
              b.shape(), " not aligned: ", a.size(-1), " (dim ", a.ndim() - 1,
              ") != ", b.shape()[b_axis], " (dim ", b_axis, ")");
  return tensordot(a, b, {{a.ndim() - 1}, {b_axis}});
}

Tensor outer(const Tensor& a, const Tensor& b) {
  NABLA_CHECK(a.defined() && b.defined(), ValueError, "outer: undefined operand");
  return mul(reshape(a, Shape{a.numel(), 1}), reshape(b, Shape{1, b.numel()}));
}

}  // namespace nabla
