// Shared set-up for the nabla benchmarks: the thread configuration each program records in its
// JSON context, random inputs, and the main() every bench_*.cpp uses.
#pragma once

#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdint>
#include <nabla/nabla.hpp>
#include <string>

namespace nabla::bench {

/// A float32 tensor of the given shape, uniform in [-1, 1) (fixed seed: same data every run).
[[nodiscard]] inline Tensor random_floats(const Shape& shape) {
  return random::uniform(shape, -1.0, 1.0, float32);
}

/// Rates from Google Benchmark's rate counters: `per_iteration` units (flops, bytes) divided by
/// the wall-clock time per iteration. Every benchmark here uses real time: the work runs on
/// OpenMP threads, so the main thread's CPU time would overstate the speed.
inline void set_rate(benchmark::State& state, const char* name, double per_iteration) {
  state.counters[name] = benchmark::Counter(
      per_iteration, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

/// Bytes moved per call, reported as Google Benchmark's bytes_per_second.
inline void set_bytes(benchmark::State& state, double bytes_per_iteration) {
  state.SetBytesProcessed(static_cast<int64_t>(bytes_per_iteration) * state.iterations());
}

/// Initialises nabla's thread pool from NABLA_NUM_THREADS (before any benchmark runs, so the
/// first timed call does not pay for it), records the configuration in the JSON output, and runs
/// the benchmarks selected on the command line.
inline int run_benchmarks(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("nabla_num_threads", std::to_string(num_threads()));
  benchmark::AddCustomContext("omp_max_threads", std::to_string(omp_get_max_threads()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace nabla::bench
