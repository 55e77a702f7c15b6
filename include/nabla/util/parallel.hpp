// One thread pool for everything: nabla's kernels and OpenBLAS share OpenMP's pool
// (docs/architecture.md "Threads"). NABLA_NUM_THREADS sets its size.
#pragma once

#include <cstdint>
#include <functional>

namespace nabla {

/// Threads used by kernels and BLAS. Defaults to NABLA_NUM_THREADS, else the core count.
[[nodiscard]] int num_threads();
/// Sets the thread count for nabla's kernels and BLAS (>= 1).
void set_num_threads(int n);

namespace detail {
void parallel_for_impl(int64_t begin, int64_t end, int64_t grain,
                       const std::function<void(int64_t, int64_t)>& body);
}

/// Calls body(chunk_begin, chunk_end) over [begin, end) split into chunks of at least `grain`
/// items, in parallel when there is more than one chunk. Chunks are disjoint and cover the range.
template <class Body>
void parallel_for(int64_t begin, int64_t end, int64_t grain, Body&& body) {
  if (end <= begin) return;
  if (end - begin <= grain || num_threads() == 1) {
    body(begin, end);
    return;
  }
  detail::parallel_for_impl(begin, end, grain, std::function<void(int64_t, int64_t)>(body));
}

}  // namespace nabla
