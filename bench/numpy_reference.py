#!/usr/bin/python3
"""Side-by-side reference for bench/run.sh: the ops nabla's benchmarks time, run by NumPy (or, with
--lib torch, PyTorch, plus bench_autograd.cpp's rows in torch.autograd) on the same machine in the
same run. Prints one JSON object per line:
{"lib", "op", "shape", "threads", "median_s", "min_s", "max_s", "repetitions"}; time per call."""

import argparse
import json
import os
import re
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
    parser.add_argument("--filter", default="",
                        help="only the ops whose name matches this regular expression")
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
    if lib == "torch":
        yield from autograd_cases(torch, rand)


def autograd_cases(torch, rand):
    """bench_autograd.cpp's rows with torch.autograd (NumPy has no autodiff). Gradient policy as
    there: the leaf's grad is zeroed in place before every backward (grad.zero_(), what
    optimizer.zero_grad() does in PyTorch 1.x), except in the _accumulate row."""
    a, b = rand(1), rand(1)
    yield "autograd_add_nograd", [1], lambda: torch.add(a, b)
    leaf = rand(1).requires_grad_()
    yield "autograd_add_recorded", [1], lambda: torch.add(leaf, b)

    def zeroed(*leaves):
        for t in leaves:
            if t.grad is not None:
                t.grad.zero_()

    def add_forward_backward():
        zeroed(leaf)
        torch.add(leaf, b).backward()

    yield "autograd_add_forward_backward", [1], add_forward_backward
    calls = [0]

    def add_forward_backward_accumulate():
        calls[0] += 1
        if calls[0] % 4096 == 0:
            zeroed(leaf)
        torch.add(leaf, b).backward()

    yield "autograd_add_forward_backward_accumulate", [1], add_forward_backward_accumulate

    def chain(y):
        for _ in range(100):
            y = y * 1.0001
        return y

    x = rand(1)
    yield "autograd_chain100_forward", [1], lambda: chain(x)
    x_leaf = rand(1).requires_grad_()

    def chain_forward_backward():
        zeroed(x_leaf)
        chain(x_leaf).backward()

    yield "autograd_chain100_forward_backward", [1], chain_forward_backward
    inputs = rand(64, 784)
    w1 = (rand(784, 128) * 0.05).requires_grad_()
    w2 = (rand(128, 10) * 0.1).requires_grad_()

    def loss():
        return torch.mean(torch.square(torch.matmul(torch.tanh(torch.matmul(inputs, w1)), w2)))

    def mlp_forward_no_grad():
        with torch.no_grad():
            return loss()

    def mlp_forward_backward():
        zeroed(w1, w2)
        loss().backward()

    shape = [64, 784, 128, 10]
    yield "autograd_mlp_forward_no_grad", shape, mlp_forward_no_grad
    yield "autograd_mlp_forward_recorded", shape, loss
    yield "autograd_mlp_forward_backward", shape, mlp_forward_backward


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
        if not re.search(args.filter, op):
            continue
        median, low, high = time_call(fn, args.repetitions, args.min_time)
        print(json.dumps({"lib": args.lib, "version": version, "op": op, "shape": shape,
                          "threads": args.threads, "median_s": median, "min_s": low,
                          "max_s": high, "repetitions": args.repetitions}), flush=True)


if __name__ == "__main__":
    main()
