// OpenMP-backed parallel_for. OpenBLAS (OpenMP build) reads omp_get_max_threads() on each call, so
// setting OpenMP's thread count sets BLAS's too: one pool, no oversubscription.
#include "nabla/util/parallel.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>

#include "nabla/util/error.hpp"

namespace nabla {
namespace {

int threads_from_environment() {
  if (const char* value = std::getenv("NABLA_NUM_THREADS")) {
    try {
      int n = std::stoi(value);
      if (n >= 1) return n;
    } catch (const std::exception&) {
    }
    throw ValueError(
        detail::str_cat("NABLA_NUM_THREADS: expected a positive integer, got '", value, "'"));
  }
  return std::max(1, omp_get_num_procs());
}

std::atomic<int>& thread_count() {
  static std::atomic<int> count = [] {
    int n = threads_from_environment();
    omp_set_num_threads(n);
    return n;
  }();
  return count;
}

}  // namespace

int num_threads() { return thread_count().load(std::memory_order_relaxed); }

void set_num_threads(int n) {
  NABLA_CHECK(n >= 1, ValueError, "set_num_threads: expected n >= 1, got ", n);
  thread_count().store(n);
  omp_set_num_threads(n);
}

namespace detail {

void parallel_for_impl(int64_t begin, int64_t end, int64_t grain,
                       const std::function<void(int64_t, int64_t)>& body) {
  const int64_t total = end - begin;
  const int64_t max_chunks = (total + grain - 1) / std::max<int64_t>(grain, 1);
  const int threads = static_cast<int>(std::min<int64_t>(num_threads(), max_chunks));
  if (threads <= 1 || omp_in_parallel()) {
    body(begin, end);
    return;
  }
  // Static, equal chunks: deterministic assignment, no scheduling overhead.
#pragma omp parallel num_threads(threads)
  {
    const int64_t t = omp_get_thread_num();
    const int64_t chunk_begin = begin + total * t / threads;
    const int64_t chunk_end = begin + total * (t + 1) / threads;
    if (chunk_begin < chunk_end) body(chunk_begin, chunk_end);
  }
}

}  // namespace detail
}  // namespace nabla
