// CPU reduction kernels: sum, prod, max, min, argmax, argmin. Each is a Reducer (accumulator type,
// identity, step, merge, finish) run by the generic driver in reduction_loop.hpp.
#include <limits>
#include <type_traits>

#include "backend/cpu/kernels.hpp"
#include "backend/cpu/reduction_loop.hpp"
#include "backend/reduction_accumulators.hpp"

namespace nabla::cpu {
namespace {

using reduction::is_nan;
using reduction::WideAcc;
using reduction::WideOut;

template <class T>
struct SumReducer {
  using Acc = WideAcc<T>;
  using Out = WideOut<T>;
  static constexpr bool kLanes = true;
  // Leaves of contiguous float32 runs sum in float: twice the SIMD width, and each lane adds only
  // kLaneBlock / kReduceLanes values before the lanes are combined in double.
  using Lane = std::conditional_t<std::is_same_v<T, float>, float, Acc>;
  static Lane lane_step(Lane a, T x) {
    if constexpr (std::is_same_v<Lane, Acc>) {
      return step(a, x, 0);
    } else {
      return a + x;
    }
  }
  static Acc identity() { return Acc{0}; }
  static Acc merge(Acc a, Acc b) {
    if constexpr (std::is_integral_v<Acc>) {
      return static_cast<Acc>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
    } else {
      return a + b;
    }
  }
  static Acc step(Acc a, T x, int64_t) { return merge(a, static_cast<Acc>(x)); }
  static Out finish(Acc a) { return static_cast<Out>(a); }
};

template <class T>
struct ProdReducer {
  using Acc = WideAcc<T>;
  using Out = WideOut<T>;
  static constexpr bool kLanes = true;
  using Lane = Acc;
  static Acc identity() { return Acc{1}; }
  static Acc merge(Acc a, Acc b) {
    if constexpr (std::is_integral_v<Acc>) {
      return static_cast<Acc>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
    } else {
      return a * b;
    }
  }
  static Acc step(Acc a, T x, int64_t) { return merge(a, static_cast<Acc>(x)); }
  static Lane lane_step(Lane a, T x) { return step(a, x, 0); }
  static Out finish(Acc a) { return static_cast<Out>(a); }
};

/// max/min keep the dtype; NaN wins over everything (NumPy), so once an accumulator is NaN it
/// stays NaN: `b` replaces `a` when it is better or NaN, and nothing is better than NaN.
template <class T, bool kMax>
struct ExtremumReducer {
  using Acc = T;
  using Out = T;
  static constexpr bool kLanes = true;
  static Acc identity() {
    if constexpr (std::is_floating_point_v<T>) {
      return kMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
    } else {
      return kMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
    }
  }
  static Acc merge(Acc a, Acc b) {
    const bool better = kMax ? b > a : b < a;
    return better || is_nan(b) ? b : a;
  }
  using Lane = Acc;
  static Acc step(Acc a, T x, int64_t) { return merge(a, x); }
  static Lane lane_step(Lane a, T x) { return merge(a, x); }
  static Out finish(Acc a) { return a; }
};
template <class T>
using MaxReducer = ExtremumReducer<T, true>;
template <class T>
using MinReducer = ExtremumReducer<T, false>;

/// argmax/argmin: the first index of the extremum along the reduced axis; the first NaN wins.
/// index < 0 marks an empty accumulator. merge(a, b) expects `a` to come before `b`.
template <class T, bool kMax>
struct ArgReducer {
  struct Acc {
    T value{};
    int64_t index = -1;
  };
  using Out = int64_t;
  static constexpr bool kLanes = false;  // the index needs the position: no SIMD lanes
  using Lane = Acc;
  static Acc identity() { return Acc{}; }
  static bool replaces(T candidate, T current) {
    if (is_nan(current)) return false;
    return (kMax ? candidate > current : candidate < current) || is_nan(candidate);
  }
  static Acc merge(Acc a, Acc b) {
    if (b.index < 0) return a;
    if (a.index < 0 || replaces(b.value, a.value)) return b;
    return a;
  }
  static Acc step(Acc a, T x, int64_t r) {
    return a.index < 0 || replaces(x, a.value) ? Acc{x, r} : a;
  }
  /// Rows of kept columns (the outer loop) with values and indices in separate arrays, so that
  /// the compare-and-select vectorises; the first row seeds them.
  static void accumulate_rows(Acc* acc, const T* base, int64_t width, int64_t stride,
                              DimWalker& rows, int64_t r0, int64_t r1) {
    T value[kReduceCols];
    int64_t index[kReduceCols];
    const T* first = base + rows.in();
    for (int64_t c = 0; c < width; ++c) {
      value[c] = first[c * stride];
      index[c] = r0;
    }
    rows.next();
    for (int64_t r = r0 + 1; r < r1; ++r, rows.next()) {
      const T* p = base + rows.in();
      if (stride == 1) {
        for (int64_t c = 0; c < width; ++c) select(value[c], index[c], p[c], r);
      } else {
        for (int64_t c = 0; c < width; ++c) select(value[c], index[c], p[c * stride], r);
      }
    }
    for (int64_t c = 0; c < width; ++c) acc[c] = merge(acc[c], Acc{value[c], index[c]});
  }
  static void select(T& value, int64_t& index, T x, int64_t r) {
    const bool take = replaces(x, value);
    value = take ? x : value;
    index = take ? r : index;
  }

