#!/usr/bin/python3
"""Golden NumPy results for the contraction family (matmul, tensordot, einsum).

Writes contraction_<case>_in<i>.npy / contraction_<case>_out.npy next to this file, plus
contraction_cases.txt (one line per case: name, op, argument, input count; tab-separated), which
tests/unit/test_golden_contraction.cpp reads. Deterministic (fixed seed); total well under 50 KB.
Run: /usr/bin/python3 tests/golden/generate.py
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240611)


def rand(shape, dtype=np.float32):
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if np.issubdtype(dtype, np.integer):
        return rng.integers(-4, 5, size=shape).astype(dtype)
    return rng.uniform(-1.0, 1.0, size=shape).astype(dtype)


cases = []  # (name, op, argument, inputs, output)


def einsum(name, equation, *inputs):
    cases.append((name, "einsum", equation, inputs, np.einsum(equation, *inputs)))


def tensordot(name, axes, a, b):
    if isinstance(axes, int):
        arg = str(axes)
    else:
        arg = ";".join(",".join(str(i) for i in side) for side in axes)
    cases.append((name, "tensordot", arg, (a, b), np.tensordot(a, b, axes)))


def matmul(name, a, b):
    cases.append((name, "matmul", "-", (a, b), np.matmul(a, b)))


einsum("mm", "ij,jk->ik", rand((3, 4)), rand((4, 5)))
einsum("mm_t", "ij,kj->ik", rand((3, 4)), rand((5, 4)))
einsum("diag", "ii->i", rand((4, 4)))
einsum("trace", "ii", rand((4, 4), np.float64))
einsum("bmm", "bij,bkj->bik", rand((2, 3, 4)), rand((2, 5, 4)))
einsum("ellipsis", "...ij,...jk->...ik", rand((2, 1, 3, 4)), rand((5, 4, 2)))
einsum("mixed_axes", "ijk,jil->kl", rand((2, 3, 4)), rand((3, 2, 5)))
einsum("chain", "ij,jk,kl->il", rand((2, 3)), rand((3, 4)), rand((4, 2)))
einsum("implicit", "Ba,aC", rand((3, 4)), rand((4, 2)))
einsum("outer", "i,j", rand((3,)), rand((4,)))
einsum("sum_all", "ij->", rand((3, 4), np.float64))
einsum("int_mm", "ij,jk->ik", rand((3, 4), np.int32), rand((4, 2), np.int32))
einsum("mixed_dtype", "ij,j->i", rand((3, 4), np.int32), rand((4,), np.float32))
einsum("broadcast_one", "ij,jk->ik", rand((2, 1)), rand((3, 4)))
tensordot("td_2", 2, rand((2, 3, 4)), rand((3, 4, 5)))
tensordot("td_lists", [[1, 0], [0, 2]], rand((3, 4, 2)), rand((4, 2, 3)))
matmul("mm_broadcast", rand((2, 1, 3, 4)), rand((5, 4, 2)))
matmul("mv_batched", rand((4,)), rand((2, 4, 3)))
matmul("mixed", rand((3, 4), np.int32), rand((4, 2), np.float32))
matmul("bool", rand((3, 4), np.bool_), rand((4, 2), np.bool_))

for stale in os.listdir(HERE):
    if stale.startswith("contraction_") and stale.endswith(".npy"):
        os.remove(os.path.join(HERE, stale))
with open(os.path.join(HERE, "contraction_cases.txt"), "w") as manifest:
    for name, op, arg, inputs, output in cases:
        for i, x in enumerate(inputs):
            np.save(os.path.join(HERE, f"contraction_{name}_in{i}.npy"), x)
        np.save(os.path.join(HERE, f"contraction_{name}_out.npy"), np.asarray(output))
        manifest.write(f"{name}\t{op}\t{arg}\t{len(inputs)}\n")


# ---- Reductions and type promotion: all in numpy_cases.npz (members <case>.in<i>, <case>.out),
# listed in numpy_cases.txt ----
# One line per case: name, op, argument, input count (tab-separated); read by
# tests/unit/test_golden_numpy.cpp. Reduction arguments are "axes;keepdims" ("-" = all axes).
numpy_cases = []


def reduction(name, op, x, axes, keepdims, reference):
    arg = ("-" if axes is None else ",".join(str(a) for a in axes)) + (";1" if keepdims else ";0")
    numpy_cases.append((name, op, arg, (x,), np.asarray(reference)))


def logsumexp(x, axis, keepdims):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


x = rand((3, 4, 5))
xi = rand((3, 4, 5), np.int32)
xb = rand((3, 4, 5), np.bool_)
for op in ["sum", "mean", "prod", "max", "min", "var", "std"]:
    f = getattr(np, op)
    reduction(f"{op}_all", op, x, None, False, f(x))
    reduction(f"{op}_axes02_keep", op, x, (0, 2), True, f(x, axis=(0, 2), keepdims=True))
    reduction(f"{op}_neg_axis_int", op, xi, (-1,), False, f(xi, axis=-1))
for op in ["argmax", "argmin"]:
    reduction(f"{op}_axis1", op, x, (1,), False, getattr(np, op)(x, axis=1))
    reduction(f"{op}_int_keep", op, xi, (2,), True, getattr(np, op)(xi, axis=2, keepdims=True))
reduction("sum_bool", "sum", xb, (0,), False, np.sum(xb, axis=0))
reduction("mean_bool", "mean", xb, None, False, np.mean(xb))
reduction("all_axis1", "all", xb, (1,), False, np.all(xb, axis=1))
reduction("any_all", "any", xb, None, True, np.any(xb, keepdims=True))
reduction("logsumexp_axis2", "logsumexp", x * 30, (2,), False, logsumexp(x * 30, 2, False))

dtypes = [np.bool_, np.int32, np.int64, np.float32, np.float64]
for a_type in dtypes:
    for b_type in dtypes:
        a, b = rand((2, 3), a_type), rand((3,), b_type)
        pair = f"{np.dtype(a_type).name}_{np.dtype(b_type).name}"
        numpy_cases.append((f"add_{pair}", "add", "-", (a, b), np.add(a, b)))
        if b_type != np.bool_:
            b = np.where(b == 0, 1, b).astype(b_type)  # no division by zero
        with np.errstate(divide="ignore", invalid="ignore"):  # x / False: inf and nan, as in C
            numpy_cases.append((f"divide_{pair}", "divide", "-", (a, b), np.true_divide(a, b)))
        if a_type != np.bool_ and b_type != np.bool_:
            numpy_cases.append((f"maximum_{pair}", "maximum", "-", (a, b), np.maximum(a, b)))
            numpy_cases.append((f"less_{pair}", "less", "-", (a, b), np.less(a, b)))

arrays = {}
with open(os.path.join(HERE, "numpy_cases.txt"), "w") as manifest:
    for name, op, arg, inputs, output in numpy_cases:
        for i, x_in in enumerate(inputs):
            arrays[f"{name}.in{i}"] = x_in
        arrays[f"{name}.out"] = np.asarray(output)
        manifest.write(f"{name}\t{op}\t{arg}\t{len(inputs)}\n")
np.savez_compressed(os.path.join(HERE, "numpy_cases.npz"), **arrays)
