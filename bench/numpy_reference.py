#!/usr/bin/python3
"""Side-by-side reference for bench/run.sh: the ops nabla's benchmarks time, run by NumPy (or, with
--lib torch, PyTorch) on the same machine in the same run. Prints one JSON object per line:
{"lib", "op", "shape", "threads", "median_s", "min_s", "max_s", "repetitions"}; time per call."""

import argparse
import json
import os
import statistics
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lib", choices=["numpy", "torch"], default="numpy")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.3,
                        help="seconds per repetition (calls are batched to reach it)")
    return parser.parse_args()


def time_call(fn, repetitions, min_time):
    """Median/min/max seconds per call over `repetitions`, each a batch of calls >= min_time."""
    fn()  # warm-up: page in inputs, start thread pools, fill the allocator's caches
    fn()
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    calls = max(1, int(min_time / once))
    samples = []
    for _ in range(repetitions):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples), min(samples), max(samples)


def cases(lib):
    """(op, shape, function) triples; inputs are float32 uniform in [-1, 1)."""
    if lib == "numpy":
        import numpy as np
        rng = np.random.default_rng(0)

        def rand(*shape):
            return rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)

        matmul, add, exp, total = np.matmul, np.add, np.exp, np.sum
    else:
        import torch
        generator = torch.Generator().manual_seed(0)

        def rand(*shape):
            return torch.rand(*shape, generator=generator, dtype=torch.float32) * 2 - 1

        matmul, add, exp, total = torch.matmul, torch.add, torch.exp, torch.sum

    for n in (512, 1024, 2048):
        a, b = rand(n, n), rand(n, n)
        yield "matmul", [n, n], lambda a=a, b=b: matmul(a, b)
    for batch, m in ((256, 32), (64, 128)):
        a, b = rand(batch, m, m), rand(batch, m, m)
        yield "matmul_batched", [batch, m, m], lambda a=a, b=b: matmul(a, b)
    for n in (1 << 20, 1 << 24):
        a, b = rand(n), rand(n)
        yield "add", [n], lambda a=a, b=b: add(a, b)
        yield "exp", [n], lambda a=a: exp(a)
    x = rand(4096, 4096)
    yield "sum", [4096, 4096], lambda: total(x)
    yield "sum_last_axis", [4096, 4096], lambda: total(x, -1)
    yield "sum_first_axis", [4096, 4096], lambda: total(x, 0)
    a, b = rand(1), rand(1)
    yield "add_tiny", [1], lambda: add(a, b)
    yield "transpose_view", [2, 3], (lambda y=rand(2, 3): y.T)


def main():
    args = parse_args()
    if "numpy" in sys.modules or "torch" in sys.modules:
        raise RuntimeError("thread variables must be set before the library loads")
    # OpenBLAS (NumPy's and PyTorch's BLAS here) and OpenMP read these when they load.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    if args.lib == "torch":
        import torch
        torch.set_num_threads(args.threads)
        version = torch.__version__
    else:
        import numpy
        version = numpy.__version__
    for op, shape, fn in cases(args.lib):
        median, low, high = time_call(fn, args.repetitions, args.min_time)
        print(json.dumps({"lib": args.lib, "version": version, "op": op, "shape": shape,
                          "threads": args.threads, "median_s": median, "min_s": low,
                          "max_s": high, "repetitions": args.repetitions}), flush=True)


if __name__ == "__main__":
    main()
