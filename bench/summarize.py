#!/usr/bin/python3
"""Turns the JSON that bench/run.sh writes (BUILD_DIR/bench-results/) into the Markdown tables of
bench/RESULTS.md: medians, and ratios against the raw-BLAS, plain-loop, NumPy and PyTorch rows
measured in the same run (PyTorch alone for the autograd rows). With several result directories
(several runs), each figure is the median of the runs' medians.
Usage: summarize.py RESULTS_DIR [RESULTS_DIR...]"""

import glob
import json
import os
import re
import statistics
import sys

UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def median_of_runs(runs):
    """Merges several {key: seconds} dicts into {key: median over the runs that have the key}."""
    values = {}
    for run in runs:
        for key, seconds in run.items():
            values.setdefault(key, []).append(seconds)
    return {key: statistics.median(v) for key, v in values.items()}


def load_benchmarks(directory):
    """{(tag, name): median seconds}, tag = file stem suffix after the program name (t1, t2...)."""
    medians = {}
    for path in sorted(glob.glob(os.path.join(directory, "bench_*.json"))):
        stem = os.path.basename(path)[: -len(".json")]
        match = re.search(r"_(t\d+.*)$", stem)
        tag = match.group(1) if match else ""
        with open(path) as f:
            data = json.load(f)
        for row in data["benchmarks"]:
            if row.get("aggregate_name") != "median":
                continue
            name = row["run_name"].replace("/real_time", "")
            medians[(tag, name)] = row["real_time"] * UNIT[row["time_unit"]]
    return medians


def load_python(directory):
    """{(lib, threads, op, shape tuple): median seconds}."""
    rows = {}
    for path in glob.glob(os.path.join(directory, "*_t*.jsonl")):
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                rows[(r["lib"], r["threads"], r["op"], tuple(r["shape"]))] = r["median_s"]
    return rows


def fmt_time(seconds):
    if seconds is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt(value, spec=".1f", suffix=""):
    return "—" if value is None else f"{value:{spec}}{suffix}"


def ratio(a, b):
    return None if a is None or b is None else a / b


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def matmul_section(b, threads):
    rows = []
    for n in (128, 256, 512, 1024, 2048):
        key = f"n:{n}"
        nabla = b.get((f"t{threads}", f"BM_NablaMatmul/{key}"))
        raw = b.get((f"t{threads}", f"BM_Sgemm/{key}"))
        fresh = b.get((f"t{threads}", f"BM_SgemmFreshOutput/{key}"))
        flops = 2.0 * n ** 3
        overhead = None if nabla is None or raw is None else (nabla / raw - 1) * 100
        rows.append([n, fmt_time(nabla), fmt_time(raw), fmt_time(fresh), fmt(overhead, "+.1f", "%"),
                     fmt(nabla and flops / nabla / 1e9), fmt(raw and flops / raw / 1e9)])
    return table(["n", "nabla::matmul", "cblas_sgemm", "sgemm + fresh output",
                  "nabla overhead", "nabla GFLOP/s", "sgemm GFLOP/s"], rows)


def bandwidth_section(b, threads):
    rows = []
    per_element = {"BM_NablaAdd": 12, "BM_NablaExp": 8, "BM_AddLoop": 12, "BM_AddLoopFreshOutput": 12,
                   "BM_AddLoopFreshHugePageOutput": 12, "BM_CopyLoop": 8}
    for n in (1 << 20, 1 << 22, 1 << 24):
        gbs = {}
        for name, bytes_per in per_element.items():
            t = b.get((f"t{threads}", f"{name}/n:{n}"))
            gbs[name] = None if t is None else bytes_per * n / t / 1e9
        rows.append([f"{n >> 20}M", fmt(gbs["BM_NablaAdd"]), fmt(gbs["BM_AddLoop"]),
                     fmt(gbs["BM_AddLoopFreshOutput"]), fmt(gbs["BM_AddLoopFreshHugePageOutput"]),
                     fmt(gbs["BM_NablaExp"]),
                     fmt(gbs["BM_CopyLoop"]),
                     fmt(ratio(gbs["BM_NablaAdd"], gbs["BM_CopyLoop"]), ".2f"),
                     fmt(ratio(gbs["BM_NablaExp"], gbs["BM_CopyLoop"]), ".2f")])
    return table(["n (float32)", "nabla add GB/s", "add loop", "add loop + fresh output",
                  "… + huge pages", "nabla exp GB/s", "copy loop", "add / copy", "exp / copy"], rows)


