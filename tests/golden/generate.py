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
