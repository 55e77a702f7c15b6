// Random creation ops: each reserves numel counters of the global Philox stream and passes
// (seed, first counter) to the kernel, so results do not depend on the thread count.
#include "nabla/ops/random.hpp"

#include <limits>

#include "nabla/ops/creation.hpp"
#include "nabla/ops/manipulation.hpp"
#include "ops/copy_into.hpp"
#include "ops/dispatch.hpp"
#include "ops/infer_util.hpp"

namespace nabla {
namespace {

std::vector<TensorSpec> random_infer(const OpDef& op, std::span<const Tensor>, const Attrs& attrs) {
  const Shape& shape = attrs.get<Shape>("shape");
  for (int64_t d : shape) {
    NABLA_CHECK(d >= 0, ValueError, op.name, ": negative dimension in shape ", shape);
  }
  return single(shape, attrs.get<DType>("dtype"));
}

std::vector<TensorSpec> random_float_infer(const OpDef& op, std::span<const Tensor> in,
                                           const Attrs& attrs) {
  NABLA_CHECK(is_floating(attrs.get<DType>("dtype")), DTypeError, op.name,
              ": expected a floating dtype, got ", attrs.get<DType>("dtype"));
  return random_infer(op, in, attrs);
}

Attrs random_attrs(const Shape& shape, DType dtype) {
  const auto range = random::reserve_counters(static_cast<uint64_t>(shape.numel()));
  return Attrs{{"shape", shape},
               {"dtype", dtype},
               {"seed", static_cast<int64_t>(range.seed)},
               {"counter", static_cast<int64_t>(range.first)},
               {"counters", shape.numel()}};
}

}  // namespace

NABLA_DEFINE_OP(random_uniform_op, .name = "random_uniform", .infer = &random_float_infer,
                .random = true);
NABLA_DEFINE_OP(random_normal_op, .name = "random_normal", .infer = &random_float_infer,
                .random = true);
NABLA_DEFINE_OP(random_randint_op, .name = "random_randint", .infer = &random_infer,
                .random = true);

namespace random {

Tensor uniform(const Shape& shape, double low, double high, DType dtype) {
  NABLA_CHECK(low <= high, ValueError, "uniform: low (", low, ") must not exceed high (", high,
              ")");
  Attrs attrs = random_attrs(shape, dtype);
  attrs.set("low", low).set("high", high);
  return dispatch1(random_uniform_op, {}, attrs);
}

Tensor normal(const Shape& shape, double mean, double stddev, DType dtype) {
  NABLA_CHECK(stddev >= 0, ValueError, "normal: stddev must be non-negative, got ", stddev);
  Attrs attrs = random_attrs(shape, dtype);
  attrs.set("mean", mean).set("stddev", stddev);
  return dispatch1(random_normal_op, {}, attrs);
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, DType dtype) {
  NABLA_CHECK(low < high, ValueError, "randint: low (", low, ") must be below high (", high, ")");
  NABLA_CHECK(dtype != DType::Bool && !is_floating(dtype), DTypeError,
              "randint: expected an integer dtype, got ", dtype);
  // As NumPy, a range the dtype cannot hold is an error rather than values wrapped around.
  visit_dtype(dtype, [&]<class T>(T) {
    if constexpr (std::is_integral_v<T>) {
      const auto lowest = static_cast<int64_t>(std::numeric_limits<T>::lowest());
      const auto highest = static_cast<int64_t>(std::numeric_limits<T>::max());
      NABLA_CHECK(low >= lowest && high - 1 <= highest, ValueError, "randint: [", low, ", ", high,
                  ") is out of bounds for ", dtype, " [", lowest, ", ", highest, "]");
    }
  });
  Attrs attrs = random_attrs(shape, dtype);
  attrs.set("low", low).set("high", high);
  return dispatch1(random_randint_op, {}, attrs);
}

Tensor permutation(int64_t n) {
  NABLA_CHECK(n >= 0, ValueError, "permutation: n must be non-negative, got ", n);
  // Sorting 53-bit random keys gives a uniform permutation; the stable sort makes the (unlikely)
  // ties deterministic.
  return argsort(uniform(Shape{n}, 0.0, 1.0, float64));
}

void shuffle(Tensor& x) {
  NABLA_CHECK(x.ndim() >= 1, ValueError, "shuffle: needs at least one dimension, got shape ",
              x.shape());
  Tensor shuffled = take(x, permutation(x.shape()[0]), 0);
  detail::copy_into(x, shuffled);
}

}  // namespace random
}  // namespace nabla
