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

--eager-too (issue 8): nabla runs twice per repetition, as traced graphs (the default) and with
--eager, and the table gives graph, eager and PyTorch side by side with each program's peak
resident memory (ru_maxrss; the median over repetitions).
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
    """The program's last JSON line, with its peak resident memory in MiB added as peak_rss_mb."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise subprocess.CalledProcessError(status, cmd)
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024.0
    return result


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--nabla", required=True)
    p.add_argument("--reference", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--segments", type=int, default=3)
    p.add_argument("--seg-frac", type=float, default=0.5)
    p.add_argument("--only", default="",
                   help="comma-separated models to run, or model:optimizer:batch configurations")
    p.add_argument("--out", default="")
    p.add_argument("--eager-too", action="store_true",
                   help="also run nabla with --eager: graph vs eager vs PyTorch, with peak RSS")
    args = p.parse_args()

    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS="1")
    nabla_env = dict(os.environ, NABLA_NUM_THREADS=str(args.threads))
    common = ["--threads", str(args.threads), "--segments", str(args.segments)]
    only = set(filter(None, args.only.split(",")))
    unknown = only - {model for model, *_ in CONFIGS} - {
        f"{model}:{opt}:{batch}" for model, opt, batch, _ in CONFIGS}
    if unknown:
        p.error(f"--only: unknown model(s) {', '.join(sorted(unknown))}")
    out = open(args.out, "a") if args.out else None
    rows = []
    for model, opt, batch, mode in CONFIGS:
        if only and model not in only and f"{model}:{opt}:{batch}" not in only:
            continue
        flags = ["--model", model, "--opt", opt, "--batch", str(batch)] + common
        flags += ["--infer"] if mode == "infer" else [
            "--seg-frac", str(SEG_FRAC.get(model, args.seg_frac))]
        key = "samples_per_s_median" if mode == "infer" else "sec_per_epoch_median"
        runs = {"graph": [], "eager": [], "pytorch": []}
        for _ in range(args.reps):
            a = run([args.nabla] + flags, nabla_env)
            e = run([args.nabla, "--eager"] + flags, nabla_env) if args.eager_too else None
            b = run(["/usr/bin/python3", args.reference] + flags, env)
            b["framework"] = "pytorch"
            for name, r in (("graph", a), ("eager", e), ("pytorch", b)):
                if r is None:
                    continue
                if out:
                    out.write(json.dumps(r) + "\n")
                    out.flush()
                runs[name].append(r)
        med = {name: statistics.median(r[key] for r in rs) for name, rs in runs.items() if rs}
        rss = {name: statistics.median(r["peak_rss_mb"] for r in rs)
               for name, rs in runs.items() if rs}
        spread = {name: (min(r[key] for r in rs), max(r[key] for r in rs))
                  for name, rs in runs.items() if rs}
        what = "samples/s" if mode == "infer" else "s/epoch"
        rows.append((model, "-" if mode == "infer" else opt, batch, what, med, spread, rss))
        print(f"{model} {mode} {opt} b{batch}: " +
              ", ".join(f"{name} {v:.3f}" for name, v in med.items()) + f" {what}",
              file=sys.stderr, flush=True)
    if args.eager_too:
        print("| model | optimizer | batch | unit | graph | eager | PyTorch | graph / eager "
              "| graph / PyTorch | peak RSS MiB: graph / eager / PyTorch |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for model, opt, batch, what, med, spread, rss in rows:
            g, e, t = med["graph"], med["eager"], med["pytorch"]
            print(f"| {model} | {opt} | {batch} | {what} | {g:.3g} | {e:.3g} | {t:.3g} "
                  f"| **{g / e:.2f}** | {g / t:.2f} | {rss['graph']:.0f} / {rss['eager']:.0f} / "
                  f"{rss['pytorch']:.0f} |")
        return
    print("| model | optimizer | batch | unit | nabla, median (min-max) | PyTorch, median (min-max) "
          "| nabla / PyTorch |")
    print("|---|---|---|---|---|---|---|")
    for model, opt, batch, what, med, spread, rss in rows:
        n, t = med["graph"], med["pytorch"]
        (nlo, nhi), (tlo, thi) = spread["graph"], spread["pytorch"]
        print(f"| {model} | {opt} | {batch} | {what} | {n:.3g} ({nlo:.3g}-{nhi:.3g}) | {t:.3g} "
              f"({tlo:.3g}-{thi:.3g}) | **{n / t:.2f}** |")


if __name__ == "__main__":
    main()
