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

}  // namespace

NABLA_DEFINE_OP(assign_op, .name = "assign", .infer = &assign_infer, .complex = true,
                .written_inputs = 1u);

namespace detail {
void copy_into(const Tensor& dst, const Tensor& src) {
  NABLA_CHECK(dst.defined() && src.defined(), ValueError, "copy: undefined tensor");
  const Tensor source = broadcast_to(src, dst.shape());
  const Tensor inputs[] = {dst, source};
  (void)dispatch(assign_op, inputs);
}
}  // namespace detail

}  // namespace nabla
