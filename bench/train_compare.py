#!/usr/bin/python3
"""nabla's train_throughput next to PyTorch's reference, one after the other, in one run.

For every configuration (model, optimizer, batch) both programs run `--reps` times, alternating,
with the same protocol flags; the table reports the median over repetitions of each run's
median seconds per epoch, and the ratio nabla / PyTorch (the issue's target: <= 0.5).

  /usr/bin/python3 bench/train_compare.py --nabla build/release/bench/train_throughput \
      --reference ../shared/bench/pytorch_reference.py --out bench/train_results.jsonl

Threads: nabla gets --threads; PyTorch gets the same through OMP_NUM_THREADS, with OpenBLAS kept
single-threaded (OPENBLAS_NUM_THREADS=1), as the reference's README prescribes.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

CONFIGS = [
    ("mlp512", "adam", 128), ("mlp512", "sgd", 128), ("mlp512", "adam", 32), ("mlp512", "sgd", 32),
    ("mlp128", "adam", 128), ("mlp128", "sgd", 128), ("mlp128", "adam", 32), ("mlp128", "sgd", 32),
]


def run(cmd, env):
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--nabla", required=True)
    p.add_argument("--reference", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--segments", type=int, default=3)
    p.add_argument("--seg-frac", type=float, default=0.5)
    p.add_argument("--only", default="", help="comma-separated model names to run")
    p.add_argument("--out", default="")
    args = p.parse_args()

    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS="1")
    nabla_env = dict(os.environ, NABLA_NUM_THREADS=str(args.threads))
    common = ["--threads", str(args.threads), "--segments", str(args.segments),
              "--seg-frac", str(args.seg_frac)]
    only = set(filter(None, args.only.split(",")))
    out = open(args.out, "a") if args.out else None
    rows = []
    for model, opt, batch in CONFIGS:
        if only and model not in only:
            continue
        flags = ["--model", model, "--opt", opt, "--batch", str(batch)] + common
        ours, theirs = [], []
        for _ in range(args.reps):
            a = run([args.nabla] + flags, nabla_env)
            b = run(["/usr/bin/python3", args.reference] + flags, env)
            b["framework"] = "pytorch"
            for r in (a, b):
                if out:
                    out.write(json.dumps(r) + "\n")
                    out.flush()
            ours.append(a["sec_per_epoch_median"])
            theirs.append(b["sec_per_epoch_median"])
        n, t = statistics.median(ours), statistics.median(theirs)
        rows.append((model, opt, batch, n, min(ours), max(ours), t, min(theirs), max(theirs)))
        print(f"{model} {opt} b{batch}: nabla {n:.3f} s/epoch, PyTorch {t:.3f}, ratio {n / t:.2f}",
              file=sys.stderr, flush=True)
    print("| model | optimizer | batch | nabla s/epoch (min-max) | PyTorch s/epoch (min-max) "
          "| nabla / PyTorch |")
    print("|---|---|---|---|---|---|")
    for model, opt, batch, n, nlo, nhi, t, tlo, thi in rows:
        print(f"| {model} | {opt} | {batch} | {n:.2f} ({nlo:.2f}-{nhi:.2f}) | {t:.2f} "
              f"({tlo:.2f}-{thi:.2f}) | **{n / t:.2f}** |")


if __name__ == "__main__":
    main()
