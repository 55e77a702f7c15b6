// The machinery behind nabla/ops/map_reduce.hpp: element loops over user callables, the type
// rules that turn a callable's result into a dtype, and the non-template helpers (defined in
// src/ops/map_reduce.cpp). Not part of the public API.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/tensor/dtype.hpp"
#include "nabla/tensor/tensor.hpp"
#include "nabla/util/parallel.hpp"

namespace nabla::detail {

template <class>
inline constexpr bool kDependentFalse = false;

/// The element type that stores a callable's result R: R itself when nabla has a dtype for it.
/// `long long` is accepted as int64 because int64_t is `long` on LP64 Linux, and `x * 2LL` on
/// an int64_t would otherwise be rejected.
template <class R>
consteval auto storage_type_for() {
  using V = std::remove_cvref_t<R>;
  if constexpr (Element<V>) {
    return std::type_identity<V>{};
  } else if constexpr (std::is_integral_v<V> && std::is_signed_v<V> && sizeof(V) == 8) {
    return std::type_identity<int64_t>{};
  } else {
    static_assert(kDependentFalse<V>,
                  "nabla::map/reduce: the callable returns a type that has no nabla dtype; "
                  "return bool, uint8_t, int32_t, int64_t, float or double");
    return std::type_identity<V>{};
  }
}
template <class R>
using storage_t = typename decltype(storage_type_for<R>())::type;

/// Callable with at least one element type: map's elementwise path. Checked first, so a generic
/// lambda ([](auto v) { ... }) is elementwise even though it might also accept a Tensor.
template <class F>
concept ScalarCallable =
    std::is_invocable_v<F&, const bool&> || std::is_invocable_v<F&, const uint8_t&> ||
    std::is_invocable_v<F&, const int32_t&> || std::is_invocable_v<F&, const int64_t&> ||
    std::is_invocable_v<F&, const float&> || std::is_invocable_v<F&, const double&>;

/// Tensor(const Tensor&): a callable built from tensor ops (differentiable, traceable).
template <class F>
concept TensorCallable = std::is_invocable_v<F&, const Tensor&> &&
    std::convertible_to<std::invoke_result_t<F&, const Tensor&>, Tensor>;

/// ValueError unless t is defined and concrete (C++ code cannot run on symbolic values);
/// DeviceError unless it is on the CPU.
void check_scalar_input(const Tensor& t, std::string_view op);
/// DTypeError: the callable accepts no `dtype` element.
[[noreturn]] void throw_not_invocable(std::string_view op, DType dtype);
/// map's tensor path: ShapeError unless `result` (of f(t)) is defined with t's shape.
Tensor check_elementwise_result(const Tensor& t, const Tensor& result);
/// parallel_for for user callables: an exception thrown in any chunk is rethrown on the calling
/// thread after the loop (it must not cross the OpenMP region).
void parallel_for_rethrow(int64_t count, int64_t grain,
                          const std::function<void(int64_t, int64_t)>& body);
/// A contiguous copy of t with `axis` (already normalised) moved to the end.
Tensor move_axis_last(const Tensor& t, int64_t axis);
/// t's shape without `axis`.
Shape shape_without(const Shape& shape, int64_t axis);

using SliceFunction = std::function<Tensor(const Tensor&)>;
using SampleFunction = std::function<Tensor(std::span<const Tensor>)>;
Tensor apply_along_axis_impl(std::string_view op, const Tensor& t, int64_t axis,
                             const SliceFunction& f);
Tensor vectorize_impl(const std::vector<Tensor>& args, const SampleFunction& f);

inline constexpr int64_t kElementGrain = 4096;  // elements per chunk; a callable is cheap or not

/// f applied to every element of t, in parallel; the result dtype is f's return type.
template <class F>
Tensor map_elements(std::string_view op, const Tensor& t, F& f) {
  check_scalar_input(t, op);
  const Tensor in = t.contiguous();
  return visit_dtype(t.dtype(), [&]<class T>(T) -> Tensor {
    if constexpr (std::is_invocable_v<F&, const T&>) {
      using Out = storage_t<std::invoke_result_t<F&, const T&>>;
      Tensor out = Tensor::empty(t.shape(), dtype_of<Out>, t.device());
      if (out.numel() == 0) return out;
      const T* source = in.data<T>();
      Out* target = out.data<Out>();
      parallel_for_rethrow(out.numel(), kElementGrain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
          target[i] = static_cast<Out>(std::invoke(f, source[i]));
      });
      return out;
    } else {
      throw_not_invocable(op, t.dtype());
    }
  });
}

/// The accumulator of a fold of T elements from `Init`: the type of f(init, x), which f must
/// also accept back (f(acc, x) converts to it).
template <class F, class Init, class T>
using fold_accumulator_t = std::decay_t<std::invoke_result_t<F&, const Init&, const T&>>;

