#!/usr/bin/python3
"""nabla's train_throughput next to PyTorch's reference, one after the other, in one run.

For every configuration (model, optimizer, batch) both programs run `--reps` times, alternating,
with the same protocol flags; the table reports the median over repetitions of each run's
median seconds per epoch (or, for --infer rows, samples per second), and the ratio nabla /
PyTorch (issue 4's and 5's targets: <= 0.5 for training, >= 2 for inference).

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

# (model, optimizer, batch, mode); "infer" rows compare samples per second (--infer, batch 1000).
CONFIGS = [
    ("mlp512", "adam", 128, "train"), ("mlp512", "sgd", 128, "train"),
    ("mlp512", "adam", 32, "train"), ("mlp512", "sgd", 32, "train"),
    ("mlp128", "adam", 128, "train"), ("mlp128", "sgd", 128, "train"),
    ("mlp128", "adam", 32, "train"), ("mlp128", "sgd", 32, "train"),
    ("cnnA", "adam", 128, "train"), ("cnnA", "adam", 32, "train"), ("cnnA", "adam", 1000, "infer"),
    ("cnnB", "adam", 128, "train"), ("cnnB", "adam", 32, "train"), ("cnnB", "adam", 1000, "infer"),
    ("lstm", "adam", 128, "train"), ("lstm", "adam", 1000, "infer"),
    ("gru", "adam", 128, "train"), ("gru", "adam", 1000, "infer"),
]
# A convnet epoch takes PyTorch about a minute here, a recurrent one 15-20 s: shorter timed
# segments for those.
SEG_FRAC = {"cnnA": 0.1, "cnnB": 0.2, "lstm": 0.34, "gru": 0.34}


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
    common = ["--threads", str(args.threads), "--segments", str(args.segments)]
    only = set(filter(None, args.only.split(",")))
    unknown = only - {model for model, *_ in CONFIGS}
    if unknown:
        p.error(f"--only: unknown model(s) {', '.join(sorted(unknown))}")
    out = open(args.out, "a") if args.out else None
    rows = []
    for model, opt, batch, mode in CONFIGS:
        if only and model not in only:
            continue
        flags = ["--model", model, "--opt", opt, "--batch", str(batch)] + common
        flags += ["--infer"] if mode == "infer" else [
            "--seg-frac", str(SEG_FRAC.get(model, args.seg_frac))]
        key = "samples_per_s_median" if mode == "infer" else "sec_per_epoch_median"
        ours, theirs = [], []
        for _ in range(args.reps):
            a = run([args.nabla] + flags, nabla_env)
            b = run(["/usr/bin/python3", args.reference] + flags, env)
            b["framework"] = "pytorch"
            for r in (a, b):
                if out:
                    out.write(json.dumps(r) + "\n")
                    out.flush()
            ours.append(a[key])
            theirs.append(b[key])
        n, t = statistics.median(ours), statistics.median(theirs)
        what = "samples/s" if mode == "infer" else "s/epoch"
        rows.append((model, "-" if mode == "infer" else opt, batch, what, n, min(ours), max(ours),
                     t, min(theirs), max(theirs)))
        print(f"{model} {mode} {opt} b{batch}: nabla {n:.3f} {what}, PyTorch {t:.3f}, "
              f"ratio {n / t:.2f}", file=sys.stderr, flush=True)
    print("| model | optimizer | batch | unit | nabla, median (min-max) | PyTorch, median (min-max) "
          "| nabla / PyTorch |")
    print("|---|---|---|---|---|---|---|")
    for model, opt, batch, what, n, nlo, nhi, t, tlo, thi in rows:
        print(f"| {model} | {opt} | {batch} | {what} | {n:.3g} ({nlo:.3g}-{nhi:.3g}) | {t:.3g} "
              f"({tlo:.3g}-{thi:.3g}) | **{n / t:.2f}** |")


if __name__ == "__main__":
    main()
