// Functional programming on tensors: map a C++ callable over elements, apply a tensor function
// along an axis or over a batch, fold with a binary callable, filter, and compose callables.
// Templates, because they take user lambdas; the machinery is in map_reduce_detail.hpp.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <type_traits>
#include <utility>

#include "nabla/ops/map_reduce_detail.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla {

/// Applies f elementwise: x: any shape -> the same shape.
///
/// Which path runs:
/// - f callable with an element (f(double), f(int), a generic [](auto v)): f runs on every
///   element, in parallel, each element converted to f's parameter type as C++ converts it (an
///   int32 tensor with [](double v) is fine). The result dtype is f's return type (double ->
///   float64, bool -> bool, ...); a return type without a dtype fails to compile. f must be safe
///   to call from several threads at once, and its result carries no gradient (nabla cannot see
///   into C++ code). Symbolic tensors are refused (ValueError): there are no values to run on.
/// - otherwise f callable as Tensor(const Tensor&), built from tensor ops: map returns f(x),
///   which must keep x's shape (ShapeError otherwise). Gradients and tracing go through f's ops.
/// A callable that accepts both (a generic lambda, an overloaded functor) takes the first path;
/// write the parameter as `const Tensor&` to get the second.
template <class F>
[[nodiscard]] Tensor map(const Tensor& x, F&& f) {
  if constexpr (detail::ScalarCallable<F>) {
    return detail::map_elements("map", x, f);
  } else if constexpr (detail::TensorCallable<F>) {
    return detail::check_elementwise_result(x, std::invoke(f, x));
  } else {
    static_assert(detail::kDependentFalse<F>,
                  "nabla::map: f must be callable with an element (bool, uint8_t, int32_t, "
                  "int64_t, float, double) or as Tensor(const Tensor&)");
    return {};
  }
}

/// NumPy's apply_along_axis: f gets each 1-D slice of x along `axis` (negative counts from the
/// end) and returns a Tensor of one shape S for every slice; the results are stacked where the
/// axis was: x: [..., n, ...] -> [..., S..., ...]. Differentiable when f is. ValueError for
/// symbolic inputs or when a dimension other than `axis` is 0 (as NumPy).
template <class F>
requires detail::TensorCallable<F>
[[nodiscard]] Tensor apply_along_axis(const Tensor& x, int64_t axis, F&& f) {
  return detail::apply_along_axis_impl(
      "apply_along_axis", x, axis,
      [&f](const Tensor& slice) -> Tensor { return std::invoke(f, slice); });
}

/// f applied to each row x[i] of a 2-D tensor, results stacked: x: [m, n] -> [m, S...] where
/// f: [n] -> S. Differentiable when f is. (For an N-D batch of samples, see vectorize.)
template <class F>
requires detail::TensorCallable<F>
[[nodiscard]] Tensor map_rows(const Tensor& x, F&& f) {
  NABLA_CHECK(!x.defined() || x.ndim() == 2, ShapeError, "map_rows: expected a 2-D tensor, got ",
              x.shape());
  return detail::apply_along_axis_impl(
      "map_rows", x, 1, [&f](const Tensor& row) -> Tensor { return std::invoke(f, row); });
}

/// Left fold along `axis` (negative counts from the end), in parallel over the other positions:
/// out[p] = f(...f(f(init, x[p, 0]), x[p, 1])..., x[p, n-1]); x: [..., n, ...] -> [..., ...].
/// The accumulator (and the result dtype) is the type of f(init, element): init 0.0 with
/// f(double, double) -> float64. An empty axis gives init. Not differentiable (C++ code).
template <class Init, class F>
[[nodiscard]] Tensor reduce(const Tensor& x, int64_t axis, const Init& init, F&& f) {
  return detail::reduce_axis(x, axis, init, f);
}

/// Left fold over all elements in row-major order, sequentially (f need not be associative):
/// x: any shape -> a 0-d tensor of the accumulator's dtype.
template <class Init, class F>
[[nodiscard]] Tensor reduce(const Tensor& x, const Init& init, F&& f) {
  return detail::reduce_all(x, init, f);
}

/// NumPy's boolean indexing x[mask]: the elements where `mask` (bool, x's shape) is true, in
/// row-major order: x: any shape -> [count]. A copy; differentiable w.r.t. x (the gradient goes
/// back to the kept positions). DTypeError for a non-bool mask, ShapeError for another shape,
/// ValueError for symbolic inputs (the result's size depends on the data).
[[nodiscard]] Tensor filter(const Tensor& x, const Tensor& mask);

/// The elements for which predicate(element) is true (elements converted to its parameter type
/// as in map), in row-major order: x: any shape -> [count] of x's dtype. Differentiable w.r.t. x.
template <class P>
requires(!std::convertible_to<P, const Tensor&>) [[nodiscard]] Tensor
    filter(const Tensor& x, P&& predicate) {
  auto keep = [&predicate]<class V>(const V& v) -> bool requires std::is_invocable_v<P&, const V&> {
    static_assert(std::is_constructible_v<bool, std::invoke_result_t<P&, const V&>>,
                  "nabla::filter: the predicate must return something convertible to bool");
    return static_cast<bool>(std::invoke(predicate, v));
  };
  return filter(x, detail::map_elements("filter", x, keep));
}

/// compose(f, g, h)(args...) = f(g(h(args...))), as in mathematics; any callables, copied or
/// moved in. constexpr when they are.
template <class F>
[[nodiscard]] constexpr std::decay_t<F> compose(F&& f) {
  return std::forward<F>(f);
}
template <class F, class G, class... Rest>
[[nodiscard]] constexpr auto compose(F&& f, G&& g, Rest&&... rest) {
  auto inner = compose(std::forward<G>(g), std::forward<Rest>(rest)...);
  return detail::Composed<std::decay_t<F>, decltype(inner)>(std::forward<F>(f), std::move(inner));
}

/// pipe(f, g, h)(args...) = h(g(f(args...))): left to right, as data flows.
template <class F>
[[nodiscard]] constexpr std::decay_t<F> pipe(F&& f) {
  return std::forward<F>(f);
}
template <class F, class G, class... Rest>
[[nodiscard]] constexpr auto pipe(F&& f, G&& g, Rest&&... rest) {
  auto outer = pipe(std::forward<G>(g), std::forward<Rest>(rest)...);
  return detail::Composed<decltype(outer), std::decay_t<F>>(std::move(outer), std::forward<F>(f));
}

/// Lifts a per-sample function to a batch (JAX's vmap over axis 0, by a loop):
/// vectorize(f)(x, y, ...) = stack([f(x[0], y[0], ...), f(x[1], y[1], ...), ...]).
/// f takes one const Tensor& per argument (each without the batch axis) and returns a Tensor of
/// one shape S for every sample; the arguments share the batch size B: -> [B, S...].
/// Differentiable when f is. ShapeError for mismatched batch sizes, ValueError for B = 0 (f's
/// output shape is unknown) or symbolic inputs.
template <class F>
[[nodiscard]] constexpr auto vectorize(F&& f) {
  return detail::Vectorized<std::decay_t<F>>(std::forward<F>(f));
}

}  // namespace nabla