template <class Acc, class F, class Init, class T>
Acc fold(F& f, const Init& init, const T* x, int64_t n) {
  static_assert(std::is_invocable_v<F&, const Acc&, const T&> &&
                    std::convertible_to<std::invoke_result_t<F&, const Acc&, const T&>, Acc>,
                "nabla::reduce: f(acc, x) must accept its own result as the accumulator");
  if (n == 0) return static_cast<Acc>(init);
  Acc acc = std::invoke(f, init, x[0]);
  for (int64_t i = 1; i < n; ++i) acc = std::invoke(f, std::as_const(acc), x[i]);
  return acc;
}

template <class Init, class F>
Tensor reduce_axis(const Tensor& t, int64_t axis, const Init& init, F& f) {
  check_scalar_input(t, "reduce");
  axis = normalize_axis(axis, t.ndim(), "reduce");
  const Tensor rows = move_axis_last(t, axis);  // [positions, n], each fold reads one row
  const int64_t n = t.shape()[axis];
  const Shape out_shape = shape_without(t.shape(), axis);
  return visit_dtype(t.dtype(), [&]<class T>(T) -> Tensor {
    if constexpr (std::is_invocable_v<F&, const Init&, const T&>) {
      using Acc = fold_accumulator_t<F, Init, T>;
      using Out = storage_t<Acc>;
      Tensor out = Tensor::empty(out_shape, dtype_of<Out>, t.device());
      if (out.numel() == 0) return out;
      const T* source = n == 0 ? nullptr : rows.data<T>();
      Out* target = out.data<Out>();
      const int64_t grain = std::max<int64_t>(1, kElementGrain / std::max<int64_t>(n, 1));
      parallel_for_rethrow(out.numel(), grain, [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p) {
          const T* row = source == nullptr ? nullptr : source + p * n;
          target[p] = static_cast<Out>(fold<Acc>(f, init, row, n));
        }
      });
      return out;
    } else {
      throw_not_invocable("reduce", t.dtype());
    }
  });
}

/// A left fold over all elements in row-major order (sequential: f need not be associative).
template <class Init, class F>
Tensor reduce_all(const Tensor& t, const Init& init, F& f) {
  check_scalar_input(t, "reduce");
  const Tensor in = t.contiguous();
  return visit_dtype(t.dtype(), [&]<class T>(T) -> Tensor {
    if constexpr (std::is_invocable_v<F&, const Init&, const T&>) {
      using Acc = fold_accumulator_t<F, Init, T>;
      using Out = storage_t<Acc>;
      Tensor out = Tensor::empty(Shape{}, dtype_of<Out>, t.device());
      const T* source = in.numel() == 0 ? nullptr : in.data<T>();
      *out.data<Out>() = static_cast<Out>(fold<Acc>(f, init, source, in.numel()));
      return out;
    } else {
      throw_not_invocable("reduce", t.dtype());
    }
  });
}

/// compose's result: outer(inner(args...)).
template <class Outer, class Inner>
class Composed {
 public:
  constexpr Composed(Outer outer, Inner inner)
      : outer_(std::move(outer)), inner_(std::move(inner)) {}

  template <class... Args>
  requires std::invocable<const Inner&, Args...> &&
      std::invocable<const Outer&, std::invoke_result_t<const Inner&, Args...>>
  constexpr decltype(auto) operator()(Args&&... args) const {
    return std::invoke(outer_, std::invoke(inner_, std::forward<Args>(args)...));
  }
  // Non-const too, for callables with state (mutable lambdas).
  template <class... Args>
  requires std::invocable<Inner&, Args...> &&
      std::invocable<Outer&, std::invoke_result_t<Inner&, Args...>>
  constexpr decltype(auto) operator()(Args&&... args) {
    return std::invoke(outer_, std::invoke(inner_, std::forward<Args>(args)...));
  }

 private:
  [[no_unique_address]] Outer outer_;
  [[no_unique_address]] Inner inner_;
};

/// vectorize's result: f applied to each batch entry of its tensor arguments, stacked.
template <class F>
class Vectorized {
 public:
  constexpr explicit Vectorized(F f) : f_(std::move(f)) {}

  template <class... Ts>
  requires(sizeof...(Ts) > 0 && (std::same_as<Ts, Tensor> && ...)) [[nodiscard]] Tensor operator()(
      const Ts&... xs) const {
    return call(f_, xs...);
  }
  template <class... Ts>
  requires(sizeof...(Ts) > 0 && (std::same_as<Ts, Tensor> && ...)) [[nodiscard]] Tensor operator()(
      const Ts&... xs) {
    return call(f_, xs...);
  }

 private:
  template <class G, class... Ts>
  static Tensor call(G& f, const Ts&... xs) {
    static_assert(std::is_invocable_v<G&, const Ts&...>,
                  "nabla::vectorize: f must take one const Tensor& per argument");
    return vectorize_impl({xs...}, [&f](std::span<const Tensor> sample) -> Tensor {
      return [&]<size_t... I>(std::index_sequence<I...>)->Tensor {
        return std::invoke(f, sample[I]...);
      }
      (std::index_sequence_for<Ts...>{});
    });
  }
  F f_;
};

}  // namespace nabla::detail