def reduction_section(b, threads):
    side = 4096 * 4096
    pairs = [("sum all [1M]", "BM_NablaSumAll/n:1048576", "BM_SumAllLoop/n:1048576", 1 << 20),
             ("sum all [4096, 4096]", f"BM_NablaSumAll/n:{side}", f"BM_SumAllLoop/n:{side}", side),
             ("sum axis -1 [4096, 4096]", "BM_NablaSumLastAxis", "BM_SumLastAxisLoop", side),
             ("sum axis 0 [4096, 4096]", "BM_NablaSumFirstAxis", "BM_SumFirstAxisLoop", side)]
    rows = []
    for label, nabla_name, loop_name, n in pairs:
        nabla = b.get((f"t{threads}", nabla_name))
        loop = b.get((f"t{threads}", loop_name))
        rows.append([label, fmt_time(nabla), fmt(nabla and 4 * n / nabla / 1e9), fmt_time(loop),
                     fmt(loop and 4 * n / loop / 1e9), fmt(ratio(loop, nabla), ".2f")])
    return table(["reduction", "nabla", "nabla GB/s", "plain loop", "loop GB/s",
                  "nabla speed / loop"], rows)


def dispatch_section(b):
    rows = []
    for name in ("BM_DispatchAdd", "BM_DispatchAddScalar", "BM_DispatchExp", "BM_DispatchTranspose",
                 "BM_TensorEmpty"):
        rows.append([name] + [fmt(b.get((f"t{t}", name)) and b[(f"t{t}", name)] * 1e9, ".0f")
                              for t in (1, 2)])
    return table(["op", "ns/call (1 thread)", "ns/call (2 threads)"], rows)


def threading_section(b):
    rows = []
    names = [("BM_NablaMatmul/n:512", 2 * 512 ** 3), ("BM_NablaMatmul/n:1024", 2 * 1024 ** 3),
             ("BM_Sgemm/n:512", 2 * 512 ** 3), ("BM_Sgemm/n:1024", 2 * 1024 ** 3),
             ("BM_SgemmRowSplit/n:512", 2 * 512 ** 3), ("BM_SgemmRowSplit/n:1024", 2 * 1024 ** 3)]
    for batch, m in ((256, 32), (64, 128)):
        flops = 2 * batch * m ** 3
        for prefix in ("BM_NablaMatmulBatched", "BM_SgemmBatchLoop", "BM_SgemmBatchParallel"):
            names.append((f"{prefix}/batch:{batch}/m:{m}", flops))
    for name, flops in names:
        cells = []
        for tag in ("t1", "t2", "t2_blas1"):
            t = b.get((tag, name))
            cells.append(f"{fmt_time(t)} ({fmt(t and flops / t / 1e9, '.0f')})")
        rows.append([name] + cells)
    return table(["row", "1 thread", "2 threads, shared pool (A)",
                  "2 threads, BLAS pinned to 1 (B)"], rows)


def python_section(b, py, threads):
    cases = [("matmul", (n, n), f"BM_NablaMatmul/n:{n}") for n in (512, 1024, 2048)]
    cases += [("matmul_batched", (bt, m, m), f"BM_NablaMatmulBatched/batch:{bt}/m:{m}")
              for bt, m in ((256, 32), (64, 128))]
    for n in (1 << 20, 1 << 24):
        cases += [("add", (n,), f"BM_NablaAdd/n:{n}"), ("exp", (n,), f"BM_NablaExp/n:{n}")]
    cases += [("sum", (4096, 4096), f"BM_NablaSumAll/n:{4096 * 4096}"),
              ("sum_last_axis", (4096, 4096), "BM_NablaSumLastAxis"),
              ("sum_first_axis", (4096, 4096), "BM_NablaSumFirstAxis"),
              ("add_tiny", (1,), "BM_DispatchAdd"), ("transpose_view", (2, 3), "BM_DispatchTranspose")]
    rows = []
    for op, shape, name in cases:
        nabla = b.get((f"t{threads}", name))
        numpy = py.get(("numpy", threads, op, shape))
        torch = py.get(("torch", threads, op, shape))
        rows.append([f"{op} {list(shape)}", fmt_time(nabla), fmt_time(numpy), fmt_time(torch),
                     fmt(ratio(nabla, numpy), ".2f"), fmt(ratio(nabla, torch), ".2f")])
    return table(["op", "nabla", "NumPy", "PyTorch", "nabla/NumPy time", "nabla/PyTorch time"], rows)


