// assign: dst[...] = src[...], the write behind every in-place op (copy_into). As an op with an
// effect (OpDef::written_inputs: input 0) it runs through dispatch(), so inside nabla::function an
// in-place update of a captured tensor (BatchNormalization's moving statistics, an optimizer
// step) is recorded into the graph rather than computed at trace time.
#include "nabla/ops/manipulation.hpp"
#include "nabla/ops/view.hpp"
#include "ops/copy_into.hpp"
#include "ops/dispatch.hpp"

namespace nabla {
namespace {

/// inputs: dst, src of dst's shape (broadcast by the caller); any dtypes but complex -> real.
std::vector<TensorSpec> assign_infer(const OpDef& op, std::span<const Tensor> in, const Attrs&) {
  NABLA_CHECK(in.size() == 2, ValueError, op.name, ": expected 2 inputs, got ", in.size());
  NABLA_CHECK(in[1].shape() == in[0].shape(), ShapeError, op.name, ": cannot write a ",
              in[1].shape(), " tensor into a ", in[0].shape(), " tensor");
  // As astype: complex values are not silently cut down to their real part.
  NABLA_CHECK(!is_complex(in[1].dtype()) || is_complex(in[0].dtype()), DTypeError,
              "copy: cannot write ", in[1].dtype(), " values into a ", in[0].dtype(),
              " tensor (that would discard the imaginary part); use real(x), imag(x) or abs(x)");
  return {};
}

/// The bytes [first, last] of its storage a non-empty tensor's elements occupy.
std::pair<int64_t, int64_t> byte_extent(const Tensor& t) {
  int64_t first = t.offset(), last = t.offset();
  for (int64_t d = 0; d < t.ndim(); ++d) {
    const int64_t span = (t.size(d) - 1) * t.strides()[static_cast<size_t>(d)];
    (span < 0 ? first : last) += span;
  }
  const auto item = static_cast<int64_t>(t.itemsize());
  return {first * item, (last + 1) * item - 1};
}

/// Whether writing src into dst element by element could read an element dst already overwrote
/// (x[1:] = x[:-1]). The CPU kernel writes in order and a GPU in any order, so such a source is
/// copied first, as NumPy does. The same layout is safe: each element reads only itself.
bool source_overlaps(const Tensor& dst, const Tensor& src) {
  if (dst.storage() == nullptr || dst.storage() != src.storage()) return false;
  if (dst.numel() == 0 || src.numel() == 0) return false;
  if (dst.layout() == src.layout() && dst.dtype() == src.dtype()) return false;
  const auto [dst_first, dst_last] = byte_extent(dst);
  const auto [src_first, src_last] = byte_extent(src);
  return dst_first <= src_last && src_first <= dst_last;
}

}  // namespace

NABLA_DEFINE_OP(assign_op, .name = "assign", .infer = &assign_infer, .complex = true,
                .written_inputs = 1u);

namespace detail {
void copy_into(const Tensor& dst, const Tensor& src) {
  NABLA_CHECK(dst.defined() && src.defined(), ValueError, "copy: undefined tensor");
  Tensor source = broadcast_to(src, dst.shape());
  if (source_overlaps(dst, source)) source = broadcast_to(src.clone(), dst.shape());
  const Tensor inputs[] = {dst, source};
  (void)dispatch(assign_op, inputs);
}
}  // namespace detail

}  // namespace nabla