  /// A contiguous run in two vectorisable passes: the extremum (NaN if any) with SIMD lanes,
  /// then the first element equal to it.
  static Acc contiguous_run(const T* x, int64_t n, int64_t r0) {
    const T best = reduce_contiguous<ExtremumReducer<T, kMax>>(x, n);
    int64_t i = 0;
    if (is_nan(best)) {
      while (!is_nan(x[i])) ++i;
    } else {
      while (x[i] != best) ++i;
    }
    return Acc{best, r0 + i};
  }
  static Out finish(Acc a) { return a.index; }
};
template <class T>
using ArgmaxReducer = ArgReducer<T, true>;
template <class T>
using ArgminReducer = ArgReducer<T, false>;

template <template <class> class Reducer>
void run_for_dtype(const KernelContext& ctx, const std::vector<bool>& reduced) {
  const Tensor& x = ctx.inputs[0];
  const ReduceGeometry geometry = make_geometry(x, reduced);
  visit_dtype_with_complex(x.dtype(), [&]<class T>(T) {
    // Of the reductions only sum takes complex (dispatch refuses it to the others).
    if constexpr (!is_complex_v<T> || std::is_same_v<Reducer<T>, SumReducer<T>>) {
      using R = Reducer<T>;
      NABLA_ASSERT(ctx.outputs[0].dtype() == dtype_of<typename R::Out>,
                   "reduction kernel: unexpected output dtype");
      run_reduction<R>(static_cast<const T*>(x.data_ptr()),
                       static_cast<typename R::Out*>(ctx.outputs[0].data_ptr()), geometry);
    }
  });
}

/// sum, prod, max, min: attrs "axes" (normalised; empty = all) and "keepdims".
template <template <class> class Reducer>
void reduce_kernel(const KernelContext& ctx) {
  const auto& axes = ctx.attrs.get<std::vector<int64_t>>("axes");
  const auto rank = static_cast<size_t>(ctx.inputs[0].ndim());
  std::vector<bool> reduced(rank, axes.empty());
  for (int64_t axis : axes) reduced[static_cast<size_t>(axis)] = true;
  run_for_dtype<Reducer>(ctx, reduced);
}

/// argmax, argmin: attrs "axis" (normalised) and "keepdims".
template <template <class> class Reducer>
void arg_reduce_kernel(const KernelContext& ctx) {
  std::vector<bool> reduced(static_cast<size_t>(ctx.inputs[0].ndim()), false);
  reduced[static_cast<size_t>(ctx.attrs.get<int64_t>("axis"))] = true;
  run_for_dtype<Reducer>(ctx, reduced);
}

}  // namespace

void register_reduction_kernels(KernelTable& table) {
  table.add("sum", DeviceKind::CPU, &reduce_kernel<SumReducer>);
  table.add("prod", DeviceKind::CPU, &reduce_kernel<ProdReducer>);
  table.add("max", DeviceKind::CPU, &reduce_kernel<MaxReducer>);
  table.add("min", DeviceKind::CPU, &reduce_kernel<MinReducer>);
  table.add("argmax", DeviceKind::CPU, &arg_reduce_kernel<ArgmaxReducer>);
  table.add("argmin", DeviceKind::CPU, &arg_reduce_kernel<ArgminReducer>);
}

}  // namespace nabla::cpu