AUTOGRAD_ROWS = [  # label, bench_autograd row, PyTorch op, calls per op (per-op rows)
    ("add [1], no grad (dispatch baseline)", "BM_AddNoGrad", "autograd_add_nograd", 1),
    ("add [1], one input requires grad: forward + node", "BM_AddRecorded",
     "autograd_add_recorded", 1),
    ("add [1]: zero grad, forward, backward", "BM_AddForwardBackward",
     "autograd_add_forward_backward", 1),
    ("add [1]: forward, backward, grad accumulating", "BM_AddForwardBackwardAccumulate",
     "autograd_add_forward_backward_accumulate", 1),
    ("chain of 100 `y * 1.0001`, no grad, per op", "BM_Chain100Forward",
     "autograd_chain100_forward", 100),
    ("chain of 100: zero grad, forward, backward, per op", "BM_Chain100ForwardBackward",
     "autograd_chain100_forward_backward", 100),
    ("MLP step, forward under no-grad", "BM_MlpForwardNoGrad", "autograd_mlp_forward_no_grad", 1),
    ("MLP step, forward recorded", "BM_MlpForwardRecorded", "autograd_mlp_forward_recorded", 1),
    ("MLP step: zero grads, forward, backward", "BM_MlpForwardBackward",
     "autograd_mlp_forward_backward", 1),
]


def autograd_section(b, py, threads):
    """bench_autograd.cpp next to the same rows in torch.autograd, then the overhead ratios."""
    times = {}
    rows = []
    for label, name, op, per in AUTOGRAD_ROWS:
        shape = (64, 784, 128, 10) if op.startswith("autograd_mlp") else (1,)
        nabla = b.get((f"t{threads}", name))
        torch = py.get(("torch", threads, op, shape))
        nabla, torch = (None if t is None else t / per for t in (nabla, torch))
        times[name] = (nabla, torch)
        rows.append([label, fmt_time(nabla), fmt_time(torch), fmt(ratio(nabla, torch), ".2f")])
    out = table(["row", "nabla", "PyTorch", "nabla/PyTorch time"], rows)

    def derived(a, base, difference=False):
        cells = []
        for lib in (0, 1):
            x, y = times[a][lib], times[base][lib]
            if difference:
                cells.append(fmt_time(None if x is None or y is None else x - y))
            else:
                cells.append(fmt(ratio(x, y), ".2f", "×"))
        return cells

    ratios = [
        ["recording one node (add recorded − add no grad)"]
        + derived("BM_AddRecorded", "BM_AddNoGrad", difference=True),
        ["add forward + backward / add no grad"]
        + derived("BM_AddForwardBackward", "BM_AddNoGrad"),
        ["chain: forward + backward / forward no grad"]
        + derived("BM_Chain100ForwardBackward", "BM_Chain100Forward"),
        ["MLP: forward recorded / forward no grad"]
        + derived("BM_MlpForwardRecorded", "BM_MlpForwardNoGrad"),
        ["MLP: forward + backward / forward no grad"]
        + derived("BM_MlpForwardBackward", "BM_MlpForwardNoGrad"),
    ]
    return out + "\n" + table(["overhead", "nabla", "PyTorch"], ratios)


def main():
    directories = sys.argv[1:]
    if not directories:
        sys.exit(__doc__)
    b = median_of_runs(load_benchmarks(d) for d in directories)
    py = median_of_runs(load_python(d) for d in directories)
    for threads in (1, 2):
        print(f"### matmul vs raw OpenBLAS, {threads} thread(s)\n")
        print(matmul_section(b, threads))
    for threads in (1, 2):
        print(f"### elementwise bandwidth, {threads} thread(s)\n")
        print(bandwidth_section(b, threads))
    for threads in (1, 2):
        print(f"### reductions, {threads} thread(s)\n")
        print(reduction_section(b, threads))
    print("### dispatch overhead\n")
    print(dispatch_section(b))
    print("### threading scheme (time per call, GFLOP/s in parentheses)\n")
    print(threading_section(b))
    for threads in (1, 2):
        print(f"### nabla vs NumPy / PyTorch, {threads} thread(s) (median time per call)\n")
        print(python_section(b, py, threads))
    for threads in (1, 2):
        print(f"### autograd overhead, nabla vs PyTorch, {threads} thread(s)\n")
        print(autograd_section(b, py, threads))


if __name__ == "__main__":
    main()
