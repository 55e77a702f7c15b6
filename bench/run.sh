#!/usr/bin/env bash
# Runs every nabla benchmark (median of 5 repetitions, randomly interleaved) at 1 and 2 threads,
# the threading-scheme variant of bench_matmul, and the NumPy (and PyTorch, when installed)
# references for the same ops in the same run. JSON goes to BUILD_DIR/bench-results/; the
# Markdown tables for bench/RESULTS.md are printed at the end (bench/summarize.py).
# Usage: bench/run.sh BUILD_DIR [extra Google Benchmark flags, e.g. --benchmark_filter=Matmul]
set -euo pipefail

build_dir=${1:?usage: bench/run.sh BUILD_DIR [benchmark flags...]}
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out="$build_dir/bench-results"
python=/usr/bin/python3
mkdir -p "$out"

binaries=()
for binary in "$build_dir"/bench/bench_*; do
  [[ -f "$binary" && -x "$binary" ]] && binaries+=("$binary")
done
if [[ ${#binaries[@]} -eq 0 ]]; then
  echo "run.sh: no bench_* programs in $build_dir/bench (configure with -DNABLA_BUILD_BENCH=ON)" >&2
  exit 1
fi

have_torch=0
if "$python" -c 'import torch' 2>/dev/null; then have_torch=1; fi

flags=(--benchmark_repetitions=5 --benchmark_report_aggregates_only=true
       --benchmark_enable_random_interleaving=true --benchmark_out_format=json "$@")

# The machine is shared: record its load around the run so that noisy figures can be recognised.
{ date -u +%FT%TZ; uptime; } > "$out/machine.txt"
lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|L2|L3)' >> "$out/machine.txt" || true

for threads in 1 2; do
  for binary in "${binaries[@]}"; do
    name=$(basename "$binary")
    echo "== $name, $threads thread(s)" >&2
    NABLA_NUM_THREADS=$threads "$binary" "${flags[@]}" \
      --benchmark_out="$out/${name}_t${threads}.json" >&2
  done
  echo "== NumPy, $threads thread(s)" >&2
  "$python" "$here/numpy_reference.py" --lib numpy --threads "$threads" > "$out/numpy_t${threads}.jsonl"
  if [[ $have_torch -eq 1 ]]; then
    echo "== PyTorch, $threads thread(s)" >&2
    "$python" "$here/numpy_reference.py" --lib torch --threads "$threads" \
      > "$out/torch_t${threads}.jsonl"
  fi
done

# Threading scheme B: nabla's pool has 2 threads, OpenBLAS is pinned to 1 (bench_matmul.cpp).
if [[ -x "$build_dir/bench/bench_matmul" ]]; then
  echo "== bench_matmul, 2 threads, BLAS pinned to 1" >&2
  NABLA_NUM_THREADS=2 NABLA_BENCH_BLAS_THREADS=1 "$build_dir/bench/bench_matmul" "${flags[@]}" \
    --benchmark_out="$out/bench_matmul_t2_blas1.json" >&2
fi

uptime >> "$out/machine.txt"
"$python" "$here/summarize.py" "$out"
