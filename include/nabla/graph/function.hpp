// nabla::function: wraps a C++ callable over tensors; the first call with a new input signature
// (shapes, dtypes, device) traces it into a Graph, optimises the graph, and later calls with that
// signature run the graph without running the C++ code again (tf.function; docs/graph.md). With
// FunctionOptions::unknown_batch, one trace may serve every batch size.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/graph/graph.hpp"

namespace nabla {

struct FunctionOptions {
  std::string name = "function";  // used in errors and the retracing warning
  bool optimize = true;           // run the graph passes (nabla/graph/passes.hpp) after tracing
  /// Dimension 0 of every argument of rank >= 1 is one batch size B that may change between
  /// calls (rank-0 arguments are per-call scalars): the first call with a new batch-free
  /// signature traces the body twice, at its batch size and at a probe size, and when the two
  /// graphs differ only in multiples of B, later batch sizes reuse that trace instead of running
  /// the body again (tf.function's TensorSpec([None, ...]); docs/graph.md). A call whose
  /// batched arguments disagree on dimension 0, or a body that uses B non-linearly, is traced
  /// per exact signature as without the option.
  bool unknown_batch = false;
};

namespace graph {

using TracedBody = std::function<std::vector<Tensor>(const std::vector<Tensor>& args)>;

/// Runs `body` once on symbolic stand-ins for arguments of `specs` and records every op it calls
/// into a Graph (unoptimised). Concrete tensors the body reads (layer weights, variables,
/// constants) become Capture nodes, read by reference each time the graph runs. The global random
/// generator is left as it was.
[[nodiscard]] Graph trace(const TracedBody& body, const std::vector<ValueSpec>& specs,
                          const std::string& name = "function");

/// True while a trace runs on this thread.
[[nodiscard]] bool is_tracing();

}  // namespace graph

namespace detail {

struct FunctionSignature;

/// The type-erased part of Function: the cache of traced graphs by input signature.
class FunctionCore {
 public:
  FunctionCore(graph::TracedBody body, FunctionOptions options);
  ~FunctionCore();
  [[nodiscard]] std::vector<Tensor> call(const std::vector<Tensor>& args);
  [[nodiscard]] const Graph& graph_for(const std::vector<Tensor>& args);
  [[nodiscard]] size_t num_traces() const;

 private:
  struct Cache;
  struct CacheEntry;
  CacheEntry& entry_for(const std::vector<Tensor>& args);
  /// unknown_batch: the entry a batch template gives (tracing the template first if needed), or
  /// nullptr when the call must be traced as its exact signature.
  CacheEntry* batch_entry_for(const FunctionSignature& signature);
  /// Runs the body on symbolic arguments of `specs`: a trace, counted; `probe` traces do not
  /// count towards the retracing warning.
  Graph trace_counted(const std::vector<ValueSpec>& specs, bool probe);
  /// Optimises `g` (unless options say not to) and caches it under `signature`.
  CacheEntry& add_entry(FunctionSignature signature, Graph g, const char* how);

