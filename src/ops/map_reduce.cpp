// The non-template parts of nabla/ops/map_reduce.hpp: input checks, the exception-safe parallel
// loop for user callables, slicing along an axis with a cheap gradient, and stacking results.
#include "nabla/ops/map_reduce.hpp"

#include <algorithm>
#include <exception>
#include <mutex>
#include <numeric>

#include "nabla/ops/manipulation.hpp"
#include "nabla/ops/view.hpp"

namespace nabla {
namespace detail {
namespace {

void check_concrete(const Tensor& t, std::string_view op, std::string_view what) {
  NABLA_CHECK(t.defined(), ValueError, op, ": ", what, " is an undefined tensor");
  NABLA_CHECK(!t.is_symbolic(), ValueError, op, ": ", what, " is symbolic (shape ", t.shape(),
              "), but ", op,
              " runs C++ code on concrete values (or loops over data-dependent extents); call it "
              "on concrete tensors, or map with a Tensor(const Tensor&) callable of tensor ops");
}

// Note [Slicing with a cheap gradient]: the VJP of select/slice scatters the slice's gradient
// into zeros of the whole input, so n separate x[i] cost n full-size tensors in backward (O(n^2)
// for a batch of n). Splitting in halves recursively down to small blocks makes each level of
// the tree cost one input's worth: O(n log n). Without gradients plain x[i] views are cheapest.
constexpr int64_t kLeafRows = 8;

void split_rows(const Tensor& part, std::vector<Tensor>& out) {
  const int64_t n = part.shape()[0];
  if (n <= kLeafRows) {
    for (int64_t i = 0; i < n; ++i) out.push_back(part.select(0, i));
    return;
  }
  const int64_t half = n / 2;
  split_rows(part.slice(0, 0, half), out);
  split_rows(part.slice(0, half, n), out);
}

/// x[0], x[1], ... (views); Note [Slicing with a cheap gradient].
std::vector<Tensor> unbind_rows(const Tensor& x) {
  std::vector<Tensor> out;
  out.reserve(static_cast<size_t>(x.shape()[0]));
  if (x.requires_grad()) {
    split_rows(x, out);
  } else {
    for (int64_t i = 0; i < x.shape()[0]; ++i) out.push_back(x.select(0, i));
  }
  return out;
}

/// stack(results) after checking f gave one shape for every call (naming the first mismatch).
Tensor stack_results(std::string_view op, std::string_view what,
                     const std::vector<Tensor>& results) {
  const Shape& first = results.front().shape();
  for (size_t i = 0; i < results.size(); ++i) {
    NABLA_CHECK(results[i].defined(), ValueError, op, ": f returned an undefined tensor for ", what,
                " ", i);
    NABLA_CHECK(results[i].shape() == first, ShapeError, op, ": f must return one shape for every ",
                what, ", got ", first, " for ", what, " 0 and ", results[i].shape(), " for ", what,
                " ", i);
  }
  return stack(results, 0);
}

}  // namespace

void check_scalar_input(const Tensor& t, std::string_view op) {
  check_concrete(t, op, "the input");
  NABLA_CHECK(t.device().is_cpu(), DeviceError, op,
              ": C++ callables run on CPU tensors, got a tensor on ", t.device());
}

void throw_not_invocable(std::string_view op, DType dtype) {
  throw DTypeError(str_cat(op, ": the callable cannot be called with ", dtype,
                           " elements (tensor dtype ", dtype, ")"));
}

Tensor check_elementwise_result(const Tensor& t, const Tensor& result) {
  NABLA_CHECK(t.defined(), ValueError, "map: the input is an undefined tensor");
  NABLA_CHECK(result.defined(), ValueError, "map: the callable returned an undefined tensor");
  NABLA_CHECK(result.shape() == t.shape(), ShapeError,
              "map: a Tensor callable must be elementwise (keep the shape), got ", result.shape(),
              " from an input of shape ", t.shape());
  return result;
}

void parallel_for_rethrow(int64_t count, int64_t grain,
                          const std::function<void(int64_t, int64_t)>& body) {
  std::exception_ptr error;
  std::mutex mutex;
  parallel_for(0, count, grain, [&](int64_t begin, int64_t end) {
    try {
      body(begin, end);
    } catch (...) {
      const std::lock_guard lock(mutex);
      if (!error) error = std::current_exception();
    }
  });
  if (error) std::rethrow_exception(error);
}

Shape shape_without(const Shape& shape, int64_t axis) {
  std::vector<int64_t> dims(shape.begin(), shape.end());
  dims.erase(dims.begin() + axis);
  return Shape(std::move(dims));
}

Tensor move_axis_last(const Tensor& t, int64_t axis) {
  std::vector<int64_t> axes;
  for (int64_t d = 0; d < t.ndim(); ++d) {
    if (d != axis) axes.push_back(d);
  }
  axes.push_back(axis);
  return t.permute(axes).contiguous();
}

Tensor apply_along_axis_impl(std::string_view op, const Tensor& t, int64_t axis,
                             const SliceFunction& f) {
  check_concrete(t, op, "the input");
  axis = normalize_axis(axis, t.ndim(), op);
  const Shape outer = shape_without(t.shape(), axis);
  const int64_t positions = outer.numel();
  NABLA_CHECK(positions > 0, ValueError, op, ": cannot apply f when a dimension other than axis ",
              axis, " is 0 (shape ", t.shape(), "): the result's shape would be unknown");
  // Axis last (a view), then one row per position: [positions, n].
  std::vector<int64_t> axes;
  for (int64_t d = 0; d < t.ndim(); ++d) {
    if (d != axis) axes.push_back(d);
  }
  axes.push_back(axis);
  const Tensor rows = reshape(permute(t, axes), Shape{positions, t.shape()[axis]});
  std::vector<Tensor> results;
  results.reserve(static_cast<size_t>(positions));
  for (const Tensor& row : unbind_rows(rows)) results.push_back(f(row));
  const Tensor stacked = stack_results(op, "slice", results);  // [positions, S...]
  // [pre..., post..., S...] -> [pre..., S..., post...]: S takes the axis's place.
  const int64_t kept = outer.rank(), result_rank = stacked.ndim() - 1;
  std::vector<int64_t> dims(outer.begin(), outer.end());
  dims.insert(dims.end(), stacked.shape().begin() + 1, stacked.shape().end());
  std::vector<int64_t> order(static_cast<size_t>(axis));
  std::iota(order.begin(), order.end(), 0);
  for (int64_t d = 0; d < result_rank; ++d) order.push_back(kept + d);
  for (int64_t d = axis; d < kept; ++d) order.push_back(d);
  return permute(reshape(stacked, Shape(std::move(dims))), order);
}

Tensor vectorize_impl(const std::vector<Tensor>& args, const SampleFunction& f) {
  NABLA_CHECK(!args.empty(), ValueError, "vectorize: needs at least one tensor argument");
  for (size_t k = 0; k < args.size(); ++k) {
    check_concrete(args[k], "vectorize", str_cat("argument ", k));
    NABLA_CHECK(args[k].ndim() > 0, ShapeError, "vectorize: argument ", k,
                " is 0-d; every argument needs a leading batch axis");
    NABLA_CHECK(args[k].shape()[0] == args[0].shape()[0], ShapeError,
                "vectorize: the arguments disagree on the batch size: ", args[0].shape(),
                " (argument 0) vs ", args[k].shape(), " (argument ", k, ")");
  }
  const int64_t batch = args[0].shape()[0];
  NABLA_CHECK(batch > 0, ValueError, "vectorize: empty batch (shape ", args[0].shape(),
              "): f's output shape would be unknown");
  std::vector<std::vector<Tensor>> slices;
  slices.reserve(args.size());
  for (const Tensor& arg : args) slices.push_back(unbind_rows(arg));
  std::vector<Tensor> results;
  results.reserve(static_cast<size_t>(batch));
  std::vector<Tensor> sample(args.size());
  for (int64_t i = 0; i < batch; ++i) {
    for (size_t k = 0; k < args.size(); ++k) sample[k] = slices[k][static_cast<size_t>(i)];
    results.push_back(f(sample));
  }
  return stack_results("vectorize", "sample", results);
}

}  // namespace detail

Tensor filter(const Tensor& x, const Tensor& mask) {
  detail::check_concrete(x, "filter", "the input");
  detail::check_concrete(mask, "filter", "the mask");
  NABLA_CHECK(mask.dtype() == bool_, DTypeError, "filter: the mask must be bool, got ",
              mask.dtype());
  NABLA_CHECK(mask.shape() == x.shape(), ShapeError, "filter: the mask's shape ", mask.shape(),
              " must equal the input's shape ", x.shape());
  NABLA_CHECK(mask.device().is_cpu(), DeviceError, "filter: the mask must be on the CPU, got ",
              mask.device());
  // The kept flat positions, then one differentiable take: its gradient scatters back.
  const Tensor flags = mask.contiguous();
  const bool* keep = flags.numel() == 0 ? nullptr : flags.data<bool>();
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < flags.numel(); ++i) {
    if (keep[i]) kept.push_back(i);
  }
  Tensor indices = Tensor::empty(Shape{static_cast<int64_t>(kept.size())}, int64, x.device());
  if (!kept.empty()) std::copy(kept.begin(), kept.end(), indices.data<int64_t>());
  return take(flatten(x), indices, 0);
}

}  // namespace nabla
