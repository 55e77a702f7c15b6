// Creation ops (fill, arange, linspace, eye) and the host-data constructors.
#include "nabla/ops/creation.hpp"

#include <cmath>
#include <cstring>

#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"

namespace nabla {
namespace {

std::vector<TensorSpec> shape_attr_infer(const OpDef& op, std::span<const Tensor>,
                                         const Attrs& attrs) {
  const Shape& shape = attrs.get<Shape>("shape");
  for (int64_t d : shape) {
    NABLA_CHECK(d >= 0, ValueError, op.name, ": negative dimension in shape ", shape);
  }
  return single(shape, attrs.get<DType>("dtype"));
}

}  // namespace

// fill and eye also make complex tensors (a real value becomes the real part).
NABLA_DEFINE_OP(fill_op, .name = "fill", .infer = &shape_attr_infer, .complex = true);
NABLA_DEFINE_OP(arange_op, .name = "arange", .infer = &shape_attr_infer);
NABLA_DEFINE_OP(linspace_op, .name = "linspace", .infer = &shape_attr_infer);
NABLA_DEFINE_OP(eye_op, .name = "eye", .infer = &shape_attr_infer, .complex = true);

namespace detail {
Tensor tensor_from_values(const void* values, DType dtype, const Shape& shape) {
  Tensor t = Tensor::empty(shape, dtype);
  if (t.numel() > 0) {
    std::memcpy(t.data_ptr(), values, static_cast<size_t>(t.numel()) * dtype_size(dtype));
  }
  return t;
}
}  // namespace detail

Tensor empty(const Shape& shape, DType dtype, Device device) {
  return Tensor::empty(shape, dtype, device);
}

Tensor full(const Shape& shape, Scalar value, std::optional<DType> dtype, Device device) {
  return dispatch1(fill_op, {},
                   Attrs{{"shape", shape},
                         {"dtype", dtype.value_or(value.default_dtype())},
                         {"value", value},
                         {"device", device}});
}
Tensor zeros(const Shape& shape, DType dtype, Device device) {
  return full(shape, 0, dtype, device);
}
Tensor ones(const Shape& shape, DType dtype, Device device) {
  return full(shape, 1, dtype, device);
}
Tensor empty_like(const Tensor& like, std::optional<DType> dtype) {
  return Tensor::empty(like.shape(), dtype.value_or(like.dtype()), like.device());
}
Tensor zeros_like(const Tensor& like, std::optional<DType> dtype) {
  return full(like.shape(), 0, dtype.value_or(like.dtype()), like.device());
}
Tensor ones_like(const Tensor& like, std::optional<DType> dtype) {
  return full(like.shape(), 1, dtype.value_or(like.dtype()), like.device());
}
Tensor full_like(const Tensor& like, Scalar value, std::optional<DType> dtype) {
  return full(like.shape(), value, dtype.value_or(like.dtype()), like.device());
}

Tensor arange(Scalar stop) { return arange(0, stop, 1); }

Tensor arange(Scalar start, Scalar stop, Scalar step, std::optional<DType> dtype) {
  const bool floating = start.is_floating() || stop.is_floating() || step.is_floating();
  const double d = step.to<double>();
  NABLA_CHECK(d != 0.0, ValueError, "arange: step cannot be zero");
  const double span = stop.to<double>() - start.to<double>();
  const auto length = static_cast<int64_t>(std::max(0.0, std::ceil(span / d)));
  return dispatch1(arange_op, {},
                   Attrs{{"shape", Shape{length}},
                         {"dtype", dtype.value_or(floating ? float64 : int64)},
                         {"start", start},
                         {"step", step}});
}

Tensor linspace(double start, double stop, int64_t num, bool endpoint, DType dtype) {
  NABLA_CHECK(num >= 0, ValueError, "linspace: num must be non-negative, got ", num);
  return dispatch1(linspace_op, {},
                   Attrs{{"shape", Shape{num}},
                         {"dtype", dtype},
                         {"start", start},
                         {"stop", stop},
                         {"endpoint", endpoint}});
}

Tensor eye(int64_t n, std::optional<int64_t> m, int64_t k, DType dtype) {
  return dispatch1(eye_op, {},
                   Attrs{{"shape", Shape{n, m.value_or(n)}}, {"dtype", dtype}, {"k", k}});
}

}  // namespace nabla