  graph::TracedBody body_;
  FunctionOptions options_;
  std::unique_ptr<Cache> cache_;
};

template <class T>
struct IsTensorTuple : std::false_type {};
template <class... Ts>
struct IsTensorTuple<std::tuple<Ts...>> : std::conjunction<std::is_same<Ts, Tensor>...> {};
template <class A, class B>
struct IsTensorTuple<std::pair<A, B>>
    : std::conjunction<std::is_same<A, Tensor>, std::is_same<B, Tensor>> {};

/// The results of the traced callable as a list, and back.
template <class R>
std::vector<Tensor> to_list(R&& result) {
  using T = std::decay_t<R>;
  if constexpr (std::is_same_v<T, Tensor>) {
    return {std::forward<R>(result)};
  } else if constexpr (std::is_base_of_v<std::vector<Tensor>, T>) {  // also nn::LayerOutputs
    return static_cast<const std::vector<Tensor>&>(result);
  } else {
    static_assert(IsTensorTuple<T>::value,
                  "nabla::function: the callable must return a Tensor, a std::vector<Tensor>, or "
                  "a std::tuple/std::pair of Tensors");
    return std::apply([](const auto&... t) { return std::vector<Tensor>{t...}; }, result);
  }
}
template <class R>
R from_list(std::vector<Tensor> list) {
  if constexpr (std::is_same_v<R, Tensor>) {
    return std::move(list.front());
  } else if constexpr (std::is_base_of_v<std::vector<Tensor>, R>) {
    R out;
    static_cast<std::vector<Tensor>&>(out) = std::move(list);
    return out;
  } else {
    return [&]<size_t... I>(std::index_sequence<I...>) { return R{list[I]...}; }
    (std::make_index_sequence<std::tuple_size_v<R>>());
  }
}

}  // namespace detail

/// A traced callable: f(const Tensor&...) -> Tensor | std::vector<Tensor> | tuple of Tensors.
/// Calls with a signature seen before run its graph; the C++ body (and any side effect in it:
/// printing, counters, reads of global state) runs only while tracing.
template <class F>
class Function {
 public:
  explicit Function(F f, FunctionOptions options = {})
      : f_(std::make_shared<F>(std::move(f))), options_(std::move(options)) {}

  template <class... Args>
  auto operator()(const Args&... args) {
    using Result = std::decay_t<std::invoke_result_t<F&, const Args&...>>;
    return detail::from_list<Result>(core<Args...>().call(as_list(args...)));
  }

  /// The graph (optimised unless options.optimize is false) that a call with these arguments
  /// runs, tracing it first if needed.
  template <class... Args>
  [[nodiscard]] const Graph& graph_for(const Args&... args) {
    return core<Args...>().graph_for(as_list(args...));
  }

  /// How many times the body ran (was traced): once per distinct input signature; with
  /// FunctionOptions::unknown_batch, twice for the first call with a new batch-free signature
  /// (the probe trace counts) and not at all for a batch size the template serves.
  [[nodiscard]] size_t num_traces() const { return core_ == nullptr ? 0 : core_->num_traces(); }

 private:
  /// A callable taking one std::vector<Tensor> gets the whole argument list.
  template <class... Args>
  static constexpr bool kTakesList = sizeof...(Args) == 1 &&
                                     (std::is_same_v<Args, std::vector<Tensor>> && ...);

  template <class... Args>
  static std::vector<Tensor> as_list(const Args&... args) {
    if constexpr (kTakesList<Args...>) {
      return std::vector<Tensor>(args...);
    } else {
      return {Tensor(args)...};
    }
  }

  template <class... Args>
  detail::FunctionCore& core() {
    static_assert(kTakesList<Args...> || (std::is_convertible_v<const Args&, Tensor> && ...),
                  "nabla::function: the arguments must be Tensors (or one std::vector<Tensor>)");
    if (core_ == nullptr) {
      std::shared_ptr<F> f = f_;
      graph::TracedBody body;
      if constexpr (kTakesList<Args...>) {
        body = [f](const std::vector<Tensor>& list) { return detail::to_list((*f)(list)); };
      } else {
        body = [f, name = options_.name](const std::vector<Tensor>& list) {
          NABLA_CHECK(list.size() == sizeof...(Args), ValueError, name, ": traced with ",
                      sizeof...(Args), " arguments, called with ", list.size());
          return [&]<size_t... I>(std::index_sequence<I...>) {
            return detail::to_list((*f)(list[I]...));
          }
          (std::index_sequence_for<Args...>());
        };
      }
      core_ = std::make_shared<detail::FunctionCore>(std::move(body), options_);
    }
    return *core_;
  }

  std::shared_ptr<F> f_;
  FunctionOptions options_;
  std::shared_ptr<detail::FunctionCore> core_;
};

/// nabla::function(f): see Function.
template <class F>
[[nodiscard]] Function<std::decay_t<F>> function(F&& f, FunctionOptions options = {}) {
  return Function<std::decay_t<F>>(std::forward<F>(f), std::move(options));
}

}  // namespace nabla
